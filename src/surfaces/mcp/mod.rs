//! The MCP server: Connect users as tools for AI agents, over stdio (`connectql mcp`) and
//! streamable HTTP (`/mcp` of `connectql serve`), built on the official SDK (`rmcp`). Every tool
//! runs statements through the engine's door, so agents get its planning, pacing, retries,
//! cache, validation, guards and masking. Safe by default: read-only unless the server allows
//! writes — and then a change is planned (`plan_write`, a dry run) before it can run
//! (`execute_write`, by plan id only). `--audit-log` records every call.

mod audit;
mod sql_tools;
mod tools;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Map, Value, json};

use self::tools::ToolSpec;
use crate::engine::Engine;
use crate::surfaces::users_api::{self, Failure, Paging};

/// What an MCP server was started with.
#[derive(Debug, Clone, Default)]
pub(crate) struct McpOptions {
    pub(crate) allow_writes: bool,
    pub(crate) audit_log: Option<PathBuf>,
    /// How to allow writes, for the refusal of a write tool (depends on the command).
    pub(crate) how_to_allow_writes: String,
}

/// A change planned by `plan_write`, waiting for `execute_write`.
struct Plan {
    sql: String,
    vars: BTreeMap<String, String>,
    made: Instant,
}

struct Shared {
    engine: Engine,
    options: McpOptions,
    audit: Option<audit::AuditLog>,
    plans: Mutex<HashMap<String, Plan>>,
    /// Told after a write (the web console forgets its cached lists).
    on_change: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The server's tools; clones share everything (one per HTTP session, all on one engine).
#[derive(Clone)]
pub(crate) struct McpServer {
    shared: Arc<Shared>,
}

/// Arguments of a tool call.
pub(crate) struct Args<'a>(&'a Map<String, Value>);

impl Args<'_> {
    fn text(&self, name: &str) -> Result<String, Failure> {
        match self.0.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                Err(Failure::bad_request(format!("{name} is required")))
            }
            Some(_) => Err(Failure::bad_request(format!("{name} must be a string"))),
        }
    }

    fn optional_text(&self, name: &str) -> Result<Option<String>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.text(name).map(Some),
        }
    }

    fn number(&self, name: &str) -> Result<Option<usize>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| Failure::bad_request(format!("{name} must be a positive integer"))),
        }
    }

    /// `body`: the API's JSON request body, as an object or as its JSON text (agents send both).
    fn body(&self) -> Result<Value, Failure> {
        let body = match self.0.get("body") {
            Some(Value::String(text)) => serde_json::from_str::<Value>(text).ok(),
            other => other.cloned(),
        };
        body.filter(Value::is_object)
            .ok_or_else(|| Failure::bad_request("body is required: the API's JSON request body, as an object"))
    }

    /// `vars`: placeholder values, each a string (numbers and booleans are taken as text).
    fn vars(&self) -> Result<BTreeMap<String, String>, Failure> {
        match self.0.get("vars") {
            None | Some(Value::Null) => Ok(BTreeMap::new()),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    Value::Number(_) | Value::Bool(_) => Ok((k.clone(), v.to_string())),
                    _ => Err(Failure::bad_request(format!("vars.{k} must be a string"))),
                })
                .collect(),
            Some(_) => Err(Failure::bad_request("vars must be an object of strings")),
        }
    }
}

impl McpServer {
    /// A server on `engine`; `on_change` is told after every write (the web console's list cache).
    ///
    /// # Errors
    /// The audit log cannot be opened.
    pub(crate) fn new(
        engine: Engine,
        options: McpOptions,
        on_change: Option<Arc<dyn Fn() + Send + Sync>>,
    ) -> std::io::Result<McpServer> {
        let audit = options.audit_log.as_deref().map(audit::AuditLog::open).transpose()?;
        Ok(McpServer { shared: Arc::new(Shared { engine, options, audit, plans: Mutex::default(), on_change }) })
    }

    fn engine(&self) -> &Engine {
        &self.shared.engine
    }

    fn offered(&self, spec: &ToolSpec) -> bool {
        !spec.writes || self.shared.options.allow_writes
    }

    fn changed(&self) {
        if let Some(f) = &self.shared.on_change {
            f();
        }
    }

    /// Runs one tool; the API calls its statements made are added to `calls`.
    async fn dispatch(
        &self,
        spec: &ToolSpec,
        args: &Args<'_>,
        calls: &mut BTreeMap<String, u64>,
    ) -> Result<Value, Failure> {
        if spec.name.starts_with("amazon-connect-") {
            let call = users_api::Call::new(self.engine(), args.optional_text("Region")?)?;
            let outcome = self.users_api(spec, args, &call).await;
            calls.extend(call.calls());
            if spec.writes {
                self.changed();
            }
            return outcome;
        }
        match spec.name {
            tools::LIST_TABLES => Ok(sql_tools::list_tables(self.engine())),
            tools::DESCRIBE_TABLE => sql_tools::describe_table(self.engine(), &args.text("table")?),
            tools::EXPLAIN => sql_tools::explain(self.engine(), &args.text("sql")?, args.vars()?, calls).await,
            tools::QUERY => {
                let max_rows = args.number("max_rows")?.unwrap_or(100);
                if !(1..=1000).contains(&max_rows) {
                    return Err(Failure::bad_request("max_rows must be between 1 and 1000"));
                }
                sql_tools::query(self.engine(), &args.text("sql")?, args.vars()?, max_rows, calls).await
            }
            tools::RUN_REPORT => sql_tools::run_report(self.engine(), &args.text("name")?, args.vars()?, calls).await,
            tools::PLAN_WRITE => {
                let (sql, vars) = (args.text("sql")?, args.vars()?);
                let mut planned = sql_tools::plan_write(self.engine(), &sql, vars.clone(), calls).await?;
                let id = uuid::Uuid::new_v4().to_string();
                let mut plans = self.shared.plans.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                plans.retain(|_, p| p.made.elapsed() < sql_tools::PLAN_LIFETIME);
                plans.insert(id.clone(), Plan { sql, vars, made: Instant::now() });
                planned["plan_id"] = json!(id);
                Ok(planned)
            }
            tools::EXECUTE_WRITE => {
                let id = args.text("plan_id")?;
                let plan = self.shared.plans.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
                let plan = plan.filter(|p| p.made.elapsed() < sql_tools::PLAN_LIFETIME).ok_or_else(|| {
                    Failure::bad_request(format!(
                        "no plan {id}: plans run once and expire after 15 minutes; plan the change again with plan_write"
                    ))
                })?;
                let outcome = sql_tools::execute_write(self.engine(), &plan.sql, plan.vars, calls).await;
                self.changed();
                outcome
            }
            other => Err(Failure::bad_request(format!("unknown tool {other}"))),
        }
    }

    async fn users_api(&self, spec: &ToolSpec, args: &Args<'_>, call: &users_api::Call<'_>) -> Result<Value, Failure> {
        let instance = args.text("InstanceId")?;
        match spec.name {
            tools::LIST_USERS => {
                let paging =
                    Paging { next_token: args.optional_text("nextToken")?, max_results: args.number("maxResults")? };
                call.list_users(&instance, &paging).await
            }
            tools::DESCRIBE_USER => call.describe_user(&instance, &args.text("UserId")?).await,
            tools::CREATE_USER => call.create_user(&instance, &args.body()?).await,
            tools::DELETE_USER => call.delete_user(&instance, &args.text("UserId")?).await,
            tools::UPDATE_IDENTITY => call.update_identity(&instance, &args.text("UserId")?, &args.body()?).await,
            tools::UPDATE_ROUTING => call.update_routing(&instance, &args.text("UserId")?, &args.body()?).await,
            tools::PUT_STATUS => call.put_status(&instance, &args.text("UserId")?, &args.body()?).await,
            other => Err(Failure::bad_request(format!("unknown tool {other}"))),
        }
    }

    /// One tool call, start to end: refused if not offered, run, audited, answered.
    async fn call(&self, name: &str, arguments: &Map<String, Value>) -> CallToolResult {
        // Secrets are registered before anything can print them.
        let shown = audit::masked_arguments(arguments);
        let mut calls = BTreeMap::new();
        let outcome = match ToolSpec::find(name) {
            None => Err(Failure::bad_request(format!("unknown tool {name}: tools/list names the tools"))),
            Some(spec) if !self.offered(spec) => Err(Failure::read_only(&format!(
                "{name} changes users, and this server is read-only: {}",
                self.shared.options.how_to_allow_writes
            ))),
            Some(spec) => self.dispatch(spec, &Args(arguments), &mut calls).await,
        };
        let outcome = outcome.map(|v| mask_value(&v)).map_err(|f| Failure { message: mask_text(&f.message), ..f });
        if let Some(audit) = &self.shared.audit {
            let summary = match &outcome {
                Ok(v) => json!({ "ok": true, "summary": sql_tools::outcome_summary(v) }),
                Err(f) => json!({ "ok": false, "error": f.body() }),
            };
            audit.record(name, &mask_value(&shown), &calls, &summary);
        }
        match outcome {
            Ok(v) => CallToolResult::structured(v),
            Err(f) => CallToolResult::structured_error(f.body()),
        }
    }
}

fn mask_text(text: &str) -> String {
    crate::mask::mask(text).into_owned()
}

/// A JSON answer with every registered secret masked (whatever member it hides in).
fn mask_value(v: &Value) -> Value {
    let text = v.to_string();
    let masked = crate::mask::mask(&text);
    if masked == text { v.clone() } else { serde_json::from_str(&masked).unwrap_or_else(|_| json!(masked)) }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        let writes = if self.shared.options.allow_writes {
            "Writes are allowed: show a change with plan_write, let the person read it, then run it with execute_write."
        } else {
            "This server is read-only."
        };
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("connectql", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "Amazon Connect users and the tables around them, as SQL (catalog aws, schema connect: aws.connect.users, \
                 routing_profiles, security_profiles, user_hierarchy_groups, agent_statuses, instances) and as the users API's \
                 own calls (amazon-connect-*). Use describe_table for what each column costs in API calls, and explain \
                 before a large query. {writes}"
            ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            tools::TOOLS.iter().filter(|t| self.offered(t)).map(ToolSpec::tool).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.call(&request.name, &arguments).await.into())
    }
}

/// `connectql mcp`: serves on stdin/stdout until the client closes them.
///
/// # Errors
/// The transport fails.
pub(crate) async fn serve_stdio(server: McpServer) -> std::io::Result<()> {
    let running = server.serve(rmcp::transport::stdio()).await.map_err(std::io::Error::other)?;
    running.waiting().await.map_err(std::io::Error::other)?;
    Ok(())
}

/// The streamable HTTP transport, for `connectql serve` to mount at `/mcp` behind its own access
/// rules (token, Host, Origin), which is why the SDK's own Host check is off here.
pub(crate) fn http_service(
    server: McpServer,
    stop: tokio_util::sync::CancellationToken,
) -> rmcp::transport::streamable_http_server::StreamableHttpService<
    McpServer,
    rmcp::transport::streamable_http_server::session::local::LocalSessionManager,
> {
    use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_cancellation_token(stop);
    StreamableHttpService::new(move || Ok(server.clone()), Arc::default(), config)
}
