//! `COPY (query) TO STDOUT` and `COPY table TO STDOUT`: what psql's `\copy … TO 'file'` sends.
//! The query runs through the engine door like any other (guards, policy, masking); its rows go
//! to the client as CSV or Postgres' text format, batch by batch. The server's own file system
//! is never touched (a `COPY … TO 'file'` stays refused on a server).

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::sql::sqlparser::ast::{
    CopyLegacyCsvOption, CopyLegacyOption, CopyOption, CopySource, CopyTarget, Statement,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// One `COPY … TO STDOUT`: the query whose rows it sends, and how.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CopyOut {
    pub(super) query: String,
    csv: bool,
    header: bool,
    delimiter: u8,
}

/// The `COPY … TO STDOUT` a statement is, if it is one.
pub(super) fn recognize(sql: &str) -> Option<CopyOut> {
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
    let Some(Statement::Copy { source, to: true, target: CopyTarget::Stdout, options, legacy_options, .. }) =
        statements.pop()
    else {
        return None;
    };
    let query = match source {
        CopySource::Query(q) => q.to_string(),
        CopySource::Table { table_name, columns } => {
            let columns: Vec<String> = columns.iter().map(ToString::to_string).collect();
            let list = if columns.is_empty() { "*".to_owned() } else { columns.join(", ") };
            format!("SELECT {list} FROM {table_name}")
        }
    };
    let mut copy = CopyOut { query, csv: false, header: false, delimiter: b'\t' };
    let mut delimiter = None;
    for o in options {
        match o {
            CopyOption::Format(f) => copy.csv = f.value.eq_ignore_ascii_case("csv"),
            CopyOption::Header(h) => copy.header = h,
            CopyOption::Delimiter(d) => delimiter = u8::try_from(d).ok(),
            _ => {}
        }
    }
    for o in legacy_options {
        match o {
            CopyLegacyOption::Csv(csv) => {
                copy.csv = true;
                copy.header |= csv.iter().any(|c| matches!(c, CopyLegacyCsvOption::Header));
            }
            CopyLegacyOption::Header => copy.header = true,
            CopyLegacyOption::Delimiter(d) => delimiter = u8::try_from(d).ok(),
            _ => {}
        }
    }
    copy.delimiter = delimiter.unwrap_or(if copy.csv { b',' } else { b'\t' });
    Some(copy)
}

impl CopyOut {
    /// One batch's rows as the client receives them; the header goes with the first batch.
    ///
    /// # Errors
    /// A value the writer cannot format.
    pub(super) fn encode(&self, batch: &RecordBatch, first: bool) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let builder = WriterBuilder::new().with_header(self.header && first).with_delimiter(self.delimiter);
        // Postgres' text format writes NULL as \N; CSV as an empty field.
        let builder = if self.csv { builder } else { builder.with_null("\\N".to_owned()) };
        let mut writer = builder.build(&mut out);
        writer.write(batch).map_err(|e| e.to_string())?;
        drop(writer);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn psql_copy_statements_are_recognised() {
        let c = recognize("COPY (SELECT username FROM connect.users) TO STDOUT CSV HEADER").expect("copy");
        assert_eq!(
            c,
            CopyOut { query: "SELECT username FROM connect.users".into(), csv: true, header: true, delimiter: b',' }
        );
        let c = recognize("COPY connect.users (username, email) TO STDOUT WITH (FORMAT csv)").expect("copy");
        assert_eq!(c.query, "SELECT username, email FROM connect.users");
        assert!(c.csv && !c.header);
        let c = recognize("COPY connect.users TO STDOUT").expect("copy");
        assert!(!c.csv && c.delimiter == b'\t');
        assert_eq!(recognize("COPY connect.users TO '/tmp/x.csv'"), None, "a file on the server is not this");
        assert_eq!(recognize("SELECT 1"), None);
    }

    #[test]
    fn rows_are_csv_or_text_with_the_header_once() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("username", DataType::Utf8, true),
            Field::new("email", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(vec!["a,b", "c"])), Arc::new(StringArray::from(vec![Some("e"), None]))],
        )
        .expect("batch");
        let csv = recognize("COPY t TO STDOUT CSV HEADER").expect("copy");
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf8");
        assert_eq!(text(csv.encode(&batch, true).expect("csv")), "username,email\n\"a,b\",e\nc,\n");
        assert_eq!(text(csv.encode(&batch, false).expect("csv")), "\"a,b\",e\nc,\n");
        let tsv = recognize("COPY t TO STDOUT").expect("copy");
        assert_eq!(text(tsv.encode(&batch, true).expect("text")), "a,b\te\nc\t\\N\n");
    }
}
