-- The queues each agent serves, by priority
--
-- Answers: which contacts does each agent get, and in what order? One row per agent: the
-- routing profile and the queues it takes, per channel, highest priority first (priority 1
-- first; a delay means the agent gets a contact only after it waited that many seconds).
-- Agents whose routing profile no longer exists are not listed (see dangling_references.sql).
--
-- Cost: ListRoutingProfiles and ListUsers per instance, one ListRoutingProfileQueues per
-- routing profile, one DescribeUser per user.
-- Run: connectql -f queries/agent_queues.sql

SELECT
    u.username,
    rp.name AS routing_profile,
    string_agg(
        rq.queue_name || ' ' || rq.channel || ' p' || CAST(rq.priority AS VARCHAR)
            || CASE WHEN rq.delay > 0 THEN ' +' || CAST(rq.delay AS VARCHAR) || 's' ELSE '' END,
        ', ' ORDER BY rq.priority, rq.queue_name, rq.channel
    ) AS queues,
    u.instance_id
FROM aws.connect.users u
JOIN aws.connect.routing_profiles rp
    ON rp.id = u.routing_profile_id AND rp.instance_id = u.instance_id
JOIN aws.connect.routing_profile_queues rq
    ON rq.routing_profile_id = u.routing_profile_id AND rq.instance_id = u.instance_id
GROUP BY u.username, rp.name, u.instance_id
ORDER BY u.instance_id, u.username;
