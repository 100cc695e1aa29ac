//! The catalog's tables that say more about connectql's tables than their Arrow schema does:
//! `pg_attribute` with the column types a query returns, `pg_description` with each table's and
//! column's description and cost (psql's `\d+`, pgjdbc's `REMARKS`, SQLAlchemy's comments).
//!
//! The catalog maps Arrow types to Postgres types itself and has no `json`: a list or struct
//! column (security profile ids, phone config, tags) would be listed as `text[]` or `text`
//! while a query returns it as `json`; and its `pg_description` holds Postgres' built-in objects
//! only. Both are read from the catalog's own rows, each row's table found through `pg_class`
//! and `pg_namespace` so the relation ids stay the catalog's. (Belongs upstream, in
//! datafusion-pg-catalog, once it can be told how the server encodes nested values and what
//! its tables say about themselves.)

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, RecordBatch, StringArray};

use crate::engine::TableInfo;
use datafusion::arrow::datatypes::{DataType, Int32Type, SchemaRef};
use datafusion::catalog::{CatalogProviderList, SchemaProvider, Session, TableProvider};
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_plan::{ExecutionPlan, collect};

/// Postgres' `json` type id, and `pg_class`'s (the class of a table's description).
const JSON_OID: i32 = 114;
const PG_CLASS_OID: i32 = 1259;

/// Whether a column of this type reaches a Postgres client as `json` (the listener's encoding).
pub(crate) fn as_json(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Struct(_)
            | DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::Map(..)
    )
}

/// The `pg_catalog` schema with [`Overlay`]s for `pg_attribute` and `pg_description`.
#[derive(Debug)]
pub(super) struct Catalog {
    pub(super) inner: Arc<dyn SchemaProvider>,
    pub(super) catalogs: Arc<dyn CatalogProviderList>,
    pub(super) tables: Arc<Vec<TableInfo>>,
}

#[async_trait]
impl SchemaProvider for Catalog {
    fn table_names(&self) -> Vec<String> {
        self.inner.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let table = self.inner.table(name).await?;
        let kind = match name.to_ascii_lowercase().as_str() {
            "pg_attribute" => Kind::Attributes,
            "pg_description" => Kind::Descriptions,
            _ => return Ok(table),
        };
        let (Some(base), Some(classes), Some(namespaces)) =
            (table, self.inner.table("pg_class").await?, self.inner.table("pg_namespace").await?)
        else {
            return Err(DataFusionError::Internal(format!("pg_catalog without {name}, pg_class or pg_namespace")));
        };
        let catalogs = Arc::clone(&self.catalogs);
        Ok(Some(Arc::new(Overlay { kind, base, classes, namespaces, catalogs, tables: Arc::clone(&self.tables) })))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.inner.table_exist(name)
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `pg_attribute`, nested columns typed `json`.
    Attributes,
    /// `pg_description`, with connectql's tables and columns.
    Descriptions,
}

/// A catalog table's rows with what connectql adds to them.
#[derive(Debug)]
struct Overlay {
    kind: Kind,
    base: Arc<dyn TableProvider>,
    classes: Arc<dyn TableProvider>,
    namespaces: Arc<dyn TableProvider>,
    catalogs: Arc<dyn CatalogProviderList>,
    tables: Arc<Vec<TableInfo>>,
}

/// Every batch of a table.
async fn rows(table: &Arc<dyn TableProvider>, state: &dyn Session) -> Result<Vec<RecordBatch>> {
    collect(table.scan(state, None, &[], None).await?, state.task_ctx()).await
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a Arc<dyn Array>> {
    batch.column_by_name(name).ok_or_else(|| DataFusionError::Internal(format!("catalog without {name}")))
}

impl Overlay {
    /// Each relation's id with its schema and name, in every catalog (`aws` and the databases
    /// that alias it list the same tables under their own ids).
    async fn relations(&self, state: &dyn Session) -> Result<Vec<(i32, String, String)>> {
        let mut namespace_names = HashMap::new();
        for b in rows(&self.namespaces, state).await? {
            let (oids, names) =
                (column(&b, "oid")?.as_primitive::<Int32Type>(), column(&b, "nspname")?.as_string::<i32>());
            for i in 0..b.num_rows() {
                namespace_names.insert(oids.value(i), names.value(i).to_owned());
            }
        }
        let mut out = Vec::new();
        for b in rows(&self.classes, state).await? {
            let oids = column(&b, "oid")?.as_primitive::<Int32Type>();
            let names = column(&b, "relname")?.as_string::<i32>();
            let namespaces = column(&b, "relnamespace")?.as_primitive::<Int32Type>();
            for i in 0..b.num_rows() {
                if let Some(schema) = namespace_names.get(&namespaces.value(i)) {
                    out.push((oids.value(i), schema.clone(), names.value(i).to_owned()));
                }
            }
        }
        Ok(out)
    }

    /// (schema, table) → its columns a client reads as json.
    async fn json_columns(&self) -> Result<HashMap<(String, String), HashSet<String>>> {
        let mut out: HashMap<(String, String), HashSet<String>> = HashMap::new();
        for catalog in self.catalogs.catalog_names() {
            let Some(catalog) = self.catalogs.catalog(&catalog) else { continue };
            for schema_name in catalog.schema_names() {
                if schema_name == "pg_catalog" || schema_name == "information_schema" {
                    continue;
                }
                let Some(schema) = catalog.schema(&schema_name) else { continue };
                for table_name in schema.table_names() {
                    let Some(table) = schema.table(&table_name).await? else { continue };
                    let nested: HashSet<String> = table
                        .schema()
                        .fields()
                        .iter()
                        .filter(|f| as_json(f.data_type()))
                        .map(|f| f.name().clone())
                        .collect();
                    if !nested.is_empty() {
                        out.entry((schema_name.clone(), table_name)).or_default().extend(nested);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The attribute rows with their nested columns' type set to json.
    async fn attributes(&self, state: &dyn Session) -> Result<Vec<RecordBatch>> {
        let json = self.json_columns().await?;
        let relations: HashMap<i32, &HashSet<String>> = self
            .relations(state)
            .await?
            .into_iter()
            .filter_map(|(oid, schema, table)| json.get(&(schema, table)).map(|c| (oid, c)))
            .collect();
        let mut out = Vec::new();
        for b in rows(&self.base, state).await? {
            let relids = column(&b, "attrelid")?.as_primitive::<Int32Type>();
            let names = column(&b, "attname")?.as_string::<i32>();
            let types = column(&b, "atttypid")?.as_primitive::<Int32Type>();
            let typed: Int32Array = (0..b.num_rows())
                .map(|i| {
                    let nested = relations.get(&relids.value(i)).is_some_and(|c| c.contains(names.value(i)));
                    Some(if nested { JSON_OID } else { types.value(i) })
                })
                .collect();
            let index = b.schema().index_of("atttypid")?;
            let mut columns = b.columns().to_vec();
            columns[index] = Arc::new(typed.with_data_type(types.data_type().clone()));
            out.push(RecordBatch::try_new(b.schema(), columns)?);
        }
        Ok(out)
    }

    /// Postgres' own descriptions, then each connectql table's (object sub-id 0) and its
    /// columns' (their position, as `pg_attribute` numbers them): what a column holds and what
    /// reading it costs.
    async fn descriptions(&self, state: &dyn Session) -> Result<Vec<RecordBatch>> {
        let mut out = rows(&self.base, state).await?;
        let (mut objoids, mut objsubids, mut descriptions) = (Vec::new(), Vec::new(), Vec::new());
        for (oid, schema, table) in self.relations(state).await? {
            let Some(info) = self
                .tables
                .iter()
                .find(|t| t.name == table && t.qualified_name.ends_with(&format!(".{schema}.{table}")))
            else {
                continue;
            };
            objoids.push(oid);
            objsubids.push(0);
            descriptions.push(info.description.clone());
            for (position, c) in (1..).zip(&info.columns) {
                objoids.push(oid);
                objsubids.push(position);
                descriptions.push(format!("{} ({})", c.description, c.cost));
            }
        }
        let schema = self.base.schema();
        let typed = |name: &str, values: Vec<i32>| -> Result<ArrayRef> {
            Ok(Arc::new(Int32Array::from(values).with_data_type(schema.field_with_name(name)?.data_type().clone())))
        };
        let classoids = vec![PG_CLASS_OID; objoids.len()];
        let columns = schema
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                "objoid" => typed("objoid", objoids.clone()),
                "classoid" => typed("classoid", classoids.clone()),
                "objsubid" => typed("objsubid", objsubids.clone()),
                "description" => Ok(Arc::new(StringArray::from(descriptions.clone())) as ArrayRef),
                other => Err(DataFusionError::Internal(format!("pg_description has a column {other}"))),
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(RecordBatch::try_new(schema, columns)?);
        Ok(out)
    }
}

#[async_trait]
impl TableProvider for Overlay {
    fn schema(&self) -> SchemaRef {
        self.base.schema()
    }

    fn table_type(&self) -> TableType {
        self.base.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let batches = match self.kind {
            Kind::Attributes => self.attributes(state).await?,
            Kind::Descriptions => self.descriptions(state).await?,
        };
        Ok(MemorySourceConfig::try_new_exec(&[batches], self.schema(), projection.cloned())?)
    }
}
