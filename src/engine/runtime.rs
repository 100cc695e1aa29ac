//! The engine's own runtime. Parsing, planning and running a statement recurse as deep as its
//! expressions nest (`1 + 1 + … + 1`, a long `OR` chain), and a caller's worker thread has a
//! small stack (2 MiB for tokio's): so statements are planned and their plans polled on worker
//! threads with room for the deepest statement the engine accepts ([`crate::sql::limits`]),
//! whatever runtime the caller polls from. A statement that nests deeper is refused with an
//! error; none can abort the process.

use std::sync::OnceLock;

use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use futures::StreamExt;
use tokio::runtime::{Handle, Runtime};
use tokio_util::task::AbortOnDropHandle;

use crate::error::Error;

/// Each worker's stack: room for [`crate::sql::limits::MAX_EXPR_DEPTH`] levels in a debug build,
/// many times over (reserved address space; only the pages used are memory).
const STACK: usize = 256 * 1024 * 1024;

fn runtime() -> Result<&'static Runtime, Error> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .thread_name("connectql-engine")
                .thread_stack_size(STACK)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::Internal(format!("cannot start the engine's runtime: {e}")))
}

/// Runs `work` on the engine's runtime; dropping the returned future stops it.
///
/// # Errors
/// The runtime cannot start, or the work panicked.
pub(crate) async fn run<T, F>(work: F) -> Result<T, Error>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    let handle = AbortOnDropHandle::new(runtime()?.spawn(work));
    handle.await.map_err(|e| Error::Internal(format!("a statement failed unexpectedly: {e}")))?
}

/// The same rows, produced by polling `stream` on the engine's runtime (it must be called from
/// there); dropping the returned stream stops the work.
pub(crate) fn polled_here(stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
    let mut builder = RecordBatchReceiverStream::builder(stream.schema(), 2);
    let tx = builder.tx();
    builder.spawn_on(
        async move {
            let mut stream = stream;
            while let Some(batch) = stream.next().await {
                if tx.send(batch).await.is_err() {
                    // The reader is gone.
                    break;
                }
            }
            Ok(())
        },
        &Handle::current(),
    );
    builder.build()
}
