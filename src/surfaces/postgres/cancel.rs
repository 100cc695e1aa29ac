//! A client's cancel request (psql's Ctrl-C) stops its connection's running statement: the
//! statement is dropped, and with it the API calls it had not made yet.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion_postgres::pgwire::api::cancel::CancelHandler;
use datafusion_postgres::pgwire::messages::cancel::CancelRequest;
use tokio_util::sync::CancellationToken;

/// A connection's process id and secret key, as the client got them at startup.
type Key = (i32, Vec<u8>);

/// The running statement of each connection: its number and how to cancel it.
#[derive(Default)]
pub(crate) struct Cancels {
    running: Mutex<HashMap<Key, (u64, CancellationToken)>>,
    next: AtomicU64,
}

/// A statement's place in [`Cancels`]; leaving it when the statement ends.
pub(crate) struct Running {
    cancels: Arc<Cancels>,
    key: Key,
    id: u64,
    pub(crate) token: CancellationToken,
}

impl Cancels {
    /// A statement starts on the connection with this key.
    pub(crate) fn start(self: &Arc<Self>, pid: i32, secret: Vec<u8>) -> Running {
        let token = CancellationToken::new();
        let key = (pid, secret);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.clone(), (id, token.clone()));
        Running { cancels: Arc::clone(self), key, id, token }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self.cancels.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Only this statement's entry: a later one on the same connection has its own token.
        if running.get(&self.key).is_some_and(|(id, _)| *id == self.id) {
            running.remove(&self.key);
        }
    }
}

#[async_trait]
impl CancelHandler for Cancels {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let key = (request.pid, request.secret_key.to_bytes().to_vec());
        if let Some((_, token)) = self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key) {
            token.cancel();
        }
    }
}
