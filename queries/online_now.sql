-- Who is online now: users by current status and for how long, per routing profile
--
-- Answers: how many agents are available, on a contact, on a break or offline right now, in
-- each routing profile, and who has been in a status the longest? The first result counts users
-- per routing profile and status, with their contacts in progress and the longest time in that
-- status (minutes); the second lists each user with a current state. Users who are not logged
-- in at all have no current state and are not listed. --var asof=YYYY-MM-DD measures the minutes
-- up to that day's midnight (UTC) instead of now.
--
-- Cost: ListRoutingProfiles and ListUsers per instance, GetCurrentUserData per routing profile
-- (100 users per call).
-- Run: connectql -f queries/online_now.sql

SELECT
    rp.name                          AS routing_profile,
    d.status_name                    AS status,
    count(*)                         AS users,
    sum(d.contacts_in_progress)      AS contacts,
    max(CAST((date_part('epoch', coalesce(CAST(nullif('{{ asof | default('') }}', '') AS TIMESTAMP), now()))
              - date_part('epoch', d.status_start_time)) / 60 AS BIGINT)) AS longest_minutes,
    d.instance_id
FROM aws.connect.user_data d
JOIN aws.connect.routing_profiles rp
    ON rp.id = d.routing_profile_id AND rp.instance_id = d.instance_id
GROUP BY rp.name, d.status_name, d.instance_id
ORDER BY d.instance_id, routing_profile, status;

SELECT
    u.username,
    d.status_name                    AS status,
    CAST((date_part('epoch', coalesce(CAST(nullif('{{ asof | default('') }}', '') AS TIMESTAMP), now()))
          - date_part('epoch', d.status_start_time)) / 60 AS BIGINT) AS minutes,
    d.contacts_in_progress           AS contacts,
    u.instance_id
FROM aws.connect.user_data d
JOIN aws.connect.users u
    ON u.id = d.user_id AND u.instance_id = d.instance_id
ORDER BY u.instance_id, status, minutes DESC, u.username;
