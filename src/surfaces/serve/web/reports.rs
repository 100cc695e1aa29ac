//! `GET /reports` and `GET /reports/{name}`: the report pack and a report run.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{App, Cost, not_found_page, render, text_cells};
use crate::surfaces::answer;

/// `GET /reports`: the report pack.
pub(crate) async fn reports(State(app): State<Arc<App>>) -> Response {
    let list: Vec<Value> = crate::surfaces::reports::REPORTS
        .iter()
        .map(|r| json!({ "name": r.name, "title": r.title(), "description": r.description(), "variables": r.variables() }))
        .collect();
    let ctx = json!({ "title": "Reports", "reports": list });
    render(&app, "reports.html", ctx.as_object().cloned().unwrap_or_default(), &Cost::default(), StatusCode::OK)
}

/// `GET /reports/{name}`: a report run, each statement's result as a table.
pub(crate) async fn report(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut cost = Cost::default();
    let Some(report) = crate::surfaces::reports::Report::find(&name) else {
        return not_found_page(&app, &format!("no report '{name}'"), &cost);
    };
    // Every variable with the value it runs with: the page's, else the report's default; the
    // form shows them all, so a report is run again with other values from the page itself.
    let vars: Vec<(String, String)> = report
        .variables()
        .into_iter()
        .map(|(n, d)| {
            let v = q.get(&n).cloned().or(d).or_else(|| (n == "days").then(|| "30".to_owned())).unwrap_or_default();
            (n, v)
        })
        .collect();
    let borrowed: Vec<(&str, &str)> =
        vars.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut results = Vec::new();
    // One session for the whole script: its session tables live as long as the run.
    let session = app.engine.session();
    for statement in crate::sql::script::split_statements(report.script) {
        let outcome = answer::run_in(&session, &statement, &borrowed).await;
        if let Ok(a) = &outcome {
            cost.add(a);
        }
        match outcome {
            Ok(a) => {
                let rows = text_cells(&a);
                if !a.columns.is_empty() {
                    results.push(json!({ "columns": a.columns, "rows": rows }));
                }
            }
            Err(e) => {
                results.push(json!({ "error": answer::message(&e) }));
                break;
            }
        }
    }
    let ctx = json!({ "title": report.title(), "name": report.name, "description": report.description(), "results": results, "vars": vars });
    render(&app, "report.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
}
