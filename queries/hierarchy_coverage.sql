-- Agent hierarchy coverage
--
-- Answers: which agents sit in no hierarchy group (they are missing from team reports and
-- supervisors' views), and how many agents each level-one / level-two group holds.
--
-- Cost: ListUsers and ListUserHierarchyGroups per instance, one DescribeUser per user and one
-- DescribeUserHierarchyGroup per group.
-- Run: connectql -f queries/hierarchy_coverage.sql

SELECT username, first_name, last_name, instance_id
FROM aws.connect.users
WHERE hierarchy_group_id IS NULL
ORDER BY instance_id, username;

SELECT
    g.level_one_name AS level_one,
    g.level_two_name AS level_two,
    count(u.id)      AS agents,
    g.instance_id
FROM aws.connect.users u
JOIN aws.connect.user_hierarchy_groups g
    ON g.id = u.hierarchy_group_id AND g.instance_id = u.instance_id
GROUP BY 1, 2, 4
ORDER BY g.instance_id, level_one, level_two;
