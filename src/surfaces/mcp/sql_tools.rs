//! The SQL tools: tables and their costs, EXPLAIN, capped queries, reports, and changes planned
//! as a dry run before they run. Every statement goes through the engine's door with the
//! request options that make the tool what it says: reads only for `query` and `run_report`,
//! writes only for `plan_write` and `execute_write`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::engine::{Engine, Request, Session, Summary};
use crate::provider::context::WritePolicy;
use crate::provider::events::RowStatus;
use crate::surfaces::answer::{self, Answer};
use crate::surfaces::users_api::Failure;

/// How long a plan waits for `execute_write`.
pub(crate) const PLAN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// An answer's rows are cut to fit this many characters of JSON (an agent's context is finite).
pub(crate) const MAX_CHARS: usize = 60_000;

fn add_calls(calls: &mut BTreeMap<String, u64>, summary: &Summary) {
    for (op, n) in summary.stats.calls_by_operation() {
        *calls.entry(op).or_default() += n;
    }
}

/// Runs one statement, reading at most `max_rows` rows (reading stops there, so the calls for
/// the rest are never made), and at most [`MAX_CHARS`] characters of them.
async fn run(
    session: &Session,
    sql: &str,
    request: &Request,
    max_rows: usize,
    calls: &mut BTreeMap<String, u64>,
) -> Result<Answer, Failure> {
    let statement = session.execute(sql, request).await.map_err(|e| Failure::of(&e))?;
    let mut ran = match answer::first_rows(statement, max_rows).await {
        Ok(a) => a,
        Err((e, summary)) => {
            add_calls(calls, &summary);
            return Err(Failure::of(&e));
        }
    };
    add_calls(calls, &ran.summary);
    while !ran.rows.is_empty()
        && Value::Array(ran.rows.iter().cloned().map(Value::Object).collect()).to_string().len() > MAX_CHARS
    {
        ran.rows.truncate(ran.rows.len() * 3 / 4);
        ran.truncated = true;
    }
    Ok(ran)
}

fn calls_of(summary: &Summary) -> Value {
    json!(summary.stats.calls_by_operation())
}

/// `list_tables`.
pub(crate) fn list_tables(engine: &Engine) -> Value {
    let tables: Vec<Value> = engine
        .tables()
        .iter()
        .map(|t| json!({ "name": t.qualified_name, "description": t.description, "writable": t.writable }))
        .collect();
    json!({ "tables": tables })
}

/// `describe_table`: by short or qualified name.
pub(crate) fn describe_table(engine: &Engine, name: &str) -> Result<Value, Failure> {
    let short = name.trim().rsplit('.').next().unwrap_or_default();
    let table = engine.table(short).ok_or_else(|| {
        let known: Vec<String> = engine.tables().into_iter().map(|t| t.name).collect();
        Failure::bad_request(format!("no table {name}: the tables are {}", known.join(", ")))
    })?;
    let columns: Vec<Value> = table
        .columns
        .iter()
        .map(|c| {
            json!({ "name": c.name, "type": c.data_type, "cost": c.cost, "description": c.description,
                    "filter_pushed_down": c.pushed_filter, "settable_by_update": c.settable })
        })
        .collect();
    Ok(
        json!({ "table": table.qualified_name, "description": table.description, "writable": table.writable, "columns": columns }),
    )
}

/// `explain`: EXPLAIN of the statement (a write is explained as its dry run would go), making no
/// API call for the statement itself.
pub(crate) async fn explain(
    engine: &Engine,
    sql: &str,
    vars: BTreeMap<String, String>,
    calls: &mut BTreeMap<String, u64>,
) -> Result<Value, Failure> {
    let body = sql.trim().trim_end_matches(';');
    if body.to_ascii_uppercase().starts_with("EXPLAIN") {
        return Err(Failure::bad_request("pass the statement itself; explain adds EXPLAIN"));
    }
    let request = Request { vars, policy: Some(WritePolicy::ReadOnly), ..Request::default() };
    let ran = run(&engine.session(), &format!("EXPLAIN {body}"), &request, 100, calls).await?;
    let plan: Vec<Value> = ran.rows.into_iter().map(Value::Object).collect();
    let text: Vec<String> = plan
        .iter()
        .filter(|r| r["plan_type"] == "physical_plan")
        .filter_map(|r| r["plan"].as_str().map(str::to_owned))
        .collect();
    Ok(json!({ "plan": text.join("\n"), "rows": plan, "calls_made": calls_of(&ran.summary) }))
}

/// `query`: one read, rows capped.
pub(crate) async fn query(
    engine: &Engine,
    sql: &str,
    vars: BTreeMap<String, String>,
    max_rows: usize,
    calls: &mut BTreeMap<String, u64>,
) -> Result<Value, Failure> {
    let request = Request { vars, policy: Some(WritePolicy::ReadOnly), reads_only: true, ..Request::default() };
    let ran = run(&engine.session(), sql, &request, max_rows, calls).await.map_err(|f| {
        if f.code == "RefusedReadOnly" {
            Failure { message: format!("{} (query only reads; plan a change with plan_write)", f.message), ..f }
        } else {
            f
        }
    })?;
    Ok(json!({
        "columns": ran.columns,
        "rows": ran.rows,
        "row_count": ran.rows.len(),
        "truncated": ran.truncated,
        "calls": calls_of(&ran.summary),
        "warnings": ran.summary.warnings,
        "failures": ran.summary.failures,
    }))
}

/// `run_report`: a report of `queries/` by name, every statement read-only.
pub(crate) async fn run_report(
    engine: &Engine,
    name: &str,
    vars: BTreeMap<String, String>,
    calls: &mut BTreeMap<String, u64>,
) -> Result<Value, Failure> {
    let report = crate::surfaces::reports::Report::find(name).ok_or_else(|| {
        let names: Vec<&str> = crate::surfaces::reports::REPORTS.iter().map(|r| r.name).collect();
        Failure::bad_request(format!("no report {name}: the reports are {}", names.join(", ")))
    })?;
    let mut values = vars;
    for (var, default) in report.variables() {
        if let Some(d) = default {
            values.entry(var).or_insert(d);
        }
    }
    // The scripts are connectql's own (some keep a session table), so only API writes are refused;
    // the variables are values, never SQL.
    let request = Request { vars: values, policy: Some(WritePolicy::ReadOnly), ..Request::default() };
    let mut results = Vec::new();
    // One session for the whole script: its session tables live as long as the run.
    let session = engine.session();
    for statement in crate::sql::script::split_statements(report.script) {
        let ran = run(&session, &statement, &request, 1000, calls).await?;
        if !ran.columns.is_empty() && !ran.rows.is_empty()
            || statement.trim_start().to_ascii_uppercase().starts_with("SELECT")
        {
            results.push(json!({ "columns": ran.columns, "rows": ran.rows, "truncated": ran.truncated, "warnings": ran.summary.warnings }));
        }
    }
    Ok(
        json!({ "report": report.name, "title": report.title(), "description": report.description(), "results": results }),
    )
}

/// Each written row: who, which calls, how it ended.
fn rows_of(summary: &Summary) -> Vec<Value> {
    summary
        .writes
        .iter()
        .map(|r| {
            let calls: Vec<Value> = r
                .calls
                .iter()
                .map(|c| json!({ "operation": c.operation, "request": c.request, "parameters": c.params }))
                .collect();
            json!({ "subject": r.subject, "calls": calls, "status": answer::status_text(r) })
        })
        .collect()
}

/// `plan_write`: the change as a dry run.
pub(crate) async fn plan_write(
    engine: &Engine,
    sql: &str,
    vars: BTreeMap<String, String>,
    calls: &mut BTreeMap<String, u64>,
) -> Result<Value, Failure> {
    let request = Request { vars, policy: Some(WritePolicy::DryRun), writes_only: true, ..Request::default() };
    let ran = run(&engine.session(), sql, &request, 1000, calls).await?;
    let rows = rows_of(&ran.summary);
    let settings = engine.settings();
    let guard = if rows.len() > settings.confirm_threshold && !settings.assume_yes {
        Some(format!(
            "{} rows is more than this server's threshold of {}: execute_write will refuse it (start the server with --yes, or change fewer rows at a time)",
            rows.len(),
            settings.confirm_threshold
        ))
    } else {
        None
    };
    Ok(json!({
        "statement": crate::mask::mask(sql),
        "rows": rows,
        "row_count": rows.len(),
        "refused_when_executed": guard,
        "calls_made_to_plan": calls_of(&ran.summary),
        "warnings": ran.summary.warnings,
    }))
}

/// `execute_write`: the planned change, for real.
pub(crate) async fn execute_write(
    engine: &Engine,
    sql: &str,
    vars: BTreeMap<String, String>,
    calls: &mut BTreeMap<String, u64>,
) -> Result<Value, Failure> {
    let request = Request { vars, policy: Some(WritePolicy::ReadWrite), writes_only: true, ..Request::default() };
    let ran = run(&engine.session(), sql, &request, usize::MAX - 1, calls).await?;
    let rows = rows_of(&ran.summary);
    let failed = ran.summary.writes.iter().filter(|r| matches!(r.status, RowStatus::Failed(_))).count();
    let changed = ran.summary.changed();
    let body = json!({
        "rows": rows,
        "changed": changed,
        "failed": failed,
        "calls": calls_of(&ran.summary),
        "warnings": ran.summary.warnings,
    });
    if failed > 0 {
        return Err(Failure {
            status: http::StatusCode::MULTI_STATUS,
            code: "PartialFailure".into(),
            message: format!("{failed} of {} rows failed; the others were changed: {body}", rows.len()),
        });
    }
    Ok(body)
}

/// A short account of a tool's answer for the audit log (not its rows).
pub(crate) fn outcome_summary(answer: &Value) -> Value {
    let mut out = Map::new();
    for key in ["row_count", "truncated", "changed", "failed", "plan_id", "UserId", "UserArn"] {
        if let Some(v) = answer.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    if let Some(rows) = answer.get("rows").and_then(Value::as_array).filter(|_| answer.get("row_count").is_none()) {
        out.insert("rows".into(), json!(rows.len()));
    }
    Value::Object(out)
}
