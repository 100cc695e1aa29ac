//! `GET /sql` and `POST /sql`: a statement box, its result and its cost.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{App, Cost, Form, param, render, run, text_cells};
use crate::surfaces::answer;
use crate::surfaces::serve::access::Proof;
use crate::surfaces::serve::forms::url_encode;

/// `GET /sql` and `POST /sql`: a statement box, its result and its cost. `GET /sql?sql=…` fills
/// the box without running it, so a statement is shared as a link (and a link never writes).
pub(crate) async fn sql_page(
    State(app): State<Arc<App>>,
    Extension(proof): Extension<Proof>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let mut cost = Cost::default();
    let (sql, explain) = match Some(body).filter(|b| !b.is_empty()) {
        Some(b) => {
            let form = match Form::parse(&app, proof, &b) {
                Ok(f) => f,
                Err(r) => return r,
            };
            (form.get("sql").trim().to_owned(), !form.get("explain").is_empty())
        }
        None => {
            let shared = crate::sql::secrets::unread_statement(param(&q, "sql").trim());
            let ctx = json!({ "title": "SQL", "sql": shared });
            return render(&app, "sql.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK);
        }
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
    let shown = crate::sql::secrets::shown_statement(&sql);
    if !shown.is_empty() {
        ctx["link"] = json!(url_encode(&shown));
    }
    ctx["sql"] = json!(shown);
    render(&app, "sql.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
}
