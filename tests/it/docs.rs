//! The README documents every table and column the engine declares.

#[test]
fn readme_lists_every_table_and_column() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    for table in connectql::tables::all() {
        let def = table.def();
        assert!(
            readme.contains(&format!("### {}", def.qualified_name())),
            "README lacks a section for {}",
            def.qualified_name()
        );
        for c in &def.columns {
            assert!(readme.contains(&format!("| {} |", c.name)), "README lacks column {}.{}", def.name, c.name);
        }
    }
}
