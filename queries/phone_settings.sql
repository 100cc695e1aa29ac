-- Phone settings worth a second look
--
-- Answers three questions about agents' phones:
--   1. who has auto-accept on (contacts connect without the agent accepting);
--   2. who is set to a desk phone but has no desk phone number (calls cannot reach them);
--   3. whose after-contact-work limit is above 300 seconds (0 means no limit at all, listed too).
-- Change 300 below to use another threshold.
--
-- Cost: ListUsers per instance, one DescribeUser per user (for each statement).
-- Run: connectql -f queries/phone_settings.sql

SELECT username, phone_type, instance_id
FROM aws.connect.users
WHERE auto_accept
ORDER BY instance_id, username;

SELECT username, first_name, last_name, instance_id
FROM aws.connect.users
WHERE phone_type = 'DESK_PHONE' AND (desk_phone_number IS NULL OR desk_phone_number = '')
ORDER BY instance_id, username;

SELECT username, after_contact_work_time_limit AS acw_seconds, instance_id
FROM aws.connect.users
WHERE after_contact_work_time_limit > 300 OR after_contact_work_time_limit = 0
ORDER BY instance_id, acw_seconds DESC, username;
