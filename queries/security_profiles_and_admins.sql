-- Users per security profile, and every user holding an admin-level profile
--
-- Answers: who can administer the contact center? The first result counts users per security
-- profile and flags admin-level profiles; the second lists each user holding one.
-- "Admin-level" means the profile's name contains "admin" (Connect's own "Admin" profile and
-- custom copies such as "AdminReadOnly"); the API exposes a profile's permissions only through a
-- separate call, so review any profile flagged here.
--
-- Cost: ListSecurityProfiles and ListUsers per instance, one DescribeUser per user.
-- Run: connectql -f queries/security_profiles_and_admins.sql

SELECT
    sp.name                                  AS security_profile,
    lower(sp.name) LIKE '%admin%'            AS admin_level,
    count(u.id)                              AS users,
    sp.instance_id
FROM aws.connect.security_profiles sp
LEFT JOIN aws.connect.users u
    ON array_has(u.security_profile_ids, sp.id) AND u.instance_id = sp.instance_id
GROUP BY sp.name, sp.instance_id
ORDER BY sp.instance_id, admin_level DESC, users DESC, security_profile;

SELECT
    u.username,
    u.first_name,
    u.last_name,
    sp.name AS admin_profile,
    u.instance_id
FROM aws.connect.users u
JOIN aws.connect.security_profiles sp
    ON array_has(u.security_profile_ids, sp.id) AND u.instance_id = sp.instance_id
WHERE lower(sp.name) LIKE '%admin%'
ORDER BY u.instance_id, u.username;
