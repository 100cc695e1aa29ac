//! The emulator's other accounts, reached as users reach them: a profile with `role_arn` and
//! `source_profile` in a temporary `AWS_CONFIG_FILE`, assumed by aws-config's own role provider
//! through the emulator's STS (`AWS_ENDPOINT_URL_STS`), then connectql's calls signed with the
//! role's credentials act on the role's account.

use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};
use connectql_emulator::{
    AUDIT_ROLE, BUSINESS_UNIT_ACCOUNT, BUSINESS_UNIT_EXTERNAL_ID, DEFAULT_ACCOUNT, STAGING_ACCOUNT,
};

use super::support::{cli, demo, err, loopback_http, out};

/// A Connect client signed as `account` itself (the emulator reads a 12-digit key as its account).
fn client_of(url: &str, account: &str, region: &str) -> aws_sdk_connect::Client {
    let config = aws_sdk_connect::Config::builder()
        .http_client(loopback_http())
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(account, "test-secret", None, None, "test"))
        .endpoint_url(url)
        .build();
    aws_sdk_connect::Client::from_conf(config)
}

/// connectql with only the given config file's profiles to go on (no credentials or region in
/// the environment: the profile's own).
fn with_profile(url: &str, config: &std::path::Path, profile: &str, sql: &str) -> std::process::Output {
    cli()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_ENDPOINT_URL_STS", url)
        .args(["--endpoint-url", url, "--profile", profile, "-o", "csv", "-e", sql])
        .output()
        .expect("connectql runs")
}

/// An AWS config file in `dir`: the profile `base` (the demo account's keys, us-east-1), then
/// `more` profiles.
fn aws_config(dir: &std::path::Path, more: &str) -> std::path::PathBuf {
    let config = dir.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile base]\naws_access_key_id = {DEFAULT_ACCOUNT}\naws_secret_access_key = test-secret\nregion = us-east-1\n\n{more}"
        ),
    )
    .expect("config file");
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_profile_reads_the_role_account_through_sts() {
    let emu = demo().await;
    let url = emu.base_url();
    let dir = tempfile::tempdir().expect("dir");
    let role = |account: &str| format!("arn:aws:iam::{account}:role/{AUDIT_ROLE}");
    let config = aws_config(
        dir.path(),
        &format!(
            "[profile staging]\nrole_arn = {}\nsource_profile = base\nregion = us-east-1\n\n\
             [profile retail]\nrole_arn = {}\nsource_profile = base\nexternal_id = {BUSINESS_UNIT_EXTERNAL_ID}\nregion = eu-west-2\n\n\
             [profile retail-no-external-id]\nrole_arn = {}\nsource_profile = base\nregion = eu-west-2\n\n\
             [profile nowhere]\nrole_arn = arn:aws:iam::{STAGING_ACCOUNT}:role/NoSuchRole\nsource_profile = base\nregion = us-east-1\n",
            role(STAGING_ACCOUNT),
            role(BUSINESS_UNIT_ACCOUNT),
            role(BUSINESS_UNIT_ACCOUNT),
        ),
    );

    // Each account's instances and users, as plain SDK calls signed as that account list them.
    for (profile, account, region) in
        [("staging", STAGING_ACCOUNT, "us-east-1"), ("retail", BUSINESS_UNIT_ACCOUNT, "eu-west-2")]
    {
        let c = client_of(&url, account, region);
        let instances = c.list_instances().send().await.expect("ListInstances");
        let instance = instances.instance_summary_list().first().expect("an instance");
        let users = c.list_users().instance_id(instance.id().expect("id")).send().await.expect("ListUsers");
        let o = with_profile(
            &url,
            &config,
            profile,
            "SELECT alias, count(*) AS users FROM aws.connect.instances i JOIN aws.connect.users u ON u.instance_id = i.id GROUP BY alias",
        );
        assert!(o.status.success(), "{profile}: {}", err(&o));
        let expected =
            format!("alias,users\n{},{}\n", instance.instance_alias().expect("alias"), users.user_summary_list().len());
        assert_eq!(out(&o), expected, "{profile}");
    }
    assert_eq!(emu.emulator.calls_of("AssumeRole"), 2, "one AssumeRole per run");

    // aws.connect.accounts says whose credentials are in use, as STS's GetCallerIdentity does.
    let o = with_profile(
        &url,
        &config,
        "staging",
        "SELECT account_id, arn, profile, credentials_ok FROM aws.connect.accounts",
    );
    assert!(o.status.success(), "{}", err(&o));
    let prefix = format!("arn:aws:sts::{STAGING_ACCOUNT}:assumed-role/{AUDIT_ROLE}/");
    let line = out(&o).lines().nth(1).expect("a row").to_owned();
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!(cells[0], STAGING_ACCOUNT, "{line}");
    assert!(cells[1].starts_with(&prefix), "{line}");
    assert_eq!(&cells[2..], ["staging", "true"], "{line}");
    // Credentials that do not work are a row saying why, not a failed statement.
    let o =
        with_profile(&url, &config, "retail-no-external-id", "SELECT credentials_ok, error FROM aws.connect.accounts");
    assert!(o.status.success(), "{}", err(&o));
    let line = out(&o).lines().nth(1).expect("a row").to_owned();
    assert!(line.starts_with("false,") && line.contains("AccessDenied"), "{line}");

    // A role whose trust wants an external id, assumed without it; a role that does not exist.
    for profile in ["retail-no-external-id", "nowhere"] {
        let o = with_profile(&url, &config, profile, "SELECT count(*) FROM aws.connect.instances");
        assert!(!o.status.success(), "{profile} is refused");
        let e = err(&o);
        assert!(e.contains("the profile's role could not be assumed (STS AssumeRole: AccessDenied: User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: sts:AssumeRole"), "{profile}: {e}");
    }
}

#[tokio::test]
async fn get_caller_identity_names_the_account_and_the_assumed_role() {
    let emu = demo().await;
    let url = emu.base_url();
    let sts = |account: &str, token: Option<String>| {
        let config = aws_sdk_sts::Config::builder()
            .http_client(loopback_http())
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(account, "secret", token, None, "test"))
            .endpoint_url(&url)
            .build();
        aws_sdk_sts::Client::from_conf(config)
    };
    let me = sts(DEFAULT_ACCOUNT, None).get_caller_identity().send().await.expect("GetCallerIdentity");
    assert_eq!(me.account(), Some(DEFAULT_ACCOUNT));
    let assumed = sts(DEFAULT_ACCOUNT, None)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{STAGING_ACCOUNT}:role/{AUDIT_ROLE}"))
        .role_session_name("audit")
        .send()
        .await
        .expect("AssumeRole");
    let creds = assumed.credentials().expect("credentials");
    let who = sts(creds.access_key_id(), Some(creds.session_token().to_owned()))
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity as the role");
    assert_eq!(who.account(), Some(STAGING_ACCOUNT));
    assert_eq!(who.arn(), Some(format!("arn:aws:sts::{STAGING_ACCOUNT}:assumed-role/{AUDIT_ROLE}/audit").as_str()));
    let denied = sts(STAGING_ACCOUNT, None)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{BUSINESS_UNIT_ACCOUNT}:role/{AUDIT_ROLE}"))
        .role_session_name("audit")
        .send()
        .await
        .expect_err("staging is not trusted");
    assert_eq!(
        denied.as_service_error().and_then(|e| aws_sdk_sts::error::ProvideErrorMetadata::code(e)),
        Some("AccessDenied")
    );
}

/// Every user of an account and region, as plain SDK calls signed as that account list them:
/// (username, id, instance id).
pub(crate) async fn users_of(url: &str, account: &str, region: &str) -> Vec<(String, String, String)> {
    let c = client_of(url, account, region);
    let mut users = Vec::new();
    for i in c.list_instances().send().await.expect("ListInstances").instance_summary_list() {
        let iid = i.id().expect("id").to_owned();
        let pages = c.list_users().instance_id(&iid).into_paginator().items().send();
        let listed: Vec<_> = pages.collect::<Result<Vec<_>, _>>().await.expect("ListUsers");
        users.extend(
            listed
                .iter()
                .map(|u| (u.username().expect("name").to_owned(), u.id().expect("id").to_owned(), iid.clone())),
        );
    }
    users
}

/// connectql reading the demo's three accounts as an organisation would: a profile with keys
/// (`base`, also the base credentials the `--role-arn` role is assumed with), a role profile
/// (`staging`), a role by ARN with its external id (the business unit, named by its account id),
/// and whatever `extra` adds.
fn org(url: &str, config: &std::path::Path, extra: &[&str], sql: &str) -> std::process::Output {
    let retail = format!("arn:aws:iam::{BUSINESS_UNIT_ACCOUNT}:role/{AUDIT_ROLE}");
    cli()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_ENDPOINT_URL_STS", url)
        .args(["--endpoint-url", url, "--profile", "base", "--region", "us-east-1", "-o", "csv", "-v"])
        .args(["--account", "base", "--account", "staging", "--role-arn", &retail])
        .args(["--external-id", BUSINESS_UNIT_EXTERNAL_ID])
        .args(extra)
        .args(["-e", sql])
        .output()
        .expect("connectql runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_accounts_are_read_and_written_in_one_statement() {
    let emu = demo().await;
    let url = emu.base_url();
    let dir = tempfile::tempdir().expect("dir");
    let config = aws_config(
        dir.path(),
        &format!(
            "[profile staging]\nrole_arn = arn:aws:iam::{STAGING_ACCOUNT}:role/{AUDIT_ROLE}\nsource_profile = base\n\n\
             [profile nowhere]\nrole_arn = arn:aws:iam::{STAGING_ACCOUNT}:role/NoSuchRole\nsource_profile = base\n",
        ),
    );

    // Users per account and region, from the SDK.
    let mut expected = String::from("account_id,region,users\n");
    for account in [DEFAULT_ACCOUNT, STAGING_ACCOUNT, BUSINESS_UNIT_ACCOUNT] {
        for region in ["eu-west-2", "us-east-1"] {
            let n = users_of(&url, account, region).await.len();
            if n > 0 {
                expected.push_str(&format!("{account},{region},{n}\n"));
            }
        }
    }
    let o = org(
        &url,
        &config,
        &[],
        "SELECT account_id, region, count(*) AS users FROM aws.connect.users \
         WHERE region IN ('us-east-1', 'eu-west-2') GROUP BY 1, 2 ORDER BY 1, 2",
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), expected);
    assert_eq!(expected.lines().count(), 5, "main (two regions), staging, retail: {expected}");

    // A filter on account_id prunes the other accounts before any Connect call: the ids not
    // known yet (the two profiles') are asked of STS, the role's is in its ARN.
    emu.emulator.reset_calls();
    let staging_users = users_of(&url, STAGING_ACCOUNT, "us-east-1").await;
    emu.emulator.reset_calls();
    let o = org(
        &url,
        &config,
        &[],
        &format!("SELECT count(*) AS n FROM aws.connect.users WHERE account_id = '{STAGING_ACCOUNT}'"),
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("n\n{}\n", staging_users.len()));
    assert!(
        err(&o).contains("API calls: 4 [GetCallerIdentity=2, ListInstances=1, ListUsers=1]"),
        "only staging's calls: {}",
        err(&o)
    );
    assert_eq!(emu.emulator.calls_of("ListInstances"), 1);
    let o = org(
        &url,
        &config,
        &[],
        &format!(
            "EXPLAIN SELECT username FROM aws.connect.users WHERE account_id IN ('{BUSINESS_UNIT_ACCOUNT}', '{STAGING_ACCOUNT}')"
        ),
    );
    assert!(
        out(&o).contains(&format!("accounts=[staging, {BUSINESS_UNIT_ACCOUNT}] regions=[us-east-1]")),
        "{}",
        out(&o)
    );

    // One account that cannot be reached fails the statement, named; with --partial the others'
    // rows come back and the exit code says something failed.
    let instances = |accounts: &[&str]| {
        let urls = url.clone();
        let accounts: Vec<String> = accounts.iter().map(|a| (*a).to_owned()).collect();
        async move {
            let mut n = 0;
            for a in accounts {
                n += client_of(&urls, &a, "us-east-1")
                    .list_instances()
                    .send()
                    .await
                    .expect("l")
                    .instance_summary_list()
                    .len();
            }
            n
        }
    };
    let sql = "SELECT count(*) AS n FROM aws.connect.instances";
    let o = org(&url, &config, &["--account", "nowhere"], sql);
    assert!(!o.status.success());
    assert!(err(&o).contains("account nowhere region us-east-1") && err(&o).contains("AssumeRole"), "{}", err(&o));
    let o = org(&url, &config, &["--account", "nowhere", "--partial"], sql);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let reachable = instances(&[DEFAULT_ACCOUNT, STAGING_ACCOUNT, BUSINESS_UNIT_ACCOUNT]).await;
    assert_eq!(out(&o), format!("n\n{reachable}\n"));
    assert!(err(&o).contains("account nowhere"), "{}", err(&o));

    // An UPDATE across accounts names them when it asks; each row is written in its own account.
    let main_users = users_of(&url, DEFAULT_ACCOUNT, "us-east-1").await;
    let names = |users: &[(String, String, String)]| users.iter().map(|u| u.0.clone()).collect::<Vec<_>>();
    let (main_names, staging_names) = (names(&main_users), names(&staging_users));
    // The staging copy has the main center's usernames: one that each account has once.
    let once = |all: &[String], n: &String| all.iter().filter(|m| *m == n).count() == 1;
    let shared = staging_names.iter().find(|n| once(&main_names, n) && once(&staging_names, n)).expect("a shared name");
    let one = main_users.iter().find(|u| u.0 == *shared).expect("main's");
    let other = staging_users.iter().find(|u| u.0 == *shared).expect("staging's");
    let update = format!("UPDATE aws.connect.users SET first_name = 'Org' WHERE username = '{shared}'");
    let o = org(&url, &config, &["--confirm-threshold", "1"], &update);
    assert!(!o.status.success());
    assert!(err(&o).contains("2 rows of aws.connect.users in 2 accounts (base, staging)"), "{}", err(&o));
    let o = org(&url, &config, &["--confirm-threshold", "1", "--yes"], &update);
    assert!(o.status.success(), "{}", err(&o));
    for (account, user) in [(DEFAULT_ACCOUNT, one), (STAGING_ACCOUNT, other)] {
        let d =
            client_of(&url, account, "us-east-1").describe_user().instance_id(&user.2).user_id(&user.1).send().await;
        let first = d
            .expect("DescribeUser")
            .user()
            .and_then(|u| u.identity_info())
            .and_then(|i| i.first_name())
            .map(str::to_owned);
        assert_eq!(first.as_deref(), Some("Org"), "{account}");
    }

    // An INSERT goes to the account its row names, or to the one holding its instance.
    let staging = client_of(&url, STAGING_ACCOUNT, "us-east-1");
    let model = staging.describe_user().instance_id(&other.2).user_id(&other.1).send().await.expect("DescribeUser");
    let model = model.user().expect("user");
    let insert = |account: Option<&str>, instance: &str, username: &str| {
        let (column, value) =
            account.map_or((String::new(), String::new()), |a| ("account_id, ".into(), format!("'{a}', ")));
        format!(
            "INSERT INTO aws.connect.users ({column}instance_id, username, password, first_name, last_name, security_profile_ids, routing_profile_id) \
             VALUES ({value}'{instance}', '{username}', 'Str0ng!Passw0rd', 'Org', 'New', ['{}'], '{}')",
            model.security_profile_ids()[0],
            model.routing_profile_id().expect("rp"),
        )
    };
    let o = org(&url, &config, &[], &insert(Some(STAGING_ACCOUNT), &other.2, "org.named"));
    assert!(o.status.success(), "{}", err(&o));
    let o = org(&url, &config, &[], &insert(None, &other.2, "org.found"));
    assert!(o.status.success(), "{}", err(&o));
    let o = org(&url, &config, &[], &insert(None, "00000000-0000-4000-8000-000000000000", "org.lost"));
    assert!(!o.status.success());
    assert!(err(&o).contains("is in none of the accounts (base, staging, 345678901234) in us-east-1"), "{}", err(&o));
    let o = org(&url, &config, &[], &insert(Some("999999999999"), &other.2, "org.lost"));
    assert!(!o.status.success());
    assert!(err(&o).contains("account_id '999999999999' is not one of the configured accounts"), "{}", err(&o));
    let in_staging = names(&users_of(&url, STAGING_ACCOUNT, "us-east-1").await);
    let in_main = names(&users_of(&url, DEFAULT_ACCOUNT, "us-east-1").await);
    for created in ["org.named", "org.found"] {
        assert!(in_staging.contains(&created.to_owned()) && !in_main.contains(&created.to_owned()), "{created}");
    }
}

/// A scan's `--concurrency` is shared by its accounts and regions (each waiting call holds
/// memory): 5 accounts × 2 regions, each with its own `--concurrency 20`, would be 200 calls
/// at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_requests_in_flight_are_bounded_across_accounts() {
    use connectql_emulator::EmulatorConfig;
    use connectql_emulator::faults::Faults;
    use connectql_emulator::seed::{Org, org_account};
    let emu = super::support::start(EmulatorConfig {
        seed: connectql_emulator::Seed::Empty,
        org: Some(Org { accounts: 5, users: 150 }),
        faults: Faults { latency_ms: 50, ..Faults::default() },
        ..EmulatorConfig::default()
    })
    .await;
    let url = emu.base_url();
    let mut expected = 0;
    for n in 0..5 {
        for region in connectql_emulator::seed::ORG_REGIONS {
            expected += users_of(&url, &org_account(n), region).await.len();
        }
    }
    // (concurrency, most calls at once allowed, fewest expected to show it is what binds)
    // The rows' DescribeUser calls, and at most one ListUsers page per account and region.
    for (concurrency, most, fewest) in [("20", 20 + 10, 10)] {
        emu.emulator.reset_calls();
        let mut cmd = cli();
        cmd.args(["--endpoint-url", &url, "--region", "us-east-1", "--concurrency", concurrency, "-o", "csv"]);
        for n in 0..5 {
            cmd.args(["--role-arn", &format!("arn:aws:iam::{}:role/{AUDIT_ROLE}", org_account(n))]);
        }
        let o = cmd
            .args(["-e", "SELECT count(email) AS n FROM aws.connect.users WHERE region IN ('us-east-1', 'eu-west-2')"])
            .output()
            .expect("connectql runs");
        assert!(o.status.success(), "{}", err(&o));
        assert_eq!(out(&o), format!("n\n{expected}\n"));
        let peak = emu.emulator.max_in_flight();
        assert!((fewest..=most).contains(&peak), "--concurrency {concurrency}: {peak} calls at once");
    }
}

/// The accounts file, where users keep it ($XDG_CONFIG_HOME/connectql/accounts.toml): names,
/// a profile, a role with its external id, and the regions each account is read in when a query
/// names none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accounts_file_names_accounts_and_their_regions() {
    let emu = demo().await;
    let url = emu.base_url();
    let dir = tempfile::tempdir().expect("dir");
    let config = aws_config(dir.path(), "");
    let home = dir.path().join("xdg");
    std::fs::create_dir_all(home.join("connectql")).expect("dir");
    std::fs::write(
        home.join("connectql/accounts.toml"),
        format!(
            "[[account]]\nname = \"main\"\nprofile = \"base\"\n\n\
             [[account]]\nname = \"retail\"\nrole_arn = \"arn:aws:iam::{BUSINESS_UNIT_ACCOUNT}:role/{AUDIT_ROLE}\"\n\
             external_id = \"{BUSINESS_UNIT_EXTERNAL_ID}\"\nregions = [\"eu-west-2\"]\n"
        ),
    )
    .expect("accounts file");
    let run = |sql: &str| {
        cli()
            .env_remove("AWS_REGION")
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_ENDPOINT_URL_STS", &url)
            .env("XDG_CONFIG_HOME", &home)
            .args(["--endpoint-url", &url, "--profile", "base", "-o", "csv", "-e", sql])
            .output()
            .expect("connectql runs")
    };
    let o = run("SELECT account_name, account_id, region, credentials_ok FROM aws.connect.accounts ORDER BY 1");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!(
            "account_name,account_id,region,credentials_ok\nmain,{DEFAULT_ACCOUNT},us-east-1,true\nretail,{BUSINESS_UNIT_ACCOUNT},eu-west-2,true\n"
        )
    );
    // Each account in its own regions: main in its profile's, retail in the file's.
    let main = users_of(&url, DEFAULT_ACCOUNT, "us-east-1").await.len();
    let retail = users_of(&url, BUSINESS_UNIT_ACCOUNT, "eu-west-2").await.len();
    let o = run("SELECT account_id, region, count(*) AS n FROM aws.connect.users GROUP BY 1, 2 ORDER BY 1");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!(
            "account_id,region,n\n{DEFAULT_ACCOUNT},us-east-1,{main}\n{BUSINESS_UNIT_ACCOUNT},eu-west-2,{retail}\n"
        )
    );
}
