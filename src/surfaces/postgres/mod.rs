//! The Postgres wire protocol (`connectql serve --pg ADDR`): psql, BI tools and any Postgres
//! driver query the tables as database `aws`. The protocol is pgwire's and the type mapping
//! arrow-pg's (both through datafusion-postgres); the statements go through the engine's door
//! ([`handler`]), never to a DataFusion context of their own. Clients authenticate with
//! SCRAM-SHA-256 as user `connectql` with the server's token as password, on loopback too;
//! TLS is optional.

mod cancel;
mod copy;
mod encode;
mod handler;
mod session;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion_postgres::pgwire::api::auth::sasl::SASLAuthStartupHandler;
use datafusion_postgres::pgwire::api::auth::sasl::scram::{SCRAM_ITERATIONS, ScramAuth, gen_salted_password};
use datafusion_postgres::pgwire::api::auth::{AuthSource, DefaultServerParameterProvider, LoginInfo, Password};
use datafusion_postgres::pgwire::api::{NoopHandler, PgWireServerHandlers};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::tokio::tokio_rustls::rustls;
use datafusion_postgres::pgwire::tokio::{TlsAcceptor, process_socket};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::engine::{Engine, POSTGRES_DATABASE};

/// The only user, whose password is the server's token.
pub(crate) const USER: &str = crate::engine::PG_USER;

/// What clients are told the server is: Postgres 16's protocol and catalog, as connectql.
pub(crate) use crate::engine::SERVER_VERSION;

/// How the Postgres listener is set up.
#[derive(Debug, Clone)]
pub(crate) struct PgOptions {
    pub(crate) addr: SocketAddr,
    /// A PEM certificate chain and private key: TLS for clients that ask for it.
    pub(crate) tls: Option<(PathBuf, PathBuf)>,
}

/// The token as SCRAM's salted password.
struct TokenAuth {
    salt: Vec<u8>,
    salted: Vec<u8>,
}

impl fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenAuth")
    }
}

#[async_trait]
impl AuthSource for TokenAuth {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let database = POSTGRES_DATABASE;
        // `postgres` too: the catalog lists it (as every server has it) and tools connect to it
        // first (DBeaver's and pgAdmin's maintenance database); it holds the same tables.
        if let Some(db) = login.database().filter(|d| *d != database && *d != "postgres") {
            return Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                "FATAL".to_owned(),
                "3D000".to_owned(),
                format!("database \"{db}\" does not exist: connect to database {database}"),
            ))));
        }
        if login.user() != Some(USER) {
            return Err(PgWireError::InvalidPassword(login.user().unwrap_or_default().to_owned()));
        }
        Ok(Password::new(Some(self.salt.clone()), self.salted.clone()))
    }
}

/// The handlers of one connection (its own session) and what every connection shares.
struct Handlers {
    service: Arc<handler::Service>,
    auth: Arc<TokenAuth>,
    parameters: Arc<DefaultServerParameterProvider>,
    cancels: Arc<cancel::Cancels>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::query::SimpleQueryHandler> {
        Arc::clone(&self.service)
    }

    fn extended_query_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::query::ExtendedQueryHandler> {
        Arc::clone(&self.service)
    }

    /// A new one per connection: it holds the connection's SCRAM exchange.
    fn startup_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::auth::StartupHandler> {
        Arc::new(
            SASLAuthStartupHandler::new(Arc::clone(&self.parameters))
                .with_scram(ScramAuth::new(Arc::clone(&self.auth) as Arc<dyn AuthSource>)),
        )
    }

    fn cancel_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::cancel::CancelHandler> {
        Arc::clone(&self.cancels)
    }

    fn error_handler(&self) -> Arc<impl datafusion_postgres::pgwire::api::ErrorHandler> {
        Arc::new(NoopHandler)
    }
}

/// A bound Postgres listener.
pub(crate) struct PgListener {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    engine: Engine,
    read_only: bool,
    auth: Arc<TokenAuth>,
    parameters: Arc<DefaultServerParameterProvider>,
    cancels: Arc<cancel::Cancels>,
}

fn tls_acceptor(cert: &PathBuf, key: &PathBuf) -> std::io::Result<TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let invalid = |what: &PathBuf, e: &dyn fmt::Display| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{}: {e}", what.display()))
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| invalid(cert, &e))?;
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| invalid(key, &e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(cert, &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| invalid(cert, &e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

impl PgListener {
    /// Binds the listener; clients log in as `connectql` with `token`.
    ///
    /// # Errors
    /// The address cannot be bound, or the TLS files cannot be used.
    pub(crate) async fn bind(engine: Engine, options: &PgOptions, token: &str) -> std::io::Result<PgListener> {
        let tls = match &options.tls {
            Some((cert, key)) => Some(tls_acceptor(cert, key)?),
            None => None,
        };
        let listener = TcpListener::bind(options.addr).await?;
        let read_only = engine.settings().policy != crate::provider::context::WritePolicy::ReadWrite;
        let salt = uuid::Uuid::new_v4().as_bytes().to_vec();
        let salted = gen_salted_password(token, &salt, SCRAM_ITERATIONS);
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = SERVER_VERSION.to_owned();
        parameters.default_transaction_read_only = read_only;
        parameters.is_superuser = false;
        parameters.search_path = crate::engine::SEARCH_PATH.to_owned();
        Ok(PgListener {
            listener,
            tls,
            engine,
            read_only,
            auth: Arc::new(TokenAuth { salt, salted }),
            parameters: Arc::new(parameters),
            cancels: Arc::default(),
        })
    }

    /// The handlers of a new connection: a session of its own (its `SET`s and session tables
    /// are its alone, and end with it).
    fn connection(&self) -> Arc<Handlers> {
        Arc::new(Handlers {
            service: Arc::new(handler::Service::new(self.engine.session(), Arc::clone(&self.cancels), self.read_only)),
            auth: Arc::clone(&self.auth),
            parameters: Arc::clone(&self.parameters),
            cancels: Arc::clone(&self.cancels),
        })
    }

    /// The address it listens on.
    ///
    /// # Errors
    /// The socket has no local address.
    pub(crate) fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Whether clients can ask for TLS.
    pub(crate) fn tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Accepts connections until `stop`.
    pub(crate) async fn serve(self, stop: CancellationToken) {
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((socket, peer)) => {
                        let handlers = self.connection();
                        let tls = self.tls.clone();
                        tokio::spawn(async move {
                            if let Err(e) = process_socket(socket, tls, handlers).await {
                                tracing::debug!("postgres connection from {peer}: {e}");
                            }
                        });
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!("postgres listener: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                },
            }
        }
    }
}
