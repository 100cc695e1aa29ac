//! The web console: server-rendered pages (no JavaScript needed) over the engine's door. Users
//! of an instance, one user with every setting and names resolved, the forms that change them
//! (only with `--allow-writes`), a SQL page and the report pack. Every page says what it cost.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::App;
use super::access::Proof;
use super::forms::{form_pairs, url_encode};
use crate::answer::{self, Answer, USER_QUERY, status_text};
use crate::error::Error;
use crate::provider::events::RowStatus;

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

/// One user of the list.
#[derive(Debug, Clone, Serialize)]
struct ListedUser {
    id: String,
    username: String,
    name: String,
    routing_profile: String,
    security_profiles: String,
    hierarchy: String,
    phone_type: String,
    last_modified: String,
}

/// The users of an instance, with the names they refer to (kept a short while: paging and
/// sorting do not call the API again).
#[derive(Debug, Clone)]
pub(crate) struct UserList {
    users: Vec<ListedUser>,
    calls: String,
    at: Instant,
}

/// The query of the list: the search call carries every column but the modification time,
/// which the listing carries; joined by id, 10,000 users cost 20 searches and 10 listings.
/// `$1` region, `$2` instance.
const LIST_QUERY: &str = "SELECT s.id, s.username, s.first_name, s.last_name, s.routing_profile_id, s.security_profile_ids, \
    s.hierarchy_group_id, s.phone_type, l.last_modified_time \
    FROM (SELECT id, username, first_name, last_name, routing_profile_id, security_profile_ids, hierarchy_group_id, phone_type \
          FROM aws.connect.users WHERE region = $1 AND instance_id = $2) s \
    JOIN (SELECT id, last_modified_time FROM aws.connect.users WHERE region = $1 AND instance_id = $2) l \
    ON s.id = l.id";

/// The list narrowed by the search box: the text in the username or in a name (pushed into
/// SearchUsers as CONTAINS conditions when 2 to 25 characters). `$3` is `%text%`, `$4` the
/// same with its first letter capitalised.
const SEARCHED_LIST_QUERY: &str = "SELECT s.id, s.username, s.first_name, s.last_name, s.routing_profile_id, s.security_profile_ids, \
    s.hierarchy_group_id, s.phone_type, l.last_modified_time \
    FROM (SELECT id, username, first_name, last_name, routing_profile_id, security_profile_ids, hierarchy_group_id, phone_type \
          FROM aws.connect.users WHERE region = $1 AND instance_id = $2 \
          AND (username LIKE $3 OR first_name LIKE $3 OR last_name LIKE $3 OR first_name LIKE $4 OR last_name LIKE $4)) s \
    JOIN (SELECT id, last_modified_time FROM aws.connect.users WHERE region = $1 AND instance_id = $2) l \
    ON s.id = l.id";

async fn user_list(app: &App, region: &str, instance: &str, q: &str) -> Result<(Arc<UserList>, bool), Error> {
    let key = format!("{region}/{instance}/{q}");
    if let Some(hit) = app.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key)
        && hit.at.elapsed() < super::LIST_TTL
    {
        return Ok((Arc::clone(hit), true));
    }
    let mut cost = Cost::default();
    let names = Names::load(app, &mut cost, region, instance).await?;
    let a = if q.is_empty() {
        run(app, &mut cost, LIST_QUERY, &[region, instance]).await?
    } else {
        let capitalised: String = q.chars().take(1).flat_map(char::to_uppercase).chain(q.chars().skip(1)).collect();
        let (pattern, capitalised) = (format!("%{q}%"), format!("%{capitalised}%"));
        run(app, &mut cost, SEARCHED_LIST_QUERY, &[region, instance, &pattern, &capitalised]).await?
    };
    let users = a
        .rows
        .iter()
        .map(|r| {
            let profiles: Vec<&str> = r["security_profile_ids"]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(|id| Names::find(&names.security, id).unwrap_or(id))
                        .collect()
                })
                .unwrap_or_default();
            let routing = s(&r["routing_profile_id"]);
            let group = s(&r["hierarchy_group_id"]);
            ListedUser {
                id: s(&r["id"]),
                username: s(&r["username"]),
                name: format!("{} {}", s(&r["first_name"]), s(&r["last_name"])).trim().to_owned(),
                routing_profile: Names::find(&names.routing, &routing).unwrap_or(&routing).to_owned(),
                security_profiles: profiles.join(", "),
                hierarchy: Names::find(&names.groups, &group).unwrap_or(&group).to_owned(),
                phone_type: s(&r["phone_type"]),
                last_modified: minutes(&s(&r["last_modified_time"])),
            }
        })
        .collect();
    let list = Arc::new(UserList { users, calls: cost.text(), at: Instant::now() });
    app.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, Arc::clone(&list));
    Ok((list, false))
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

const PAGE: usize = 50;

/// The list sorted as asked.
fn sorted(list: &UserList, sort: &str, desc: bool) -> Vec<ListedUser> {
    let mut users = list.users.clone();
    let key = |u: &ListedUser| -> String {
        match sort {
            "name" => u.name.to_lowercase(),
            "routing_profile" => u.routing_profile.to_lowercase(),
            "security_profiles" => u.security_profiles.to_lowercase(),
            "hierarchy" => u.hierarchy.to_lowercase(),
            "phone_type" => u.phone_type.clone(),
            "last_modified" => u.last_modified.clone(),
            _ => u.username.to_lowercase(),
        }
    };
    users.sort_by_key(|u| (key(u), u.username.clone()));
    if desc {
        users.reverse();
    }
    users
}

/// `GET /`: the users of an instance.
pub(crate) async fn users(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut cost = Cost::default();
    let (region, instance, list) = match place(&app, &mut cost, &q).await {
        Ok(p) => p,
        Err(e) => return error_page(&app, &e, &cost),
    };
    let search = param(&q, "q").trim().to_owned();
    let (users, cached) = if instance.is_empty() {
        (Arc::new(UserList { users: Vec::new(), calls: String::new(), at: Instant::now() }), false)
    } else {
        match user_list(&app, &region, &instance, &search).await {
            Ok(l) => l,
            Err(e) => return error_page(&app, &e, &cost),
        }
    };
    cost.note = Some(if cached {
        format!(
            "the user list came from the page cache ({} s old; it cost {})",
            users.at.elapsed().as_secs(),
            users.calls
        )
    } else {
        format!("the user list: {}", users.calls)
    });
    let sort = match param(&q, "sort") {
        "" => "username",
        s => s,
    };
    let desc = param(&q, "dir") == "desc";
    let all = sorted(&users, sort, desc);
    let pages = all.len().div_ceil(PAGE).max(1);
    let page = param(&q, "page").parse::<usize>().unwrap_or(1).clamp(1, pages);
    let shown: Vec<&ListedUser> = all.iter().skip((page - 1) * PAGE).take(PAGE).collect();
    let alias = list.iter().find(|(i, _)| *i == instance).map_or(instance.clone(), |(_, a)| a.clone());
    let ctx = json!({
        "title": format!("Users in {alias}"), "region": region, "instance": instance, "alias": alias,
        "instances": list, "q": search, "total": all.len(), "users": shown, "sort": sort, "desc": desc,
        "page": page, "pages": pages,
    });
    render(&app, "users.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
}

/// `GET /users.csv`.
pub(crate) async fn download_csv(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Response {
    download(&app, &q, "users.csv").await
}

/// `GET /users.json`.
pub(crate) async fn download_json(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Response {
    download(&app, &q, "users.json").await
}

/// The shown list, whole (every page), sorted as shown.
async fn download(app: &App, q: &HashMap<String, String>, file: &str) -> Response {
    let mut cost = Cost::default();
    let (region, instance, _) = match place(app, &mut cost, q).await {
        Ok(p) => p,
        Err(e) => return error_page(app, &e, &cost),
    };
    let (users, _) = match user_list(app, &region, &instance, param(q, "q").trim()).await {
        Ok(l) => l,
        Err(e) => return error_page(app, &e, &cost),
    };
    let all = sorted(&users, param(q, "sort"), param(q, "dir") == "desc");
    match file {
        "users.json" => axum::Json(all).into_response(),
        "users.csv" => {
            let field = |v: &str| {
                if v.contains([',', '"', '\n']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_owned() }
            };
            let mut out =
                "id,username,name,routing_profile,security_profiles,hierarchy,phone_type,last_modified\n".to_owned();
            for u in &all {
                let cells = [
                    &u.id,
                    &u.username,
                    &u.name,
                    &u.routing_profile,
                    &u.security_profiles,
                    &u.hierarchy,
                    &u.phone_type,
                    &u.last_modified,
                ];
                out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=users.csv"),
                ],
                out,
            )
                .into_response()
        }
        _ => not_found_page(app, "no such download", &cost),
    }
}

/// `GET /users/{instance}/{user}`: one user, every setting, names resolved.
pub(crate) async fn user(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut cost = Cost::default();
    let region = match param(&q, "region") {
        "" => app.engine.default_region().unwrap_or_default(),
        r => r.to_owned(),
    };
    let a = match run(&app, &mut cost, USER_QUERY, &[&region, &instance, &user]).await {
        Ok(a) => a,
        Err(e) => return error_page(&app, &e, &cost),
    };
    let Some(row) = a.rows.into_iter().next() else {
        return not_found_page(&app, &format!("No user {user} in instance {instance} ({region})."), &cost);
    };
    let names = match Names::load(&app, &mut cost, &region, &instance).await {
        Ok(n) => n,
        Err(e) => return error_page(&app, &e, &cost),
    };
    let routing = s(&row["routing_profile_id"]);
    let group = s(&row["hierarchy_group_id"]);
    let profiles: Vec<Value> = row["security_profile_ids"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|id| json!({ "id": id, "name": Names::find(&names.security, &s(id)).unwrap_or("(no longer exists)") }))
        .collect();
    let ctx = json!({
        "title": s(&row["username"]), "region": region, "instance": instance, "user": row,
        "routing_name": Names::find(&names.routing, &routing).unwrap_or(if routing.is_empty() { "" } else { "(no longer exists)" }),
        "group_path": Names::find(&names.groups, &group).unwrap_or(if group.is_empty() { "" } else { "(no longer exists)" }),
        "profiles": profiles, "names": names, "modified": minutes(&s(&row["last_modified_time"])),
    });
    render(&app, "user.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
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

/// `POST /users/{instance}/{user}/{action}`: one of the user page's forms.
pub(crate) async fn change(
    State(app): State<Arc<App>>,
    Extension(proof): Extension<Proof>,
    Path((instance, user, action)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Some(r) = writes_refused(&app) {
        return r;
    }
    let form = match Form::parse(&app, proof, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let region = match param(&q, "region") {
        "" => app.engine.default_region().unwrap_or_default(),
        r => r.to_owned(),
    };
    let back = format!("/users/{}/{}?region={}", url_encode(&instance), url_encode(&user), url_encode(&region));
    // `$1` region, `$2` instance, `$3` user; the form's values follow.
    let target = "WHERE region = $1 AND instance_id = $2 AND id = $3";
    let mut params: Vec<String> = vec![region.clone(), instance.clone(), user.clone()];
    let mut value = |v: String| {
        params.push(v);
        format!("${}", params.len())
    };
    let set = match action.as_str() {
        "identity" => {
            let mut parts = Vec::new();
            for c in ["first_name", "last_name", "email", "secondary_email", "mobile"] {
                // An empty field clears the value.
                parts.push(format!("{c} = nullif({}, '')", value(form.get(c).trim().to_owned())));
            }
            parts.join(", ")
        }
        "routing" => format!("routing_profile_id = {}", value(form.get("routing_profile_id").to_owned())),
        "security" => {
            let ids = serde_json::to_string(&form.all("security_profile_ids")).unwrap_or_default();
            format!("security_profile_ids = {}", value(ids))
        }
        "hierarchy" => format!("hierarchy_group_id = nullif({}, '')", value(form.get("hierarchy_group_id").to_owned())),
        "phone" => {
            let t = value(form.get("phone_type").to_owned());
            let n = value(form.get("desk_phone_number").trim().to_owned());
            let a = value(if form.get("auto_accept").is_empty() { "false" } else { "true" }.to_owned());
            let w = value(form.get("after_contact_work_time_limit").trim().to_owned());
            format!(
                "phone_type = {t}, desk_phone_number = nullif({n}, ''), auto_accept = CAST({a} AS BOOLEAN), \
                 after_contact_work_time_limit = CAST(nullif({w}, '') AS INT)"
            )
        }
        "status" => format!("agent_status = {}", value(form.get("agent_status").to_owned())),
        "delete" => {
            let params: Vec<&str> = params.iter().map(String::as_str).collect();
            let outcome = answer::run(&app.engine, &format!("DELETE FROM aws.connect.users {target}"), &params).await;
            let mut cost = Cost::default();
            let home = format!("/?region={}&instance={}", url_encode(&region), url_encode(&instance));
            return result_page(&app, "Delete user", &home, outcome, &mut cost);
        }
        _ => return not_found_page(&app, &format!("no form '{action}'"), &Cost::default()),
    };
    let params: Vec<&str> = params.iter().map(String::as_str).collect();
    let outcome = answer::run(&app.engine, &format!("UPDATE aws.connect.users SET {set} {target}"), &params).await;
    let mut cost = Cost::default();
    result_page(&app, "Change user", &back, outcome, &mut cost)
}

/// `POST /users/{instance}/{user}/delete`: the confirmed deletion.
pub(crate) async fn delete(
    state: State<Arc<App>>,
    proof: Extension<Proof>,
    Path((instance, user)): Path<(String, String)>,
    query: Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    change(state, proof, Path((instance, user, "delete".to_owned())), query, body).await
}

/// `GET /users/{instance}/{user}/delete`: the confirmation, naming the user.
pub(crate) async fn confirm_delete(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = writes_refused(&app) {
        return r;
    }
    let mut cost = Cost::default();
    let region = match param(&q, "region") {
        "" => app.engine.default_region().unwrap_or_default(),
        r => r.to_owned(),
    };
    let a = run(
        &app,
        &mut cost,
        "SELECT username FROM aws.connect.users WHERE region = $1 AND instance_id = $2 AND id = $3",
        &[&region, &instance, &user],
    )
    .await;
    match a.map(|a| a.rows.into_iter().next()) {
        Ok(Some(row)) => {
            let ctx = json!({ "title": "Delete user", "region": region, "instance": instance, "user_id": user, "username": s(&row["username"]) });
            render(&app, "delete.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
        }
        Ok(None) => not_found_page(&app, &format!("No user {user} in instance {instance} ({region})."), &cost),
        Err(e) => error_page(&app, &e, &cost),
    }
}

/// `GET /new`: the create-user form.
pub(crate) async fn new_user(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(r) = writes_refused(&app) {
        return r;
    }
    let mut cost = Cost::default();
    let (region, instance, list) = match place(&app, &mut cost, &q).await {
        Ok(p) => p,
        Err(e) => return error_page(&app, &e, &cost),
    };
    let names = match Names::load(&app, &mut cost, &region, &instance).await {
        Ok(n) => n,
        Err(e) => return error_page(&app, &e, &cost),
    };
    let ctx = json!({ "title": "New user", "region": region, "instance": instance, "instances": list, "names": names });
    render(&app, "new.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
}

/// `POST /users/{instance}`: create a user from the form. The password is never sent back.
pub(crate) async fn create(
    State(app): State<Arc<App>>,
    Extension(proof): Extension<Proof>,
    Path(instance): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Some(r) = writes_refused(&app) {
        return r;
    }
    let form = match Form::parse(&app, proof, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let region = match param(&q, "region") {
        "" => app.engine.default_region().unwrap_or_default(),
        r => r.to_owned(),
    };
    let sql = "INSERT INTO aws.connect.users (region, instance_id, username, password, first_name, last_name, email, phone_type, \
               security_profile_ids, routing_profile_id, hierarchy_group_id) \
               VALUES ($1, $2, $3, nullif($4, ''), $5, $6, nullif($7, ''), $8, $9, $10, nullif($11, ''))";
    let profiles = serde_json::to_string(&form.all("security_profile_ids")).unwrap_or_default();
    let params = [
        region.as_str(),
        instance.as_str(),
        form.get("username").trim(),
        form.get("password"),
        form.get("first_name").trim(),
        form.get("last_name").trim(),
        form.get("email").trim(),
        if form.get("phone_type").is_empty() { "SOFT_PHONE" } else { form.get("phone_type") },
        profiles.as_str(),
        form.get("routing_profile_id"),
        form.get("hierarchy_group_id"),
    ];
    let outcome = answer::run(&app.engine, sql, &params).await;
    let created = outcome.as_ref().ok().and_then(|a| a.summary.writes.first()).and_then(|r| r.returned.clone());
    if let Some(r) = created.filter(|_| outcome.as_ref().is_ok_and(|a| a.summary.failures.is_empty())) {
        app.changed();
        let to =
            format!("/users/{}/{}?region={}", url_encode(&instance), url_encode(&s(&r["id"])), url_encode(&region));
        return Redirect::to(&to).into_response();
    }
    let mut cost = Cost::default();
    let back = format!("/new?region={}&instance={}", url_encode(&region), url_encode(&instance));
    result_page(&app, "New user", &back, outcome, &mut cost)
}

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

/// `GET /reports`: the report pack.
pub(crate) async fn reports(State(app): State<Arc<App>>) -> Response {
    let list: Vec<Value> = crate::reports::REPORTS
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
    let Some(report) = crate::reports::Report::find(&name) else {
        return not_found_page(&app, &format!("no report '{name}'"), &cost);
    };
    let vars: Vec<(String, String)> = report
        .variables()
        .into_iter()
        .filter_map(|(n, d)| {
            q.get(&n).cloned().or(d).or_else(|| (n == "days").then(|| "30".to_owned())).map(|v| (n, v))
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
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
    let ctx = json!({ "title": report.title(), "description": report.description(), "results": results, "vars": vars });
    render(&app, "report.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
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
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("templates/style.css")).into_response()
}
