//! The operations the emulator serves: one line each, with the HTTP method and URI of the model
//! (`tests/it/emulator_model.rs` checks both against the official model), and the matcher that
//! maps a raw request path to an operation and its percent-decoded URI labels.

use super::handlers::Handler::{self, Read, Write};
use super::handlers::{hierarchy, instances, profiles, routing, search, tags, user_data, users};

/// An operation: its model name, HTTP binding and handler.
pub struct Route {
    pub operation: &'static str,
    pub method: &'static str,
    pub uri: &'static str,
    pub handler: Handler,
}

const fn route(operation: &'static str, method: &'static str, uri: &'static str, handler: Handler) -> Route {
    Route { operation, method, uri, handler }
}

/// Every operation the emulator implements.
pub const ROUTES: &[Route] = &[
    route("ListInstances", "GET", "/instance", Read(instances::list_instances)),
    route("DescribeInstance", "GET", "/instance/{InstanceId}", Read(instances::describe_instance)),
    route("ListUsers", "GET", "/users-summary/{InstanceId}", Read(users::list_users)),
    route("DescribeUser", "GET", "/users/{InstanceId}/{UserId}", Read(users::describe_user)),
    route("SearchUsers", "POST", "/search-users", Read(search::search_users)),
    route("CreateUser", "PUT", "/users/{InstanceId}", Write(users::create_user)),
    route("DeleteUser", "DELETE", "/users/{InstanceId}/{UserId}", Write(users::delete_user)),
    route(
        "UpdateUserIdentityInfo",
        "POST",
        "/users/{InstanceId}/{UserId}/identity-info",
        Write(users::update_user_identity_info),
    ),
    route(
        "UpdateUserRoutingProfile",
        "POST",
        "/users/{InstanceId}/{UserId}/routing-profile",
        Write(users::update_user_routing_profile),
    ),
    route(
        "UpdateUserSecurityProfiles",
        "POST",
        "/users/{InstanceId}/{UserId}/security-profiles",
        Write(users::update_user_security_profiles),
    ),
    route(
        "UpdateUserPhoneConfig",
        "POST",
        "/users/{InstanceId}/{UserId}/phone-config",
        Write(users::update_user_phone_config),
    ),
    route("UpdateUserHierarchy", "POST", "/users/{InstanceId}/{UserId}/hierarchy", Write(users::update_user_hierarchy)),
    route("PutUserStatus", "PUT", "/users/{InstanceId}/{UserId}/status", Write(users::put_user_status)),
    route(
        "AssociateUserProficiencies",
        "POST",
        "/users/{InstanceId}/{UserId}/associate-proficiencies",
        Write(users::associate_user_proficiencies),
    ),
    route(
        "DisassociateUserProficiencies",
        "POST",
        "/users/{InstanceId}/{UserId}/disassociate-proficiencies",
        Write(users::disassociate_user_proficiencies),
    ),
    route(
        "UpdateUserProficiencies",
        "POST",
        "/users/{InstanceId}/{UserId}/proficiencies",
        Write(users::update_user_proficiencies),
    ),
    route(
        "ListUserProficiencies",
        "GET",
        "/users/{InstanceId}/{UserId}/proficiencies",
        Read(users::list_user_proficiencies),
    ),
    route(
        "ListRoutingProfiles",
        "GET",
        "/routing-profiles-summary/{InstanceId}",
        Read(profiles::list_routing_profiles),
    ),
    route(
        "DescribeRoutingProfile",
        "GET",
        "/routing-profiles/{InstanceId}/{RoutingProfileId}",
        Read(profiles::describe_routing_profile),
    ),
    route(
        "ListSecurityProfiles",
        "GET",
        "/security-profiles-summary/{InstanceId}",
        Read(profiles::list_security_profiles),
    ),
    route(
        "DescribeSecurityProfile",
        "GET",
        "/security-profiles/{InstanceId}/{SecurityProfileId}",
        Read(profiles::describe_security_profile),
    ),
    route(
        "ListUserHierarchyGroups",
        "GET",
        "/user-hierarchy-groups-summary/{InstanceId}",
        Read(hierarchy::list_user_hierarchy_groups),
    ),
    route(
        "DescribeUserHierarchyGroup",
        "GET",
        "/user-hierarchy-groups/{InstanceId}/{HierarchyGroupId}",
        Read(hierarchy::describe_user_hierarchy_group),
    ),
    route(
        "DescribeUserHierarchyStructure",
        "GET",
        "/user-hierarchy-structure/{InstanceId}",
        Read(hierarchy::describe_user_hierarchy_structure),
    ),
    route("ListAgentStatuses", "GET", "/agent-status/{InstanceId}", Read(profiles::list_agent_statuses)),
    route(
        "ListSecurityProfilePermissions",
        "GET",
        "/security-profiles-permissions/{InstanceId}/{SecurityProfileId}",
        Read(profiles::list_security_profile_permissions),
    ),
    route("ListQueues", "GET", "/queues-summary/{InstanceId}", Read(routing::list_queues)),
    route("DescribeQueue", "GET", "/queues/{InstanceId}/{QueueId}", Read(routing::describe_queue)),
    route(
        "ListRoutingProfileQueues",
        "GET",
        "/routing-profiles/{InstanceId}/{RoutingProfileId}/queues",
        Read(routing::list_routing_profile_queues),
    ),
    route("ListQuickConnects", "GET", "/quick-connects/{InstanceId}", Read(routing::list_quick_connects)),
    route(
        "DescribeQuickConnect",
        "GET",
        "/quick-connects/{InstanceId}/{QuickConnectId}",
        Read(routing::describe_quick_connect),
    ),
    route(
        "ListHoursOfOperations",
        "GET",
        "/hours-of-operations-summary/{InstanceId}",
        Read(routing::list_hours_of_operations),
    ),
    route(
        "DescribeHoursOfOperation",
        "GET",
        "/hours-of-operations/{InstanceId}/{HoursOfOperationId}",
        Read(routing::describe_hours_of_operation),
    ),
    route("GetCurrentUserData", "POST", "/metrics/userdata/{InstanceId}", Read(user_data::get_current_user_data)),
    route("TagResource", "POST", "/tags/{resourceArn}", Write(tags::tag_resource)),
    route("UntagResource", "DELETE", "/tags/{resourceArn}", Write(tags::untag_resource)),
    route("ListTagsForResource", "GET", "/tags/{resourceArn}", Read(tags::list_tags_for_resource)),
];

/// Finds the route for a method and raw (still percent-encoded) path, returning the URI labels
/// by their `locationName`, decoded. The raw path is split on `/` before decoding, because ARN
/// labels arrive with `/` encoded as `%2F`.
pub fn find(method: &str, raw_path: &str) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
    let segments: Vec<&str> = raw_path.trim_start_matches('/').split('/').collect();
    ROUTES.iter().filter(|r| r.method.eq_ignore_ascii_case(method)).find_map(|r| {
        let pattern: Vec<&str> = r.uri.trim_start_matches('/').split('/').collect();
        if pattern.len() != segments.len() {
            return None;
        }
        let mut labels = Vec::new();
        for (p, s) in pattern.iter().zip(&segments) {
            if let Some(name) = p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let value = percent_encoding::percent_decode_str(s).decode_utf8().ok()?.into_owned();
                if value.is_empty() {
                    return None;
                }
                labels.push((name, value));
            } else if p != s {
                return None;
            }
        }
        Some((r, labels))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_labels_are_decoded_after_splitting() {
        let (route, labels) =
            find("GET", "/tags/arn%3Aaws%3Aconnect%3Aus-east-1%3A1%3Ainstance%2Fabc%2Fagent%2Fu1").expect("route");
        assert_eq!(route.operation, "ListTagsForResource");
        assert_eq!(labels, vec![("resourceArn", "arn:aws:connect:us-east-1:1:instance/abc/agent/u1".to_owned())]);
    }

    #[test]
    fn literal_segments_decide_between_similar_uris() {
        assert_eq!(find("POST", "/users/i/u/hierarchy").map(|(r, _)| r.operation), Some("UpdateUserHierarchy"));
        assert_eq!(find("GET", "/users/i/u").map(|(r, _)| r.operation), Some("DescribeUser"));
        assert!(find("GET", "/users/i/u/unknown").is_none());
        assert!(find("PATCH", "/users/i/u").is_none());
    }
}
