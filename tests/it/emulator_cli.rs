//! `connectql emulator` as a user runs it: it prints where it listens, and serves the SDK there.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use aws_sdk_connect::Client;
use aws_sdk_connect::config::{BehaviorVersion, Credentials, Region};

#[tokio::test]
async fn the_emulator_command_prints_its_address_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connectql"))
        .args(["emulator", "--addr", "127.0.0.1:0", "--seed", "demo"])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("connectql runs");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("join")
    .expect("a line");
    let url =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line: {line}")).to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let config = aws_sdk_connect::Config::builder()
        .http_client(super::support::loopback_http())
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDCONNECTQLTEST", "test-secret", None, None, "test"))
        .endpoint_url(&url)
        .build();
    let out = Client::from_conf(config).list_instances().send().await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.expect("ListInstances").instance_summary_list().len(), 2);
}
