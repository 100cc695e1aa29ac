-- Quick connects whose user or queue no longer exists
--
-- Answers: which transfer targets are broken? A USER quick connect whose user was deleted, or
-- a QUEUE quick connect whose queue was deleted, still shows in the agents' transfer list and
-- fails when used. Delete them or point them elsewhere.
--
-- Cost: ListQuickConnects, ListUsers and ListQueues per instance, one DescribeQuickConnect per
-- quick connect.
-- Run: connectql -f queries/dangling_quick_connects.sql

SELECT
    qc.name                              AS quick_connect,
    qc.type,
    coalesce(qc.user_id, qc.queue_id)    AS missing_id,
    qc.instance_id
FROM aws.connect.quick_connects qc
LEFT JOIN aws.connect.users u
    ON u.id = qc.user_id AND u.instance_id = qc.instance_id
LEFT JOIN aws.connect.queues q
    ON q.id = qc.queue_id AND q.instance_id = qc.instance_id
WHERE (qc.type = 'USER' AND u.id IS NULL)
   OR (qc.type = 'QUEUE' AND q.id IS NULL)
ORDER BY qc.instance_id, quick_connect;
