//! `connectql serve`: the web console and the REST API on one listener, every request run
//! through the engine's door under the server's write policy (read-only unless
//! `--allow-writes`). On start it prints one line per listener (`web: http://…/?token=…`) and
//! nothing else on stdout; Ctrl-C or SIGTERM stops it once in-flight requests finish.

mod access;
mod api;
mod forms;
mod openapi;
mod web;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::engine::Engine;

/// How long a fetched user list serves the console's paging and sorting.
pub(crate) const LIST_TTL: Duration = Duration::from_secs(60);

/// What a server was started with.
#[derive(Debug, Clone)]
pub(crate) struct ServeOptions {
    pub(crate) addr: SocketAddr,
    pub(crate) allow_writes: bool,
    /// The token from `--token-file`; a random one when absent.
    pub(crate) token: Option<String>,
    /// Where MCP tool calls are recorded.
    pub(crate) audit_log: Option<std::path::PathBuf>,
    /// The Postgres wire protocol listener, if asked for.
    pub(crate) postgres: Option<crate::surfaces::postgres::PgOptions>,
}

/// The state every request shares.
pub(crate) struct App {
    engine: Engine,
    access: access::Access,
    allow_writes: bool,
    templates: minijinja::Environment<'static>,
    /// User lists fetched for the console, by region, instance and search.
    lists: Mutex<HashMap<String, Arc<web::UserList>>>,
}

impl App {
    /// Something was written: cached lists may be stale.
    fn changed(&self) {
        self.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

fn templates() -> Result<minijinja::Environment<'static>, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    for (name, text) in [
        ("base.html", include_str!("templates/base.html")),
        ("users.html", include_str!("templates/users.html")),
        ("user.html", include_str!("templates/user.html")),
        ("delete.html", include_str!("templates/delete.html")),
        ("new.html", include_str!("templates/new.html")),
        ("result.html", include_str!("templates/result.html")),
        ("error.html", include_str!("templates/error.html")),
        ("sql.html", include_str!("templates/sql.html")),
        ("reports.html", include_str!("templates/reports.html")),
        ("report.html", include_str!("templates/report.html")),
    ] {
        env.add_template(name, text)?;
    }
    Ok(env)
}

/// A random token (two v4 UUIDs: 244 random bits).
fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

fn router(app: Arc<App>, mcp: Router<Arc<App>>) -> Router {
    Router::new()
        .route("/", get(web::users))
        .route("/users.csv", get(web::download_csv))
        .route("/users.json", get(web::download_json))
        .route("/users/{instance}", post(web::create))
        .route("/users/{instance}/{user}", get(web::user))
        .route("/users/{instance}/{user}/delete", get(web::confirm_delete).post(web::delete))
        .route("/users/{instance}/{user}/{action}", post(web::change))
        .route("/new", get(web::new_user))
        .route("/sql", get(web::sql_page).post(web::sql_page))
        .route("/reports", get(web::reports))
        .route("/reports/{name}", get(web::report))
        .route("/style.css", get(web::style))
        .route("/v1/users/{instance}", get(api::list_users).post(api::create_user))
        .route("/v1/users/{instance}/{user}", get(api::describe_user).delete(api::delete_user))
        .route("/v1/users/{instance}/{user}/identity-info", post(api::update_identity))
        .route("/v1/users/{instance}/{user}/routing-profile", post(api::update_routing))
        .route("/v1/users/{instance}/{user}/status", axum::routing::put(api::put_status))
        .route("/v1/sql", post(api::sql))
        .route("/v1/openapi.json", get(api::openapi))
        .merge(mcp)
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&app), access::guard))
        .with_state(app)
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM). The handlers are installed
/// before it returns, so a signal that comes right after the start is not missed.
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// Serves until Ctrl-C or SIGTERM.
///
/// # Errors
/// The address cannot be bound, or a non-loopback address without a token file.
pub(crate) async fn run(engine: Engine, options: ServeOptions) -> std::io::Result<()> {
    let loopback = options.addr.ip().is_loopback();
    for (flag, addr) in [("--http", Some(options.addr)), ("--pg", options.postgres.as_ref().map(|p| p.addr))] {
        if let Some(addr) = addr.filter(|a| !a.ip().is_loopback())
            && options.token.is_none()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "{flag} {addr}: a non-loopback address needs --token-file (a token you chose, shared with the clients)"
                ),
            ));
        }
    }
    let stop = stop_signal()?;
    let listener = tokio::net::TcpListener::bind(options.addr).await?;
    let bound = listener.local_addr()?;
    let token = options.token.clone().unwrap_or_else(random_token);
    let hosts = loopback.then(|| {
        let port = bound.port();
        vec![bound.to_string(), format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")]
    });
    let mcp_options = crate::surfaces::mcp::McpOptions {
        allow_writes: options.allow_writes,
        audit_log: options.audit_log.clone(),
        how_to_allow_writes: "start connectql serve with --allow-writes".to_owned(),
    };
    let app = Arc::new(App {
        engine: engine.clone(),
        access: access::Access { token: token.clone(), csrf: random_token(), hosts },
        allow_writes: options.allow_writes,
        templates: templates().map_err(std::io::Error::other)?,
        lists: Mutex::default(),
    });
    let on_change: Arc<dyn Fn() + Send + Sync> = {
        let app = Arc::clone(&app);
        Arc::new(move || app.changed())
    };
    let postgres = match &options.postgres {
        Some(pg) => Some(
            crate::surfaces::postgres::PgListener::bind(engine.clone(), pg, &token)
                .await
                .map_err(|e| std::io::Error::new(e.kind(), format!("--pg {}: {e}", pg.addr)))?,
        ),
        None => None,
    };
    let mcp = crate::surfaces::mcp::McpServer::new(engine, mcp_options, Some(on_change))
        .map_err(|e| std::io::Error::new(e.kind(), format!("--audit-log: {e}")))?;
    let stopping = tokio_util::sync::CancellationToken::new();
    let mcp = Router::<Arc<App>>::new().nest_service("/mcp", crate::surfaces::mcp::http_service(mcp, stopping.clone()));
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let mut lines = format!("web: http://{bound}/?token={token}\nmcp: http://{bound}/mcp\n");
        if let Some(pg) = &postgres {
            let tls = if pg.tls() { "?sslmode=require" } else { "" };
            lines.push_str(&format!(
                "postgres: postgresql://{}@{}/{}{tls}\n",
                crate::surfaces::postgres::USER,
                pg.local_addr()?,
                crate::engine::POSTGRES_DATABASE
            ));
        }
        // One write, so a reader that stops after these lines never sees half of them.
        out.write_all(lines.as_bytes())?;
        out.flush()?;
    }
    if let Some(pg) = postgres {
        tokio::spawn(pg.serve(stopping.clone()));
    }
    let stop = async move {
        stop.await;
        // Open MCP streams end too, so the server can drain.
        stopping.cancel();
    };
    axum::serve(listener, router(app, mcp)).with_graceful_shutdown(stop).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_tokens_are_long_and_random() {
        let env = templates().expect("templates");
        assert!(env.get_template("users.html").is_ok());
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
