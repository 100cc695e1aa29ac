//! The README documents every table and column the engine declares.

#[tokio::test]
async fn readme_lists_every_table_and_column() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let emu = super::support::demo().await;
    let engine = super::support::engine(&emu).await;
    for table in engine.tables() {
        assert!(
            readme.contains(&format!("### {}", table.qualified_name)),
            "README lacks a section for {}",
            table.qualified_name
        );
        for c in &table.columns {
            assert!(readme.contains(&format!("| {} |", c.name)), "README lacks column {}.{}", table.name, c.name);
        }
    }
}
