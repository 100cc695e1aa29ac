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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_profile_reads_the_role_account_through_sts() {
    let emu = demo().await;
    let url = emu.base_url();
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("config");
    let role = |account: &str| format!("arn:aws:iam::{account}:role/{AUDIT_ROLE}");
    std::fs::write(
        &config,
        format!(
            "[profile base]\naws_access_key_id = {DEFAULT_ACCOUNT}\naws_secret_access_key = test-secret\nregion = us-east-1\n\n\
             [profile staging]\nrole_arn = {}\nsource_profile = base\nregion = us-east-1\n\n\
             [profile retail]\nrole_arn = {}\nsource_profile = base\nexternal_id = {BUSINESS_UNIT_EXTERNAL_ID}\nregion = eu-west-2\n\n\
             [profile retail-no-external-id]\nrole_arn = {}\nsource_profile = base\nregion = eu-west-2\n\n\
             [profile nowhere]\nrole_arn = arn:aws:iam::{STAGING_ACCOUNT}:role/NoSuchRole\nsource_profile = base\nregion = us-east-1\n",
            role(STAGING_ACCOUNT),
            role(BUSINESS_UNIT_ACCOUNT),
            role(BUSINESS_UNIT_ACCOUNT),
        ),
    )
    .expect("config file");

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
