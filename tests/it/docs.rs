//! The README documents every table as `DESCRIBE` shows it: each table's section holds exactly
//! its columns, in order, with their type, cost and description.

/// The `| a | b | c | d |` rows of the table under `### heading`, up to the next heading.
fn section_rows(readme: &str, heading: &str) -> Vec<Vec<String>> {
    let start =
        readme.find(&format!("### {heading}\n")).unwrap_or_else(|| panic!("README lacks a section for {heading}"));
    let body = &readme[start + heading.len() + 5..];
    let end = body.find("\n#").unwrap_or(body.len());
    body[..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| column_name"))
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect())
        .collect()
}

#[tokio::test]
async fn readme_describes_every_table_as_describe_does() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let emu = super::support::demo().await;
    let engine = super::support::engine(&emu).await;
    for table in engine.tables() {
        let documented = section_rows(&readme, &table.qualified_name);
        let declared: Vec<Vec<String>> = table
            .columns
            .iter()
            .map(|c| vec![c.name.clone(), c.data_type.clone(), c.cost.clone(), c.description.clone()])
            .collect();
        assert_eq!(documented, declared, "README section of {}", table.qualified_name);
    }
}
