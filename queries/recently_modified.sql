-- Users modified in the last N days
--
-- Answers: which users were created or changed recently (an audit trail for access reviews).
-- Pass the window with --var days=N. Days are whole UTC calendar days: days=0 is today only.
-- --var asof=YYYY-MM-DD counts the days back from that date instead of today.
-- Users the service has no modification time for (never changed since it began recording
-- changes) are not listed.
--
-- Cost: ListUsers pages only (the modification stamp comes with the listing).
-- Run: connectql -f queries/recently_modified.sql --var days=30

SELECT username, last_modified_time, last_modified_region, instance_id
FROM aws.connect.users
WHERE CAST(last_modified_time AS DATE)
      >= coalesce(CAST(nullif('{{ asof | default('') }}', '') AS DATE), CAST(now() AS DATE)) - INTERVAL '{{ days }} days'
ORDER BY last_modified_time DESC, username;
