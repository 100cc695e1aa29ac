//! The local detail cache: one SQLite file per user (WAL, so the shell, scripts and `serve` share
//! it), holding each item's detail — its get call's answer and its per-row extras — with the
//! modification time its listing showed and when it was fetched. The scan decides what is still
//! valid; this module only stores. A cache problem is reported once and the cache is then left
//! alone: it never fails a statement.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde_json::{Map, Value};

/// The file name inside the cache directory.
pub(crate) const FILE_NAME: &str = "cache.sqlite";

/// Bumped when the layout changes; an older file is emptied and rebuilt.
const LAYOUT_VERSION: i64 = 1;

/// How long a call waits for another process's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The platform cache directory (`$XDG_CACHE_HOME/connectql` or `~/.cache/connectql` on Linux).
pub(crate) fn default_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("connectql"))
}

/// Where an item lives: the account (and endpoint, when it is not AWS's), region, instance
/// ("" for region-scoped tables) and table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Container {
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) instance: String,
    pub(crate) table: String,
}

/// One cached item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The modification time (ms) the item had when fetched; None when the API gave none.
    pub(crate) modified: Option<i64>,
    /// When it was fetched (ms since the epoch).
    pub(crate) fetched_ms: i64,
    /// What the detail holds: `get` for the get call's columns, and extra column names.
    pub(crate) parts: BTreeSet<String>,
    /// The columns, in their JSON form.
    pub(crate) detail: Map<String, Value>,
}

impl Entry {
    /// How old the entry is at `now_ms`.
    pub(crate) fn age(&self, now_ms: i64) -> Duration {
        Duration::from_millis(u64::try_from(now_ms.saturating_sub(self.fetched_ms)).unwrap_or(0))
    }
}

/// The size and content of the cache, for `.cache`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheInfo {
    pub path: PathBuf,
    /// Bytes of the database and its write-ahead log.
    pub bytes: u64,
    pub entries: u64,
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The cache file, opened. Every method gives `None`/nothing once a problem was met; the first
/// problem is kept for [`DetailCache::take_problem`].
#[derive(Debug)]
pub(crate) struct DetailCache {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
    problem: Mutex<Option<String>>,
    reported: AtomicBool,
}

impl DetailCache {
    /// Opens (or creates) the cache in `dir`: the directory 0700, the file 0600. A cache that
    /// cannot be opened is kept closed, with the reason for [`DetailCache::take_problem`];
    /// [`DetailCache::clear`] replaces its file.
    pub(crate) fn open(dir: &Path) -> DetailCache {
        let path = dir.join(FILE_NAME);
        let opened = create_private_dir(dir)
            .and_then(|()| create_private_file(&path))
            .map_err(|e| e.to_string())
            .and_then(|()| connect(&path).map_err(|e| e.to_string()));
        let (conn, problem) = match opened {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(format!("{}: {e}", path.display()))),
        };
        DetailCache { path, conn: Mutex::new(conn), problem: Mutex::new(problem), reported: AtomicBool::new(false) }
    }

    /// A cache in memory, for one process.
    pub(crate) fn in_memory() -> DetailCache {
        let (conn, problem) = match Connection::open_in_memory().and_then(prepare) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(format!("in-memory cache: {e}"))),
        };
        DetailCache {
            path: PathBuf::new(),
            conn: Mutex::new(conn),
            problem: Mutex::new(problem),
            reported: AtomicBool::new(false),
        }
    }

    /// The file; empty for a cache in memory.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Option<Connection>> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the connection; a failure closes the cache for this process and is kept.
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Option<T> {
        let mut guard = self.lock();
        let conn = guard.as_mut()?;
        match f(conn) {
            Ok(v) => Some(v),
            Err(e) => {
                *guard = None;
                let mut problem = self.problem.lock().unwrap_or_else(PoisonError::into_inner);
                problem.get_or_insert_with(|| format!("{}: {e}", self.path.display()));
                None
            }
        }
    }

    /// The first problem met, once: the caller warns with it.
    pub(crate) fn take_problem(&self) -> Option<String> {
        let problem = self.problem.lock().unwrap_or_else(PoisonError::into_inner).clone()?;
        (!self.reported.swap(true, Ordering::SeqCst)).then_some(problem)
    }

    /// Whether the cache still works.
    #[cfg(test)]
    pub(crate) fn usable(&self) -> bool {
        self.lock().is_some()
    }

    /// The cached entries of these ids in a container.
    pub(crate) fn lookup(&self, at: &Container, ids: &[&str]) -> HashMap<String, Entry> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT modified, fetched, parts, detail FROM items \
                 WHERE account = ?1 AND region = ?2 AND instance = ?3 AND tbl = ?4 AND id = ?5",
            )?;
            let mut found = HashMap::new();
            for id in ids {
                let row = stmt
                    .query_row(params![at.account, at.region, at.instance, at.table, id], |r| {
                        Ok((
                            r.get::<_, Option<i64>>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    })
                    .optional()?;
                // An entry that does not parse is a miss: it is replaced when fetched again.
                if let Some((modified, fetched_ms, parts, detail)) = row
                    && let (Ok(parts), Ok(Value::Object(detail))) =
                        (serde_json::from_str::<BTreeSet<String>>(&parts), serde_json::from_str::<Value>(&detail))
                {
                    found.insert((*id).to_owned(), Entry { modified, fetched_ms, parts, detail });
                }
            }
            Ok(found)
        })
        .unwrap_or_default()
    }

    /// Stores (replaces) one item's entry.
    pub(crate) fn store(&self, at: &Container, id: &str, entry: &Entry) {
        let parts = serde_json::to_string(&entry.parts).unwrap_or_else(|_| "[]".into());
        let detail = Value::Object(entry.detail.clone()).to_string();
        self.with(|conn| {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO items (account, region, instance, tbl, id, modified, fetched, parts, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                at.account,
                at.region,
                at.instance,
                at.table,
                id,
                entry.modified,
                entry.fetched_ms,
                parts,
                detail
            ])
        });
    }

    /// Forgets one item (written or deleted by this process).
    pub(crate) fn forget(&self, at: &Container, id: &str) {
        self.with(|conn| {
            conn.prepare_cached(
                "DELETE FROM items WHERE account = ?1 AND region = ?2 AND instance = ?3 AND tbl = ?4 AND id = ?5",
            )?
            .execute(params![at.account, at.region, at.instance, at.table, id])
        });
    }

    /// After a complete listing of a container: forgets the items it no longer returns.
    pub(crate) fn retain(&self, at: &Container, listed: &BTreeSet<String>) -> usize {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let held: Vec<String> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT id FROM items WHERE account = ?1 AND region = ?2 AND instance = ?3 AND tbl = ?4",
                )?;
                stmt.query_map(params![at.account, at.region, at.instance, at.table], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut gone = 0;
            for id in held.iter().filter(|id| !listed.contains(*id)) {
                gone += tx
                    .prepare_cached(
                        "DELETE FROM items WHERE account = ?1 AND region = ?2 AND instance = ?3 AND tbl = ?4 AND id = ?5",
                    )?
                    .execute(params![at.account, at.region, at.instance, at.table, id])?;
            }
            tx.commit()?;
            Ok(gone)
        })
        .unwrap_or(0)
    }

    /// Location, size and number of entries.
    pub(crate) fn info(&self) -> CacheInfo {
        let entries = self
            .with(|conn| conn.query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0)))
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0);
        let size = |p: &Path| if p.as_os_str().is_empty() { 0 } else { fs::metadata(p).map_or(0, |m| m.len()) };
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        CacheInfo { path: self.path.clone(), bytes: size(&self.path) + size(Path::new(&wal)), entries }
    }

    /// Empties the cache. A file that could not be used is replaced by a new one.
    ///
    /// # Errors
    /// The file cannot be emptied, removed or recreated (the reason, with the path).
    pub(crate) fn clear(&self) -> Result<(), String> {
        let mut guard = self.lock();
        let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", self.path.display());
        if let Some(conn) = guard.as_mut() {
            conn.execute_batch("DELETE FROM items; VACUUM;").map_err(|e| failed(&e))?;
            return Ok(());
        }
        if self.path.as_os_str().is_empty() {
            *guard = Some(Connection::open_in_memory().and_then(prepare).map_err(|e| failed(&e))?);
            return Ok(());
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(failed(&e)),
            }
        }
        if let Some(dir) = self.path.parent() {
            create_private_dir(dir).map_err(|e| failed(&e))?;
        }
        create_private_file(&self.path).map_err(|e| failed(&e))?;
        *guard = Some(connect(&self.path).map_err(|e| failed(&e))?);
        *self.problem.lock().unwrap_or_else(PoisonError::into_inner) = None;
        self.reported.store(false, Ordering::SeqCst);
        Ok(())
    }
}

/// Creates the directory (and its parents) with mode 0700 when it does not exist.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        // Another user who can write the directory can replace the file (or plant a link):
        // such a directory is not used, and never changed behind its owner's back.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
            if mode & 0o022 != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "{} is writable by other users (mode {mode:o}): give the cache a private directory (chmod 700, or another --cache-dir)",
                        dir.display()
                    ),
                ));
            }
        }
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the file with mode 0600 when it does not exist; SQLite gives its -wal and -shm
/// files the same mode.
fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Opens the database, in WAL mode, with the current layout.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: readers never wait for a writer, so several processes share the file.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    // A lost cache entry costs one call; no need to wait for the disk on every commit.
    conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    prepare(conn)
}

/// Gives a connection the current layout (emptying an older one).
fn prepare(conn: Connection) -> rusqlite::Result<Connection> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != LAYOUT_VERSION {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE;
             DROP TABLE IF EXISTS items;
             CREATE TABLE items (
                 account TEXT NOT NULL,
                 region TEXT NOT NULL,
                 instance TEXT NOT NULL,
                 tbl TEXT NOT NULL,
                 id TEXT NOT NULL,
                 modified INTEGER,
                 fetched INTEGER NOT NULL,
                 parts TEXT NOT NULL,
                 detail TEXT NOT NULL,
                 PRIMARY KEY (account, region, instance, tbl, id)
             ) WITHOUT ROWID;
             PRAGMA user_version = {LAYOUT_VERSION};
             COMMIT;"
        ))?;
    }
    let _ = conn.query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Container {
        Container {
            account: "111122223333".into(),
            region: "us-east-1".into(),
            instance: "i-1".into(),
            table: "users".into(),
        }
    }

    fn entry(modified: Option<i64>, name: &str) -> Entry {
        let mut detail = Map::new();
        detail.insert("username".into(), Value::String(name.into()));
        Entry { modified, fetched_ms: 1_000, parts: BTreeSet::from(["get".to_owned()]), detail }
    }

    #[test]
    fn stores_looks_up_forgets_and_retains() {
        let dir = tempfile::tempdir().expect("dir");
        let cache = DetailCache::open(&dir.path().join("c"));
        cache.store(&at(), "u1", &entry(Some(5), "a"));
        cache.store(&at(), "u2", &entry(None, "b"));
        let found = cache.lookup(&at(), &["u1", "u2", "u3"]);
        assert_eq!(found.len(), 2);
        assert_eq!(found["u1"], entry(Some(5), "a"));
        assert_eq!(found["u2"].modified, None);
        let other = Container { instance: "i-2".into(), ..at() };
        assert!(cache.lookup(&other, &["u1"]).is_empty(), "keyed by instance");
        cache.forget(&at(), "u1");
        assert_eq!(cache.lookup(&at(), &["u1", "u2"]).len(), 1);
        cache.store(&at(), "u3", &entry(None, "c"));
        assert_eq!(cache.retain(&at(), &BTreeSet::from(["u3".to_owned()])), 1);
        assert_eq!(cache.info().entries, 1);
        assert!(cache.take_problem().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let cache = DetailCache::open(&dir.path().join("connectql"));
        assert!(cache.usable());
        let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(cache.path()), 0o600);
        assert_eq!(mode(&dir.path().join("connectql")), 0o700);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_reported_once_and_clear_replaces_it() {
        let dir = tempfile::tempdir().expect("dir");
        fs::write(dir.path().join(FILE_NAME), b"this is not a database, not even close; ".repeat(200)).expect("write");
        let cache = DetailCache::open(dir.path());
        assert!(!cache.usable());
        assert!(cache.lookup(&at(), &["u1"]).is_empty());
        let problem = cache.take_problem().expect("a problem");
        assert!(problem.contains(FILE_NAME), "{problem}");
        assert!(cache.take_problem().is_none(), "reported once");

        // A directory others can write is not used.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let shared = tempfile::tempdir().expect("dir");
            fs::set_permissions(shared.path(), fs::Permissions::from_mode(0o777)).expect("chmod");
            let cache = DetailCache::open(shared.path());
            let problem = cache.take_problem().expect("refused");
            assert!(problem.contains("writable by other users (mode 777)"), "{problem}");
            assert!(!shared.path().join(FILE_NAME).exists(), "nothing was written there");
        }
        cache.clear().expect("clear");
        assert!(cache.usable());
        cache.store(&at(), "u1", &entry(Some(1), "a"));
        assert_eq!(cache.info().entries, 1);
    }
}
