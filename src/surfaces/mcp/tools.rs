//! The tools, declared once as data: name, what it does, its input schema and its hints. The
//! seven `amazon-connect-*` tools keep the names, input members and hints of the users-API
//! tools agents already know; the SQL tools are connectql's own.

use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Value, json};

/// One tool.
pub(crate) struct ToolSpec {
    pub(crate) name: &'static str,
    pub(crate) title: &'static str,
    pub(crate) description: &'static str,
    pub(crate) input: fn() -> Value,
    pub(crate) read_only: bool,
    pub(crate) destructive: bool,
    pub(crate) idempotent: bool,
    /// Offered only when the server allows writes.
    pub(crate) writes: bool,
}

fn instance() -> Value {
    json!({ "type": "string", "description": "The identifier of the Amazon Connect instance (id or ARN)." })
}

fn user() -> Value {
    json!({ "type": "string", "description": "The identifier of the user account." })
}

fn region() -> Value {
    json!({ "type": "string", "description": "AWS region (default: the server's region)." })
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

fn vars() -> Value {
    json!({ "type": "object", "additionalProperties": { "type": "string" },
            "description": "Values of the statement's {{ name }} placeholders (substituted as quoted values, never as SQL)." })
}

/// A user-API tool with a Connect request body.
fn with_body(body: Value) -> Value {
    object(
        json!({ "InstanceId": instance(), "UserId": user(), "body": body, "Region": region() }),
        &["InstanceId", "UserId", "body"],
    )
}

pub(crate) const LIST_USERS: &str = "amazon-connect-list-users";
pub(crate) const DESCRIBE_USER: &str = "amazon-connect-describe-user";
pub(crate) const CREATE_USER: &str = "amazon-connect-create-user";
pub(crate) const DELETE_USER: &str = "amazon-connect-delete-user";
pub(crate) const UPDATE_IDENTITY: &str = "amazon-connect-update-user-identity";
pub(crate) const UPDATE_ROUTING: &str = "amazon-connect-update-user-routing";
pub(crate) const PUT_STATUS: &str = "amazon-connect-put-user-status";
pub(crate) const LIST_TABLES: &str = "list_tables";
pub(crate) const DESCRIBE_TABLE: &str = "describe_table";
pub(crate) const EXPLAIN: &str = "explain";
pub(crate) const QUERY: &str = "query";
pub(crate) const RUN_REPORT: &str = "run_report";
pub(crate) const PLAN_WRITE: &str = "plan_write";
pub(crate) const EXECUTE_WRITE: &str = "execute_write";

/// Every tool, in the order they are listed.
pub(crate) const TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: LIST_USERS,
        title: "List users",
        description: "Provides summary information about the users of an Amazon Connect instance (ListUsers): Id, Arn, Username, LastModifiedTime. Page with nextToken and maxResults (1-1000, default 100).",
        input: || {
            object(
                json!({ "InstanceId": instance(), "nextToken": { "type": "string", "description": "The token for the next set of results." },
                        "maxResults": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "The maximum number of results to return per page." },
                        "Region": region() }),
                &["InstanceId"],
            )
        },
        read_only: true,
        destructive: false,
        idempotent: true,
        writes: false,
    },
    ToolSpec {
        name: DESCRIBE_USER,
        title: "Describe a user",
        description: "Describes a user account of an Amazon Connect instance (DescribeUser): identity, phone settings, routing profile, security profiles, hierarchy group, tags.",
        input: || {
            object(json!({ "InstanceId": instance(), "UserId": user(), "Region": region() }), &["InstanceId", "UserId"])
        },
        read_only: true,
        destructive: false,
        idempotent: true,
        writes: false,
    },
    ToolSpec {
        name: CREATE_USER,
        title: "Create a user",
        description: "Creates a user account in an Amazon Connect instance (CreateUser). body is CreateUser's JSON body: Username, Password (CONNECT_MANAGED identity), IdentityInfo, PhoneConfig, SecurityProfileIds, RoutingProfileId, HierarchyGroupId, DirectoryUserId, Tags. Answers UserId and UserArn; the password is never echoed.",
        input: || {
            object(
                json!({ "InstanceId": instance(), "body": { "type": "object", "description": "CreateUser's request body." }, "Region": region() }),
                &["InstanceId", "body"],
            )
        },
        read_only: false,
        destructive: false,
        idempotent: false,
        writes: true,
    },
    ToolSpec {
        name: DELETE_USER,
        title: "Delete a user",
        description: "Deletes a user account from an Amazon Connect instance (DeleteUser).",
        input: || {
            object(json!({ "InstanceId": instance(), "UserId": user(), "Region": region() }), &["InstanceId", "UserId"])
        },
        read_only: false,
        destructive: true,
        idempotent: true,
        writes: true,
    },
    ToolSpec {
        name: UPDATE_IDENTITY,
        title: "Update a user's identity",
        description: "Updates the identity information of a user (UpdateUserIdentityInfo): body is {\"IdentityInfo\": {FirstName, LastName, Email, SecondaryEmail, Mobile}}, which replaces the current identity whole, as the API does.",
        input: || {
            with_body(
                json!({ "type": "object", "properties": { "IdentityInfo": { "type": "object" } }, "required": ["IdentityInfo"] }),
            )
        },
        read_only: false,
        destructive: true,
        idempotent: false,
        writes: true,
    },
    ToolSpec {
        name: UPDATE_ROUTING,
        title: "Change a user's routing profile",
        description: "Assigns a routing profile to a user (UpdateUserRoutingProfile): body is {\"RoutingProfileId\": \"…\"}.",
        input: || {
            with_body(
                json!({ "type": "object", "properties": { "RoutingProfileId": { "type": "string" } }, "required": ["RoutingProfileId"] }),
            )
        },
        read_only: false,
        destructive: true,
        idempotent: false,
        writes: true,
    },
    ToolSpec {
        name: PUT_STATUS,
        title: "Set a user's agent status",
        description: "Changes the current status of a user or agent (PutUserStatus): body is {\"AgentStatusId\": \"…\"}.",
        input: || {
            with_body(
                json!({ "type": "object", "properties": { "AgentStatusId": { "type": "string" } }, "required": ["AgentStatusId"] }),
            )
        },
        read_only: false,
        destructive: false,
        idempotent: true,
        writes: true,
    },
    ToolSpec {
        name: LIST_TABLES,
        title: "List tables",
        description: "The SQL tables (aws.connect.users and the tables around it), what each holds and whether it can be written.",
        input: || object(json!({}), &[]),
        read_only: true,
        destructive: false,
        idempotent: true,
        writes: false,
    },
    ToolSpec {
        name: DESCRIBE_TABLE,
        title: "Describe a table",
        description: "A table's columns: type, what selecting it costs in API calls, which filters are pushed to the API (the rest are applied after the calls), and which UPDATE can set.",
        input: || {
            object(
                json!({ "table": { "type": "string", "description": "users, aws.connect.users, routing_profiles, …" } }),
                &["table"],
            )
        },
        read_only: true,
        destructive: false,
        idempotent: true,
        writes: false,
    },
    ToolSpec {
        name: EXPLAIN,
        title: "Explain a statement",
        description: "The API calls a statement would make (per table: operations, regions, instances, paging, per-row calls, cache use), making none. Use it before an expensive query.",
        input: || object(json!({ "sql": { "type": "string" }, "vars": vars() }), &["sql"]),
        read_only: true,
        destructive: false,
        idempotent: true,
        writes: false,
    },
    ToolSpec {
        name: QUERY,
        title: "Run a query",
        description: "Runs one SELECT (or EXPLAIN, DESCRIBE) and answers its rows as JSON objects, with the API calls it made and any warnings. Rows are capped (max_rows, default 100, at most 1000) and so is the answer's size; `truncated` says when rows were left out. Never writes: use plan_write and execute_write for changes.",
        input: || {
            object(
                json!({ "sql": { "type": "string" }, "vars": vars(),
                        "max_rows": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "Rows to return at most (default 100)." } }),
                &["sql"],
            )
        },
        read_only: true,
        destructive: false,
        idempotent: true,
        writes: false,
    },
    ToolSpec {
        name: RUN_REPORT,
        title: "Run a report",
        description: "Runs one of connectql's audit reports by name (users_per_routing_profile, security_profiles_and_admins, hierarchy_coverage, phone_settings, email_hygiene, dangling_references, recently_modified with vars {\"days\": \"30\"}, permission_holders with vars {\"permission\": \"Users.Delete\"}, queue_coverage, agent_queues, online_now, dangling_quick_connects) with its variables, read-only. An unknown name answers with the list.",
        input: || object(json!({ "name": { "type": "string" }, "vars": vars() }), &["name"]),
        read_only: true,
        destructive: false,
        idempotent: true,
        writes: false,
    },
    ToolSpec {
        name: PLAN_WRITE,
        title: "Plan a change",
        description: "Plans an INSERT, UPDATE or DELETE: finds the rows it targets and answers, per row, the API calls it would make (a dry run: nothing changes), with a plan_id. Show the plan to the person, then run it with execute_write.",
        input: || object(json!({ "sql": { "type": "string" }, "vars": vars() }), &["sql"]),
        read_only: true,
        destructive: false,
        idempotent: false,
        writes: true,
    },
    ToolSpec {
        name: EXECUTE_WRITE,
        title: "Run a planned change",
        description: "Runs a change planned by plan_write, by its plan_id (once; plans expire after 15 minutes). Answers each row's outcome. The server's guards hold: a change of more rows than its threshold is refused unless the server was started with --yes.",
        input: || object(json!({ "plan_id": { "type": "string" } }), &["plan_id"]),
        read_only: false,
        destructive: true,
        idempotent: false,
        writes: true,
    },
];

impl ToolSpec {
    pub(crate) fn find(name: &str) -> Option<&'static ToolSpec> {
        TOOLS.iter().find(|t| t.name == name)
    }

    /// The tool as MCP lists it.
    pub(crate) fn tool(&self) -> Tool {
        let schema = match (self.input)() {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        Tool::new(self.name, self.description, Arc::new(schema)).with_title(self.title).with_annotations(
            ToolAnnotations::with_title(self.title)
                .read_only(self.read_only)
                .destructive(self.destructive)
                .idempotent(self.idempotent)
                .open_world(self.name.starts_with("amazon-connect-")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_schemas_are_objects() {
        let mut names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TOOLS.len());
        for t in TOOLS {
            assert_eq!((t.input)()["type"], "object", "{}", t.name);
            assert!(!(t.read_only && t.destructive), "{} cannot be both", t.name);
        }
        let report = ToolSpec::find(RUN_REPORT).expect("run_report");
        for r in crate::surfaces::reports::REPORTS {
            assert!(report.description.contains(r.name), "run_report's description names {}", r.name);
        }
    }
}
