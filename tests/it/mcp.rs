//! The MCP server with a real MCP client (the official SDK's): over stdio against `connectql mcp`
//! and over streamable HTTP against `connectql serve`, every effect checked at the emulator
//! through the plain SDK. The tool list and its hints, the seven users-API tools, the SQL tools,
//! the read-only policy, plan-then-execute, the audit log, and the password nowhere.

use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, Tool};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};

use super::serve::Server;
use super::support::{MAIN_REGION, cli, client, demo, ids};

const PASSWORD: &str = "Mcp-Secret-Passw0rd";

pub(crate) type Client = RunningService<RoleClient, ClientConfig>;

/// `connectql mcp` against the emulator, as a desktop assistant starts it.
async fn stdio(emu: &connectql_emulator::EmulatorHandle, extra: &[&str]) -> Client {
    stdio_with(&["mcp", "--endpoint-url", &emu.base_url()], extra).await
}

async fn stdio_with(args: &[&str], extra: &[&str]) -> Client {
    let mut command = cli();
    command.args(args).args(extra);
    let (transport, _stderr) = TokioChildProcess::builder(tokio::process::Command::from(command))
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("connectql mcp starts");
    ClientConfig::default().serve(transport).await.expect("MCP handshake over stdio")
}

pub(crate) async fn http(s: &Server) -> Client {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(s.mcp.as_str()).auth_header(s.token.clone()),
    );
    ClientConfig::default().serve(transport).await.expect("MCP handshake over HTTP")
}

/// Calls a tool; its structured answer and whether it is an error.
pub(crate) async fn call(c: &Client, tool: &str, args: Value) -> (Value, bool) {
    let arguments: Map<String, Value> = serde_json::from_value(args).expect("object");
    let r: CallToolResult = c
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let text = serde_json::to_string(&r).expect("json");
    assert!(!text.contains(PASSWORD), "{tool} echoed the password: {text}");
    (r.structured_content.clone().unwrap_or(Value::Null), r.is_error == Some(true))
}

async fn ok(c: &Client, tool: &str, args: Value) -> Value {
    let (v, error) = call(c, tool, args).await;
    assert!(!error, "{tool} failed: {v}");
    v
}

async fn tools(c: &Client) -> Vec<Tool> {
    c.list_all_tools().await.expect("tools/list")
}

fn names(tools: &[Tool]) -> Vec<String> {
    let mut n: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    n.sort();
    n
}

const READ_TOOLS: [&str; 7] = [
    "amazon-connect-describe-user",
    "amazon-connect-list-users",
    "describe_table",
    "explain",
    "list_tables",
    "query",
    "run_report",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_stdio_read_only_tools_answer_as_the_api_does() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let sdk = client(&emu, MAIN_REGION);
    let c = stdio(&emu, &[]).await;

    // Read-only: the write tools are not offered at all.
    let listed = tools(&c).await;
    assert_eq!(names(&listed), READ_TOOLS);
    let list_users = listed.iter().find(|t| t.name == "amazon-connect-list-users").expect("listed");
    let hints = list_users.annotations.as_ref().expect("annotations");
    assert_eq!((hints.read_only_hint, hints.idempotent_hint), (Some(true), Some(true)));
    assert_eq!(list_users.input_schema["required"], json!(["InstanceId"]));

    // ListUsers, paged with the tool's own tokens, equals the API's answer, a call a page.
    emu.emulator.reset_calls();
    let mut got = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut args = json!({ "InstanceId": i.instance, "maxResults": 100 });
        if let Some(t) = &token {
            args["nextToken"] = json!(t);
        }
        let page = ok(&c, "amazon-connect-list-users", args).await;
        pages += 1;
        got.extend(
            page["UserSummaryList"].as_array().expect("list").iter().map(|u| u["Id"].as_str().expect("Id").to_owned()),
        );
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(emu.emulator.calls_of("ListUsers"), pages as u64, "one ListUsers a page");
    let api = sdk.list_users().instance_id(&i.instance).max_results(1000).send().await.expect("ListUsers");
    let mut want: Vec<String> = api.user_summary_list().iter().filter_map(|u| u.id().map(str::to_owned)).collect();
    got.sort();
    want.sort();
    let unique = got.len();
    got.dedup();
    assert_eq!((got.len(), &got), (unique, &want), "each user once");
    assert_eq!(pages, want.len().div_ceil(100));

    // DescribeUser.
    let some = &want[7];
    let user = ok(&c, "amazon-connect-describe-user", json!({ "InstanceId": i.instance, "UserId": some })).await;
    let u = sdk.describe_user().instance_id(&i.instance).user_id(some).send().await.expect("d").user.expect("user");
    assert_eq!(user["User"]["Username"], json!(u.username()));
    assert_eq!(user["User"]["RoutingProfileId"], json!(u.routing_profile_id()));
    assert_eq!(user["User"]["SecurityProfileIds"], json!(u.security_profile_ids()));
    assert_eq!(user["User"]["IdentityInfo"]["FirstName"], json!(u.identity_info().and_then(|x| x.first_name())));
    let (missing, error) =
        call(&c, "amazon-connect-describe-user", json!({ "InstanceId": i.instance, "UserId": "nobody" })).await;
    assert!(error && missing["code"] == "ResourceNotFoundException", "{missing}");

    // SQL tools: tables, a table's costs and pushed filters, a capped query.
    let tables = ok(&c, "list_tables", json!({})).await;
    assert!(tables["tables"].as_array().expect("tables").iter().any(|t| t["name"] == "aws.connect.users"));
    let users = ok(&c, "describe_table", json!({ "table": "users" })).await;
    let column =
        |n: &str| users["columns"].as_array().expect("cols").iter().find(|c| c["name"] == n).cloned().expect(n);
    assert!(column("email")["cost"].as_str().is_some_and(|c| c.contains("DescribeUser")), "{}", column("email"));
    assert!(
        column("id")["filter_pushed_down"].as_str().is_some_and(|f| f.contains("DescribeUser")),
        "{}",
        column("id")
    );
    assert!(column("username")["filter_pushed_down"].as_str().is_some_and(|f| f.contains("SearchUsers")));
    assert_eq!(column("email")["filter_pushed_down"], Value::Null);
    // The tables past the user record, with no code of their own in the MCP server.
    for name in ["queues", "routing_profile_queues", "security_profile_permissions", "user_data"] {
        let qualified = format!("aws.connect.{name}");
        assert!(tables["tables"].as_array().expect("tables").iter().any(|t| t["name"] == qualified), "{name}");
    }
    let rpq = ok(&c, "describe_table", json!({ "table": "routing_profile_queues" })).await;
    let owner = rpq["columns"].as_array().expect("cols").iter().find(|c| c["name"] == "routing_profile_id").cloned();
    assert!(
        owner
            .as_ref()
            .and_then(|c| c["filter_pushed_down"].as_str())
            .is_some_and(|f| f.contains("ListRoutingProfileQueues")),
        "{owner:?}"
    );

    let rows = ok(&c, "query", json!({ "sql": "SELECT username FROM aws.connect.users WHERE instance_id = '{{ i }}' ORDER BY username", "vars": { "i": i.instance }, "max_rows": 5 })).await;
    assert_eq!((rows["row_count"].clone(), rows["truncated"].clone()), (json!(5), json!(true)), "{rows}");
    assert_eq!(rows["columns"], json!(["username"]));
    let all = ok(
        &c,
        "query",
        json!({ "sql": format!("SELECT count(*) AS n FROM aws.connect.users WHERE instance_id = '{}'", i.instance) }),
    )
    .await;
    assert_eq!(all["rows"][0]["n"], json!(want.len()));
    assert_eq!(all["truncated"], json!(false));
    assert_eq!(all["calls"]["ListUsers"], json!(1), "{all}");

    // EXPLAIN makes no call.
    emu.emulator.reset_calls();
    let plan = ok(&c, "explain", json!({ "sql": "SELECT email FROM aws.connect.users" })).await;
    assert!(plan["plan"].as_str().is_some_and(|p| p.contains("DescribeUser")), "{plan}");
    assert_eq!(emu.emulator.calls(), Default::default(), "explain called the API");

    // A report by name.
    for name in [
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
    ] {
        let report = ok(&c, "run_report", json!({ "name": name, "vars": { "days": "30" } })).await;
        assert!(report["results"].as_array().is_some_and(|r| !r.is_empty()), "{report}");
    }
    let (unknown, error) = call(&c, "run_report", json!({ "name": "nope" })).await;
    assert!(error && unknown["message"].as_str().is_some_and(|m| m.contains("hierarchy_coverage")), "{unknown}");

    // Read-only: a write tool, a write or a file through query are refused; nothing changed.
    let (refused, error) =
        call(&c, "amazon-connect-delete-user", json!({ "InstanceId": i.instance, "UserId": some })).await;
    assert!(error && refused["message"].as_str().is_some_and(|m| m.contains("--allow-writes")), "{refused}");
    let (refused, error) =
        call(&c, "query", json!({ "sql": format!("DELETE FROM aws.connect.users WHERE id = '{some}'") })).await;
    assert!(error && refused["code"] == "RefusedReadOnly", "{refused}");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("out.csv");
    let (refused, error) =
        call(&c, "query", json!({ "sql": format!("COPY (SELECT 1) TO '{}'", file.display()) })).await;
    assert!(error, "{refused}");
    assert!(!file.exists(), "query wrote a file");
    assert!(sdk.describe_user().instance_id(&i.instance).user_id(some).send().await.is_ok(), "still there");
    c.cancel().await.expect("close");

    // The README's desktop configuration: `connectql mcp --demo`, its own emulator inside.
    let d = stdio_with(&["mcp", "--demo", "--account", "acme"], &[]).await;
    let n = ok(&d, "query", json!({ "sql": "SELECT count(*) AS n FROM aws.connect.users" })).await;
    assert_eq!(n["rows"][0]["n"], json!(324), "{n}");
    d.cancel().await.expect("close");
    // Without --account it reads the demo's three accounts, each in its regions: as many users
    // as the SDK lists in each (on a demo emulator of the same seed).
    let d = stdio_with(&["mcp", "--demo"], &[]).await;
    let sql = "SELECT account_id, count(*) AS n FROM aws.connect.users GROUP BY 1 ORDER BY 1";
    let n = ok(&d, "query", json!({ "sql": sql })).await;
    d.cancel().await.expect("close");
    let seeded = demo().await;
    let url = seeded.base_url();
    use connectql_emulator::{BUSINESS_UNIT_ACCOUNT, DEFAULT_ACCOUNT, STAGING_ACCOUNT};
    let mut expected = Vec::new();
    for (account, region) in
        [(DEFAULT_ACCOUNT, "us-east-1"), (STAGING_ACCOUNT, "us-east-1"), (BUSINESS_UNIT_ACCOUNT, "eu-west-2")]
    {
        let users = super::accounts::users_of(&url, account, region).await.len();
        expected.push(json!({ "account_id": account, "n": users }));
    }
    assert_eq!(n["rows"], json!(expected), "{n}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_writes_are_planned_then_executed_and_audited() {
    let emu = demo().await;
    let i = ids(&emu).await;
    let sdk = client(&emu, MAIN_REGION);
    let dir = tempfile::tempdir().expect("dir");
    let audit = dir.path().join("audit.jsonl");
    let s = Server::start(&emu, &["--allow-writes", "--audit-log", audit.to_str().expect("utf8")]);
    assert!(s.mcp.ends_with("/mcp"), "{}", s.mcp);

    // Without the token there is no MCP.
    let anonymous =
        StreamableHttpClientTransport::from_config(StreamableHttpClientTransportConfig::with_uri(s.mcp.as_str()));
    assert!(ClientConfig::default().serve(anonymous).await.is_err(), "an MCP session without the token");

    let c = http(&s).await;
    let listed = names(&tools(&c).await);
    assert_eq!(listed.len(), 14, "{listed:?}");
    for write in ["amazon-connect-create-user", "amazon-connect-delete-user", "plan_write", "execute_write"] {
        assert!(listed.iter().any(|n| n == write), "{write} offered with --allow-writes");
    }

    // CreateUser with CreateUser's body.
    let created = ok(
        &c,
        "amazon-connect-create-user",
        json!({ "InstanceId": i.instance, "body": {
        "Username": "mcp.agent", "Password": PASSWORD,
        "IdentityInfo": { "FirstName": "Model", "LastName": "Context" },
        "PhoneConfig": { "PhoneType": "SOFT_PHONE" },
        "SecurityProfileIds": [i.agent], "RoutingProfileId": i.routing } }),
    )
    .await;
    let id = created["UserId"].as_str().expect("UserId").to_owned();
    let describe = || async {
        sdk.describe_user().instance_id(&i.instance).user_id(&id).send().await.expect("describe").user.expect("user")
    };
    assert_eq!(describe().await.username(), Some("mcp.agent"));

    // plan_write changes nothing and says which calls; execute_write runs the plan, once.
    let update = format!("UPDATE aws.connect.users SET first_name = 'Planned' WHERE id = '{id}'");
    let plan = ok(&c, "plan_write", json!({ "sql": update })).await;
    assert_eq!(plan["row_count"], json!(1), "{plan}");
    assert_eq!(plan["rows"][0]["calls"][0]["operation"], "UpdateUserIdentityInfo", "{plan}");
    assert_eq!(describe().await.identity_info().and_then(|x| x.first_name()), Some("Model"), "a plan changes nothing");
    let plan_id = plan["plan_id"].as_str().expect("plan_id").to_owned();
    let done = ok(&c, "execute_write", json!({ "plan_id": plan_id })).await;
    assert_eq!(done["changed"], json!(1), "{done}");
    assert_eq!(describe().await.identity_info().and_then(|x| x.first_name()), Some("Planned"));
    let (again, error) = call(&c, "execute_write", json!({ "plan_id": plan_id })).await;
    assert!(error && again["message"].as_str().is_some_and(|m| m.contains("plan_write")), "{again}");
    let (not_a_write, error) = call(&c, "plan_write", json!({ "sql": "SELECT 1" })).await;
    assert!(error, "{not_a_write}");

    // The guards hold: more rows than the threshold are refused when executed.
    let wide = ok(&c, "plan_write", json!({ "sql": format!("UPDATE aws.connect.users SET auto_accept = true WHERE instance_id = '{}'", i.instance) })).await;
    assert!(wide["refused_when_executed"].as_str().is_some_and(|m| m.contains("threshold")), "{wide}");
    let (refused, error) = call(&c, "execute_write", json!({ "plan_id": wide["plan_id"] })).await;
    assert!(error && refused["code"] == "RefusedTooManyRows", "{refused}");

    // The other users-API writes.
    ok(
        &c,
        "amazon-connect-update-user-routing",
        json!({ "InstanceId": i.instance, "UserId": id, "body": { "RoutingProfileId": i.sales } }),
    )
    .await;
    ok(&c, "amazon-connect-update-user-identity", json!({ "InstanceId": i.instance, "UserId": id, "body": { "IdentityInfo": { "FirstName": "Again", "LastName": "Renamed" } } })).await;
    let statuses = sdk.list_agent_statuses().instance_id(&i.instance).send().await.expect("statuses");
    let lunch = statuses
        .agent_status_summary_list()
        .iter()
        .find(|x| x.name() == Some("Lunch"))
        .and_then(|x| x.id())
        .expect("Lunch")
        .to_owned();
    ok(
        &c,
        "amazon-connect-put-user-status",
        json!({ "InstanceId": i.instance, "UserId": id, "body": { "AgentStatusId": lunch } }),
    )
    .await;
    let after = describe().await;
    assert_eq!(after.routing_profile_id(), Some(i.sales.as_str()));
    assert_eq!(after.identity_info().and_then(|x| x.first_name()), Some("Again"));
    ok(&c, "amazon-connect-delete-user", json!({ "InstanceId": i.instance, "UserId": id })).await;
    assert!(sdk.describe_user().instance_id(&i.instance).user_id(&id).send().await.is_err(), "deleted");
    c.cancel().await.expect("close");

    // One audit line per call, passwords masked, calls counted.
    let text = std::fs::read_to_string(&audit).expect("audit log");
    assert!(!text.contains(PASSWORD), "the audit log holds the password");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let tools: Vec<&str> = lines.iter().filter_map(|l| l["tool"].as_str()).collect();
    assert_eq!(
        tools,
        [
            "amazon-connect-create-user",
            "plan_write",
            "execute_write",
            "execute_write",
            "plan_write",
            "plan_write",
            "execute_write",
            "amazon-connect-update-user-routing",
            "amazon-connect-update-user-identity",
            "amazon-connect-put-user-status",
            "amazon-connect-delete-user",
        ]
    );
    assert_eq!(lines[0]["arguments"]["body"]["Password"], "********");
    assert_eq!(lines[0]["calls"]["CreateUser"], json!(1), "{}", lines[0]);
    assert_eq!(lines[2]["calls"]["UpdateUserIdentityInfo"], json!(1), "{}", lines[2]);
    assert_eq!(lines[3]["outcome"]["ok"], json!(false));
}
