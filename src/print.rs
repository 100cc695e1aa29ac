//! Result output: table, csv, tsv, json (one array), ndjson (one object a line) and markdown.
//! Everything but `table` and `markdown` streams batch by batch.

use std::io::Write;

use clap::ValueEnum;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::{ArrayWriter, LineDelimitedWriter};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
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
pub struct Printer<W: Write> {
    format: Format,
    out: W,
    held: Vec<RecordBatch>,
    json: Option<ArrayWriter<Vec<u8>>>,
    header_done: bool,
    rows: usize,
}

fn is_nested(t: &DataType) -> bool {
    matches!(t, DataType::Struct(_) | DataType::List(_) | DataType::LargeList(_) | DataType::Map(_, _))
}

/// Every value of a batch as display text (NULL as empty).
fn cells(batch: &RecordBatch) -> Result<Vec<Vec<String>>, ArrowError> {
    let options = FormatOptions::default().with_null("");
    let formatters: Vec<ArrayFormatter> =
        batch.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &options)).collect::<Result<_, _>>()?;
    Ok((0..batch.num_rows()).map(|r| formatters.iter().map(|f| f.value(r).to_string()).collect()).collect())
}

fn csv_field(value: &str, delimiter: char) -> String {
    if value.contains(delimiter) || value.contains('"') || value.contains('\n') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

impl<W: Write> Printer<W> {
    pub fn new(format: Format, out: W) -> Self {
        Printer { format, out, held: Vec::new(), json: None, header_done: false, rows: 0 }
    }

    /// Rows printed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Prints (or holds, for the aligned formats) one batch.
    ///
    /// # Errors
    /// On a write error or a value the format cannot encode.
    pub fn batch(&mut self, batch: RecordBatch) -> Result<(), ArrowError> {
        self.rows += batch.num_rows();
        match self.format {
            Format::Table | Format::Markdown => self.held.push(batch),
            Format::Csv | Format::Tsv => {
                let delimiter = if self.format == Format::Csv { ',' } else { '\t' };
                if !self.header_done {
                    let names: Vec<String> =
                        batch.schema().fields().iter().map(|f| csv_field(f.name(), delimiter)).collect();
                    writeln!(self.out, "{}", names.join(&delimiter.to_string()))?;
                    self.header_done = true;
                }
                for row in cells(&batch)? {
                    let fields: Vec<String> = row.iter().map(|v| csv_field(v, delimiter)).collect();
                    writeln!(self.out, "{}", fields.join(&delimiter.to_string()))?;
                }
            }
            Format::Json => {
                let w = self.json.get_or_insert_with(|| ArrayWriter::new(Vec::new()));
                w.write(&batch)?;
                // Flush what the writer has so far; `finish` closes the array.
                let buf = std::mem::take(w.get_mut());
                self.out.write_all(&buf)?;
            }
            Format::Ndjson => {
                let mut w = LineDelimitedWriter::new(&mut self.out);
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
    pub fn finish(mut self, schema: &SchemaRef) -> Result<W, ArrowError> {
        match self.format {
            Format::Table => {
                if self.held.is_empty() {
                    self.held.push(RecordBatch::new_empty(schema.clone()));
                }
                writeln!(self.out, "{}", pretty_format_batches(&self.held)?)?;
            }
            Format::Markdown => {
                let names: Vec<String> = schema.fields().iter().map(|f| f.name().replace('|', "\\|")).collect();
                writeln!(self.out, "| {} |", names.join(" | "))?;
                writeln!(self.out, "|{}", "---|".repeat(names.len()))?;
                for b in &self.held {
                    for row in cells(b)? {
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
                    let delimiter = if self.format == Format::Csv { "," } else { "\t" };
                    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                    writeln!(self.out, "{}", names.join(delimiter))?;
                }
            }
            Format::Ndjson => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Whether a schema has nested columns (they print as `{…}` / `[…]` text outside JSON).
pub fn has_nested(schema: &SchemaRef) -> bool {
    schema.fields().iter().any(|f| is_nested(f.data_type()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

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

    fn render(format: Format) -> String {
        let b = batch();
        let schema = b.schema();
        let mut p = Printer::new(format, Vec::new());
        p.batch(b).expect("batch");
        String::from_utf8(p.finish(&schema).expect("finish")).expect("utf8")
    }

    #[test]
    fn each_format_renders_rows() {
        assert_eq!(render(Format::Csv), "name,n\n\"a,b\",1\n,2\n");
        assert_eq!(render(Format::Tsv), "name\tn\na,b\t1\n\t2\n");
        assert_eq!(render(Format::Ndjson), "{\"name\":\"a,b\",\"n\":1}\n{\"n\":2}\n");
        assert_eq!(render(Format::Json), "[{\"name\":\"a,b\",\"n\":1},{\"n\":2}]\n");
        assert_eq!(render(Format::Markdown), "| name | n |\n|---|---|\n| a,b | 1 |\n|  | 2 |\n");
        assert!(render(Format::Table).contains("| a,b  | 1 |"));
    }
}
