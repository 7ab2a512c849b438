//! Member invitations over HTTP: create, list, resend, revoke, rate limit, scoping.

use crate::helpers::{eventually, spawn_app, Browser};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn create_list_resend_and_revoke() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("company").await;

    let res = app.invite(&mut admin, "ada@example.org", "member").await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    let list: Value = app
        .post(&mut admin, "/rpc/invitations/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let row = &list["invitations"][0];
    assert_eq!(row["email"], "ada@example.org");
    assert_eq!(row["status"], "pending");
    assert_eq!(row["delivery"], "queued");
    assert_eq!(row["role_label"], "Member");
    assert!(row.get("token_hash").is_none());
    let text = list.to_string();
    let (token, link_org) = app.latest_token("ada@example.org").await;
    assert_eq!(link_org, org.to_string());
    assert!(
        !text.contains(&token),
        "the token never appears in API answers"
    );

    // Resend: new link works, the old one is dead at once.
    let id = app.invitation_id("ada@example.org").await.to_string();
    let res = app
        .post(&mut admin, "/rpc/invitations/resend", &[("id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (new_token, _) = app.latest_token("ada@example.org").await;
    assert_ne!(new_token, token);
    let anon = Browser::anonymous();
    let old = app
        .get(&anon, &format!("/register?token={token}&org={org}"))
        .await;
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
    let new = app
        .get(&anon, &format!("/register?token={new_token}&org={org}"))
        .await;
    assert_eq!(new.status(), StatusCode::OK);
    let cancelled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE status = 'cancelled' AND text_body = ''
            AND body_ciphertext IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        cancelled, 1,
        "the unsent email with the old link is cancelled and blanked"
    );

    // Revoke: the link stops working at once, with its own page.
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/revoke",
            &[("id", &id), ("reason", "Left the company")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let revoked = app
        .get(&anon, &format!("/register?token={new_token}&org={org}"))
        .await;
    assert_eq!(revoked.status(), StatusCode::GONE);
    assert!(revoked.text().await.unwrap().contains("revoked"));
    let again = app
        .post(&mut admin, "/rpc/invitations/revoke", &[("id", &id)])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The audit trail tells the story.
    let history: Value = app
        .post(&mut admin, "/rpc/invitations/history", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "resent", "viewed", "revoked"]);
    assert!(history.to_string().contains("Left the company"));
}

#[tokio::test]
async fn the_sixth_invitation_within_a_minute_is_refused() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    for i in 0..5 {
        let res = app
            .invite(&mut admin, &format!("p{i}@example.org"), "member")
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app.invite(&mut admin, "p6@example.org", "member").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    let msg = body["RateLimited"]["message"].as_str().unwrap();
    assert!(msg.contains("Try again in"), "{msg}");
    let count = app.user_invitation_count().await;
    assert_eq!(count, 5, "the refused invitation changed nothing");
}

#[tokio::test]
async fn the_rate_limit_holds_under_concurrency() {
    let app = spawn_app().await;
    let (_, admin) = app.manager("company").await;
    let attempts = (0..12).map(|i| {
        let mut b = admin.clone();
        let app = &app;
        async move {
            app.invite(&mut b, &format!("c{i}@example.org"), "member")
                .await
                .status()
        }
    });
    let statuses = join_all(attempts).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, limited), (5, 7), "{statuses:?}");
}

#[tokio::test]
async fn duplicates_and_members_get_a_clear_conflict() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("company").await;
    assert_eq!(
        app.invite(&mut admin, "dup@example.org", "member")
            .await
            .status(),
        StatusCode::OK
    );
    let res = app.invite(&mut admin, "DUP@example.org", "member").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(body.contains("already has a pending invitation"), "{body}");

    app.user("member@example.org", org, "member").await;
    let res = app.invite(&mut admin, "member@example.org", "member").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("already a member"));
}

#[tokio::test]
async fn bad_input_is_reported_per_field_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/create",
            &[
                ("email", "not-an-email"),
                ("first_name", " "),
                ("last_name", "L"),
                ("role", "superuser"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "first_name", "role"]);
    let n = app.user_invitation_count().await;
    assert_eq!(n, 0);
}

#[tokio::test]
async fn nobody_grants_a_role_above_their_own() {
    let app = spawn_app().await;
    let org = app.organisation("Acme", "company").await;
    app.user("admin@acme.example", org, "admin").await;
    let mut admin = app.sign_in("admin@acme.example").await;
    let res = app.invite(&mut admin, "boss@example.org", "owner").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("cannot grant"));
}

#[tokio::test]
async fn server_functions_refuse_anonymous_members_and_other_organisations() {
    let app = spawn_app().await;
    let (_, mut a) = app.manager("company").await;
    let (_, mut b) = app.manager("association").await;
    assert_eq!(
        app.invite(&mut a, "x@example.org", "member").await.status(),
        StatusCode::OK
    );
    let id = app.invitation_id("x@example.org").await.to_string();

    let mut anon = Browser::anonymous();
    for (path, form) in [
        ("/rpc/invitations/list", vec![]),
        ("/rpc/invitations/options", vec![]),
        (
            "/rpc/invitations/create",
            vec![
                ("email", "y@example.org"),
                ("first_name", "Y"),
                ("last_name", "Y"),
                ("role", "member"),
            ],
        ),
        ("/rpc/invitations/resend", vec![("id", id.as_str())]),
        ("/rpc/invitations/revoke", vec![("id", id.as_str())]),
        ("/rpc/invitations/history", vec![("id", id.as_str())]),
        ("/rpc/dashboard/summary", vec![]),
    ] {
        let res = app.post(&mut anon, path, &form).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }

    // Another organisation's manager neither sees nor touches it.
    let list: Value = app
        .post(&mut b, "/rpc/invitations/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["invitations"].as_array().unwrap().len(), 0);
    for path in [
        "/rpc/invitations/resend",
        "/rpc/invitations/revoke",
        "/rpc/invitations/history",
    ] {
        let res = app.post(&mut b, path, &[("id", &id)]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }

    // A forged organisation_id is ignored for non-platform managers: the invitation lands in
    // the caller's own organisation.
    let a_org: uuid::Uuid =
        sqlx::query_scalar("SELECT organisation_id FROM invitations WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let res = app
        .post(
            &mut b,
            "/rpc/invitations/create",
            &[
                ("organisation_id", &a_org.to_string()),
                ("email", "z@example.org"),
                ("first_name", "Z"),
                ("last_name", "Z"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let z_org: uuid::Uuid =
        sqlx::query_scalar("SELECT organisation_id FROM invitations WHERE email = 'z@example.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_ne!(z_org, a_org);

    // Members may not manage invitations.
    let org = app.organisation("Plain", "company").await;
    app.user("plain@example.org", org, "member").await;
    let mut member = app.sign_in("plain@example.org").await;
    let res = app.post(&mut member, "/rpc/invitations/list", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn platform_admins_see_every_organisation_and_the_list_pages_by_keyset() {
    let app = spawn_app().await;
    let (_, mut platform) = app.manager("platform").await;
    let org = app.organisation("Big Co", "company").await;
    // 55 invitations straight into the table (the rate limit is tested elsewhere).
    for i in 0..55 {
        sqlx::query(
            "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role,
                    token_hash, expires_at, created_at)
             VALUES (gen_random_uuid(), $1, $2, 'F', 'L', 'member',
                    sha256($2::bytea), now() + interval '1 day', now() - make_interval(secs => $3))",
        )
        .bind(org)
        .bind(format!("bulk{i:02}@example.org"))
        .bind(f64::from(i))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let first: Value = app
        .post(
            &mut platform,
            "/rpc/invitations/list",
            &[("search", "bulk")],
        )
        .await
        .json()
        .await
        .unwrap();
    let rows = first["invitations"].as_array().unwrap();
    assert_eq!(rows.len(), 50, "50 rows a page");
    assert_eq!(rows[0]["email"], "bulk00@example.org", "newest first");
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second: Value = app
        .post(
            &mut platform,
            "/rpc/invitations/list",
            &[("search", "bulk"), ("cursor", &cursor)],
        )
        .await
        .json()
        .await
        .unwrap();
    let rows2 = second["invitations"].as_array().unwrap();
    assert_eq!(rows2.len(), 5);
    assert_eq!(rows2[4]["email"], "bulk54@example.org");
    assert!(second["next_cursor"].is_null());
    // A malformed cursor, even one whose number overflows, is a 400, never a panic.
    let huge = format!("{}.{}", i128::MAX, uuid::Uuid::nil());
    for bad in ["nonsense", huge.as_str()] {
        let res = app
            .post(&mut platform, "/rpc/invitations/list", &[("cursor", bad)])
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }

    // Status filter uses the effective status: overdue pending reads as expired.
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = 'bulk03@example.org'")
        .execute(&app.pool)
        .await
        .unwrap();
    let expired: Value = app
        .post(
            &mut platform,
            "/rpc/invitations/list",
            &[("status", "expired"), ("search", "bulk")],
        )
        .await
        .json()
        .await
        .unwrap();
    let rows = expired["invitations"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "expired");
    assert_eq!(rows[0]["can_resend"], true);
    assert_eq!(rows[0]["can_revoke"], false);

    // A LIKE wildcard in the search is taken literally.
    let none: Value = app
        .post(&mut platform, "/rpc/invitations/list", &[("search", "%")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["invitations"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_expiry_job_marks_overdue_invitations_and_audits_it() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "late@example.org", "member").await;
    let id = app.invitation_id("late@example.org").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let status: String = eventually(
        4,
        || async {
            sqlx::query_scalar("SELECT status FROM invitations WHERE id = $1")
                .bind(id)
                .fetch_one(&app.pool)
                .await
                .unwrap()
        },
        |s: &String| s == "expired",
    )
    .await;
    assert_eq!(status, "expired");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitation_audit_events WHERE invitation_id = $1 AND action = 'expired'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn the_dashboard_reports_acceptance_rate_and_time_to_accept() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let empty: Value = app
        .post(&mut admin, "/rpc/dashboard/summary", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(empty["invitations"]["acceptance_rate_percent"].is_null());
    for email in ["yes@example.org", "no@example.org", "wait@example.org"] {
        app.invite(&mut admin, email, "member").await;
    }
    sqlx::query(
        "UPDATE invitations SET status = 'accepted', accepted_at = created_at + interval '90 minutes'
          WHERE email = 'yes@example.org'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let id = app.invitation_id("no@example.org").await.to_string();
    app.post(&mut admin, "/rpc/invitations/revoke", &[("id", &id)])
        .await;
    let s: Value = app
        .post(&mut admin, "/rpc/dashboard/summary", &[])
        .await
        .json()
        .await
        .unwrap();
    let c = &s["invitations"];
    assert_eq!(
        (
            c["pending"].as_i64(),
            c["accepted"].as_i64(),
            c["revoked"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(c["acceptance_rate_percent"], 50, "1 accepted of 2 settled");
    assert_eq!(c["median_minutes_to_accept"], 90);
}

#[tokio::test]
async fn the_list_page_takes_its_filter_and_page_from_the_address() {
    let app = spawn_app().await;
    let (org, manager) = app.manager("company").await;
    // 52 pending invitations (one page of 50 and two more), and one revoked.
    sqlx::query(
        "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role,
                token_hash, expires_at, created_at, status, revoked_at)
         SELECT gen_random_uuid(), $1, 'page' || lpad(g::text, 2, '0') || '@example.org', 'F',
                'L', 'member', sha256(('page' || g)::bytea), now() + interval '1 day',
                now() - make_interval(secs => g),
                CASE WHEN g = 0 THEN 'revoked' ELSE 'pending' END,
                CASE WHEN g = 0 THEN now() END
           FROM generate_series(0, 52) g",
    )
    .bind(org)
    .execute(&app.pool)
    .await
    .unwrap();
    let page = |path: &'static str| {
        let (app, manager) = (&app, &manager);
        async move {
            let res = app.get(manager, path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.text().await.unwrap()
        }
    };

    // Filtered by status in the address: the revoked one only, the status chosen in the form.
    let revoked = page("/company/manage-invitations?status=revoked").await;
    assert!(revoked.contains("page00@example.org"));
    assert!(!revoked.contains("page01@example.org"));
    assert!(
        revoked.contains(r#"<option value="revoked" selected"#),
        "the filter shows it"
    );
    assert!(!revoked.contains("Load more"));

    // The first page: 50 rows, newest first, and a link to the next page.
    let first = page("/company/manage-invitations?status=pending").await;
    assert!(first.contains("page01@example.org") && first.contains("page50@example.org"));
    assert!(!first.contains("page51@example.org") && !first.contains("page00@example.org"));
    assert!(!first.contains("Back to the newest"));
    let next = first
        .split(r#"href=""#)
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("cursor="))
        .expect("a Load more link with the cursor")
        .replace("&amp;", "&");
    assert!(next.starts_with("/company/manage-invitations?status=pending&cursor="));

    // The link works without scripts: the rest of the list and a way back.
    let second = app.get(&manager, &next).await.text().await.unwrap();
    assert!(second.contains("page51@example.org") && second.contains("page52@example.org"));
    assert!(!second.contains("page50@example.org"));
    assert!(second.contains("Back to the newest"));
    assert!(!second.contains("Load more"));

    // A search nobody matches says so; a malformed cursor is refused in the page.
    let none = page("/company/manage-invitations?search=nobody").await;
    assert!(none.contains("No matching invitations"));
    let bad = app
        .get(&manager, "/company/manage-invitations?cursor=nonsense")
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad = bad.text().await.unwrap();
    assert!(!bad.contains("page01@example.org"));
    assert!(
        bad.contains("Back to the newest"),
        "a way out of a bad link"
    );
}
