//! `GET /new` and `POST /users/{instance}`: the new-user form and the user it creates.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::{App, Cost, Names, error_page, place, render, result_page, s, writes_refused, written_form};
use crate::surfaces::answer;
use crate::surfaces::serve::access::Proof;
use crate::surfaces::serve::forms::url_encode;

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
    let (form, region) = match written_form(&app, proof, &q, &body) {
        Ok(f) => f,
        Err(r) => return r,
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
