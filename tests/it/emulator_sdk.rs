//! Every emulated operation through the real SDK over real HTTP: success paths, pagination across
//! pages, and the documented errors.

use aws_sdk_connect::types::{
    ControlPlaneTagFilter, HierarchyGroupCondition, HierarchyGroupMatchType, PhoneType, StringComparisonType,
    StringCondition, TagCondition, UserIdentityInfo, UserPhoneConfig, UserSearchCriteria, UserSearchFilter,
};
use connectql_emulator::faults::Faults;
use connectql_emulator::{DEMO_INSTANCE_ALIAS, EmulatorConfig, Seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::{MAIN_REGION, client, code, demo, instance_id, listed_user, message, start, username_is};

fn identity(first: &str, last: &str) -> UserIdentityInfo {
    UserIdentityInfo::builder().first_name(first).last_name(last).email(format!("{first}@example.com")).build()
}

fn soft_phone() -> UserPhoneConfig {
    UserPhoneConfig::builder().phone_type(PhoneType::SoftPhone).build()
}

/// Ids of the first routing profile and of the named security profile of an instance.
async fn profiles(c: &aws_sdk_connect::Client, iid: &str, security_profile: &str) -> (String, String) {
    let rps = c.list_routing_profiles().instance_id(iid).send().await.expect("ListRoutingProfiles");
    let rp = rps.routing_profile_summary_list()[0].id().expect("id").to_owned();
    let sps = c.list_security_profiles().instance_id(iid).send().await.expect("ListSecurityProfiles");
    let sp = sps
        .security_profile_summary_list()
        .iter()
        .find(|s| s.name() == Some(security_profile))
        .and_then(|s| s.id())
        .expect("security profile")
        .to_owned();
    (rp, sp)
}

#[tokio::test]
async fn instances_are_regional() {
    let emu = demo().await;
    let us = client(&emu, MAIN_REGION).list_instances().send().await.expect("ListInstances us-east-1");
    let mut aliases: Vec<&str> = us.instance_summary_list().iter().filter_map(|i| i.instance_alias()).collect();
    aliases.sort_unstable();
    assert_eq!(aliases, ["acme-contact-center", "acme-sso"]);
    let eu = client(&emu, "eu-west-2").list_instances().send().await.expect("ListInstances eu-west-2");
    assert_eq!(eu.instance_summary_list().len(), 1);
    let eu_id = eu.instance_summary_list()[0].id().expect("id").to_owned();
    assert!(
        eu.instance_summary_list()[0]
            .arn()
            .expect("arn")
            .starts_with("arn:aws:connect:eu-west-2:123456789012:instance/")
    );

    let c = client(&emu, MAIN_REGION);
    let err =
        c.describe_instance().instance_id(&eu_id).send().await.expect_err("an eu-west-2 instance is not in us-east-1");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let iid = instance_id(&c, "acme-sso").await;
    let d = c.describe_instance().instance_id(&iid).send().await.expect("DescribeInstance");
    let inst = d.instance().expect("instance");
    assert_eq!(inst.identity_management_type().map(|t| t.as_str()), Some("SAML"));
    assert!(inst.created_time().is_some());
    // ListInstances models no InvalidParameterException: its validation error is InvalidRequestException.
    let err = c.list_instances().max_results(11).send().await.expect_err("MaxResult10");
    assert_eq!(code(&err), "InvalidRequestException");
}

#[tokio::test]
async fn list_users_pages_through_every_user() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    emu.emulator.reset_calls();
    let users: Vec<_> = c
        .list_users()
        .instance_id(&iid)
        .max_results(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every page");
    assert_eq!(users.len(), 300);
    let mut ids: Vec<&str> = users.iter().filter_map(|u| u.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 300, "no user twice");
    assert_eq!(emu.emulator.calls_of("ListUsers"), 43, "ceil(300/7) pages");
    // As the real service, about a tenth carry no modification time (never changed since the
    // service began stamping changes); the others carry it with its region.
    let unstamped = users.iter().filter(|u| u.last_modified_time().is_none()).count();
    assert!((15..=45).contains(&unstamped), "{unstamped} of 300 without a modification time");
    assert!(
        users
            .iter()
            .filter(|u| u.last_modified_time().is_some())
            .all(|u| u.last_modified_region() == Some(MAIN_REGION))
    );
    assert!(users.iter().filter(|u| u.last_modified_time().is_none()).all(|u| u.last_modified_region().is_none()));

    let err = c.list_users().instance_id(&iid).max_results(1001).send().await.expect_err("MaxResult1000");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(message(&err).contains("maxResults"), "{}", message(&err));
    let err = c.list_users().instance_id("no-such-instance").send().await.expect_err("unknown instance");
    assert_eq!(code(&err), "ResourceNotFoundException");
    assert!(message(&err).contains("no-such-instance"));
    let err = c.list_users().instance_id(&iid).next_token("forged").send().await.expect_err("bad token");
    assert_eq!(code(&err), "InvalidParameterException");
}

#[tokio::test]
async fn create_describe_update_delete_a_user() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let (rp, sp) = profiles(&c, &iid, "Agent").await;
    let created = c
        .create_user()
        .instance_id(&iid)
        .username("new.agent")
        .password("Str0ngPassw0rd!")
        .identity_info(identity("New", "Agent"))
        .phone_config(soft_phone())
        .security_profile_ids(&sp)
        .routing_profile_id(&rp)
        .tags("team", "sales")
        .send()
        .await
        .expect("CreateUser");
    let uid = created.user_id().expect("UserId").to_owned();
    assert_eq!(
        created.user_arn(),
        Some(format!("arn:aws:connect:us-east-1:123456789012:instance/{iid}/agent/{uid}").as_str())
    );

    let user =
        c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect("DescribeUser").user.expect("user");
    assert_eq!(user.username(), Some("new.agent"));
    assert_eq!(user.identity_info().and_then(|i| i.email()), Some("New@example.com"));
    assert_eq!(user.phone_config().map(|p| p.phone_type().as_str()), Some("SOFT_PHONE"));
    assert_eq!(user.tags().and_then(|t| t.get("team")).map(String::as_str), Some("sales"));
    assert!(!user.auto_accept_configs().is_empty(), "per-channel settings mirror PhoneConfig");
    let first_modified = user.last_modified_time().expect("LastModifiedTime").secs();

    // Identity info is replaced as a whole, so a caller must send every field it keeps.
    emu.emulator.advance_clock(1100);
    c.update_user_identity_info()
        .instance_id(&iid)
        .user_id(&uid)
        .identity_info(UserIdentityInfo::builder().first_name("Renamed").last_name("Agent").build())
        .send()
        .await
        .expect("UpdateUserIdentityInfo");
    let (rp2, sp2) = profiles(&c, &iid, "Supervisor").await;
    let rps = c.list_routing_profiles().instance_id(&iid).send().await.expect("routing profiles");
    let other_rp = rps
        .routing_profile_summary_list()
        .iter()
        .filter_map(|r| r.id())
        .find(|id| *id != rp2)
        .expect("another profile")
        .to_owned();
    c.update_user_routing_profile()
        .instance_id(&iid)
        .user_id(&uid)
        .routing_profile_id(&other_rp)
        .send()
        .await
        .expect("routing");
    c.update_user_security_profiles()
        .instance_id(&iid)
        .user_id(&uid)
        .security_profile_ids(&sp)
        .security_profile_ids(&sp2)
        .send()
        .await
        .expect("security");
    let desk = UserPhoneConfig::builder()
        .phone_type(PhoneType::DeskPhone)
        .desk_phone_number("+12065550199")
        .auto_accept(true)
        .build();
    c.update_user_phone_config().instance_id(&iid).user_id(&uid).phone_config(desk).send().await.expect("phone");
    let groups = c.list_user_hierarchy_groups().instance_id(&iid).send().await.expect("groups");
    let group = groups.user_hierarchy_group_summary_list()[0].id().expect("group id").to_owned();
    c.update_user_hierarchy()
        .instance_id(&iid)
        .user_id(&uid)
        .hierarchy_group_id(&group)
        .send()
        .await
        .expect("hierarchy");

    let user =
        c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect("DescribeUser").user.expect("user");
    let info = user.identity_info().expect("identity");
    assert_eq!(info.first_name(), Some("Renamed"));
    assert_eq!(info.email(), None, "the update left Email out, so it is cleared");
    assert_eq!(user.routing_profile_id(), Some(other_rp.as_str()));
    assert_eq!(user.security_profile_ids(), [sp.clone(), sp2]);
    let phone = user.phone_config().expect("phone");
    assert_eq!(
        (phone.phone_type().as_str(), phone.desk_phone_number(), phone.auto_accept()),
        ("DESK_PHONE", Some("+12065550199"), true)
    );
    assert_eq!(user.hierarchy_group_id(), Some(group.as_str()));
    assert!(
        user.last_modified_time().expect("LastModifiedTime").secs() > first_modified,
        "updates stamp LastModifiedTime"
    );

    c.update_user_hierarchy().instance_id(&iid).user_id(&uid).send().await.expect("remove from group");
    let user =
        c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect("DescribeUser").user.expect("user");
    assert_eq!(user.hierarchy_group_id(), None);

    c.delete_user().instance_id(&iid).user_id(&uid).send().await.expect("DeleteUser");
    let err = c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect_err("deleted");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let listed = c.list_users().instance_id(&iid).max_results(1000).send().await.expect("ListUsers");
    assert!(listed.user_summary_list().iter().all(|u| u.id() != Some(uid.as_str())));
    let err = c.delete_user().instance_id(&iid).user_id(&uid).send().await.expect_err("already deleted");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn create_user_enforces_the_documented_rules() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let (rp, sp) = profiles(&c, &iid, "Agent").await;
    let base = || {
        c.create_user()
            .instance_id(&iid)
            .identity_info(identity("Test", "User"))
            .phone_config(soft_phone())
            .security_profile_ids(&sp)
            .routing_profile_id(&rp)
    };
    let err = base().username("ava.smith").password("Str0ngPassw0rd!").send().await.expect_err("duplicate");
    assert_eq!(code(&err), "DuplicateResourceException");
    assert!(message(&err).contains("ava.smith"));
    let err = base().username("weak.pw").password("password").send().await.expect_err("weak password");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(message(&err).contains("Value at 'password' failed to satisfy constraint"), "{}", message(&err));
    assert!(
        !message(&err).contains("'password' failed") || !message(&err).contains("Value 'password'"),
        "the password is not echoed"
    );
    let err = base().username("no.pw").send().await.expect_err("CONNECT_MANAGED needs a password");
    assert_eq!(code(&err), "InvalidParameterException");
    let err =
        base().username("this.name.is.far.too.long").password("Str0ngPassw0rd!").send().await.expect_err("20 chars");
    assert_eq!(code(&err), "InvalidParameterException");
    let err =
        base().username("bad@example").password("Str0ngPassw0rd!").send().await.expect_err("@ only in email form");
    assert_eq!(code(&err), "InvalidParameterException");
    let err = c
        .create_user()
        .instance_id(&iid)
        .username("ghost.rp")
        .password("Str0ngPassw0rd!")
        .identity_info(identity("Ghost", "Rp"))
        .security_profile_ids(&sp)
        .routing_profile_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .expect_err("unknown routing profile");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = base()
        .username("ghost.sp")
        .password("Str0ngPassw0rd!")
        .security_profile_ids("missing")
        .send()
        .await
        .expect_err("unknown security profile");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = base()
        .username("ghost.hg")
        .password("Str0ngPassw0rd!")
        .hierarchy_group_id("missing")
        .send()
        .await
        .expect_err("unknown group");
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = c
        .create_user()
        .instance_id(&iid)
        .username("no.names")
        .password("Str0ngPassw0rd!")
        .security_profile_ids(&sp)
        .routing_profile_id(&rp)
        .send()
        .await
        .expect_err("names are required");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(message(&err).contains("FirstName"));
    let desk = UserPhoneConfig::builder().phone_type(PhoneType::DeskPhone).desk_phone_number("555-0100").build();
    let err =
        base().username("bad.desk").password("Str0ngPassw0rd!").phone_config(desk).send().await.expect_err("E.164");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(message(&err).contains("deskPhoneNumber"), "{}", message(&err));

    // SAML instances refuse passwords and allow email-form usernames up to 64 characters.
    let saml = instance_id(&c, "acme-sso").await;
    let (srp, ssp) = profiles(&c, &saml, "Agent").await;
    let saml_user = || {
        c.create_user()
            .instance_id(&saml)
            .identity_info(identity("Sam", "Lee"))
            .security_profile_ids(&ssp)
            .routing_profile_id(&srp)
    };
    let err = saml_user()
        .username("sam.lee@acme.example")
        .password("Str0ngPassw0rd!")
        .send()
        .await
        .expect_err("no password under SAML");
    assert_eq!(code(&err), "InvalidRequestException");
    saml_user().username("sam.lee.with.a.longer.name@acme.example").send().await.expect("SAML user without password");
}

/// Limits the docs state and the model lacks; validation failures answered with an error the
/// operation models; nothing stored by a refused request.
#[tokio::test]
async fn documented_limits_beyond_the_model_and_modeled_error_types() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let (rp, sp) = profiles(&c, &iid, "Agent").await;
    let users_before = c.list_users().instance_id(&iid).max_results(1000).send().await.expect("ListUsers");
    let base = |username: &str| {
        c.create_user()
            .instance_id(&iid)
            .username(username)
            .password("Str0ngPassw0rd!")
            .security_profile_ids(&sp)
            .routing_profile_id(&rp)
    };
    // LastName: 256 characters on a CONNECT_MANAGED instance (the model allows 300).
    let err = base("long.last").identity_info(identity("Long", &"x".repeat(257))).send().await.expect_err("257");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(message(&err).contains("LastName"), "{}", message(&err));
    base("max.last").identity_info(identity("Max", &"x".repeat(256))).send().await.expect("256 is allowed");
    // After-contact work: at most 2,000,000 s (the model has no maximum); chat at most 5,400 s.
    let acw = |seconds: i32| {
        UserPhoneConfig::builder().phone_type(PhoneType::SoftPhone).after_contact_work_time_limit(seconds).build()
    };
    let err = base("long.acw")
        .identity_info(identity("Long", "Acw"))
        .phone_config(acw(2_000_001))
        .send()
        .await
        .expect_err("ACW");
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(message(&err).contains("AfterContactWorkTimeLimit"), "{}", message(&err));
    let chat = aws_sdk_connect::types::AfterContactWorkConfigPerChannel::builder()
        .channel(aws_sdk_connect::types::Channel::Chat)
        .after_contact_work_config(
            aws_sdk_connect::types::AfterContactWorkConfig::builder().after_contact_work_time_limit(5_401).build(),
        )
        .build()
        .expect("config");
    let err = base("long.chat")
        .identity_info(identity("Long", "Chat"))
        .after_contact_work_configs(chat)
        .send()
        .await
        .expect_err("chat");
    assert_eq!(code(&err), "InvalidParameterException");
    let max = base("max.acw")
        .identity_info(identity("Max", "Acw"))
        .phone_config(acw(2_000_000))
        .send()
        .await
        .expect("2,000,000 is allowed");
    let user = max.user_id().expect("id");
    let err = c
        .update_user_phone_config()
        .instance_id(&iid)
        .user_id(user)
        .phone_config(acw(2_000_001))
        .send()
        .await
        .expect_err("UpdateUserPhoneConfig too");
    assert_eq!(code(&err), "InvalidParameterException");
    let users_after = c.list_users().instance_id(&iid).max_results(1000).send().await.expect("ListUsers");
    assert_eq!(
        users_after.user_summary_list().len(),
        users_before.user_summary_list().len() + 2,
        "only the valid users were created"
    );
    // ListInstances models InvalidRequestException, not InvalidParameterException.
    let err = c.list_instances().max_results(0).send().await.expect_err("maxResults 0");
    assert_eq!(code(&err), "InvalidRequestException");
    let err = c.list_users().instance_id(&iid).max_results(0).send().await.expect_err("maxResults 0");
    assert_eq!(code(&err), "InvalidParameterException");
}

#[tokio::test]
async fn the_users_per_instance_quota_is_enforced() {
    let emu = start(EmulatorConfig { seed: Seed::Demo, user_quota: Some(301), ..EmulatorConfig::default() }).await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let (rp, sp) = profiles(&c, &iid, "Agent").await;
    let create = |name: &'static str| {
        c.create_user()
            .instance_id(&iid)
            .username(name)
            .password("Str0ngPassw0rd!")
            .identity_info(identity("Quota", "User"))
            .security_profile_ids(&sp)
            .routing_profile_id(&rp)
            .send()
    };
    create("quota.one").await.expect("301st user fits");
    let err = create("quota.two").await.expect_err("302nd user exceeds the quota");
    assert_eq!(code(&err), "LimitExceededException");
}

#[tokio::test]
async fn search_users_criteria_filters_and_pages() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let contains = |field: &str, value: &str| {
        UserSearchCriteria::builder()
            .string_condition(
                StringCondition::builder()
                    .field_name(field)
                    .value(value)
                    .comparison_type(StringComparisonType::Contains)
                    .build(),
            )
            .build()
    };
    let out = c
        .search_users()
        .instance_id(&iid)
        .search_criteria(contains("Username", "ava."))
        .max_results(500)
        .send()
        .await
        .expect("SearchUsers");
    assert!(!out.users().is_empty());
    assert!(out.users().iter().all(|u| u.username().is_some_and(|n| n.contains("ava."))));
    assert_eq!(out.approximate_total_count(), Some(out.users().len() as i64));
    let summary = &out.users()[0];
    assert!(summary.identity_info().and_then(|i| i.first_name()).is_some());
    let acw = summary.phone_config().map_or(0, |p| p.after_contact_work_time_limit());
    let described = c
        .describe_user()
        .instance_id(&iid)
        .user_id(summary.id().expect("id"))
        .send()
        .await
        .expect("describe")
        .user
        .expect("user");
    let acw_seconds = described.phone_config().map_or(0, |p| p.after_contact_work_time_limit());
    assert_eq!(acw, acw_seconds * 1000, "SearchUsers reports after-contact work in milliseconds");

    // Every user, in pages of 120: 300 users, 3 pages.
    emu.emulator.reset_calls();
    let all: Vec<_> = c
        .search_users()
        .instance_id(&iid)
        .max_results(120)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("pages");
    assert_eq!(all.len(), 300);
    assert_eq!(emu.emulator.calls_of("SearchUsers"), 3);

    // AND of a routing profile and a first-name prefix; OR of two usernames.
    let rp = all[0].routing_profile_id().expect("rp").to_owned();
    let and = UserSearchCriteria::builder()
        .and_conditions(
            UserSearchCriteria::builder()
                .string_condition(
                    StringCondition::builder()
                        .field_name("RoutingProfileId")
                        .value(&rp)
                        .comparison_type(StringComparisonType::Exact)
                        .build(),
                )
                .build(),
        )
        .and_conditions(
            UserSearchCriteria::builder()
                .string_condition(
                    StringCondition::builder()
                        .field_name("FirstName")
                        .value("a")
                        .comparison_type(StringComparisonType::StartsWith)
                        .build(),
                )
                .build(),
        )
        .build();
    let out = c.search_users().instance_id(&iid).search_criteria(and).max_results(500).send().await.expect("AND");
    assert!(!out.users().is_empty());
    assert!(out.users().iter().all(|u| u.routing_profile_id() == Some(rp.as_str())
        && u.identity_info().and_then(|i| i.first_name()).is_some_and(|f| f.to_lowercase().starts_with('a'))));
    let or = UserSearchCriteria::builder()
        .or_conditions(username_is("ava.smith"))
        .or_conditions(username_is("liam.ali"))
        .build();
    let out = c.search_users().instance_id(&iid).search_criteria(or).send().await.expect("OR");
    let mut names: Vec<&str> = out.users().iter().filter_map(|u| u.username()).collect();
    names.sort_unstable();
    assert_eq!(names, ["ava.smith", "liam.ali"]);

    // Hierarchy: a level-one group with its children holds the teams below it.
    let groups = c.list_user_hierarchy_groups().instance_id(&iid).send().await.expect("groups");
    let americas = groups
        .user_hierarchy_group_summary_list()
        .iter()
        .find(|g| g.name() == Some("Americas"))
        .and_then(|g| g.id())
        .expect("Americas")
        .to_owned();
    let hg = |t: HierarchyGroupMatchType| {
        UserSearchCriteria::builder()
            .hierarchy_group_condition(
                HierarchyGroupCondition::builder().value(&americas).hierarchy_group_match_type(t).build(),
            )
            .build()
    };
    let exact_out = c
        .search_users()
        .instance_id(&iid)
        .search_criteria(hg(HierarchyGroupMatchType::Exact))
        .send()
        .await
        .expect("exact");
    assert_eq!(exact_out.users().len(), 0, "no user sits in the level-one group itself");
    let subtree = c
        .search_users()
        .instance_id(&iid)
        .search_criteria(hg(HierarchyGroupMatchType::WithChildGroups))
        .max_results(500)
        .send()
        .await
        .expect("subtree");
    assert!(subtree.users().len() > 50);

    // Tag filter.
    let tagged = UserSearchFilter::builder()
        .tag_filter(
            ControlPlaneTagFilter::builder()
                .tag_condition(TagCondition::builder().tag_key("cost-center").build())
                .build(),
        )
        .build();
    let out = c.search_users().instance_id(&iid).search_filter(tagged).max_results(500).send().await.expect("tags");
    assert!(!out.users().is_empty());
    assert!(out.users().iter().all(|u| u.tags().is_some_and(|t| t.contains_key("cost-center"))));

    // Errors: an unsupported field, a too-short CONTAINS, MaxResults over 500.
    let err =
        c.search_users().instance_id(&iid).search_criteria(contains("Email", "ab")).send().await.expect_err("field");
    assert_eq!(code(&err), "InvalidParameterException");
    let err =
        c.search_users().instance_id(&iid).search_criteria(contains("Username", "a")).send().await.expect_err("2..25");
    assert_eq!(code(&err), "InvalidParameterException");
    let err = c.search_users().instance_id(&iid).max_results(501).send().await.expect_err("MaxResult500");
    assert_eq!(code(&err), "InvalidParameterException");
}

#[tokio::test]
async fn profiles_hierarchy_statuses_and_proficiencies() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;

    let rps = c
        .list_routing_profiles()
        .instance_id(&iid)
        .max_results(4)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(rps.len(), 7);
    let rp = rps[0].as_ref().expect("summary").id().expect("id").to_owned();
    let d = c
        .describe_routing_profile()
        .instance_id(&iid)
        .routing_profile_id(&rp)
        .send()
        .await
        .expect("DescribeRoutingProfile");
    let profile = d.routing_profile().expect("profile");
    assert_eq!(profile.routing_profile_id(), Some(rp.as_str()));
    assert!(!profile.media_concurrencies().is_empty());
    assert!(profile.number_of_associated_users().unwrap_or(0) > 0);
    let err =
        c.describe_routing_profile().instance_id(&iid).routing_profile_id("nope").send().await.expect_err("unknown");
    assert_eq!(code(&err), "ResourceNotFoundException");

    let sps = c.list_security_profiles().instance_id(&iid).send().await.expect("ListSecurityProfiles");
    let admin =
        sps.security_profile_summary_list().iter().find(|s| s.name() == Some("Admin")).expect("an admin profile");
    let d = c
        .describe_security_profile()
        .instance_id(&iid)
        .security_profile_id(admin.id().expect("id"))
        .send()
        .await
        .expect("DescribeSecurityProfile");
    assert_eq!(d.security_profile().and_then(|s| s.security_profile_name()), Some("Admin"));
    let err =
        c.describe_security_profile().instance_id(&iid).security_profile_id("nope").send().await.expect_err("unknown");
    assert_eq!(code(&err), "ResourceNotFoundException");

    let structure = c.describe_user_hierarchy_structure().instance_id(&iid).send().await.expect("structure");
    let levels = structure.hierarchy_structure().expect("structure");
    assert_eq!(levels.level_one().and_then(|l| l.name()), Some("Region"));
    assert_eq!(levels.level_three().and_then(|l| l.name()), Some("Team"));
    assert!(levels.level_four().is_none());
    let groups = c.list_user_hierarchy_groups().instance_id(&iid).send().await.expect("groups");
    let team = groups.user_hierarchy_group_summary_list().iter().find(|g| g.name() == Some("Support A")).expect("team");
    let d = c
        .describe_user_hierarchy_group()
        .instance_id(&iid)
        .hierarchy_group_id(team.id().expect("id"))
        .send()
        .await
        .expect("group");
    let path = d.hierarchy_group().and_then(|g| g.hierarchy_path()).expect("path");
    assert_eq!(path.level_one().and_then(|l| l.name()), Some("Americas"));
    assert_eq!(path.level_two().and_then(|l| l.name()), Some("Austin"));
    assert_eq!(path.level_three().and_then(|l| l.name()), Some("Support A"));

    let statuses = c.list_agent_statuses().instance_id(&iid).send().await.expect("statuses");
    assert_eq!(statuses.agent_status_summary_list().len(), 5);
    let custom = c
        .list_agent_statuses()
        .instance_id(&iid)
        .agent_status_types(aws_sdk_connect::types::AgentStatusType::Custom)
        .send()
        .await
        .expect("custom statuses");
    assert_eq!(custom.agent_status_summary_list().len(), 3);
    let lunch = custom
        .agent_status_summary_list()
        .iter()
        .find(|s| s.name() == Some("Lunch"))
        .and_then(|s| s.id())
        .expect("Lunch")
        .to_owned();

    let uid = listed_user(&c, &iid, 0).await.id().expect("id").to_owned();
    c.put_user_status().instance_id(&iid).user_id(&uid).agent_status_id(&lunch).send().await.expect("PutUserStatus");
    let err = c
        .put_user_status()
        .instance_id(&iid)
        .user_id(&uid)
        .agent_status_id("nope")
        .send()
        .await
        .expect_err("unknown status");
    assert_eq!(code(&err), "ResourceNotFoundException");

    let mut with_proficiency = 0;
    for u in c.list_users().instance_id(&iid).max_results(40).send().await.expect("users").user_summary_list() {
        let p = c
            .list_user_proficiencies()
            .instance_id(&iid)
            .user_id(u.id().expect("id"))
            .send()
            .await
            .expect("ListUserProficiencies");
        with_proficiency += usize::from(!p.user_proficiency_list().is_empty());
    }
    assert!(with_proficiency > 0, "some demo users have proficiencies");
    let err = c.list_user_proficiencies().instance_id(&iid).user_id("nope").send().await.expect_err("unknown user");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn tags_on_percent_encoded_arns() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let arn = listed_user(&c, &iid, 0).await.arn().expect("arn").to_owned();
    c.tag_resource().resource_arn(&arn).tags("shift", "night").tags("site", "sea").send().await.expect("TagResource");
    let tags = c.list_tags_for_resource().resource_arn(&arn).send().await.expect("ListTagsForResource");
    assert_eq!(tags.tags().and_then(|t| t.get("shift")).map(String::as_str), Some("night"));
    c.untag_resource().resource_arn(&arn).tag_keys("shift").send().await.expect("UntagResource");
    let tags = c.list_tags_for_resource().resource_arn(&arn).send().await.expect("ListTagsForResource");
    let t = tags.tags().expect("tags");
    assert!(!t.contains_key("shift") && t.contains_key("site"));

    let err = c.tag_resource().resource_arn(&arn).tags("aws:reserved", "x").send().await.expect_err("aws: prefix");
    assert_eq!(code(&err), "InvalidParameterException");
    let missing = format!("arn:aws:connect:us-east-1:123456789012:instance/{iid}/agent/nobody");
    let err = c.list_tags_for_resource().resource_arn(&missing).send().await.expect_err("unknown ARN");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn requests_without_sigv4_are_refused() {
    let emu = demo().await;
    let mut stream = tokio::net::TcpStream::connect(emu.addr).await.expect("connect");
    stream.write_all(b"GET /instance HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    assert!(response.to_lowercase().contains("x-amzn-errortype: missingauthenticationtoken"), "{response}");
}

#[tokio::test]
async fn faults_throttle_deny_fail_and_delay() {
    let emu = demo().await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;

    emu.emulator.set_faults(Faults { throttle: Some((0.001, 2.0)), ..Faults::default() });
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(match c.list_users().instance_id(&iid).send().await {
            Ok(_) => "ok".to_owned(),
            Err(e) => code(&e),
        });
    }
    assert_eq!(codes, ["ok", "ok", "ThrottlingException"]);
    assert_eq!(emu.emulator.throttled(), 1);

    emu.emulator.set_faults(Faults { deny: vec!["SearchUsers".into()], ..Faults::default() });
    let err = c.search_users().instance_id(&iid).send().await.expect_err("denied");
    assert_eq!(code(&err), "AccessDeniedException");
    c.list_users().instance_id(&iid).send().await.expect("other operations still work");

    emu.emulator.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let err = c.list_users().instance_id(&iid).send().await.expect_err("injected");
    assert_eq!(code(&err), "InternalServiceException");

    emu.emulator.set_faults(Faults { visibility_delay_ms: 400, ..Faults::default() });
    emu.emulator.pin_clock(emu.emulator.now_ms());
    let (rp, sp) = profiles(&c, &iid, "Agent").await;
    let created = c
        .create_user()
        .instance_id(&iid)
        .username("late.agent")
        .password("Str0ngPassw0rd!")
        .identity_info(identity("Late", "Agent"))
        .security_profile_ids(&sp)
        .routing_profile_id(&rp)
        .send()
        .await
        .expect("create");
    let uid = created.user_id().expect("id").to_owned();
    let err = c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect_err("not visible yet");
    assert_eq!(code(&err), "ResourceNotFoundException");
    emu.emulator.advance_clock(399);
    let err = c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect_err("not visible 399 ms later");
    assert_eq!(code(&err), "ResourceNotFoundException");
    emu.emulator.advance_clock(1);
    c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect("visible after the delay");

    // A change reaches readers after the same delay; until then they see the old settings, in
    // every read (DescribeUser, SearchUsers); a second change within that time keeps them old.
    let first_name = |u: &aws_sdk_connect::types::User| {
        u.identity_info().and_then(|i| i.first_name()).map(str::to_owned).unwrap_or_default()
    };
    let describe = || async {
        c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect("describe").user.expect("user")
    };
    let searched = || async {
        let found = c.search_users().instance_id(&iid).search_criteria(username_is("late.agent")).send().await;
        let found = found.expect("search");
        let user = found.users().iter().find(|u| u.id() == Some(uid.as_str())).cloned().expect("listed");
        user.identity_info().and_then(|i| i.first_name()).map(str::to_owned).unwrap_or_default()
    };
    for name in ["Later", "Latest"] {
        c.update_user_identity_info()
            .instance_id(&iid)
            .user_id(&uid)
            .identity_info(identity(name, "Agent"))
            .send()
            .await
            .expect("update");
        emu.emulator.advance_clock(200);
    }
    assert_eq!(first_name(&describe().await), "Late", "400 ms after the first change, 200 after the last");
    assert_eq!(searched().await, "Late");
    emu.emulator.advance_clock(200);
    assert_eq!(first_name(&describe().await), "Latest");
    assert_eq!(searched().await, "Latest");
}

#[tokio::test]
async fn concurrent_creates_keep_state_consistent() {
    let emu = start(EmulatorConfig { seed: Seed::Demo, user_quota: Some(1000), ..EmulatorConfig::default() }).await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let (rp, sp) = profiles(&c, &iid, "Agent").await;
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let c = c.clone();
            let (iid, rp, sp) = (iid.clone(), rp.clone(), sp.clone());
            tokio::spawn(async move {
                c.create_user()
                    .instance_id(iid)
                    .username(format!("burst.{i:03}"))
                    .password("Str0ngPassw0rd!")
                    .identity_info(identity("Burst", "User"))
                    .security_profile_ids(sp)
                    .routing_profile_id(rp)
                    .send()
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("create");
    }
    let all = c.list_users().instance_id(&iid).max_results(1000).send().await.expect("list");
    assert_eq!(all.user_summary_list().len(), 500);
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("connect.state.json");
    let config = EmulatorConfig { seed: Seed::Demo, state_file: Some(path.clone()), ..EmulatorConfig::default() };
    let emu = start(config.clone()).await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let (rp, sp) = profiles(&c, &iid, "Agent").await;
    let uid = c
        .create_user()
        .instance_id(&iid)
        .username("kept.agent")
        .password("Str0ngPassw0rd!")
        .identity_info(identity("Kept", "Agent"))
        .security_profile_ids(&sp)
        .routing_profile_id(&rp)
        .send()
        .await
        .expect("create")
        .user_id
        .expect("id");
    emu.shutdown().await.expect("shutdown writes the state");
    let text = std::fs::read_to_string(&path).expect("state file");
    assert!(!text.contains("Str0ngPassw0rd!"), "passwords are never stored");

    let emu = start(config).await;
    let c = client(&emu, MAIN_REGION);
    let user =
        c.describe_user().instance_id(&iid).user_id(&uid).send().await.expect("the user survived").user.expect("user");
    assert_eq!(user.username(), Some("kept.agent"));
}

#[tokio::test]
async fn synthetic_users_raise_the_quota() {
    let emu = start(EmulatorConfig { seed: Seed::Empty, extra_users: 1200, ..EmulatorConfig::default() }).await;
    let c = client(&emu, MAIN_REGION);
    let iid = instance_id(&c, DEMO_INSTANCE_ALIAS).await;
    let pages = c.list_users().instance_id(&iid).max_results(1000).into_paginator().send().collect::<Vec<_>>().await;
    assert_eq!(pages.len(), 2);
    let total: usize = pages.iter().map(|p| p.as_ref().expect("page").user_summary_list().len()).sum();
    assert_eq!(total, 1200);
}
