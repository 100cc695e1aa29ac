//! Every audit report in `queries/` run as users run it (`connectql --demo -f queries/NAME.sql`),
//! its output pinned by a golden file in `tests/golden/` (`UPDATE_GOLDEN=1` rewrites them).

use std::path::{Path, PathBuf};

use super::support::cli;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo emulator's pinned clock, and the day reports count back from.
const DEMO_NOW: &str = "2026-09-01T00:00:00Z";
const AS_OF: &str = "2026-09-01";

fn check(report: &Path, failures: &mut Vec<String>) {
    let name = report.file_stem().and_then(|s| s.to_str()).expect("report name").to_owned();
    let out = cli()
        .env("CONNECTQL_DEMO_NOW", DEMO_NOW)
        .args(["--demo", "-f", report.to_str().expect("utf8")])
        .args(["--var", "days=30", "--var", &format!("asof={AS_OF}")])
        .output()
        .expect("connectql runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        failures.push(format!("{name}: exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
        return;
    }
    let golden = root().join("tests/golden").join(format!("{name}.out"));
    let expected = std::fs::read_to_string(&golden).ok();
    if expected.as_deref() == Some(stdout.as_str()) {
        return;
    }
    // A changed output always fails; UPDATE_GOLDEN=1 also writes the new one, so a rerun
    // (after reading the diff) passes.
    let rewritten = std::env::var_os("UPDATE_GOLDEN").is_some();
    if rewritten {
        std::fs::write(&golden, &stdout).expect("write golden");
    }
    let hint = if rewritten {
        "golden rewritten: check the diff and rerun"
    } else {
        "rerun with UPDATE_GOLDEN=1 to rewrite it"
    };
    failures.push(format!(
        "{name}: output differs from {} ({hint})\n--- expected\n{}\n--- got\n{stdout}",
        golden.display(),
        expected.unwrap_or_else(|| "(no golden file)".to_owned())
    ));
}

#[test]
fn every_report_matches_its_golden_output() {
    let mut reports: Vec<PathBuf> = std::fs::read_dir(root().join("queries"))
        .expect("queries/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        // Workflows (they change users or write files) are tested where their effects are.
        .filter(|p| p.file_stem().is_none_or(|s| s != "provision_user" && s != "nightly_snapshot"))
        .collect();
    reports.sort();
    assert!(reports.len() >= 7, "the report pack: {reports:?}");
    let mut failures = Vec::new();
    for r in &reports {
        check(r, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn each_report_explains_itself() {
    for entry in std::fs::read_dir(root().join("queries")).expect("queries/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("report text");
        let header: Vec<&str> = text.lines().take_while(|l| l.starts_with("--")).collect();
        assert!(header.len() >= 4, "{} needs a header comment: what it answers, how to read it", path.display());
        assert!(text.contains("Run: connectql -f queries/"), "{} says how to run it", path.display());
    }
}
