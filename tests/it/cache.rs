//! The local detail cache, through the binary against the emulator: what a warm scan calls
//! (counted at the emulator), what it sees of other clients' changes, its maximum age, its own
//! writes, two processes at once, a corrupt file, file modes, `--no-cache` and EXPLAIN.

use std::path::Path;
use std::process::Output;

use connectql_emulator::{DEMO_INSTANCE_ALIAS, EmulatorConfig, EmulatorHandle};

use super::support::{MAIN_REGION, client, demo, err, instance_id, listed_user, out, run, start};

/// Every column of every user of the main instance, in a stable order.
fn detail(instance: &str) -> String {
    format!("SELECT * FROM aws.connect.users WHERE instance_id = '{instance}' ORDER BY id")
}

/// The binary with the cache in `dir` (and any other flags).
fn cached(emu: &EmulatorHandle, dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--cache-dir", dir.to_str().expect("utf8")];
    all.extend_from_slice(args);
    run(emu, &all)
}

/// Runs a statement and returns its rows (CSV) and the calls the emulator answered, by operation.
fn scan(emu: &EmulatorHandle, dir: &Path, sql: &str, extra: &[&str]) -> (String, u64, u64, u64) {
    emu.emulator.reset_calls();
    let mut args = vec!["-e", sql];
    args.extend_from_slice(extra);
    let o = cached(emu, dir, &args);
    assert!(o.status.success(), "{sql}: {}", err(&o));
    let e = &emu.emulator;
    (out(&o), e.calls_of("ListUsers"), e.calls_of("DescribeUser"), e.calls_of("ListUserProficiencies"))
}

/// Two CSV outputs are equal; on failure, names the first differing line rather than printing both.
fn same_rows(a: &str, b: &str, what: &str) {
    if a != b {
        let (la, lb): (Vec<_>, Vec<_>) = (a.lines().collect(), b.lines().collect());
        let i = la.iter().zip(&lb).position(|(x, y)| x != y).unwrap_or(la.len().min(lb.len()));
        let (x, y) = (la.get(i).copied().unwrap_or("<none>"), lb.get(i).copied().unwrap_or("<none>"));
        let at = x.chars().zip(y.chars()).position(|(p, q)| p != q).unwrap_or(x.len().min(y.len()));
        let near = |l: &str| l.chars().skip(at.saturating_sub(60)).take(160).collect::<String>();
        panic!("{what}: {} vs {} lines, line {i} differs at {at}:\n…{}\n…{}", la.len(), lb.len(), near(x), near(y));
    }
}

struct Main {
    instance: String,
    users: u64,
}

async fn main_instance(emu: &EmulatorHandle) -> Main {
    let c = client(emu, MAIN_REGION);
    let instance = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let listed = c.list_users().instance_id(&instance).max_results(1000).send().await.expect("ListUsers");
    Main { users: listed.user_summary_list().len() as u64, instance }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_scan_makes_only_the_listing_calls_and_returns_the_same_rows() {
    let emu = demo().await;
    let m = main_instance(&emu).await;
    let dir = tempfile::tempdir().expect("dir");
    let sql = detail(&m.instance);

    let (cold, lists, describes, proficiencies) = scan(&emu, dir.path(), &sql, &[]);
    assert_eq!((lists, describes, proficiencies), (1, m.users, m.users), "the cold scan describes every user");
    let (warm, lists, describes, proficiencies) = scan(&emu, dir.path(), &sql, &["-v"]);
    assert_eq!((lists, describes, proficiencies), (1, 0, 0), "the warm scan only lists");
    same_rows(&warm, &cold, "warm vs cold");
    let (fresh, _, describes, _) = scan(&emu, dir.path(), &sql, &["--no-cache"]);
    assert_eq!(describes, m.users, "--no-cache describes every user");
    same_rows(&fresh, &cold, "--no-cache vs cold");

    // -v and api_calls() say what the cache saved; the agents' current status is live, read
    // (one call per routing profile of the demo's seven) on every scan.
    let o = cached(&emu, dir.path(), &["-v", "-e", &sql]);
    let n = m.users;
    assert!(
        err(&o).contains(&format!("cache: {n} of {n} items [saved DescribeUser={n}, ListUserProficiencies={n}]")),
        "{}",
        err(&o)
    );
    let o =
        cached(&emu, dir.path(), &["-e", &sql, "-e", "SELECT operation, calls, cached FROM api_calls() ORDER BY 1"]);
    let text = out(&o);
    assert!(
        text.ends_with(&format!(
            "operation,calls,cached\nDescribeUser,0,{n}\nGetCurrentUserData,7,0\nListRoutingProfiles,1,0\nListUserProficiencies,0,{n}\nListUsers,1,0\n"
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_clients_changes_creations_and_deletions_are_seen() {
    let emu = demo().await;
    let m = main_instance(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let dir = tempfile::tempdir().expect("dir");
    let sql = detail(&m.instance);
    scan(&emu, dir.path(), &sql, &[]);

    // A user the listing shows without LastModifiedTime is reused while it has none...
    let listed = c.list_users().instance_id(&m.instance).max_results(1000).send().await.expect("ListUsers");
    let never =
        listed.user_summary_list().iter().find(|u| u.last_modified_time().is_none()).expect("a user never modified");
    let never_id = never.id().expect("id").to_owned();
    let gone = listed.user_summary_list().iter().find(|u| u.id() != Some(&never_id)).expect("another user");
    let (gone_id, gone_name) = (gone.id().expect("id").to_owned(), gone.username().expect("name").to_owned());
    let (_, _, describes, _) = scan(&emu, dir.path(), &sql, &[]);
    assert_eq!(describes, 0, "a user without LastModifiedTime then and now is reused");

    // ...and described again once a change gives it one; a deleted user disappears, a created one appears.
    c.update_user_identity_info()
        .instance_id(&m.instance)
        .user_id(&never_id)
        .identity_info(
            aws_sdk_connect::types::UserIdentityInfo::builder().first_name("Renamed").last_name("Elsewhere").build(),
        )
        .send()
        .await
        .expect("UpdateUserIdentityInfo");
    c.delete_user().instance_id(&m.instance).user_id(&gone_id).send().await.expect("DeleteUser");
    let made = c
        .create_user()
        .instance_id(&m.instance)
        .username("made.elsewhere")
        .password("Sup3r-secret-pw")
        .identity_info(
            aws_sdk_connect::types::UserIdentityInfo::builder().first_name("Made").last_name("Elsewhere").build(),
        )
        .phone_config(
            aws_sdk_connect::types::UserPhoneConfig::builder()
                .phone_type(aws_sdk_connect::types::PhoneType::SoftPhone)
                .build(),
        )
        .security_profile_ids(listed_security_profile(&c, &m.instance).await)
        .routing_profile_id(listed_routing_profile(&c, &m.instance).await)
        .send()
        .await
        .expect("CreateUser");
    let (rows, _, describes, proficiencies) = scan(&emu, dir.path(), &sql, &[]);
    assert_eq!((describes, proficiencies), (2, 2), "the changed and the created user, nothing else");
    let line_of = |id: &str| rows.lines().find(|l| l.contains(id)).map(str::to_owned);
    assert!(line_of(&never_id).is_some_and(|l| l.contains("Renamed")), "the change is seen: {:?}", line_of(&never_id));
    assert!(!rows.contains(&gone_name), "{gone_name} was deleted elsewhere");
    assert!(line_of(made.user_id().expect("id")).is_some_and(|l| l.contains("made.elsewhere")), "the created user");
    let (_, _, describes, _) = scan(&emu, dir.path(), &sql, &[]);
    assert_eq!(describes, 0, "warm again");
}

async fn listed_security_profile(c: &aws_sdk_connect::Client, instance: &str) -> String {
    let p = c.list_security_profiles().instance_id(instance).send().await.expect("profiles");
    p.security_profile_summary_list()[0].id().expect("id").to_owned()
}

async fn listed_routing_profile(c: &aws_sdk_connect::Client, instance: &str) -> String {
    let p = c.list_routing_profiles().instance_id(instance).send().await.expect("profiles");
    p.routing_profile_summary_list()[0].id().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_past_the_maximum_age_are_fetched_again() {
    let emu = demo().await;
    let m = main_instance(&emu).await;
    let dir = tempfile::tempdir().expect("dir");
    let sql = detail(&m.instance);
    scan(&emu, dir.path(), &sql, &[]);
    // Three entries fetched two hours ago.
    let db = rusqlite::Connection::open(dir.path().join("cache.sqlite")).expect("open the cache");
    let aged = db
        .execute(
            "UPDATE items SET fetched = fetched - 7200000 WHERE id IN (SELECT id FROM items WHERE tbl = 'users' ORDER BY id LIMIT 3)",
            [],
        )
        .expect("age three entries");
    assert_eq!(aged, 3);
    drop(db);
    let (_, _, describes, _) = scan(&emu, dir.path(), &sql, &["--cache-max-age", "3h"]);
    assert_eq!(describes, 0, "younger than 3 h");
    let (_, _, describes, _) = scan(&emu, dir.path(), &sql, &["--cache-max-age", "1h"]);
    assert_eq!(describes, 3, "older than 1 h: fetched again");
    let (_, _, describes, _) = scan(&emu, dir.path(), &sql, &["--cache-max-age", "1h"]);
    assert_eq!(describes, 0, "and fresh again");
    let (_, _, describes, _) = scan(&emu, dir.path(), &sql, &["--cache-max-age", "0"]);
    assert_eq!(describes, m.users, "0 reuses nothing");
    let o = cached(&emu, dir.path(), &["--cache-max-age", "soon", "-e", "SELECT 1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("'soon'"), "{}", err(&o));
}

/// With the emulator's clock pinned, a second change leaves LastModifiedTime where the first put
/// it: only connectql forgetting what it wrote keeps the next read right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectqls_own_writes_keep_the_cache_right() {
    let emu = start(EmulatorConfig { now_ms: Some(1_788_000_000_000), ..EmulatorConfig::default() }).await;
    let m = main_instance(&emu).await;
    let c = client(&emu, MAIN_REGION);
    let name = listed_user(&c, &m.instance, 0).await.username().expect("name").to_owned();
    let dir = tempfile::tempdir().expect("dir");
    // Every column: DescribeUser per row, the reads the cache serves.
    let read = format!("SELECT * FROM aws.connect.users WHERE instance_id = '{}' AND username = '{name}'", m.instance);
    let set = |first: &str| {
        format!(
            "UPDATE aws.connect.users SET first_name = '{first}' WHERE instance_id = '{}' AND username = '{name}'",
            m.instance
        )
    };
    for first in ["Once", "Twice"] {
        let o = cached(&emu, dir.path(), &["-e", &set(first)]);
        assert!(o.status.success(), "{}", err(&o));
        let (rows, _, _, _) = scan(&emu, dir.path(), &read, &[]);
        assert!(rows.contains(first), "after setting {first}: {rows}");
    }
    let (_, _, describes, _) = scan(&emu, dir.path(), &read, &[]);
    assert_eq!(describes, 0, "read from the cache once written back");
    let o = cached(
        &emu,
        dir.path(),
        &[
            "-y",
            "-e",
            &format!("DELETE FROM aws.connect.users WHERE instance_id = '{}' AND username = '{name}'", m.instance),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let (rows, _, _, _) = scan(&emu, dir.path(), &read, &[]);
    assert_eq!(rows.lines().count(), 1, "deleted: only the header is left: {rows}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_cache() {
    let emu = demo().await;
    let m = main_instance(&emu).await;
    let dir = tempfile::tempdir().expect("dir");
    let sql = detail(&m.instance);
    let spawn = || {
        super::support::cli()
            .args(["--endpoint-url", &emu.base_url(), "--cache-dir", dir.path().to_str().expect("utf8")])
            .args(["-o", "csv", "-e", &sql])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().expect("a"), b.wait_with_output().expect("b"));
    assert!(a.status.success() && b.status.success(), "{}\n{}", err(&a), err(&b));
    same_rows(&out(&a), &out(&b), "two processes");
    assert_eq!(out(&a).lines().count() as u64, m.users + 1);
    assert!(!err(&a).contains("cache") && !err(&b).contains("cache"), "no cache warning: {}{}", err(&a), err(&b));
    let (rows, _, describes, _) = scan(&emu, dir.path(), &sql, &[]);
    assert_eq!(describes, 0, "warm for a third process");
    same_rows(&rows, &out(&a), "third process");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_cache_file_warns_and_gives_correct_rows() {
    let emu = demo().await;
    let m = main_instance(&emu).await;
    let dir = tempfile::tempdir().expect("dir");
    let sql = detail(&m.instance);
    std::fs::write(dir.path().join("cache.sqlite"), b"not a database at all; ".repeat(500)).expect("corrupt it");
    let o = cached(&emu, dir.path(), &["-e", &sql]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(err(&o).matches("the local cache is not used").count(), 1, "warned once: {}", err(&o));
    assert!(err(&o).contains("cache.sqlite"), "names the file: {}", err(&o));
    let fresh = run(&emu, &["--no-cache", "-e", &sql]);
    same_rows(&out(&o), &out(&fresh), "corrupt cache vs --no-cache");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;
    let emu = demo().await;
    let home = tempfile::tempdir().expect("dir");
    // The default place: $XDG_CACHE_HOME/connectql.
    let o = super::support::cli()
        .env_remove("CONNECTQL_CACHE_DIR")
        .env("XDG_CACHE_HOME", home.path())
        .args(["--endpoint-url", &emu.base_url(), "-e", "SELECT count(email) FROM aws.connect.users"])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", err(&o));
    let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    let dir = home.path().join("connectql");
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("cache.sqlite")), 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_says_when_detail_may_come_from_the_cache() {
    let emu = demo().await;
    let dir = tempfile::tempdir().expect("dir");
    let explain = "EXPLAIN SELECT username, identity_info FROM aws.connect.users";
    let with = out(&cached(&emu, dir.path(), &["-e", explain]));
    assert!(with.contains("cache=[per-row calls skipped for items whose last_modified_time is unchanged"), "{with}");
    let without = out(&cached(&emu, dir.path(), &["--no-cache", "-e", explain]));
    assert!(!without.contains("cache=["), "{without}");
    let listing_only = out(&cached(&emu, dir.path(), &["-e", "EXPLAIN SELECT username FROM aws.connect.users"]));
    assert!(!listing_only.contains("cache=["), "no per-row call, nothing to cache: {listing_only}");
}
