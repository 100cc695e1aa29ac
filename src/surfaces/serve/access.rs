//! Who may use the server: every route needs the token (a bearer header for programs; for
//! browsers, an HttpOnly SameSite=Strict cookie set from the `?token=` of the printed URL), a
//! request must name the bound address as its Host (no DNS rebinding), a state-changing request
//! must not come from a foreign Origin, and a browser's state-changing request must carry the
//! CSRF token of the page that sent it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::App;

/// The cookie that carries the token in a browser.
const COOKIE: &str = "connectql_token";

/// How a request proved it holds the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proof {
    /// `Authorization: Bearer …` (a program; no CSRF possible).
    Bearer,
    /// The cookie (a browser; state changes need the CSRF token too).
    Cookie,
}

/// The access rules of one server start.
#[derive(Debug, Clone)]
pub(crate) struct Access {
    pub(crate) token: String,
    /// Put in every form; a browser's state-changing request must send it back.
    pub(crate) csrf: String,
    /// The Host values requests may name; `None` when bound to a non-loopback address.
    pub(crate) hosts: Option<Vec<String>>,
}

/// Equal, in a time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == COOKIE).then_some(v)
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// A refusal: JSON for the API, a short text page otherwise.
pub(crate) fn refuse(path: &str, status: StatusCode, code: &str, message: &str) -> Response {
    if path.starts_with("/v1") || path.starts_with("/mcp") {
        (status, axum::Json(serde_json::json!({ "code": code, "message": message }))).into_response()
    } else {
        let body = format!(
            "<!doctype html><meta charset=utf-8><title>{status}</title><link rel=stylesheet href=/style.css><main><h1>{}</h1><p>{}</p></main>",
            status.canonical_reason().unwrap_or("Refused"),
            super::forms::escape(message)
        );
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
    }
}

impl Access {
    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(hosts) = &self.hosts else { return true };
        headers.get(header::HOST).and_then(|h| h.to_str().ok()).is_some_and(|h| hosts.iter().any(|a| a == h))
    }

    fn origin_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else { return true };
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        origin == format!("http://{host}") || origin == format!("https://{host}")
    }

    /// The cookie that keeps the token in a browser.
    fn set_cookie(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", self.token))
            .unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// The middleware in front of every route.
pub(crate) async fn guard(State(app): State<Arc<App>>, mut request: Request<Body>, next: Next) -> Response {
    let access = &app.access;
    let path = request.uri().path().to_owned();
    let headers = request.headers();
    if !access.host_allowed(headers) {
        return refuse(
            &path,
            StatusCode::FORBIDDEN,
            "ForeignHost",
            "this server answers only requests for the address it listens on",
        );
    }
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
    if changes && !access.origin_allowed(headers) {
        return refuse(
            &path,
            StatusCode::FORBIDDEN,
            "ForeignOrigin",
            "a state-changing request from another site is refused",
        );
    }
    let proof = if bearer(headers).is_some_and(|t| same(t, &access.token)) {
        Some(Proof::Bearer)
    } else if cookie(headers).is_some_and(|t| same(t, &access.token)) {
        Some(Proof::Cookie)
    } else {
        None
    };
    let query_token = request
        .uri()
        .query()
        .and_then(|q| super::forms::form_pairs(q).into_iter().find(|(k, _)| k == "token").map(|(_, v)| v));
    // Only a browser's first visit to a page carries the token in its address; a program
    // sends it in a header, where it is not logged or kept in history.
    let page = !(path.starts_with("/v1") || path.starts_with("/mcp"));
    match (proof, query_token) {
        (None, Some(t)) if page && !changes && same(&t, &access.token) => {
            // The printed URL: keep the token in a cookie, and take it out of the address bar.
            let rest: Vec<String> = request
                .uri()
                .query()
                .map(super::forms::form_pairs)
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| k != "token")
                .map(|(k, v)| format!("{}={}", super::forms::url_encode(&k), super::forms::url_encode(&v)))
                .collect();
            let target = if rest.is_empty() { path.clone() } else { format!("{path}?{}", rest.join("&")) };
            let mut response = Redirect::to(&target).into_response();
            response.headers_mut().insert(header::SET_COOKIE, access.set_cookie());
            response
        }
        (None, _) => refuse(
            &path,
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "a token is required: open the URL connectql serve printed, or send Authorization: Bearer TOKEN",
        ),
        (Some(Proof::Cookie), _)
            if changes
                && !request
                    .headers()
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|t| same(t, &access.csrf))
                && !is_form(request.headers()) =>
        {
            // Forms carry the CSRF token in a field (checked by their handlers); other browser
            // requests in a header.
            refuse(
                &path,
                StatusCode::FORBIDDEN,
                "CsrfTokenMissing",
                "a state-changing request from a browser needs the page's CSRF token",
            )
        }
        (Some(proof), _) => {
            request.extensions_mut().insert(proof);
            next.run(request).await
        }
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("abc", "ab") && !same("", "a"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; connectql_token=t0k; b=2"));
        assert_eq!(cookie(&h), Some("t0k"));
    }
}
