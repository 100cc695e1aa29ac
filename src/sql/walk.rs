//! Walks over a statement's syntax tree. sqlparser's walk is generic over the visitor: each
//! `visit_expressions(…, closure)` compiles the whole walk of every node type again for that
//! closure (about a quarter of a megabyte of code, and compile time, each). Every walk of
//! connectql goes through the one visitor type here, which hands each hook to the visitor behind
//! a reference, so the walk is compiled once for reading and once for rewriting.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, ObjectName, Query, Select, Statement, TableFactor, ValueWithSpan, Visit, VisitMut, Visitor, VisitorMut,
};

/// Reading walk: the visitor's hooks run in sqlparser's order.
pub(crate) fn walk<N: Visit + ?Sized>(node: &N, visitor: &mut dyn Visitor<Break = ()>) -> ControlFlow<()> {
    node.visit(&mut Forward(visitor))
}

/// Rewriting walk: the visitor's hooks may change the nodes they are given.
pub(crate) fn walk_mut<N: VisitMut + ?Sized>(
    node: &mut N,
    visitor: &mut dyn VisitorMut<Break = ()>,
) -> ControlFlow<()> {
    node.visit(&mut ForwardMut(visitor))
}

/// Every expression, before its children (as sqlparser's `visit_expressions`).
pub(crate) fn exprs<N: Visit + ?Sized>(node: &N, f: impl FnMut(&Expr) -> ControlFlow<()>) -> ControlFlow<()> {
    struct Pre<F>(F);
    impl<F: FnMut(&Expr) -> ControlFlow<()>> Visitor for Pre<F> {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            (self.0)(expr)
        }
    }
    walk(node, &mut Pre(f))
}

/// Every expression, after its children, which `f` may replace (as sqlparser's
/// `visit_expressions_mut`).
pub(crate) fn exprs_mut<N: VisitMut + ?Sized>(
    node: &mut N,
    f: impl FnMut(&mut Expr) -> ControlFlow<()>,
) -> ControlFlow<()> {
    struct Post<F>(F);
    impl<F: FnMut(&mut Expr) -> ControlFlow<()>> VisitorMut for Post<F> {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            (self.0)(expr)
        }
    }
    walk_mut(node, &mut Post(f))
}

struct Forward<'a>(&'a mut dyn Visitor<Break = ()>);

impl Visitor for Forward<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.0.pre_visit_query(q)
    }
    fn post_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.0.post_visit_query(q)
    }
    fn pre_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
        self.0.pre_visit_select(s)
    }
    fn post_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
        self.0.post_visit_select(s)
    }
    fn pre_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<()> {
        self.0.pre_visit_relation(r)
    }
    fn post_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<()> {
        self.0.post_visit_relation(r)
    }
    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        self.0.pre_visit_table_factor(t)
    }
    fn post_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        self.0.post_visit_table_factor(t)
    }
    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        self.0.pre_visit_expr(e)
    }
    fn post_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        self.0.post_visit_expr(e)
    }
    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        self.0.pre_visit_statement(s)
    }
    fn post_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        self.0.post_visit_statement(s)
    }
    fn pre_visit_value(&mut self, v: &ValueWithSpan) -> ControlFlow<()> {
        self.0.pre_visit_value(v)
    }
    fn post_visit_value(&mut self, v: &ValueWithSpan) -> ControlFlow<()> {
        self.0.post_visit_value(v)
    }
}

struct ForwardMut<'a>(&'a mut dyn VisitorMut<Break = ()>);

impl VisitorMut for ForwardMut<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        self.0.pre_visit_query(q)
    }
    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        self.0.post_visit_query(q)
    }
    fn pre_visit_select(&mut self, s: &mut Select) -> ControlFlow<()> {
        self.0.pre_visit_select(s)
    }
    fn post_visit_select(&mut self, s: &mut Select) -> ControlFlow<()> {
        self.0.post_visit_select(s)
    }
    fn pre_visit_relation(&mut self, r: &mut ObjectName) -> ControlFlow<()> {
        self.0.pre_visit_relation(r)
    }
    fn post_visit_relation(&mut self, r: &mut ObjectName) -> ControlFlow<()> {
        self.0.post_visit_relation(r)
    }
    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        self.0.pre_visit_table_factor(t)
    }
    fn post_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        self.0.post_visit_table_factor(t)
    }
    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        self.0.pre_visit_expr(e)
    }
    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        self.0.post_visit_expr(e)
    }
    fn pre_visit_statement(&mut self, s: &mut Statement) -> ControlFlow<()> {
        self.0.pre_visit_statement(s)
    }
    fn post_visit_statement(&mut self, s: &mut Statement) -> ControlFlow<()> {
        self.0.post_visit_statement(s)
    }
    fn pre_visit_value(&mut self, v: &mut ValueWithSpan) -> ControlFlow<()> {
        self.0.pre_visit_value(v)
    }
    fn post_visit_value(&mut self, v: &mut ValueWithSpan) -> ControlFlow<()> {
        self.0.post_visit_value(v)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::sql::sqlparser::ast::Value;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    use super::*;

    fn statement(sql: &str) -> Statement {
        Parser::parse_sql(&GenericDialect {}, sql).expect("parses").remove(0)
    }

    /// The forwarding visitor keeps sqlparser's order: an expression before its children when
    /// reading, after them when rewriting, and every hook reached (here: relations).
    #[test]
    fn the_walks_keep_sqlparsers_order_and_reach_every_hook() {
        let s = statement("SELECT a + 1 FROM t WHERE b IN (SELECT c FROM u)");
        let mut read = Vec::new();
        let _ = exprs(&s, |e| {
            read.push(e.to_string());
            ControlFlow::Continue(())
        });
        let mut theirs = Vec::new();
        let _ = datafusion::sql::sqlparser::ast::visit_expressions(&s, |e| {
            theirs.push(e.to_string());
            ControlFlow::<()>::Continue(())
        });
        assert_eq!(read, theirs);
        assert_eq!(read.first().map(String::as_str), Some("a + 1"));

        let mut s = s;
        let mut rewritten = Vec::new();
        let _ = exprs_mut(&mut s, |e| {
            rewritten.push(e.to_string());
            if let Expr::Value(v) = e {
                v.value = Value::Number("2".into(), false);
            }
            ControlFlow::Continue(())
        });
        assert_eq!(rewritten.first().map(String::as_str), Some("a"), "children first: {rewritten:?}");
        assert_eq!(s.to_string(), "SELECT a + 2 FROM t WHERE b IN (SELECT c FROM u)");

        struct Relations(Vec<String>);
        impl Visitor for Relations {
            type Break = ();
            fn pre_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<()> {
                self.0.push(r.to_string());
                ControlFlow::Continue(())
            }
        }
        let mut relations = Relations(Vec::new());
        let _ = walk(&s, &mut relations);
        assert_eq!(relations.0, ["t", "u"]);
    }

    /// A break stops the walk.
    #[test]
    fn a_break_stops_the_walk() {
        let s = statement("SELECT 1, 2, 3");
        let mut seen = 0;
        let flow = exprs(&s, |_| {
            seen += 1;
            if seen == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        });
        assert_eq!((flow, seen), (ControlFlow::Break(()), 2));
    }
}
