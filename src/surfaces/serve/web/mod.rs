//! The web console: server-rendered pages (no JavaScript needed) over the engine's door, one
//! module per page — the users of an instance ([`users`]), one user with every setting and the
//! forms that change it ([`user`], forms only with `--allow-writes`), the new-user form ([`new`]),
//! the SQL page ([`sql`]) and the report pack ([`reports`]) — over what they share here:
//! rendering, the page's cost, the names of an instance's profiles and groups, the region and
//! instance a page is about, and submitted forms.

mod new;
mod reports;
mod sql;
mod user;
mod users;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::App;
use super::access::Proof;
use super::forms::form_pairs;
use crate::error::Error;
use crate::provider::events::RowStatus;
use crate::surfaces::answer::{self, Answer, status_text};

pub(super) use new::{create, new_user};
pub(super) use reports::{report, reports};
pub(super) use sql::sql_page;
pub(super) use user::{change, confirm_delete, delete, user};
pub(super) use users::{UserList, download_csv, download_json, users};

/// `2026-09-01T18:06:38.924Z` → `2026-09-01 18:06` (UTC, to the minute).
fn minutes(iso: &str) -> String {
    iso.get(..16).map_or_else(|| iso.to_owned(), |t| t.replace('T', " "))
}

/// What a page cost, for its footer.
#[derive(Debug, Default)]
struct Cost {
    calls: u64,
    by_op: HashMap<String, u64>,
    /// Items whose detail came from the local cache, of those it could have served.
    cache_hits: u64,
    cache_items: u64,
    note: Option<String>,
}

impl Cost {
    fn add(&mut self, a: &Answer) {
        let stats = &a.summary.stats;
        for (op, s) in stats.ops.iter().filter(|(_, s)| s.calls > 0) {
            self.calls += s.calls;
            *self.by_op.entry(op.clone()).or_default() += s.calls;
        }
        self.cache_hits += stats.cache_hits;
        self.cache_items += stats.cache_hits + stats.cache_misses;
    }

    fn text(&self) -> String {
        let mut ops: Vec<String> = self.by_op.iter().map(|(op, n)| format!("{op}={n}")).collect();
        ops.sort();
        let mut base = if self.calls == 0 {
            "API calls: none".to_owned()
        } else {
            format!("API calls: {} [{}]", self.calls, ops.join(", "))
        };
        if self.cache_items > 0 {
            base.push_str(&format!("; cache hits: {} of {} items", self.cache_hits, self.cache_items));
        }
        match &self.note {
            Some(n) => format!("{base}; {n}"),
            None => base,
        }
    }
}

fn render(app: &App, template: &str, mut ctx: Map<String, Value>, cost: &Cost, status: StatusCode) -> Response {
    ctx.insert("writes".into(), json!(app.allow_writes));
    ctx.insert("csrf".into(), json!(app.access.csrf));
    ctx.insert("cost".into(), json!(cost.text()));
    match app.templates.get_template(template).and_then(|t| t.render(Value::Object(ctx))) {
        // Pages hold users' details and statements: no browser or proxy keeps them.
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template {template}: {e}")).into_response(),
    }
}

fn error_page(app: &App, e: &Error, cost: &Cost) -> Response {
    let ctx = json!({ "title": "Error", "message": answer::message(e), "code": answer::code(e) });
    render(app, "error.html", ctx.as_object().cloned().unwrap_or_default(), cost, answer::status(e))
}

fn not_found_page(app: &App, message: &str, cost: &Cost) -> Response {
    let ctx = json!({ "title": "Not found", "message": message, "code": "ResourceNotFoundException" });
    render(app, "error.html", ctx.as_object().cloned().unwrap_or_default(), cost, StatusCode::NOT_FOUND)
}

/// Runs a statement for a page, its `$1`, `$2`, … bound to `params`, adding its calls to the
/// page's cost.
async fn run(app: &App, cost: &mut Cost, sql: &str, params: &[&str]) -> Result<Answer, Error> {
    let a = answer::run(&app.engine, sql, params).await?;
    cost.add(&a);
    Ok(a)
}

fn s(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_default()
}

/// Names of an instance's routing profiles, security profiles, groups (as paths) and statuses.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct Names {
    routing: Vec<(String, String)>,
    security: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
}

impl Names {
    fn find<'a>(list: &'a [(String, String)], id: &str) -> Option<&'a str> {
        list.iter().find(|(i, _)| i == id).map(|(_, n)| n.as_str())
    }

    async fn load(app: &App, cost: &mut Cost, region: &str, instance: &str) -> Result<Names, Error> {
        let params = [region, instance];
        let scope = "WHERE region = $1 AND instance_id = $2";
        let pairs = |a: Answer, name: &str| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = a.rows.iter().map(|r| (s(&r["id"]), s(&r[name]))).collect();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        };
        let routing = pairs(
            run(app, cost, &format!("SELECT id, name FROM aws.connect.routing_profiles {scope}"), &params).await?,
            "name",
        );
        let security = pairs(
            run(app, cost, &format!("SELECT id, name FROM aws.connect.security_profiles {scope}"), &params).await?,
            "name",
        );
        let statuses = pairs(
            run(app, cost, &format!("SELECT id, name FROM aws.connect.agent_statuses {scope}"), &params).await?,
            "name",
        );
        let groups = run(
            app,
            cost,
            &format!(
                "SELECT id, concat_ws(' / ', level_one_name, level_two_name, level_three_name, level_four_name, level_five_name) AS path \
                 FROM aws.connect.user_hierarchy_groups {scope}"
            ),
            &params,
        )
        .await?;
        Ok(Names { routing, security, groups: pairs(groups, "path"), statuses })
    }
}

/// Instances of a region: (id, alias).
async fn instances(app: &App, cost: &mut Cost, region: &str) -> Result<Vec<(String, String)>, Error> {
    let a = run(app, cost, "SELECT id, alias FROM aws.connect.instances WHERE region = $1 ORDER BY alias", &[region])
        .await?;
    Ok(a.rows.iter().map(|r| (s(&r["id"]), s(&r["alias"]))).collect())
}

fn param<'a>(q: &'a HashMap<String, String>, k: &str) -> &'a str {
    q.get(k).map_or("", String::as_str)
}

/// The region and instance a page is about, with the instances of that region.
async fn place(
    app: &App,
    cost: &mut Cost,
    q: &HashMap<String, String>,
) -> Result<(String, String, Vec<(String, String)>), Error> {
    let region = match param(q, "region") {
        "" => app
            .engine
            .default_region()
            .ok_or_else(|| Error::Usage("no region: add ?region= or start the server with --region".into()))?,
        r => r.to_owned(),
    };
    let list = instances(app, cost, &region).await?;
    let instance = match param(q, "instance") {
        "" => list.first().map(|(i, _)| i.clone()).unwrap_or_default(),
        i => i.to_owned(),
    };
    Ok((region, instance, list))
}

/// The region a page names (`?region=`), or the server's default.
fn region_of(app: &App, q: &HashMap<String, String>) -> String {
    match param(q, "region") {
        "" => app.engine.default_region().unwrap_or_default(),
        r => r.to_owned(),
    }
}

/// A submitted form: its fields, once its CSRF token is checked.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(app: &App, proof: Proof, body: &Bytes) -> Result<Form, Response> {
        let pairs = form_pairs(&String::from_utf8_lossy(body));
        let csrf_ok = pairs.iter().any(|(k, v)| k == "csrf" && *v == app.access.csrf);
        if proof == Proof::Cookie && !csrf_ok {
            return Err(super::access::refuse(
                "/",
                StatusCode::FORBIDDEN,
                "CsrfTokenMissing",
                "the form's CSRF token is missing or stale: reload the page",
            ));
        }
        Ok(Form(pairs))
    }

    fn get(&self, k: &str) -> &str {
        self.0.iter().find(|(key, _)| key == k).map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, k: &str) -> Vec<&str> {
        self.0.iter().filter(|(key, _)| key == k).map(|(_, v)| v.as_str()).collect()
    }
}

/// The page after a write: what each call did, or why it did not happen.
fn result_page(app: &App, title: &str, back: &str, outcome: Result<Answer, Error>, cost: &mut Cost) -> Response {
    let (rows, error): (Vec<Value>, Option<String>) = match outcome {
        Ok(a) => {
            cost.add(&a);
            let rows = a
                .summary
                .writes
                .iter()
                .map(|r| json!({ "subject": r.subject, "operations": r.operations(), "status": status_text(r), "failed": matches!(r.status, RowStatus::Failed(_)) }))
                .collect();
            let error = (a.summary.writes.is_empty()).then(|| "No row matched: nothing was changed.".to_owned());
            (rows, error)
        }
        Err(e) => (Vec::new(), Some(answer::message(&e))),
    };
    app.changed();
    let failed = error.is_some() || rows.iter().any(|r| r["failed"] == json!(true));
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let ctx = json!({ "title": title, "rows": rows, "error": error, "back": back });
    render(app, "result.html", ctx.as_object().cloned().unwrap_or_default(), cost, status)
}

fn writes_refused(app: &App) -> Option<Response> {
    (!app.allow_writes).then(|| {
        super::access::refuse(
            "/",
            StatusCode::FORBIDDEN,
            "RefusedReadOnly",
            "this server is read-only: start connectql serve with --allow-writes to change users",
        )
    })
}

/// A write form as submitted: refused on a read-only server, its CSRF token checked; with the
/// region the page names.
fn written_form(
    app: &App,
    proof: Proof,
    q: &HashMap<String, String>,
    body: &Bytes,
) -> Result<(Form, String), Response> {
    if let Some(r) = writes_refused(app) {
        return Err(r);
    }
    Ok((Form::parse(app, proof, body)?, region_of(app, q)))
}

/// A statement's rows as text cells in column order (NULL as empty), for a results table.
fn text_cells(a: &Answer) -> Vec<Vec<String>> {
    a.rows
        .iter()
        .map(|r| {
            a.columns
                .iter()
                .map(|c| match &r[c] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    v => v.to_string(),
                })
                .collect()
        })
        .collect()
}

/// `GET /style.css`.
pub(crate) async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../templates/style.css")).into_response()
}
