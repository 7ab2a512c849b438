//! Deployment hardening over HTTP: readiness follows the database, bodies are bounded,
//! HSTS only over https, and probes and static files never touch the session store.

use crate::helpers::{admin_url, spawn_app, spawn_app_with, Browser};
use reqwest::{header, StatusCode};
use sqlx::{Connection, PgConnection};
use std::time::{Duration, Instant};

async fn allow_connections(db: &str, allow: bool) {
    let mut admin = PgConnection::connect(&admin_url()).await.unwrap();
    sqlx::query(&format!(
        "ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS {allow}"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    if !allow {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(db)
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn readiness_follows_the_database_and_health_does_not() {
    let app = spawn_app().await;
    let anon = Browser::anonymous();
    let res = app.get(&anon, "/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);

    allow_connections(&app.db_name, false).await;
    let started = Instant::now();
    let res = app.get(&anon, "/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered within the timeout"
    );
    assert!(res.headers().contains_key(header::RETRY_AFTER));
    // The process itself is fine.
    assert_eq!(app.get(&anon, "/healthz").await.status(), StatusCode::OK);

    allow_connections(&app.db_name, true).await;
    let res = app.get(&anon, "/readyz").await;
    assert_eq!(res.status(), StatusCode::OK, "recovers without a restart");
}

#[tokio::test]
async fn a_body_past_the_limit_gets_413_before_any_handler() {
    let app = spawn_app().await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/auth/sign-in",
            &[("email", "someone@example.org"), ("password", &huge)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = app
        .client
        .post(format!("{}/oauth/token", app.base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_public_url_is_https() {
    let plain = spawn_app().await;
    let res = plain.get(&Browser::anonymous(), "/login").await;
    assert!(!res
        .headers()
        .contains_key(header::STRICT_TRANSPORT_SECURITY));

    let tls =
        spawn_app_with(|c| c.public_url = url::Url::parse("https://gatehouse.test").unwrap()).await;
    let res = tls.get(&Browser::anonymous(), "/login").await;
    assert_eq!(
        res.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=63072000; includeSubDomains"
    );
}

#[tokio::test]
async fn probes_and_static_files_do_not_touch_the_session() {
    let app = spawn_app().await;
    let (_, admin) = app.manager("company").await;
    // A page does: the idle expiry is pushed back and the cookie sent again.
    let res = app.get(&admin, "/login").await;
    assert!(res.headers().contains_key(header::SET_COOKIE));
    for path in ["/healthz", "/readyz", "/favicon.svg", "/pkg/gatehouse.js"] {
        let res = app.get(&admin, path).await;
        assert!(
            !res.headers().contains_key(header::SET_COOKIE),
            "{path} touched the session"
        );
    }
}

#[tokio::test]
async fn a_request_past_the_timeout_is_answered_503() {
    let app = spawn_app_with(|c| c.request_timeout = Duration::from_secs(1)).await;
    // Hold a lock the sign-in needs, so that the request waits for longer than the timeout.
    let mut conn = PgConnection::connect(&app.db_url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .unwrap();
    let started = Instant::now();
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/auth/sign-in",
            &[
                ("email", "someone@example.org"),
                ("password", "not this one"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "cut off at the timeout"
    );
    // What does not wait still answers.
    assert_eq!(
        app.get(&Browser::anonymous(), "/healthz").await.status(),
        StatusCode::OK
    );
    tx.rollback().await.unwrap();
}

/// The IP recorded with the `viewed` event of a registration visit sending `forwarded_for`.
async fn recorded_ip(app: &crate::helpers::TestApp, forwarded_for: &str) -> String {
    let (_, mut admin) = app.manager("company").await;
    let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
    assert_eq!(
        app.invite(&mut admin, &email, "member").await.status(),
        StatusCode::OK
    );
    let (token, org) = app.latest_token(&email).await;
    let res = app
        .client
        .get(format!("{}/register?token={token}&org={org}", app.base))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    sqlx::query_scalar(
        "SELECT host(e.ip) FROM audit_events e JOIN invitations i ON i.id = e.subject_id
          WHERE i.email = $1::citext AND e.action = 'viewed'",
    )
    .bind(&email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_client_address_is_read_from_trusted_proxies_only() {
    let direct = spawn_app().await;
    assert_eq!(recorded_ip(&direct, "203.0.113.7").await, "127.0.0.1");

    let proxied = spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    assert_eq!(
        recorded_ip(&proxied, "198.51.100.66, 203.0.113.7").await,
        "203.0.113.7"
    );
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_let_at_most_five_reach_the_check() {
    let app = spawn_app().await;
    let org = app.organisation("Parallel Ltd", "company").await;
    app.user("target@parallel.example", org, "member").await;
    let attempts = (0..50).map(|_| {
        let app = &app;
        async move {
            app.post(
                &mut Browser::anonymous(),
                "/rpc/auth/sign-in",
                &[
                    ("email", "target@parallel.example"),
                    ("password", "wrong guess 123"),
                ],
            )
            .await
            .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let judged = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(judged <= 5, "{judged} attempts reached the password check");
    assert_eq!(judged + refused, 50, "{statuses:?}");
}

/// Everything `pg_dump` writes of the app's database.
fn dump(app: &crate::helpers::TestApp) -> String {
    let out = std::process::Command::new("pg_dump")
        .args(["--no-owner", "--data-only", &app.db_url])
        .output()
        .expect("pg_dump runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_database_dump_holds_no_live_link_and_revoking_cancels_the_email() {
    use crate::credential_invitations::credential_invitation;
    use crate::partners::{register, tenant};
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let res = app.invite(&mut admin, "dumped@example.org", "member").await;
    assert_eq!(res.status(), StatusCode::OK);
    let (token, _) = app.latest_token("dumped@example.org").await;
    let mut t = tenant(&app).await;
    let partner = register(&app, &mut t, "partner:ping").await;
    let (credential_token, link) = credential_invitation(&app, &mut t, &partner).await;
    assert!(app
        .mail_text("tess@firstbank.example")
        .await
        .contains(&link));

    let text = dump(&app);
    assert!(
        text.contains("dumped@example.org"),
        "the dump holds the outbox"
    );
    assert!(!text.contains(&token), "an invitation token is in the dump");
    assert!(
        !text.contains(&credential_token),
        "a credential token is in the dump"
    );

    // Revoking the credential invitation cancels its queued email and drops the sealed body.
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM credential_invitations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/credential-invitations/revoke",
            &[("id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, sealed): (String, bool) = sqlx::query_as(
        "SELECT status, body_ciphertext IS NOT NULL FROM email_outbox
          WHERE credential_invitation_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), sealed), ("cancelled", false));
}

#[tokio::test]
async fn strangers_cannot_lock_the_owner_out_of_a_browser_that_signed_in_before() {
    let app = spawn_app().await;
    let org = app.organisation("Device Ltd", "company").await;
    app.user("owner@device.example", org, "member").await;
    let sign_in = |b: &mut Browser, password: &'static str| {
        let app = &app;
        let mut owned = b.clone();
        async move {
            let res = app
                .post(
                    &mut owned,
                    "/rpc/auth/sign-in",
                    &[("email", "owner@device.example"), ("password", password)],
                )
                .await;
            (res.status(), owned)
        }
    };
    // The owner signs in once; the browser keeps a device cookie.
    let (status, mut owner) = sign_in(&mut Browser::anonymous(), crate::helpers::PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let device = owner.device.clone().expect("a device cookie is set");
    owner.cookie = None;

    // A stranger locks the account for every browser without the cookie…
    let mut stranger = Browser::anonymous();
    for _ in 0..5 {
        assert_eq!(
            sign_in(&mut stranger, "wrong guess 123").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, _) = sign_in(&mut stranger, crate::helpers::PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "untrusted clients are locked"
    );
    // …and a forged cookie is no way around it.
    let mut forger = Browser {
        device: Some(format!("{}x", device)),
        ..Browser::default()
    };
    assert_eq!(
        sign_in(&mut forger, crate::helpers::PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    // The owner's browser still gets in.
    let (status, mut owner) = sign_in(&mut owner, crate::helpers::PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // Guessing from the owner's browser locks that cookie only after its own five failures.
    owner.cookie = None;
    for _ in 0..5 {
        assert_eq!(
            sign_in(&mut owner, "wrong guess 123").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in(&mut owner, crate::helpers::PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn past_hashing_capacity_the_excess_gets_503_quickly_and_no_half_accounts() {
    // One hash at a time and next to no wait: thirty-two registrations at once are far more
    // than Argon2id can take (each hash holds the only permit for tens of milliseconds).
    let app = spawn_app_with(|c| {
        c.password_hash_permits = 1;
        c.password_hash_wait = Duration::from_millis(1);
    })
    .await;
    let mut invitees = Vec::new();
    for m in 0..8 {
        let (_, mut admin) = app.manager("company").await;
        for i in 0..4 {
            let email = format!("rush{m}-{i}@example.org");
            let res = app.invite(&mut admin, &email, "member").await;
            assert_eq!(res.status(), StatusCode::OK);
            let (token, org) = app.latest_token(&email).await;
            invitees.push((email, token, org));
        }
    }
    let password = "quiet river copper lantern";
    let attempts = invitees.iter().map(|(_, token, org)| {
        let app = &app;
        async move {
            let started = Instant::now();
            let res = app
                .post(
                    &mut Browser::anonymous(),
                    "/rpc/registration/complete",
                    &[
                        ("token", token.as_str()),
                        ("org", org.as_str()),
                        ("first_name", "Rush"),
                        ("last_name", "Hour"),
                        ("password", password),
                        ("password_confirmation", password),
                    ],
                )
                .await;
            let retry = res.headers().get(header::RETRY_AFTER).is_some();
            (res.status(), retry, started.elapsed())
        }
    });
    let answers = futures::future::join_all(attempts).await;
    let done = answers.iter().filter(|a| a.0 == StatusCode::OK).count();
    let busy: Vec<_> = answers
        .iter()
        .filter(|a| a.0 == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(done + busy.len(), answers.len(), "{answers:?}");
    assert!(done >= 1 && !busy.is_empty(), "{answers:?}");
    for (_, retry, took) in &busy {
        assert!(*retry, "503 without Retry-After");
        assert!(*took < Duration::from_secs(2), "refused after {took:?}");
    }
    // Every refused registration left nothing behind; every accepted one is whole.
    for (email, _, _) in &invitees {
        let (users, members, status): (i64, i64, String) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM users WHERE email = $1::citext),
                    (SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
                      WHERE u.email = $1::citext),
                    (SELECT status FROM invitations WHERE email = $1::citext)",
        )
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        match status.as_str() {
            "accepted" => assert_eq!((users, members), (1, 1), "{email}"),
            "pending" => assert_eq!((users, members), (0, 0), "{email}"),
            other => panic!("{email} is {other}"),
        }
    }
}
