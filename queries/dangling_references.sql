-- Users pointing at something that no longer exists
--
-- Answers: which users reference a routing profile, security profile or hierarchy group that is
-- not in their instance any more (deleted, or left behind by a migration). Such users may fail
-- to log in or to receive contacts; reassign them.
--
-- Cost: ListUsers, ListRoutingProfiles, ListSecurityProfiles and ListUserHierarchyGroups per
-- instance, one DescribeUser per user.
-- Run: connectql -f queries/dangling_references.sql

-- The users are read once into a session table, so the three checks cost one scan.
CREATE TABLE report_users AS
SELECT instance_id, username, routing_profile_id, security_profile_ids, hierarchy_group_id
FROM aws.connect.users;

SELECT u.username, 'routing profile' AS reference, u.routing_profile_id AS missing_id, u.instance_id
FROM report_users u
LEFT JOIN aws.connect.routing_profiles rp ON rp.id = u.routing_profile_id AND rp.instance_id = u.instance_id
WHERE u.routing_profile_id IS NOT NULL AND rp.id IS NULL
UNION ALL
SELECT s.username, 'security profile', s.profile_id, s.instance_id
FROM (SELECT username, instance_id, unnest(security_profile_ids) AS profile_id FROM report_users) s
LEFT JOIN aws.connect.security_profiles sp ON sp.id = s.profile_id AND sp.instance_id = s.instance_id
WHERE sp.id IS NULL
UNION ALL
SELECT u.username, 'hierarchy group', u.hierarchy_group_id, u.instance_id
FROM report_users u
LEFT JOIN aws.connect.user_hierarchy_groups g ON g.id = u.hierarchy_group_id AND g.instance_id = u.instance_id
WHERE u.hierarchy_group_id IS NOT NULL AND g.id IS NULL
ORDER BY 4, 2, 1;

DROP TABLE report_users;
