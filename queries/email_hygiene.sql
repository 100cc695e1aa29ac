-- Missing and duplicated email addresses
--
-- Answers: which users have no email (password resets and notifications cannot reach them), and
-- which addresses are shared by several users (often a copy-paste mistake, or a shared mailbox
-- that should not own agent accounts). Addresses are compared case-insensitively, within each
-- instance (the same person may rightly have a user in two instances).
--
-- Cost: ListUsers per instance, one DescribeUser per user (for each statement).
-- Run: connectql -f queries/email_hygiene.sql

SELECT username, first_name, last_name, instance_id
FROM aws.connect.users
WHERE email IS NULL OR trim(email) = ''
ORDER BY instance_id, username;

SELECT lower(email) AS email, count(*) AS users, string_agg(username, ', ' ORDER BY username) AS usernames, instance_id
FROM aws.connect.users
WHERE email IS NOT NULL AND trim(email) <> ''
GROUP BY lower(email), instance_id
HAVING count(*) > 1
ORDER BY instance_id, users DESC, email;
