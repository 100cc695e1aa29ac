-- Queue coverage: how many agents can take each queue's contacts, and queues nobody serves
--
-- Answers: which queues are thinly staffed, and which can no agent answer at all? The first
-- result counts, per queue and channel, the agents whose routing profile takes that queue on
-- that channel (0 when the only profiles taking it have no agents). The second lists the
-- standard queues no agent can take on any channel: in no routing profile, or only in profiles
-- nobody is assigned.
--
-- Cost: ListQueues, ListRoutingProfiles and ListUsers per instance, one ListRoutingProfileQueues
-- per routing profile, one DescribeUser per user.
-- Run: connectql -f queries/queue_coverage.sql

SELECT
    q.name                 AS queue,
    rq.channel,
    count(DISTINCT u.id)   AS agents,
    q.instance_id
FROM aws.connect.queues q
JOIN aws.connect.routing_profile_queues rq
    ON rq.queue_id = q.id AND rq.instance_id = q.instance_id
LEFT JOIN aws.connect.users u
    ON u.routing_profile_id = rq.routing_profile_id AND u.instance_id = rq.instance_id
GROUP BY q.name, rq.channel, q.instance_id
ORDER BY q.instance_id, agents, queue, rq.channel;

SELECT
    q.name   AS queue,
    q.status,
    q.instance_id
FROM aws.connect.queues q
LEFT JOIN (
    SELECT rq.queue_id, rq.instance_id, u.id AS agent_id
    FROM aws.connect.routing_profile_queues rq
    JOIN aws.connect.users u
        ON u.routing_profile_id = rq.routing_profile_id AND u.instance_id = rq.instance_id
) served
    ON served.queue_id = q.id AND served.instance_id = q.instance_id
WHERE q.type = 'STANDARD'
GROUP BY q.name, q.status, q.instance_id
HAVING count(served.agent_id) = 0
ORDER BY q.instance_id, queue;
