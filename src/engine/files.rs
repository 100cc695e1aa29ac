//! Which local files a statement may read and write. The CLI runs on its user's own machine
//! and may use any (`COPY … TO 'users.parquet'`, `CREATE EXTERNAL TABLE … LOCATION 'hires.csv'`);
//! a server answers other people, so its clients reach no file of its disk unless it was
//! started with a directory they may use, and then nothing outside it (not through `..`, not
//! through a symbolic link).

use std::path::{Component, Path, PathBuf};

use datafusion::logical_expr::{DdlStatement, LogicalPlan};

use crate::error::{Error, Refusal};

/// The local files statements may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FileAccess {
    /// Any file the process can reach (the CLI).
    #[default]
    Any,
    /// None: `COPY` and external tables are refused (a server's default).
    None,
    /// Files inside this directory only (`--allow-files DIR`).
    Within(PathBuf),
}

/// Refuses a plan that reads or writes files the access does not allow.
///
/// # Errors
/// A `COPY … TO` or `CREATE EXTERNAL TABLE` outside what `access` allows.
pub(crate) fn check(plan: &LogicalPlan, access: &FileAccess) -> Result<(), Error> {
    if *access == FileAccess::Any {
        return Ok(());
    }
    let (what, locations): (&str, Vec<&str>) = match plan {
        LogicalPlan::Explain(e) => return check(&e.plan, access),
        LogicalPlan::Analyze(a) => return check(&a.input, access),
        LogicalPlan::Copy(copy) => ("COPY … TO", vec![copy.output_url.as_str()]),
        LogicalPlan::Ddl(DdlStatement::CreateExternalTable(t)) => {
            ("CREATE EXTERNAL TABLE", t.locations.iter().map(String::as_str).collect())
        }
        _ => return Ok(()),
    };
    let dir = match access {
        FileAccess::Within(dir) => dir,
        _ => {
            return Err(Error::refused(
                Refusal::Files,
                format!(
                    "{what} reads or writes files, and this server's clients may not: start it with --allow-files DIR to let them use one directory"
                ),
            ));
        }
    };
    for location in locations {
        if !inside(location, dir) {
            return Err(Error::refused(
                Refusal::Files,
                format!("{what} '{location}': only files inside {} may be used here", dir.display()),
            ));
        }
    }
    Ok(())
}

/// Whether a location (a path, relative to the working directory as DataFusion reads it, or a
/// `file://` URL) lies inside `dir`, after `..` and symbolic links are resolved.
fn inside(location: &str, dir: &Path) -> bool {
    let path = match location.strip_prefix("file://") {
        Some(p) => p,
        None if location.contains("://") => return false,
        None => location,
    };
    let Ok(dir) = dir.canonicalize() else { return false };
    let Ok(cwd) = std::env::current_dir() else { return false };
    let resolved = resolve(&cwd.join(path));
    resolved.is_some_and(|r| r.starts_with(&dir))
}

/// A path with `.` and `..` taken out and symbolic links resolved as far as the path exists
/// (a file `COPY` will create does not exist yet).
fn resolve(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => {
                out.push(other);
                // Follow a link as soon as it exists, so `link/..` cannot leave through it.
                if let Ok(real) = out.canonicalize() {
                    out = real;
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_inside_the_directory_are_inside() {
        let root = tempfile::tempdir().expect("dir");
        let dir = root.path().join("shared");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::create_dir(root.path().join("private")).expect("mkdir");
        std::os::unix::fs::symlink(root.path().join("private"), dir.join("link")).expect("symlink");
        let within = |p: &Path| inside(p.to_str().expect("utf8"), &dir);
        assert!(within(&dir.join("out.csv")));
        assert!(within(&dir.join("new/part/out.parquet")));
        assert!(inside(&format!("file://{}", dir.join("x.csv").display()), &dir));
        assert!(!within(&dir.join("../private/x.csv")));
        assert!(!within(&dir.join("link/x.csv")), "a link out of the directory");
        assert!(!within(&dir.join("link/../../shared/../private/x")));
        assert!(!within(Path::new("/etc/passwd")));
        assert!(!inside("s3://bucket/x.csv", &dir));
        assert!(!within(&root.path().join("shared-not/x.csv")));
    }
}
