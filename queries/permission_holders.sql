-- Who holds a permission, and through which security profile
--
-- Answers: who can delete users (or change routing, or edit security profiles)? Every user who
-- holds the permission, with the security profile that grants it; a user who holds it through
-- two profiles is listed once per profile. Name the permission as the API does:
-- --var permission=Users.Delete (the default), RoutingPolicies.Edit, SecurityProfiles.Edit, …
-- (SELECT DISTINCT permission FROM aws.connect.security_profile_permissions lists them).
--
-- Cost: ListSecurityProfiles and one ListSecurityProfilePermissions per profile, ListUsers per
-- instance, one DescribeUser per user.
-- Run: connectql -f queries/permission_holders.sql --var permission=Users.Delete

SELECT
    u.username,
    u.first_name,
    u.last_name,
    sp.name      AS security_profile,
    p.permission,
    u.instance_id
FROM aws.connect.security_profile_permissions p
JOIN aws.connect.security_profiles sp
    ON sp.id = p.security_profile_id AND sp.instance_id = p.instance_id
JOIN aws.connect.users u
    ON array_has(u.security_profile_ids, sp.id) AND u.instance_id = sp.instance_id
WHERE p.permission = '{{ permission | default('Users.Delete') }}'
ORDER BY u.instance_id, security_profile, u.username;
