//! `GET /users/{instance}/{user}`: one user with every setting, names resolved, and the forms
//! that change or delete it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    App, Cost, Names, error_page, minutes, not_found_page, region_of, render, result_page, run, s, writes_refused,
    written_form,
};
use crate::surfaces::answer::{self, PROFILE_PERMISSIONS_QUERY, PROFILE_QUEUES_QUERY, USER_QUERY, USER_STATE_QUERY};
use crate::surfaces::serve::access::Proof;
use crate::surfaces::serve::forms::url_encode;

/// `GET /users/{instance}/{user}`: one user, every setting, names resolved.
pub(crate) async fn user(
    State(app): State<Arc<App>>,
    Path((instance, user)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut cost = Cost::default();
    let region = region_of(&app, &q);
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
    let served = match served(&app, &mut cost, (&region, &instance, &user), &routing, &profiles).await {
        Ok(s) => s,
        Err(e) => return error_page(&app, &e, &cost),
    };
    let ctx = json!({
        "title": s(&row["username"]), "region": region, "instance": instance, "user": row,
        "state": served.state, "queues": served.queues, "permissions": served.permissions,
        "routing_name": Names::find(&names.routing, &routing).unwrap_or(if routing.is_empty() { "" } else { "(no longer exists)" }),
        "group_path": Names::find(&names.groups, &group).unwrap_or(if group.is_empty() { "" } else { "(no longer exists)" }),
        "profiles": profiles, "names": names, "modified": minutes(&s(&row["last_modified_time"])),
    });
    render(&app, "user.html", ctx.as_object().cloned().unwrap_or_default(), &cost, StatusCode::OK)
}

/// What a user can do and is doing: the current state, the queues of the routing profile and the
/// permissions of each security profile (one call each, by key: nothing is listed).
struct Served {
    state: Value,
    queues: Vec<serde_json::Map<String, Value>>,
    /// Each permission with the profiles that grant it.
    permissions: Vec<Value>,
}

async fn served(
    app: &App,
    cost: &mut Cost,
    (region, instance, user): (&str, &str, &str),
    routing: &str,
    profiles: &[Value],
) -> Result<Served, crate::error::Error> {
    let state = run(app, cost, USER_STATE_QUERY, &[region, instance, user]).await?.rows.into_iter().next();
    let state = state.map_or(Value::Null, |mut st| {
        let since = minutes(&s(&st["status_start_time"]));
        st.insert("since".into(), since.into());
        Value::Object(st)
    });
    let queues = match routing {
        "" => Vec::new(),
        id => run(app, cost, PROFILE_QUEUES_QUERY, &[region, instance, id]).await?.rows,
    };
    let mut granted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in profiles {
        let answer = run(app, cost, PROFILE_PERMISSIONS_QUERY, &[region, instance, &s(&p["id"])]).await?;
        for row in answer.rows {
            granted.entry(s(&row["permission"])).or_default().push(s(&p["name"]));
        }
    }
    let permissions = granted.into_iter().map(|(name, from)| json!({ "name": name, "from": from })).collect();
    Ok(Served { state, queues, permissions })
}

/// `POST /users/{instance}/{user}/{action}`: one of the user page's forms.
pub(crate) async fn change(
    State(app): State<Arc<App>>,
    Extension(proof): Extension<Proof>,
    Path((instance, user, action)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let (form, region) = match written_form(&app, proof, &q, &body) {
        Ok(f) => f,
        Err(r) => return r,
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
    let region = region_of(&app, &q);
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
