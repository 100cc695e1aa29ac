//! Result output: table, csv, tsv, json (one array), ndjson (one object a line) and markdown.
//! Everything but `table` and `markdown` streams batch by batch. JSON keeps every column in
//! SELECT order, NULL as `null`; CSV and TSV write nested values (structs, lists, maps) as JSON
//! text, so every format can be read back by a program.

use std::io::Write;

use clap::ValueEnum;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::Writer;
use datafusion::arrow::json::writer::{JsonArray, LineDelimited, WriterBuilder};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches;
use std::sync::Arc;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Format {
    #[default]
    Table,
    Csv,
    Tsv,
    Json,
    Ndjson,
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        <Format as ValueEnum>::from_str(s, true)
            .map_err(|_| format!("unknown format '{s}': table, csv, tsv, json, ndjson or markdown"))
    }
}

/// Prints batches as they come, in one format.
pub(crate) struct Printer<W: Write> {
    format: Format,
    out: W,
    held: Vec<RecordBatch>,
    json: Option<Writer<Vec<u8>, JsonArray>>,
    header_done: bool,
}

fn is_nested(t: &DataType) -> bool {
    matches!(t, DataType::Struct(_) | DataType::List(_) | DataType::LargeList(_) | DataType::Map(_, _))
}

/// The JSON text of each value of a nested column (empty for NULL).
fn json_texts(column: &datafusion::arrow::array::ArrayRef) -> Result<Vec<String>, ArrowError> {
    let schema = Arc::new(Schema::new(vec![Field::new("v", column.data_type().clone(), true)]));
    let one = RecordBatch::try_new(schema, vec![Arc::clone(column)])?;
    let mut w: Writer<Vec<u8>, LineDelimited> = WriterBuilder::new().with_explicit_nulls(true).build(Vec::new());
    w.write(&one)?;
    w.finish()?;
    let text = String::from_utf8(w.into_inner()).map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
    text.lines()
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
            Ok(match &v["v"] {
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            })
        })
        .collect()
}

/// Every value of a batch as text (NULL as empty); nested values as JSON text when asked.
fn cells(batch: &RecordBatch, nested_as_json: bool) -> Result<Vec<Vec<String>>, ArrowError> {
    let options = FormatOptions::default().with_null("");
    let mut columns: Vec<Vec<String>> = Vec::with_capacity(batch.num_columns());
    for c in batch.columns() {
        if nested_as_json && is_nested(c.data_type()) {
            columns.push(json_texts(c)?);
        } else {
            let f = ArrayFormatter::try_new(c.as_ref(), &options)?;
            columns.push((0..batch.num_rows()).map(|r| f.value(r).to_string()).collect());
        }
    }
    Ok((0..batch.num_rows()).map(|r| columns.iter().map(|c| c[r].clone()).collect()).collect())
}

fn csv_field(value: &str, delimiter: char) -> String {
    if value.contains(delimiter) || value.contains('"') || value.contains('\n') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

impl<W: Write> Printer<W> {
    pub(crate) fn new(format: Format, out: W) -> Self {
        Printer { format, out, held: Vec::new(), json: None, header_done: false }
    }

    fn delimiter(&self) -> char {
        if self.format == Format::Csv { ',' } else { '\t' }
    }

    fn header(&mut self, schema: &Schema) -> Result<(), ArrowError> {
        let d = self.delimiter();
        let names: Vec<String> = schema.fields().iter().map(|f| csv_field(f.name(), d)).collect();
        writeln!(self.out, "{}", names.join(&d.to_string()))?;
        self.header_done = true;
        Ok(())
    }

    /// Prints (or holds, for the aligned formats) one batch.
    ///
    /// # Errors
    /// On a write error or a value the format cannot encode.
    pub(crate) fn batch(&mut self, batch: RecordBatch) -> Result<(), ArrowError> {
        match self.format {
            Format::Table | Format::Markdown => self.held.push(batch),
            Format::Csv | Format::Tsv => {
                if !self.header_done {
                    self.header(&batch.schema())?;
                }
                let d = self.delimiter();
                for row in cells(&batch, true)? {
                    let fields: Vec<String> = row.iter().map(|v| csv_field(v, d)).collect();
                    writeln!(self.out, "{}", fields.join(&d.to_string()))?;
                }
            }
            Format::Json => {
                let w = self.json.get_or_insert_with(|| {
                    WriterBuilder::new().with_explicit_nulls(true).build::<_, JsonArray>(Vec::new())
                });
                w.write(&batch)?;
                // Flush what the writer has so far; `finish` closes the array.
                let buf = std::mem::take(w.get_mut());
                self.out.write_all(&buf)?;
            }
            Format::Ndjson => {
                let mut w: Writer<&mut W, LineDelimited> =
                    WriterBuilder::new().with_explicit_nulls(true).build(&mut self.out);
                w.write(&batch)?;
                w.finish()?;
            }
        }
        Ok(())
    }

    /// Ends the output (prints held tables, closes the JSON array).
    ///
    /// # Errors
    /// On a write error.
    pub(crate) fn finish(mut self, schema: &SchemaRef) -> Result<W, ArrowError> {
        match self.format {
            Format::Table => {
                if self.held.is_empty() {
                    self.held.push(RecordBatch::new_empty(Arc::clone(schema)));
                }
                writeln!(self.out, "{}", pretty_format_batches(&self.held)?)?;
            }
            Format::Markdown => {
                let names: Vec<String> = schema.fields().iter().map(|f| f.name().replace('|', "\\|")).collect();
                writeln!(self.out, "| {} |", names.join(" | "))?;
                writeln!(self.out, "|{}", "---|".repeat(names.len()))?;
                for b in &self.held {
                    for row in cells(b, false)? {
                        let row: Vec<String> = row.iter().map(|v| v.replace('|', "\\|").replace('\n', " ")).collect();
                        writeln!(self.out, "| {} |", row.join(" | "))?;
                    }
                }
            }
            Format::Json => match self.json.take() {
                Some(mut w) => {
                    w.finish()?;
                    let buf = w.into_inner();
                    self.out.write_all(&buf)?;
                    writeln!(self.out)?;
                }
                None => writeln!(self.out, "[]")?,
            },
            Format::Csv | Format::Tsv => {
                if !self.header_done {
                    self.header(schema)?;
                }
            }
            Format::Ndjson => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray, StructArray};
    use datafusion::arrow::datatypes::Fields;

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("n", DataType::Int32, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(vec![Some("a,b"), None])), Arc::new(Int32Array::from(vec![1, 2]))],
        )
        .expect("batch")
    }

    fn render(format: Format, b: RecordBatch) -> String {
        let schema = b.schema();
        let mut p = Printer::new(format, Vec::new());
        p.batch(b).expect("batch");
        String::from_utf8(p.finish(&schema).expect("finish")).expect("utf8")
    }

    #[test]
    fn each_format_renders_rows_and_keeps_nulls() {
        assert_eq!(render(Format::Csv, batch()), "name,n\n\"a,b\",1\n,2\n");
        assert_eq!(render(Format::Tsv, batch()), "name\tn\na,b\t1\n\t2\n");
        assert_eq!(render(Format::Ndjson, batch()), "{\"name\":\"a,b\",\"n\":1}\n{\"name\":null,\"n\":2}\n");
        assert_eq!(render(Format::Json, batch()), "[{\"name\":\"a,b\",\"n\":1},{\"name\":null,\"n\":2}]\n");
        assert_eq!(render(Format::Markdown, batch()), "| name | n |\n|---|---|\n| a,b | 1 |\n|  | 2 |\n");
        assert!(render(Format::Table, batch()).contains("| a,b  | 1 |"));
    }

    #[test]
    fn csv_writes_a_struct_as_json_text() {
        let fields = Fields::from(vec![
            Field::new("PhoneType", DataType::Utf8, true),
            Field::new("AutoAccept", DataType::Int32, true),
        ]);
        let s = StructArray::new(
            fields.clone(),
            vec![Arc::new(StringArray::from(vec!["SOFT_PHONE"])), Arc::new(Int32Array::from(vec![1]))],
            None,
        );
        let schema = Arc::new(Schema::new(vec![Field::new("phone_config", DataType::Struct(fields), true)]));
        let b = RecordBatch::try_new(schema, vec![Arc::new(s)]).expect("batch");
        assert_eq!(
            render(Format::Csv, b),
            "phone_config\n\"{\"\"PhoneType\"\":\"\"SOFT_PHONE\"\",\"\"AutoAccept\"\":1}\"\n"
        );
    }
}
