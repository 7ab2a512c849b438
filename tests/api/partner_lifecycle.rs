//! A live partner's lifecycle as its client sees it: client secret rotation with an overlap
//! (spec 001), narrowed scopes taking effect on live tokens at once, a new environment
//! needing a new approval, and decommissioning ending pending credential invitations.

use crate::credential_invitations::{credential_invitation, submit};
use crate::helpers::spawn_app;
use crate::partners::{
    access_token, approved_partner, call, detail, tenant, token_request, STRONG_SECRET,
};
use reqwest::StatusCode;
use serde_json::Value;

/// The token endpoint refuses `secret` for `client_id` (RFC 6749 §5.2 `invalid_client`).
async fn assert_refused(app: &crate::helpers::TestApp, client_id: &str, secret: &str) {
    let res = token_request(
        app,
        client_id,
        secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn rotate(
    app: &crate::helpers::TestApp,
    b: &mut crate::helpers::Browser,
    id: &str,
) -> reqwest::Response {
    app.post(b, "/rpc/integrations/partners/rotate-secret", &[("id", id)])
        .await
}

#[tokio::test]
async fn both_secrets_work_during_the_overlap_and_the_old_one_stops_after_it() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, client_id, old_secret) = approved_partner(&app, &mut t, "partner:ping").await;

    // Integration managers rotate; the new secret is shown once.
    let res = rotate(&app, &mut t.manager, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rotated: Value = res.json().await.unwrap();
    let new_secret = rotated["credentials"]["client_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(rotated["credentials"]["client_id"], client_id.as_str());
    assert_ne!(new_secret, old_secret);
    let overlap_end = rotated["previous_secret_expires_at"].as_i64().unwrap();
    let week = overlap_end - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((7 * 86_400 - 60..=7 * 86_400).contains(&week), "{week}");

    for secret in [&old_secret, &new_secret] {
        access_token(&app, &client_id, secret, None).await;
    }
    let d = detail(&app, &mut t.owner, &id).await;
    assert_eq!(d["previous_secret_expires_at"], overlap_end);
    assert!(
        d["secret_rotation_due_at"].as_i64().unwrap() > d["secret_created_at"].as_i64().unwrap()
    );
    assert_eq!(d["can_rotate_secret"], true);
    let audited = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "client_secret_rotated");
    assert!(audited, "the rotation is audited");

    // The overlap ends: the old secret stops, the new one goes on.
    sqlx::query(
        "UPDATE partners SET previous_client_secret_expires_at = now() - interval '1 second'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_refused(&app, &client_id, &old_secret).await;
    access_token(&app, &client_id, &new_secret, None).await;
    assert!(detail(&app, &mut t.owner, &id).await["previous_secret_expires_at"].is_null());

    // A second rotation retires the oldest at once: only two secrets ever work.
    let res = rotate(&app, &mut t.owner, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let third: Value = res.json().await.unwrap();
    let third = third["credentials"]["client_secret"].as_str().unwrap();
    access_token(&app, &client_id, &new_secret, None).await;
    access_token(&app, &client_id, third, None).await;
    let res = rotate(&app, &mut t.owner, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_refused(&app, &client_id, &new_secret).await;
}

#[tokio::test]
async fn only_a_partner_with_credentials_has_a_secret_to_rotate() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/partners/decommission",
            &[("id", &id), ("reason", "Contract ended")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = rotate(&app, &mut t.owner, &id).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_refused(&app, &client_id, &secret).await;
}

#[tokio::test]
async fn narrowing_scopes_takes_effect_on_live_tokens_at_once() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, client_id, secret) =
        approved_partner(&app, &mut t, "partner:ping members:read:anonymous").await;
    let token = access_token(&app, &client_id, &secret, None).await;
    let stats = || {
        call(
            &app,
            reqwest::Method::GET,
            "/api/partner/v1/members/stats",
            &token,
        )
    };
    assert_eq!(stats().await.status(), StatusCode::OK);

    // Narrowing keeps the partner approved (no new approval needed) ...
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/partners/update",
            &[
                ("id", &id),
                ("environment", "sandbox"),
                ("contacts", "Tess Lead <tess@firstbank.example>"),
                ("scopes", "partner:ping"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(detail(&app, &mut t.owner, &id).await["status"], "approved");
    // ... and the token issued before it loses the scope now, not when it expires.
    assert_eq!(stats().await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        call(&app, reqwest::Method::POST, "/api/partner/v1/ping", &token)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_new_environment_needs_a_new_approval() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let token = access_token(&app, &client_id, &secret, None).await;
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/partners/update",
            &[
                ("id", &id),
                ("environment", "production"),
                ("contacts", "Tess Lead <tess@firstbank.example>"),
                ("scopes", "partner:ping"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let d = detail(&app, &mut t.owner, &id).await;
    assert_eq!(d["status"], "draft");
    assert_eq!(d["environment"], "production");
    assert_eq!(d["can_rotate_secret"], false);
    assert_eq!(
        rotate(&app, &mut t.manager, &id).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(&app, reqwest::Method::POST, "/api/partner/v1/ping", &token)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the sandbox approval's tokens end"
    );
    assert_refused(&app, &client_id, &secret).await;
}

#[tokio::test]
async fn decommissioning_revokes_pending_credential_invitations() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    let (token, _) = credential_invitation(&app, &mut t, &id).await;
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/partners/decommission",
            &[("id", &id), ("reason", "Contract ended")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let d = detail(&app, &mut t.owner, &id).await;
    assert_eq!(d["credential_invitations"][0]["status"], "revoked");
    let res = submit(&app, &token, STRONG_SECRET, STRONG_SECRET).await;
    assert_eq!(res.status(), StatusCode::GONE);
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM credential_invitations WHERE secret_ciphertext IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0, "no secret is stored for an ended partner");
}

/// Rotation reminders queued so far, and the subject of the newest.
async fn reminders(app: &crate::helpers::TestApp) -> (i64, Option<String>) {
    sqlx::query_as(
        "SELECT count(*), (array_agg(subject ORDER BY id DESC))[1] FROM email_outbox
          WHERE subject LIKE 'Rotate the client secret%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn wait_for_reminders(app: &crate::helpers::TestApp, n: i64) -> Option<String> {
    for _ in 0..100 {
        let (count, subject) = reminders(app).await;
        if count >= n {
            // Both instances have had more rounds meanwhile: nothing more may arrive.
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            assert_eq!(reminders(app).await.0, n, "each reminder goes out once");
            return subject;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no rotation reminder arrived");
}

#[tokio::test]
async fn rotation_reminders_go_out_once_14_days_and_1_day_before() {
    let fast = |c: &mut gatehouse::config::Config| {
        c.expiry_sweep_interval = std::time::Duration::from_millis(100);
    };
    let app = crate::helpers::spawn_app_with(fast).await;
    // A second instance sweeps the same database at the same pace.
    app.another_instance(fast).await;
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(reminders(&app).await.0, 0, "nothing is due for 90 days");

    // Ten days before the due date: the 14-day reminder, to the two owners and the manager.
    sqlx::query("UPDATE partners SET credentials_issued_at = now() - interval '80 days'")
        .execute(&app.pool)
        .await
        .unwrap();
    let subject = wait_for_reminders(&app, 3).await.unwrap();
    assert_eq!(subject, "Rotate the client secret of First Bank in 10 days");
    let mail = app.mail_text(&app_manager_email(&app, &t).await).await;
    assert!(
        mail.contains(&format!("/integrations/partners/{id}")),
        "{mail}"
    );
    assert!(mail.contains("every 90 days"));

    // Twelve hours before: the 1-day reminder, once more to each.
    sqlx::query("UPDATE partners SET credentials_issued_at = now() - interval '89 days 12 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    let subject = wait_for_reminders(&app, 6).await.unwrap();
    assert_eq!(subject, "Rotate the client secret of First Bank tomorrow");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'client_secret_rotation_due'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 2);

    // Rotating starts a new period: the next reminder is 76 days away.
    let res = rotate(&app, &mut t.owner, &id).await;
    assert_eq!(res.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(reminders(&app).await.0, 6);
}

/// The integration manager's address (a reminder recipient).
async fn app_manager_email(app: &crate::helpers::TestApp, t: &crate::partners::Tenant) -> String {
    sqlx::query_scalar(
        "SELECT u.email::text FROM users u JOIN memberships m ON m.user_id = u.id
          WHERE m.organisation_id = $1 AND m.role = 'integration_manager'",
    )
    .bind(t.org)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_submitted_secret_is_bound_to_its_partner_and_environment() {
    use gatehouse::{credential_invitations::service::secret_aad, crypto::Sealed};
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    let (token, _) = credential_invitation(&app, &mut t, &id).await;
    let res = submit(&app, &token, STRONG_SECRET, STRONG_SECRET).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let (key_id, nonce, ciphertext, version): (String, Vec<u8>, Vec<u8>, i16) = sqlx::query_as(
        "SELECT secret_key_id, secret_nonce, secret_ciphertext, secret_aad_version
           FROM credential_invitations",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(version, 2);
    let sealed = Sealed {
        key_id,
        nonce,
        ciphertext,
    };
    let partner: uuid::Uuid = id.parse().unwrap();
    let opened = app
        .keys
        .open(&sealed, &secret_aad(partner, "sandbox"))
        .unwrap();
    assert_eq!(opened, STRONG_SECRET.as_bytes());
    // Swapped into a production row, or another partner's, it does not open.
    assert!(app
        .keys
        .open(&sealed, &secret_aad(partner, "production"))
        .is_err());
    assert!(app
        .keys
        .open(&sealed, &secret_aad(uuid::Uuid::new_v4(), "sandbox"))
        .is_err());
}
