//! Which accounts the engine reads, from the flags (`--account`, `--role-arn`) or an accounts
//! file (`--accounts FILE`, else `$XDG_CONFIG_HOME/connectql/accounts.toml` when it exists):
//!
//! ```toml
//! [[account]]
//! name = "prod"                 # optional: the profile's name, or the role's account id
//! profile = "prod-admin"        # an AWS profile, or:
//! # role_arn = "arn:aws:iam::210987654321:role/ConnectQLAudit"
//! # external_id = "…"          # role_session_name = "…"
//! regions = ["us-east-1"]       # optional: read when a query names no region
//! ```
//! An entry with neither `profile` nor `role_arn` is the base credentials' account.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::args::EngineFlags;
use crate::aws::client::{AccountSource, AccountSpec};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    #[serde(default)]
    account: Vec<FileAccount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAccount {
    name: Option<String>,
    profile: Option<String>,
    role_arn: Option<String>,
    external_id: Option<String>,
    role_session_name: Option<String>,
    #[serde(default)]
    regions: Vec<String>,
    account_id: Option<String>,
}

/// The account id written in a role ARN, for a role account's default name.
fn role_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

fn role(arn: &str, external_id: Option<String>, session_name: Option<String>) -> AccountSource {
    AccountSource::Role { arn: arn.to_owned(), external_id, session_name }
}

/// Where the accounts file is looked for when no flag names accounts.
fn default_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("connectql").join("accounts.toml")).filter(|f| f.is_file())
}

/// The accounts an accounts file lists.
///
/// # Errors
/// The file cannot be read, is not valid TOML of this shape, or an entry is inconsistent.
fn from_file(path: &Path) -> Result<Vec<AccountSpec>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--accounts {}: {e}", path.display()))?;
    let file: AccountsFile = toml::from_str(&text).map_err(|e| format!("--accounts {}: {e}", path.display()))?;
    let mut specs = Vec::new();
    for (n, a) in file.account.into_iter().enumerate() {
        let at = format!("--accounts {}: account {}", path.display(), n + 1);
        let source = match (a.profile, a.role_arn) {
            (Some(_), Some(_)) => return Err(format!("{at}: give profile or role_arn, not both")),
            (Some(p), None) => AccountSource::Profile(p),
            (None, Some(arn)) => role(&arn, a.external_id, a.role_session_name),
            (None, None) => AccountSource::Base,
        };
        let name = a.name.unwrap_or_else(|| match &source {
            AccountSource::Profile(p) => p.clone(),
            AccountSource::Role { arn, .. } => role_account(arn).unwrap_or(arn).to_owned(),
            AccountSource::Base => "default".to_owned(),
        });
        specs.push(AccountSpec { name, source, regions: a.regions, account_id: a.account_id });
    }
    if specs.is_empty() {
        return Err(format!("--accounts {}: lists no [[account]]", path.display()));
    }
    Ok(specs)
}

/// The accounts the flags name (none: one account, the base credentials', as without them).
///
/// # Errors
/// An unreadable accounts file, or two accounts with one name.
pub(super) fn accounts(flags: &EngineFlags) -> Result<Vec<AccountSpec>, String> {
    let mut specs: Vec<AccountSpec> = flags
        .accounts
        .iter()
        .map(|p| AccountSpec {
            name: p.clone(),
            source: AccountSource::Profile(p.clone()),
            regions: Vec::new(),
            account_id: None,
        })
        .collect();
    for arn in &flags.role_arns {
        if role_account(arn).is_none_or(|a| a.len() != 12) {
            return Err(format!("--role-arn '{arn}': expected arn:aws:iam::ACCOUNT_ID:role/NAME"));
        }
        specs.push(AccountSpec {
            name: role_account(arn).unwrap_or(arn).to_owned(),
            source: role(arn, flags.external_id.clone(), flags.role_session_name.clone()),
            regions: Vec::new(),
            account_id: None,
        });
    }
    let file = flags.accounts_file.clone().or_else(|| specs.is_empty().then(default_file).flatten());
    if let Some(f) = file {
        specs.extend(from_file(&f)?);
    }
    let mut names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("two accounts are named '{}': give them distinct names", w[0]));
    }
    Ok(specs)
}

/// The demo's three accounts: the main one (the demo's own credentials), the staging copy and
/// the business unit, each reached by assuming its audit role, as an organisation would; or
/// those of them `--account` names.
///
/// # Errors
/// A name that is not one of the demo's accounts.
pub(super) fn demo_accounts(named: &[String]) -> Result<Vec<AccountSpec>, String> {
    use connectql_emulator::{AUDIT_ROLE, BUSINESS_UNIT_ACCOUNT, BUSINESS_UNIT_EXTERNAL_ID, STAGING_ACCOUNT};
    let audit = |account: &str| format!("arn:aws:iam::{account}:role/{AUDIT_ROLE}");
    let all = vec![
        AccountSpec {
            name: "acme".into(),
            source: AccountSource::Base,
            regions: Vec::new(),
            account_id: Some(connectql_emulator::DEFAULT_ACCOUNT.into()),
        },
        AccountSpec {
            name: "acme-staging".into(),
            source: role(&audit(STAGING_ACCOUNT), None, None),
            regions: Vec::new(),
            account_id: None,
        },
        AccountSpec {
            name: "acme-retail".into(),
            source: role(&audit(BUSINESS_UNIT_ACCOUNT), Some(BUSINESS_UNIT_EXTERNAL_ID.into()), None),
            regions: vec!["eu-west-2".into()],
            account_id: None,
        },
    ];
    if let Some(unknown) = named.iter().find(|n| !all.iter().any(|a| a.name == **n)) {
        let names: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
        return Err(format!("--account {unknown}: the demo's accounts are {}", names.join(", ")));
    }
    Ok(all.into_iter().filter(|a| named.is_empty() || named.contains(&a.name)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accounts_file_names_profiles_roles_and_the_base() {
        let dir = std::env::temp_dir().join(format!("connectql-accounts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let f = dir.join("accounts.toml");
        std::fs::write(
            &f,
            "[[account]]\nprofile = \"prod\"\nregions = [\"us-east-1\", \"eu-west-2\"]\n\n\
             [[account]]\nrole_arn = \"arn:aws:iam::210987654321:role/Audit\"\nexternal_id = \"x\"\n\n\
             [[account]]\nname = \"me\"\n",
        )
        .expect("write");
        let specs = from_file(&f).expect("parsed");
        assert_eq!(specs.len(), 3);
        assert_eq!((specs[0].name.as_str(), &specs[0].source), ("prod", &AccountSource::Profile("prod".into())));
        assert_eq!(specs[0].regions, ["us-east-1", "eu-west-2"]);
        assert_eq!(specs[1].name, "210987654321");
        assert!(matches!(&specs[1].source, AccountSource::Role { external_id: Some(x), .. } if x == "x"));
        assert_eq!((specs[2].name.as_str(), &specs[2].source), ("me", &AccountSource::Base));
        std::fs::write(&f, "[[account]]\nprofile = \"a\"\nrole_arn = \"arn:aws:iam::1:role/x\"\n").expect("write");
        assert!(from_file(&f).expect_err("both").contains("not both"));
        std::fs::write(&f, "[[account]]\nprofil = \"a\"\n").expect("write");
        assert!(from_file(&f).expect_err("typo").contains("profil"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
