//! The audit reports of `queries/`, built into the binary so every surface (the web console,
//! the MCP server) can run them by name. Each is a commented script; its header comment says
//! what it answers.

/// A report: its name (the file's stem) and its script.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report {
    pub(crate) name: &'static str,
    pub(crate) script: &'static str,
}

macro_rules! reports {
    ($($name:literal),* $(,)?) => {
        &[$(Report { name: $name, script: include_str!(concat!("../../queries/", $name, ".sql")) }),*]
    };
}

/// Every report: the scripts of `queries/` but the workflows (`provision_user` changes users,
/// `nightly_snapshot` writes files), which no surface runs by name.
pub(crate) const REPORTS: &[Report] = reports![
    "users_per_routing_profile",
    "security_profiles_and_admins",
    "hierarchy_coverage",
    "phone_settings",
    "email_hygiene",
    "dangling_references",
    "recently_modified",
    "permission_holders",
    "queue_coverage",
    "agent_queues",
    "online_now",
    "dangling_quick_connects",
];

impl Report {
    /// The header comment, without its `--` markers: what the report answers.
    pub(crate) fn description(&self) -> String {
        self.script
            .lines()
            .take_while(|l| l.starts_with("--"))
            .map(|l| l.trim_start_matches('-').trim())
            .filter(|l| !l.starts_with("Run:"))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    }

    /// The title: the header's first line.
    pub(crate) fn title(&self) -> &'static str {
        self.script.lines().next().map_or(self.name, |l| l.trim_start_matches('-').trim())
    }

    /// The names of the `{{ name }}` placeholders the script uses, with their defaults.
    pub(crate) fn variables(&self) -> Vec<(String, Option<String>)> {
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        let mut rest = self.script;
        while let Some(start) = rest.find("{{") {
            let Some(end) = rest[start..].find("}}") else { break };
            let inner = rest[start + 2..start + end].trim();
            let (name, default) = match inner.split_once('|') {
                Some((n, d)) => {
                    let d = d
                        .trim()
                        .strip_prefix("default(")
                        .and_then(|d| d.strip_suffix(')'))
                        .map(|d| d.trim().trim_matches('\'').to_owned());
                    (n.trim().to_owned(), d)
                }
                None => (inner.to_owned(), None),
            };
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, default));
            }
            rest = &rest[start + end + 2..];
        }
        out
    }

    pub(crate) fn find(name: &str) -> Option<&'static Report> {
        REPORTS.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKFLOWS: [&str; 2] = ["provision_user", "nightly_snapshot"];

    #[test]
    fn every_report_of_the_folder_is_built_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("queries")
            .filter_map(|e| e.ok()?.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
            .filter(|n| !WORKFLOWS.contains(&n.as_str()))
            .collect();
        files.sort();
        let mut built: Vec<String> = REPORTS.iter().map(|r| r.name.to_owned()).collect();
        built.sort();
        assert_eq!(built, files);
        let recent = Report::find("recently_modified").expect("report");
        assert_eq!(recent.variables(), vec![("asof".to_owned(), Some(String::new())), ("days".to_owned(), None)]);
        assert_eq!(recent.title(), "Users modified in the last N days");
    }
}
