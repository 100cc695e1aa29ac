//! The benchmark: connectql against the naive baseline (ListUsers page by page, then DescribeUser
//! one user at a time, as an admin's script does) and against Connect's quota bound, on the local
//! emulator. Each case runs its emulator and each client in a child process of its own, so the
//! peak RSS printed is the client's alone.
//!
//! `cargo run --release -p connectql-bench -- [--users 10000] [--big-users 100000] [--cases 1,2,3,4,5,6,7,8] [--json FILE]`

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use connectql::{AccountSource, AccountSpec, ConnectSettings};
use connectql::{CacheSettings, Engine, EngineSettings, Request};
use connectql_emulator::cli::EmulatorArgs;
use connectql_emulator::faults::{BURST_PER_RPS, DOCUMENTED_RPS};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "connectql benchmark: figures for every case, against the emulator on loopback")]
struct Args {
    #[command(subcommand)]
    role: Option<Role>,
    /// Users for cases 1, 3, 4 and 6.
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// Users for the quota and cache cases (2 and 7).
    #[arg(long, default_value_t = 5_000)]
    quota_users: usize,
    /// Users for the memory case (5).
    #[arg(long, default_value_t = 100_000)]
    big_users: usize,
    /// Cases to run.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5,6,7,8")]
    cases: Vec<u32>,
    /// Per-row calls in flight for connectql.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Skip the sequential baseline where it would take minutes (cases 1 and 2).
    #[arg(long)]
    no_baseline: bool,
    /// Accounts of the organisation case (8).
    #[arg(long, default_value_t = 20)]
    org_accounts: usize,
    /// Users per instance (one in each of two regions per account) of the organisation case.
    #[arg(long, default_value_t = 1000)]
    org_users: usize,
    /// Scale of the documented quotas in the organisation case.
    #[arg(long, default_value_t = 1.0)]
    org_scale: f64,
}

#[derive(Subcommand)]
enum Role {
    /// (internal) run an emulator.
    Serve(EmulatorArgs),
    /// (internal) run one client measurement and print it as JSON.
    Client {
        #[arg(long)]
        endpoint: String,
        #[arg(long)]
        sql: Option<String>,
        #[arg(long)]
        baseline: bool,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Use the local cache in this directory.
        #[arg(long)]
        cache_dir: Option<std::path::PathBuf>,
        /// Write the rows here, one JSON object a line, sorted.
        #[arg(long)]
        rows_out: Option<std::path::PathBuf>,
        /// Read these roles' accounts (assumed with the bench credentials) instead of the
        /// credentials' own (repeatable).
        #[arg(long = "role-arn")]
        role_arns: Vec<String>,
    },
    /// (internal) change the first name of every `every`-th user, as another client would.
    Change {
        #[arg(long)]
        endpoint: String,
        #[arg(long)]
        every: usize,
    },
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn settings(endpoint: &str) -> ConnectSettings {
    ConnectSettings {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.to_owned()),
        static_credentials: Some(("AKIDCONNECTQLBENCH".into(), "bench-secret".into())),
        max_attempts: 10,
        accounts: Vec::new(),
    }
}

/// Rows of a batch as JSON lines.
fn json_lines(batch: &datafusion::arrow::array::RecordBatch) -> Vec<String> {
    let mut w = datafusion::arrow::json::LineDelimitedWriter::new(Vec::new());
    if w.write(batch).is_err() || w.finish().is_err() {
        return vec!["<rows that could not be written as JSON>".into()];
    }
    String::from_utf8_lossy(&w.into_inner()).lines().map(str::to_owned).collect()
}

/// connectql: one statement, rows consumed as they stream.
async fn run_connectql(
    endpoint: &str,
    sql: &str,
    concurrency: usize,
    cache_dir: Option<&std::path::Path>,
    rows_out: Option<&std::path::Path>,
    role_arns: &[String],
) -> Value {
    let cache = cache_dir.map(|d| CacheSettings { dir: Some(d.to_owned()), max_age: Duration::from_secs(24 * 3600) });
    let mut connect = settings(endpoint);
    connect.accounts = role_arns
        .iter()
        .map(|arn| AccountSpec {
            name: arn.split(':').nth(4).unwrap_or(arn).to_owned(),
            source: AccountSource::Role { arn: arn.clone(), external_id: None, session_name: None },
            regions: Vec::new(),
            account_id: None,
        })
        .collect();
    let engine =
        Engine::new(EngineSettings { connect, concurrency, cache, ..EngineSettings::default() }).await.expect("engine");
    let started = Instant::now();
    let mut rows = 0usize;
    let mut lines = Vec::new();
    let mut error = None;
    let mut stats = connectql::StatsSnapshot::default();
    match engine.execute(sql, &Request::default()).await {
        Ok(mut statement) => {
            while let Some(b) = statement.next_batch().await {
                match b {
                    Ok(b) => {
                        rows += b.num_rows();
                        if rows_out.is_some() {
                            lines.extend(json_lines(&b));
                        }
                    }
                    Err(e) => {
                        error = Some(e.to_string());
                        break;
                    }
                }
            }
            stats = statement.summary().stats;
        }
        Err(e) => error = Some(e.to_string()),
    }
    let secs = started.elapsed().as_secs_f64();
    if let Some(path) = rows_out {
        lines.sort();
        std::fs::write(path, lines.join("\n")).expect("write rows");
    }
    let calls: serde_json::Map<String, Value> =
        stats.ops.iter().filter(|(_, v)| v.calls > 0).map(|(k, v)| (k.clone(), json!(v.calls))).collect();
    let cached: serde_json::Map<String, Value> =
        stats.ops.iter().filter(|(_, v)| v.cached > 0).map(|(k, v)| (k.clone(), json!(v.cached))).collect();
    let throttled: u64 = stats.ops.values().map(|s| s.throttled).sum();
    json!({ "seconds": secs, "rows": rows, "calls": calls, "cached": cached, "cache_hits": stats.cache_hits,
            "retries": stats.retries(), "throttled": throttled, "failed": error, "peak_rss_mb": peak_rss_mb() })
}

/// Another client's changes: a new first name for every `every`-th user of the main instance.
async fn change_users(endpoint: &str, every: usize) -> Value {
    let client = sdk_client(endpoint).await;
    let iid = main_instance_id();
    let mut ids = Vec::new();
    let mut pages = client.list_users().instance_id(&iid).max_results(1000).into_paginator().items().send();
    while let Some(u) = pages.next().await {
        ids.push(u.expect("ListUsers").id().unwrap_or_default().to_owned());
    }
    let mut changed = 0;
    for id in ids.iter().step_by(every.max(1)) {
        let user = client.describe_user().instance_id(&iid).user_id(id).send().await.expect("DescribeUser");
        let mut identity = user
            .user()
            .and_then(|u| u.identity_info())
            .cloned()
            .unwrap_or_else(|| aws_sdk_connect::types::UserIdentityInfo::builder().build());
        identity.first_name = Some(format!("Changed{changed}"));
        client
            .update_user_identity_info()
            .instance_id(&iid)
            .user_id(id)
            .identity_info(identity)
            .send()
            .await
            .expect("UpdateUserIdentityInfo");
        changed += 1;
    }
    json!({ "changed": changed })
}

/// A plain SDK client of the emulator, with the SDK's standard retries.
async fn sdk_client(endpoint: &str) -> aws_sdk_connect::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        // Plain HTTP on loopback: the build carries no default HTTPS client.
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .region(aws_sdk_connect::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_connect::config::Credentials::new(
            "AKIDCONNECTQLBENCH",
            "bench-secret",
            None,
            None,
            "bench",
        ))
        .retry_config(aws_sdk_connect::config::retry::RetryConfig::standard().with_max_attempts(10))
        .load()
        .await;
    aws_sdk_connect::Client::new(&config)
}

/// The baseline: what an admin's script does with the SDK, one call at a time.
async fn run_baseline(endpoint: &str) -> Value {
    let client = sdk_client(endpoint).await;
    let started = Instant::now();
    let mut calls = serde_json::Map::new();
    let mut bump = |op: &str| {
        let n = calls.get(op).and_then(Value::as_u64).unwrap_or(0) + 1;
        calls.insert(op.to_owned(), json!(n));
    };
    let instances = client.list_instances().send().await.expect("ListInstances");
    bump("ListInstances");
    let mut rows = 0;
    let mut failed = None;
    for instance in instances.instance_summary_list() {
        let iid = instance.id().unwrap_or_default();
        let mut token = None;
        loop {
            let page = match client.list_users().instance_id(iid).set_next_token(token).send().await {
                Ok(p) => p,
                Err(e) => {
                    failed = Some(format!("ListUsers: {e}"));
                    break;
                }
            };
            bump("ListUsers");
            for u in page.user_summary_list() {
                match client.describe_user().instance_id(iid).user_id(u.id().unwrap_or_default()).send().await {
                    Ok(_) => rows += 1,
                    Err(e) => failed = Some(format!("DescribeUser: {e}")),
                }
                bump("DescribeUser");
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    json!({ "seconds": started.elapsed().as_secs_f64(), "rows": rows, "calls": calls, "failed": failed, "peak_rss_mb": peak_rss_mb() })
}

/// A child emulator with the given flags; returns it and its URL.
fn emulator(flags: &[String]) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("emulator starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("listening line");
    let url = line.trim().strip_prefix("listening on ").expect("listening on URL").to_owned();
    (child, url)
}

/// A child emulator seeded with `users` users in the demo instance, and further flags.
fn emulator_with_users(users: usize, flags: &[&str]) -> (Child, String) {
    let mut all = vec!["--seed".to_owned(), "empty".to_owned(), "--users".to_owned(), users.to_string()];
    all.extend(flags.iter().map(|f| (*f).to_owned()));
    emulator(&all)
}

fn client(endpoint: &str, sql: Option<&str>, concurrency: usize) -> Value {
    client_with(endpoint, sql, concurrency, &[])
}

fn client_with(endpoint: &str, sql: Option<&str>, concurrency: usize, extra: &[&str]) -> Value {
    let mut cmd = Command::new(std::env::current_exe().expect("own path"));
    cmd.args(["client", "--endpoint", endpoint, "--concurrency", &concurrency.to_string()]).args(extra);
    match sql {
        Some(s) => cmd.args(["--sql", s]),
        None => cmd.arg("--baseline"),
    };
    let out = cmd.env("AWS_EC2_METADATA_DISABLED", "true").stderr(Stdio::inherit()).output().expect("client runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| json!({ "failed": format!("client output: {e}") }))
}

fn total_calls(r: &Value) -> u64 {
    r["calls"].as_object().map_or(0, |m| m.values().filter_map(Value::as_u64).sum())
}

fn line(label: &str, r: &Value) {
    println!(
        "  {label:<11} {:>8.2}s  rows {:>7}  calls {:>7} {}  retries {}  throttled {}  peak RSS {:.0} MB{}",
        r["seconds"].as_f64().unwrap_or(0.0),
        r["rows"],
        total_calls(r),
        r["calls"],
        r["retries"].as_u64().unwrap_or(0),
        r["throttled"].as_u64().unwrap_or(0),
        r["peak_rss_mb"].as_f64().unwrap_or(0.0),
        r["failed"].as_str().map(|f| format!("  FAILED: {f}")).unwrap_or_default()
    );
}

fn ratio(base: &Value, ours: &Value) -> f64 {
    base["seconds"].as_f64().unwrap_or(0.0) / ours["seconds"].as_f64().unwrap_or(f64::INFINITY)
}

/// Seconds the calls of a run need at least under the documented quotas × scale, burst credited.
fn quota_bound(r: &Value, scale: f64) -> f64 {
    r["calls"].as_object().map_or(0.0, |m| {
        m.iter()
            .map(|(op, n)| {
                let rps = DOCUMENTED_RPS.iter().find(|(o, _)| o == op).map_or(2.0, |(_, r)| *r) * scale;
                ((n.as_f64().unwrap_or(0.0) - rps * BURST_PER_RPS).max(0.0)) / rps
            })
            .fold(0.0, f64::max)
    })
}

/// Every column of every user of the main instance.
fn detail_of(iid: &str) -> String {
    format!("SELECT * FROM aws.connect.users WHERE instance_id = '{iid}'")
}

fn main_instance_id() -> String {
    connectql_emulator::seed::instance_id("us-east-1", connectql_emulator::DEMO_INSTANCE_ALIAS)
}

fn orchestrate(args: &Args) -> Value {
    let mut results = serde_json::Map::new();
    let iid = main_instance_id();
    let n = args.users;
    let c = args.concurrency;
    let detail = format!("SELECT * FROM aws.connect.users WHERE instance_id = '{iid}'");
    println!(
        "connectql benchmark: {} cores, connectql concurrency {c}\n",
        std::thread::available_parallelism().map_or(0, |p| p.get())
    );

    if args.cases.contains(&1) {
        println!("Case 1: SELECT * over {n} users, 20 ms latency per call, no throttling");
        let (mut emu, url) = emulator_with_users(n, &["--latency-ms", "20"]);
        let ours = client(&url, Some(&detail), c);
        line("connectql", &ours);
        let mut case = json!({ "users": n, "connectql": ours });
        if !args.no_baseline {
            let base = client(&url, None, c);
            line("baseline", &base);
            println!("  speed-up   {:.1}x (target ≥ 30x)", ratio(&base, &case["connectql"]));
            case["baseline"] = base;
        }
        let _ = emu.kill();
        results.insert("case1_full_detail_latency".into(), case);
        println!();
    }
    if args.cases.contains(&2) {
        let q = args.quota_users;
        println!("Case 2: SELECT * over {q} users under the documented quotas × 10");
        let (mut emu, url) = emulator_with_users(q, &["--quotas", "documented:10"]);
        let sql = format!("SELECT * FROM aws.connect.users WHERE instance_id = '{iid}'");
        let ours = client(&url, Some(&sql), c);
        line("connectql", &ours);
        let bound = quota_bound(&ours, 10.0);
        let measured = ours["seconds"].as_f64().unwrap_or(0.0);
        println!(
            "  quota bound {bound:.2}s for these calls; measured / bound = {:.2} (target ≤ 1.15)",
            measured / bound.max(1e-9)
        );
        let mut case = json!({ "users": q, "connectql": ours, "bound_seconds": bound });
        if !args.no_baseline {
            let _ = emu.kill();
            let (e2, url2) = emulator_with_users(q, &["--quotas", "documented:10"]);
            emu = e2;
            let base = client(&url2, None, c);
            line("baseline", &base);
            println!("  baseline bound {:.2}s", quota_bound(&base, 10.0));
            case["baseline"] = base;
        }
        let _ = emu.kill();
        results.insert("case2_documented_quotas".into(), case);
        println!();
    }
    let needs_plain = [3, 4, 6].iter().any(|k| args.cases.contains(k));
    if needs_plain {
        let (mut emu, url) = emulator_with_users(n, &[]);
        if args.cases.contains(&3) {
            println!(
                "Case 3: listing columns only over {n} users (target: ceil(N/1000) = {} ListUsers)",
                n.div_ceil(1000)
            );
            let r = client(
                &url,
                Some(&format!(
                    "SELECT id, username, last_modified_time FROM aws.connect.users WHERE instance_id = '{iid}'"
                )),
                c,
            );
            line("connectql", &r);
            results.insert("case3_listing_columns".into(), json!({ "users": n, "connectql": r }));
            println!();
        }
        if args.cases.contains(&4) {
            println!("Case 4: 50 point lookups by id (target: 50 DescribeUser, 0 ListUsers)");
            let ids: Vec<String> = (0..50)
                .map(|i| {
                    format!(
                        "'{}'",
                        uuid::Uuid::new_v5(
                            &uuid::Uuid::NAMESPACE_URL,
                            format!("connectql-demo/{iid}/load/{}", i * (n / 50).max(1)).as_bytes()
                        )
                    )
                })
                .collect();
            let sql = format!(
                "SELECT username, email FROM aws.connect.users WHERE instance_id = '{iid}' AND id IN ({})",
                ids.join(", ")
            );
            let r = client(&url, Some(&sql), c);
            line("connectql", &r);
            results.insert("case4_point_lookups".into(), json!({ "connectql": r }));
            println!();
        }
        if args.cases.contains(&6) {
            println!(
                "Case 6: detail columns SearchUsers carries over {n} users (target: ≤ ceil(N/500) = {} calls)",
                n.div_ceil(500)
            );
            let sql = format!(
                "SELECT username, first_name, last_name, routing_profile_id, security_profile_ids, hierarchy_group_id, phone_type, auto_accept, \
                 after_contact_work_time_limit, tags FROM aws.connect.users WHERE instance_id = '{iid}'"
            );
            let r = client(&url, Some(&sql), c);
            line("connectql", &r);
            results.insert("case6_search_users".into(), json!({ "users": n, "connectql": r }));
            println!();
        }
        let _ = emu.kill();
    }
    if args.cases.contains(&8) {
        let (k, u, scale) = (args.org_accounts, args.org_users, args.org_scale);
        println!(
            "Case 8: SELECT * over {k} accounts × 2 regions × {u} users under the documented quotas × {scale}, cache cold \
             (target: within 1.5× of one such account, peak RSS < 200 MB, no failure)"
        );
        let org = |accounts: usize| {
            let (mut emu, url) = emulator(&[
                "--seed".into(),
                "empty".into(),
                "--org-accounts".into(),
                k.to_string(),
                "--org-users".into(),
                u.to_string(),
                "--quotas".into(),
                format!("documented:{scale}"),
            ]);
            let roles: Vec<String> = (0..accounts)
                .flat_map(|n| {
                    let arn = format!(
                        "arn:aws:iam::{}:role/{}",
                        connectql_emulator::seed::org_account(n),
                        connectql_emulator::AUDIT_ROLE
                    );
                    ["--role-arn".to_owned(), arn]
                })
                .collect();
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            let sql = "SELECT * FROM aws.connect.users WHERE region IN ('us-east-1', 'eu-west-2')";
            let r = client_with(&url, Some(sql), c, &roles);
            let _ = emu.kill();
            let _ = emu.wait();
            r
        };
        let one = org(1);
        line("1 account", &one);
        let all = org(k);
        line(&format!("{k} accounts"), &all);
        let slower = all["seconds"].as_f64().unwrap_or(f64::INFINITY) / one["seconds"].as_f64().unwrap_or(1.0);
        println!(
            "  {k} accounts ÷ 1 account = {slower:.2}x (target ≤ 1.5); rows {} (expected {})",
            all["rows"],
            k * 2 * u
        );
        results.insert(
            "case8_organisation".into(),
            json!({ "accounts": k, "users_per_instance": u, "quota_scale": scale, "one_account": one, "all_accounts": all, "ratio": slower }),
        );
        println!();
    }
    if args.cases.contains(&7) {
        let q = args.quota_users;
        println!("Case 7: the local cache: SELECT * over {q} users under the documented quotas × 10, cold then warm");
        let (mut emu, url) = emulator_with_users(q, &["--quotas", "documented:10"]);
        let dir = std::env::temp_dir().join(format!("connectql-bench-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = ["--cache-dir", dir.to_str().unwrap_or_default()];
        let cold = client_with(&url, Some(&detail_of(&iid)), c, &cache);
        line("cold", &cold);
        let changed = (q / 100).max(1);
        let mut change = Command::new(std::env::current_exe().expect("own path"));
        let every = (q / changed).to_string();
        let status = change.args(["change", "--endpoint", &url, "--every", &every]).stdout(Stdio::null()).status();
        println!(
            "  another client changed {changed} users (1%): {}",
            if matches!(status, Ok(s) if s.success()) { "done" } else { "FAILED" }
        );
        let (warm_rows, fresh_rows) = (dir.join("warm.jsonl"), dir.join("fresh.jsonl"));
        let warm = client_with(
            &url,
            Some(&detail_of(&iid)),
            c,
            &[cache[0], cache[1], "--rows-out", warm_rows.to_str().unwrap_or_default()],
        );
        line("warm 1%", &warm);
        let unchanged = client_with(&url, Some(&detail_of(&iid)), c, &cache);
        line("warm 0%", &unchanged);
        let fresh =
            client_with(&url, Some(&detail_of(&iid)), c, &["--rows-out", fresh_rows.to_str().unwrap_or_default()]);
        line("no cache", &fresh);
        let same = std::fs::read(&warm_rows).ok().is_some_and(|w| std::fs::read(&fresh_rows).ok() == Some(w));
        let expected =
            format!("{} ListUsers + {changed} DescribeUser + {changed} ListUserProficiencies", q.div_ceil(1000));
        println!("  expected warm calls: {expected}");
        println!(
            "  cold / warm (1% changed) = {:.1}x (target ≥ 20x); cold / warm (none changed) = {:.1}x; rows identical to a --no-cache read: {}",
            ratio(&cold, &warm),
            ratio(&cold, &unchanged),
            if same { "yes" } else { "NO" }
        );
        let _ = emu.kill();
        let _ = std::fs::remove_dir_all(&dir);
        results.insert(
            "case7_cache".into(),
            json!({ "users": q, "changed": changed, "cold": cold, "warm_changed": warm, "warm_unchanged": unchanged,
                    "no_cache": fresh, "rows_identical": same, "expected_warm_calls": expected }),
        );
        println!();
    }
    if args.cases.contains(&5) {
        let b = args.big_users;
        println!("Case 5: {b} users: count(*) and SELECT *, peak RSS of the client (target < 150 MB)");
        let (mut emu, url) = emulator_with_users(b, &[]);
        let count =
            client(&url, Some(&format!("SELECT count(*) FROM aws.connect.users WHERE instance_id = '{iid}'")), c);
        line("count(*)", &count);
        let all = client(&url, Some(&format!("SELECT * FROM aws.connect.users WHERE instance_id = '{iid}'")), c);
        line("SELECT *", &all);
        let _ = emu.kill();
        results.insert("case5_memory".into(), json!({ "users": b, "count": count, "select_star": all }));
        println!();
    }
    Value::Object(results)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match &args.role {
        Some(Role::Serve(e)) => {
            if let Err(err) = connectql_emulator::cli::run(e).await {
                eprintln!("emulator: {err}");
                std::process::exit(2);
            }
        }
        Some(Role::Client { endpoint, sql, baseline, concurrency, cache_dir, rows_out, role_arns }) => {
            let r = if *baseline {
                run_baseline(endpoint).await
            } else {
                let sql = sql.as_deref().unwrap_or("SELECT 1");
                run_connectql(endpoint, sql, *concurrency, cache_dir.as_deref(), rows_out.as_deref(), role_arns).await
            };
            println!("{r}");
        }
        Some(Role::Change { endpoint, every }) => println!("{}", change_users(endpoint, *every).await),
        None => {
            let results = tokio::task::spawn_blocking(move || {
                let r = orchestrate(&args);
                (r, args.json)
            })
            .await
            .expect("benchmark");
            let line = json!({ "connectql_bench": results.0 });
            println!("RESULT {line}");
            if let Some(path) = results.1 {
                std::fs::write(&path, serde_json::to_string_pretty(&line).unwrap_or_default()).expect("write json");
            }
        }
    }
}
