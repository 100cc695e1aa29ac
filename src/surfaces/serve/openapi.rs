//! The OpenAPI description of the REST API (`GET /v1/openapi.json`).

use serde_json::{Value, json};

fn path_param(name: &str, what: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" }, "description": what })
}

fn region_param() -> Value {
    json!({ "name": "region", "in": "query", "required": false, "schema": { "type": "string" },
            "description": "AWS region of the instance (default: the server's region)" })
}

fn json_body(description: &str, schema: Value) -> Value {
    json!({ "required": true, "description": description, "content": { "application/json": { "schema": schema } } })
}

fn responses(ok: &str, ok_schema: Value) -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    let e = |why: &str| json!({ "description": why, "content": { "application/json": { "schema": error } } });
    json!({
        "200": { "description": ok, "content": { "application/json": { "schema": ok_schema } } },
        "400": e("validation failed (InvalidParameterException, InvalidRequestException)"),
        "401": e("no token"),
        "403": e("refused: read-only server, foreign Host or Origin, or access denied"),
        "404": e("no such instance or user (ResourceNotFoundException)"),
        "409": e("duplicate (DuplicateResourceException)"),
        "429": e("throttled after every retry, or a quota reached (LimitExceededException)"),
    })
}

/// The whole description.
pub(crate) fn spec() -> Value {
    let instance = path_param("instanceid", "Connect instance id");
    let user = path_param("userid", "User id");
    let object = json!({ "type": "object" });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "connectql users API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Amazon Connect users API with Connect's own JSON bodies and responses, served through connectql's engine. Every route needs Authorization: Bearer TOKEN.",
        },
        "components": {
            "securitySchemes": { "token": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "properties": { "code": { "type": "string" }, "message": { "type": "string" } } },
            },
        },
        "security": [{ "token": [] }],
        "paths": {
            "/v1/users/{instanceid}": {
                "get": {
                    "operationId": "ListUsers",
                    "parameters": [instance, region_param(),
                        { "name": "nextToken", "in": "query", "schema": { "type": "string" } },
                        { "name": "maxResults", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1000 } }],
                    "responses": responses("{UserSummaryList, NextToken}", object.clone()),
                },
                "post": {
                    "operationId": "CreateUser",
                    "parameters": [instance, region_param()],
                    "requestBody": json_body("CreateUser's JSON body (Username, Password, IdentityInfo, PhoneConfig, SecurityProfileIds, RoutingProfileId, …)", object.clone()),
                    "responses": responses("{UserId, UserArn}", object.clone()),
                },
            },
            "/v1/users/{instanceid}/{userid}": {
                "get": {
                    "operationId": "DescribeUser",
                    "parameters": [instance, user, region_param()],
                    "responses": responses("{User}", object.clone()),
                },
                "delete": {
                    "operationId": "DeleteUser",
                    "parameters": [instance, user, region_param()],
                    "responses": responses("{}", object.clone()),
                },
            },
            "/v1/users/{instanceid}/{userid}/identity-info": {
                "post": {
                    "operationId": "UpdateUserIdentityInfo",
                    "parameters": [instance, user, region_param()],
                    "requestBody": json_body("{IdentityInfo}: replaces the user's identity as a whole", object.clone()),
                    "responses": responses("{}", object.clone()),
                },
            },
            "/v1/users/{instanceid}/{userid}/routing-profile": {
                "post": {
                    "operationId": "UpdateUserRoutingProfile",
                    "parameters": [instance, user, region_param()],
                    "requestBody": json_body("{RoutingProfileId}", object.clone()),
                    "responses": responses("{}", object.clone()),
                },
            },
            "/v1/users/{instanceid}/{userid}/status": {
                "put": {
                    "operationId": "PutUserStatus",
                    "parameters": [instance, user, region_param()],
                    "requestBody": json_body("{AgentStatusId}", object.clone()),
                    "responses": responses("{}", object.clone()),
                },
            },
            "/v1/sql": {
                "post": {
                    "operationId": "RunSql",
                    "requestBody": json_body(
                        "{sql, max_rows?}: one statement (writes follow the server's policy); at most max_rows rows (default 10000, at most 100000)",
                        object.clone(),
                    ),
                    "responses": responses("{columns, rows, truncated, calls, cached, warnings, failures, writes}", object.clone()),
                },
            },
            "/v1/openapi.json": {
                "get": { "operationId": "OpenApi", "responses": { "200": { "description": "this document" } } },
            },
        },
    })
}
