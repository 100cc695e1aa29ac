-- Nightly snapshot of every user, as Parquet in a Hive-style layout
--
-- Answers: what did the users look like on a given day, across accounts and regions? Writes one
-- Parquet dataset partitioned by snapshot_date, account_id and region under --var dir=DIR
-- (DIR/snapshot_date=2026-12-06/account_id=123456789012/region=us-east-1/….parquet), which
-- Athena, Spark, Trino and DuckDB read as one table (README, "Snapshots"); run it each night and
-- each run adds that day's partitions. Names and emails are in it: keep DIR private. The users of
-- the default region (or --region); pass several regions with a WHERE region IN (…) of your own.
--
-- Cost: ListUsers per instance, one DescribeUser per user (email needs it; served from the local
-- cache for the users unchanged since the last run), GetCurrentUserData per routing profile.
-- Run: connectql -f queries/nightly_snapshot.sql --var dir=/var/lib/connectql/users

COPY (
    SELECT
        CAST(current_date() AS VARCHAR) AS snapshot_date,
        account_id,
        region,
        instance_id,
        id,
        username,
        first_name,
        last_name,
        email,
        routing_profile_id,
        security_profile_ids,
        hierarchy_group_id,
        phone_type,
        auto_accept,
        last_modified_time,
        agent_status
    FROM aws.connect.users
) TO '{{ dir }}' STORED AS PARQUET PARTITIONED BY (snapshot_date, account_id, region);
