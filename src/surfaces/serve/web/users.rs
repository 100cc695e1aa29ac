//! `GET /`: the users of an instance, searched, sorted and paged, and the same list as CSV or
//! JSON (every page).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::{App, Cost, Names, error_page, minutes, not_found_page, param, place, render, run, s};
use crate::error::Error;
use crate::surfaces::serve::forms::url_encode;

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
    /// The instance's profiles and groups, for the filters.
    names: Names,
    calls: String,
    at: Instant,
}

/// What the list is narrowed to: the search box (text in the username or a name) and the
/// routing profile, security profile and hierarchy group filters (ids). Each is a condition
/// SearchUsers carries, so a narrowed list costs fewer calls, not more.
#[derive(Debug, Default, Clone)]
struct Filter {
    q: String,
    routing_profile: String,
    security_profile: String,
    hierarchy_group: String,
}

impl Filter {
    fn of(q: &HashMap<String, String>) -> Filter {
        Filter {
            q: param(q, "q").trim().to_owned(),
            routing_profile: param(q, "routing_profile").to_owned(),
            security_profile: param(q, "security_profile").to_owned(),
            hierarchy_group: param(q, "hierarchy_group").to_owned(),
        }
    }

    /// The list's page-cache key within an instance.
    fn key(&self) -> String {
        format!("{}\u{1f}{}\u{1f}{}\u{1f}{}", self.q, self.routing_profile, self.security_profile, self.hierarchy_group)
    }

    /// As query-string pairs, for the page's links.
    fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("q", &self.q),
            ("routing_profile", &self.routing_profile),
            ("security_profile", &self.security_profile),
            ("hierarchy_group", &self.hierarchy_group),
        ]
    }

    /// The query of the list and its parameters: the search call carries every column but the
    /// modification time, which the listing carries; joined by id, 10,000 users cost 20
    /// searches and 10 listings. The search box becomes CONTAINS conditions (2 to 25
    /// characters) on the username and the names, as typed and with its first letter
    /// capitalised; the filters are equalities (`array_has` for a security profile).
    fn query(&self, region: &str, instance: &str) -> (String, Vec<String>) {
        let mut params = vec![region.to_owned(), instance.to_owned()];
        let mut conditions = String::new();
        let mut value = |v: String| {
            params.push(v);
            format!("${}", params.len())
        };
        if !self.q.is_empty() {
            let capitalised: String =
                self.q.chars().take(1).flat_map(char::to_uppercase).chain(self.q.chars().skip(1)).collect();
            let (typed, capitalised) = (value(format!("%{}%", self.q)), value(format!("%{capitalised}%")));
            conditions.push_str(&format!(
                " AND (username LIKE {typed} OR first_name LIKE {typed} OR last_name LIKE {typed} \
                 OR first_name LIKE {capitalised} OR last_name LIKE {capitalised})"
            ));
        }
        if !self.routing_profile.is_empty() {
            conditions.push_str(&format!(" AND routing_profile_id = {}", value(self.routing_profile.clone())));
        }
        if !self.security_profile.is_empty() {
            conditions
                .push_str(&format!(" AND array_has(security_profile_ids, {})", value(self.security_profile.clone())));
        }
        if !self.hierarchy_group.is_empty() {
            conditions.push_str(&format!(" AND hierarchy_group_id = {}", value(self.hierarchy_group.clone())));
        }
        let sql = format!(
            "SELECT s.id, s.username, s.first_name, s.last_name, s.routing_profile_id, s.security_profile_ids, \
             s.hierarchy_group_id, s.phone_type, l.last_modified_time \
             FROM (SELECT id, username, first_name, last_name, routing_profile_id, security_profile_ids, hierarchy_group_id, phone_type \
                   FROM aws.connect.users WHERE region = $1 AND instance_id = $2{conditions}) s \
             JOIN (SELECT id, last_modified_time FROM aws.connect.users WHERE region = $1 AND instance_id = $2) l \
             ON s.id = l.id"
        );
        (sql, params)
    }
}

async fn user_list(app: &App, region: &str, instance: &str, filter: &Filter) -> Result<(Arc<UserList>, bool), Error> {
    let key = format!("{region}/{instance}/{}", filter.key());
    if let Some(hit) = app.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key)
        && hit.at.elapsed() < crate::surfaces::serve::LIST_TTL
    {
        return Ok((Arc::clone(hit), true));
    }
    let mut cost = Cost::default();
    let names = Names::load(app, &mut cost, region, instance).await?;
    let (sql, params) = filter.query(region, instance);
    let params: Vec<&str> = params.iter().map(String::as_str).collect();
    let a = run(app, &mut cost, &sql, &params).await?;
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
    let list = Arc::new(UserList { users, names, calls: cost.text(), at: Instant::now() });
    app.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, Arc::clone(&list));
    Ok((list, false))
}

/// The page sizes offered; the first is the default.
const PAGE_SIZES: [usize; 4] = [50, 25, 100, 200];

/// The list sorted as asked; blank values (a user never modified, one in no hierarchy group)
/// last in either direction.
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
    // Stable: the order above holds within the non-blank and the blank values.
    users.sort_by_key(|u| key(u).is_empty());
    users
}

/// `GET /`: the users of an instance.
pub(crate) async fn users(State(app): State<Arc<App>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut cost = Cost::default();
    let (region, instance, list) = match place(&app, &mut cost, &q).await {
        Ok(p) => p,
        Err(e) => return error_page(&app, &e, &cost),
    };
    let filter = Filter::of(&q);
    let (users, cached) = if instance.is_empty() {
        (
            Arc::new(UserList { users: Vec::new(), names: Names::default(), calls: String::new(), at: Instant::now() }),
            false,
        )
    } else {
        match user_list(&app, &region, &instance, &filter).await {
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
    let size = param(&q, "size").parse::<usize>().ok().filter(|s| PAGE_SIZES.contains(s)).unwrap_or(PAGE_SIZES[0]);
    let all = sorted(&users, sort, desc);
    let pages = all.len().div_ceil(size).max(1);
    let page = param(&q, "page").parse::<usize>().unwrap_or(1).clamp(1, pages);
    let shown: Vec<&ListedUser> = all.iter().skip((page - 1) * size).take(size).collect();
    let alias = list.iter().find(|(i, _)| *i == instance).map_or(instance.clone(), |(_, a)| a.clone());
    // The page's own query string without sort, direction and page, for its links.
    let mut here = format!("region={}&instance={}", url_encode(&region), url_encode(&instance));
    for (k, v) in filter.pairs().iter().filter(|(_, v)| !v.is_empty()) {
        here.push_str(&format!("&{k}={}", url_encode(v)));
    }
    let filtered = filter.pairs().iter().any(|(_, v)| !v.is_empty());
    let ctx = json!({
        "title": format!("Users in {alias}"), "region": region, "instance": instance, "alias": alias,
        "instances": list, "q": filter.q, "routing_profile": filter.routing_profile,
        "security_profile": filter.security_profile, "hierarchy_group": filter.hierarchy_group,
        "names": users.names, "filtered": filtered, "total": all.len(), "users": shown, "sort": sort, "desc": desc,
        "page": page, "pages": pages, "size": size, "sizes": PAGE_SIZES, "here": here,
        "first": if all.is_empty() { 0 } else { (page - 1) * size + 1 }, "last": ((page - 1) * size + shown.len()),
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
    let (users, _) = match user_list(app, &region, &instance, &Filter::of(q)).await {
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
