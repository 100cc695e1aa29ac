-- Provision one agent
--
-- Onboards an agent in three steps, and stops at the first that fails (exit code 1):
--   1. create the user with identity, a soft phone, a security profile and a routing profile
--      (a user that already exists is reported as skipped, not failed: ON CONFLICT DO NOTHING);
--   2. assign the routing profile (no call when CreateUser already set it; on a re-run against an
--      existing user this repairs its profile);
--   3. read the user back and fail loudly unless it carries that routing profile.
-- first_name, last_name and email are optional (names default to the username).
-- Passwords are never printed: --dry-run shows the calls with the password masked.
--
-- Run: connectql -f queries/provision_user.sql --var instance_id=ID --var username=jane.doe
--        --var password=... --var security_profile_id=ID --var routing_profile_id=ID
--        [--var first_name=Jane --var last_name=Doe --var email=jane.doe@example.com]

INSERT INTO aws.connect.users
    (instance_id, username, password, first_name, last_name, email, phone_type, security_profile_ids, routing_profile_id)
VALUES (
    '{{ instance_id }}',
    '{{ username }}',
    '{{ password }}',
    coalesce(nullif('{{ first_name | default('') }}', ''), '{{ username }}'),
    coalesce(nullif('{{ last_name | default('') }}', ''), '{{ username }}'),
    nullif('{{ email | default('') }}', ''),
    'SOFT_PHONE',
    ['{{ security_profile_id }}'],
    '{{ routing_profile_id }}'
)
ON CONFLICT (username) DO NOTHING;

UPDATE aws.connect.users
SET routing_profile_id = '{{ routing_profile_id }}'
WHERE instance_id = '{{ instance_id }}' AND username = '{{ username }}';

SELECT
    username,
    routing_profile_id,
    connectql_assert(
        count(*) OVER () = 1 AND routing_profile_id = '{{ routing_profile_id }}',
        'provisioning check failed: user {{ username }} does not carry routing profile {{ routing_profile_id }}'
    ) AS verified
FROM aws.connect.users
WHERE instance_id = '{{ instance_id }}' AND username = '{{ username }}';

SELECT connectql_assert(count(*) = 1, 'provisioning check failed: user {{ username }} was not found after creation') AS found
FROM aws.connect.users
WHERE instance_id = '{{ instance_id }}' AND username = '{{ username }}';
