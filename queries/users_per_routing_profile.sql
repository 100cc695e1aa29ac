-- Users per routing profile
--
-- Answers: how many agents does each routing profile serve, per instance? A profile with no
-- users is listed with 0 (a candidate for clean-up); users whose profile no longer exists are
-- counted under "(missing profile)" (see dangling_references.sql for who they are).
--
-- Cost: ListRoutingProfiles and ListUsers per instance, one DescribeUser per user.
-- Run: connectql -f queries/users_per_routing_profile.sql [--region R] [--instance-id ID]

SELECT
    coalesce(rp.name, '(missing profile)') AS routing_profile,
    count(u.id)                           AS users,
    coalesce(rp.instance_id, u.instance_id) AS instance_id
FROM aws.connect.routing_profiles rp
FULL OUTER JOIN aws.connect.users u
    ON u.routing_profile_id = rp.id AND u.instance_id = rp.instance_id
GROUP BY 1, 3
ORDER BY instance_id, users DESC, routing_profile;
