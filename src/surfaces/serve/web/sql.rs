//! `GET /sql` and `POST /sql`: a statement box, its result and its cost.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{App, Cost, Form, render, run, text_cells};
use crate::surfaces::answer;
use crate::surfaces::serve::access::Proof;

/// `GET /sql` and `POST /sql`: a statement box, its result and its cost.
pub(crate) async fn sql_page(State(app): State<Arc<App>>, Extension(proof): Extension<Proof>, body: Bytes) -> Response {
    let mut cost = Cost::default();
    let (sql, explain) = match Some(body).filter(|b| !b.is_empty()) {
        Some(b) => {
            let form = match Form::parse(&app, proof, &b) {
                Ok(f) => f,
                Err(r) => return r,
            };
            (form.get("sql").trim().to_owned(), !form.get("explain").is_empty())
        }
        None => (String::new(), false),
    };
    let mut ctx = json!({ "title": "SQL" });
    if !sql.is_empty() {
        let statement = if explain { format!("EXPLAIN {sql}") } else { sql.clone() };
        match run(&app, &mut cost, &statement, &[]).await {
            Ok(a) => {
                if !a.summary.writes.is_empty() {
                    app.changed();
                }
                let rows = text_cells(&a);
                ctx["columns"] = json!(a.columns);
                ctx["rows"] = json!(rows);
                ctx["warnings"] = json!(a.summary.warnings);
                ctx["failures"] = json!(a.summary.failures);
            }
            Err(e) => ctx["error"] = json!(answer::message(&e)),
        }
    }
    // Shown again only after the engine read it, so its password values are known and masked.
    ctx["sql"] = json!(crate::sql::secrets::shown_statement(&sql));
    render(&app, "sql.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
}
