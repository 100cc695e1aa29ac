//! How deep a statement's expressions may nest. sqlparser bounds nesting by parentheses, but a
//! flat chain (`1 + 1 + … + 1`, `a = 1 OR a = 2 OR …`) parses into a tree as deep as it is long,
//! and planning it costs time and memory that grow faster than its length. The engine refuses a
//! deeper statement before planning it, naming the limit.

use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{Expr, Visitor};

use super::walk;
use crate::error::{Error, SqlError};

/// The deepest expression nesting a statement may have. A chain of 1,000 `OR`s plans in well
/// under a second (release build); the engine's runtime has stack for many times this.
pub(crate) const MAX_EXPR_DEPTH: usize = 1000;

struct Depth {
    current: usize,
    deepest: usize,
}

impl Visitor for Depth {
    type Break = ();

    fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
        self.current += 1;
        self.deepest = self.deepest.max(self.current);
        // Stop at once: walking further only costs time.
        if self.deepest > MAX_EXPR_DEPTH { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }

    fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
        self.current -= 1;
        ControlFlow::Continue(())
    }
}

/// Runs `f` on a thread with room for any statement's recursion (parsing text of unknown depth
/// outside the engine's runtime, e.g. to decide how to mask it); `None` when no thread can be
/// started or `f` panicked.
pub(crate) fn with_deep_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new().stack_size(256 * 1024 * 1024).spawn_scoped(scope, f).ok()?;
        handle.join().ok()
    })
}

/// Refuses a statement whose expressions nest deeper than [`MAX_EXPR_DEPTH`].
///
/// # Errors
/// The refusal, saying how to write the statement instead.
pub(crate) fn check_depth(statement: &DfStatement) -> Result<(), Error> {
    let mut depth = Depth { current: 0, deepest: 0 };
    match statement {
        DfStatement::Statement(s) => {
            let _ = walk::walk(s.as_ref(), &mut depth);
        }
        DfStatement::Explain(e) => return check_depth(&e.statement),
        DfStatement::CopyTo(c) => {
            if let datafusion::sql::parser::CopyToSource::Query(q) = &c.source {
                let _ = walk::walk(q.as_ref(), &mut depth);
            }
        }
        _ => {}
    }
    if depth.deepest > MAX_EXPR_DEPTH {
        return Err(Error::sql(
            SqlError::Invalid,
            format!(
                "the statement's expressions nest more than {MAX_EXPR_DEPTH} deep (a chain of that many operators): \
                 use IN (…) for a list of values, or split the statement"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use datafusion::sql::parser::DFParser;

    use super::*;

    fn parsed(sql: &str) -> DfStatement {
        DFParser::parse_sql(sql).expect("parses").pop_front().expect("one")
    }

    #[test]
    fn a_chain_longer_than_the_limit_is_refused_and_a_wide_list_is_not() {
        let chain = |n: usize| format!("SELECT {} AS x", vec!["1"; n].join(" + "));
        assert!(check_depth(&parsed(&chain(MAX_EXPR_DEPTH - 1))).is_ok());
        let e = check_depth(&parsed(&chain(MAX_EXPR_DEPTH + 1))).expect_err("too deep");
        assert!(e.to_string().contains("1000"), "{e}");
        let ors: Vec<String> = (0..2 * MAX_EXPR_DEPTH).map(|i| format!("a = {i}")).collect();
        assert!(check_depth(&parsed(&format!("SELECT 1 FROM t WHERE {}", ors.join(" OR ")))).is_err());
        let wide: Vec<String> = (0..20 * MAX_EXPR_DEPTH).map(|i| i.to_string()).collect();
        assert!(check_depth(&parsed(&format!("SELECT 1 FROM t WHERE a IN ({})", wide.join(", ")))).is_ok());
        assert!(check_depth(&parsed(&format!("EXPLAIN {}", chain(MAX_EXPR_DEPTH + 1)))).is_err());
    }
}
