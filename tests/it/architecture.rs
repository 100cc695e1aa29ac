//! The house rules that keep the layers apart, checked on the sources: the generic provider
//! names no table and no API operation (those are the tables' declarations), and the Connect
//! client side does not lean on the emulator.

use std::path::Path;

/// The non-test part of every Rust file under `dir`.
fn sources(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_owned();
            out.push((path.display().to_string(), code));
        }
    }
    assert!(!out.is_empty(), "no sources in {dir}");
    out
}

#[tokio::test]
async fn the_provider_names_no_table_and_no_operation() {
    let emu = super::support::demo().await;
    let engine = super::support::engine(&emu).await;
    let operations: Vec<&str> = connectql_emulator::routes::ROUTES.iter().map(|r| r.operation).collect();
    for (file, code) in sources("src/provider") {
        for op in &operations {
            assert!(!code.contains(op), "{file} names the operation {op}");
        }
        for t in engine.tables() {
            assert!(!code.contains(&format!("\"{}\"", t.name)), "{file} names the table {}", t.name);
        }
    }
}

#[test]
fn the_client_side_does_not_import_the_emulator() {
    for (file, code) in sources("src/aws") {
        assert!(!code.contains("emulator"), "{file} refers to the emulator");
    }
}
