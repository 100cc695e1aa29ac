//! `queries/nightly_snapshot.sql`: a Hive-style Parquet layout (snapshot_date / account_id /
//! region) that connectql reads back through DataFusion's listing table and pyarrow reads as
//! one dataset, with the row counts plain SDK calls give.

use std::collections::BTreeMap;

use serde_json::json;

use super::pg_clients::run_script;
use super::support::{client, demo, err, out, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nightly_snapshot_reads_back_as_one_partitioned_dataset() {
    let emu = demo().await;
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path().join("users");
    let root_text = root.to_str().expect("utf8");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/nightly_snapshot.sql");
    let day = || chrono::Utc::now().format("%Y-%m-%d").to_string();
    let before = day();
    for region in ["us-east-1", "eu-west-2"] {
        let o = run(&emu, &["--region", region, "-f", script, "--var", &format!("dir={root_text}")]);
        assert!(o.status.success(), "{region}: {}", err(&o));
    }

    // The run's day (the date of the runs, even across midnight: the one directory written).
    let days: Vec<String> = std::fs::read_dir(&root)
        .expect("the snapshot root")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_prefix("snapshot_date=").map(str::to_owned))
        .collect();
    let today = match days.as_slice() {
        [d] if *d == before || *d == day() => d.clone(),
        other => panic!("one snapshot_date directory of today expected, got {other:?}"),
    };
    // What the SDK lists: users per account and region.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for region in ["us-east-1", "eu-west-2"] {
        let c = client(&emu, region);
        for i in c.list_instances().send().await.expect("ListInstances").instance_summary_list() {
            let account = i.arn().and_then(|a| a.split(':').nth(4)).expect("account").to_owned();
            let users = c.list_users().instance_id(i.id().expect("id")).max_results(1000).send().await.expect("users");
            *expected.entry(format!("{today}/{account}/{region}")).or_default() +=
                users.user_summary_list().len() as u64;
        }
    }
    // The layout: one directory per partition value, Parquet files inside.
    for key in expected.keys() {
        let parts: Vec<&str> = key.split('/').collect();
        let leaf = root
            .join(format!("snapshot_date={}", parts[0]))
            .join(format!("account_id={}", parts[1]))
            .join(format!("region={}", parts[2]));
        let files = std::fs::read_dir(&leaf).unwrap_or_else(|e| panic!("{}: {e}", leaf.display()));
        assert!(files.filter_map(Result::ok).any(|f| f.path().extension().is_some_and(|e| e == "parquet")), "{key}");
    }

    // connectql reads it back as a table, partition columns included.
    let read = format!(
        "CREATE EXTERNAL TABLE snap STORED AS PARQUET LOCATION '{root_text}/'; \
         SELECT snapshot_date || '/' || account_id || '/' || region AS part, count(*) AS n FROM snap GROUP BY 1 ORDER BY 1"
    );
    let o = run(&emu, &["-e", &read]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    let got: BTreeMap<String, u64> = text
        .lines()
        .filter_map(|l| l.split_once(','))
        .filter_map(|(part, n)| Some((part.to_owned(), n.parse().ok()?)))
        .collect();
    assert_eq!(got, expected);

    // pyarrow reads the same dataset, partitions from the directory names.
    let read = run_script("read_parquet_dataset.py", &[root_text]);
    let counts: BTreeMap<String, u64> = serde_json::from_value(read["counts"].clone()).expect("counts per partition");
    assert_eq!(counts, expected);
    assert!(
        read["columns"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("username")) && c.contains(&json!("agent_status")))
    );
}
