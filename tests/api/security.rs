//! Request-level security over HTTP: cross-site requests, headers, cookies, sign-in.

use crate::helpers::{spawn_app, spawn_app_with, Browser, PASSWORD};
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    let (_, admin) = app.manager("company").await;
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
    ] {
        let res = app
            .client
            .post(format!("{}/rpc/invitations/create", app.base))
            .header(header::COOKIE, admin.cookie.clone().unwrap())
            .header(name, value)
            .form(&[
                ("email", "x@example.org"),
                ("first_name", "X"),
                ("last_name", "Y"),
                ("role", "member"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}: {value}");
    }
    let res = app
        .client
        .post(format!("{}/rpc/auth/sign-out", app.base))
        .header(header::COOKIE, admin.cookie.clone().unwrap())
        .header("origin", "http://gatehouse.test")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "same origin (PUBLIC_URL) passes"
    );
    let n = app.user_invitation_count().await;
    assert_eq!(n, 0);
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_csp() {
    let app = spawn_app().await;
    let res = app.get(&Browser::anonymous(), "/login").await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    let csp = h[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::REFERRER_POLICY], "same-origin");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the header's nonce"
    );
    for tag in html.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap();
        assert!(
            open.contains("nonce=") || open.contains("src="),
            "script without nonce: {open}"
        );
    }
    let other = app.get(&Browser::anonymous(), "/login").await;
    assert_ne!(
        other.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap(),
        csp,
        "a fresh nonce per response"
    );
    let missing = app.get(&Browser::anonymous(), "/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // Every page keeps the page policy.
    let html = missing.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(html.starts_with("text/html"), "{html}");
    let csp = missing.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.starts_with("default-src 'self'; script-src 'self'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    // Anything that is not a page (plain text, JSON) may load, run and be framed by nothing
    // (OWASP REST Security Cheat Sheet), and keeps the other headers.
    for path in ["/healthz", "/api/invitations/validate?token=abc"] {
        let res = app.get(&Browser::anonymous(), path).await;
        let h = res.headers();
        assert_eq!(
            h[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{path}");
    }
}

#[tokio::test]
async fn session_cookies_are_locked_down_and_cycled_on_sign_in() {
    let app = spawn_app().await;
    let org = app.organisation("Acme", "company").await;
    app.user("owner@acme.example", org, "owner").await;
    let res = app
        .client
        .post(format!("{}/rpc/auth/sign-in", app.base))
        .form(&[("email", "owner@acme.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookies: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        cookies.len(),
        2,
        "the session and device cookies: {cookies:?}"
    );
    for cookie in &cookies {
        for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attr), "{attr} missing in {cookie}");
        }
        assert!(!cookie.contains("Domain="), "host-only cookie");
    }

    let first = app.sign_in("owner@acme.example").await;
    let mut second = first.clone();
    let res = app
        .post(
            &mut second,
            "/rpc/auth/sign-in",
            &[("email", "owner@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_ne!(
        first.cookie, second.cookie,
        "the session id changes on sign-in"
    );
    let mut stale = first.clone();
    let info: Value = app
        .post(&mut stale, "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(info.is_null(), "the old session id no longer works");

    // Sign-out ends the session on the server: the cookie is useless afterwards.
    let kept = second.clone();
    let res = app.post(&mut second, "/rpc/auth/sign-out", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut replay = kept;
    let res = app.post(&mut replay, "/rpc/invitations/list", &[]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_the_same_and_failures_are_throttled() {
    let app = spawn_app().await;
    let org = app.organisation("Acme", "company").await;
    app.user("real@acme.example", org, "member").await;
    let mut b = Browser::anonymous();
    let unknown = app
        .post(
            &mut b,
            "/rpc/auth/sign-in",
            &[
                ("email", "ghost@acme.example"),
                ("password", "whatever it is"),
            ],
        )
        .await;
    let wrong = app
        .post(
            &mut b,
            "/rpc/auth/sign-in",
            &[
                ("email", "real@acme.example"),
                ("password", "whatever it is"),
            ],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.text().await.unwrap(), wrong.text().await.unwrap());
    for _ in 0..4 {
        app.post(
            &mut b,
            "/rpc/auth/sign-in",
            &[("email", "real@acme.example"), ("password", "nope nope")],
        )
        .await;
    }
    let locked = app
        .post(
            &mut b,
            "/rpc/auth/sign-in",
            &[("email", "real@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        locked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(locked.text().await.unwrap().contains("Try again in"));
}

#[tokio::test]
async fn pages_redirect_by_session_and_role() {
    let app = spawn_app().await;
    let html = |c: &reqwest::Client, path: &str, cookie: Option<String>| {
        let mut r = c
            .get(format!("{}{path}", app.base))
            .header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        r.send()
    };
    let res = html(&app.client, "/company/manage-invitations", None)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        res.headers()[header::LOCATION],
        "/login?next=%2Fcompany%2Fmanage-invitations"
    );

    let org = app.organisation("Acme", "company").await;
    app.user("m@acme.example", org, "member").await;
    let member = app.sign_in("m@acme.example").await;
    let res = html(&app.client, "/admin/invitations", member.cookie.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/home");
    let res = html(&app.client, "/home", member.cookie.clone())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // `/` sends everyone where they belong: a member home, a visitor to sign in.
    let res = html(&app.client, "/", member.cookie.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/home");
    let res = html(&app.client, "/", None).await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[header::LOCATION], "/login?next=%2F");

    let (_, owner) = app.manager("company").await;
    let res = html(
        &app.client,
        "/company/manage-invitations",
        owner.cookie.clone(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Member Invitations"));
}

#[tokio::test]
async fn first_start_invites_the_bootstrap_admin() {
    let app = spawn_app().await;
    let (email, role, status): (String, String, String) = sqlx::query_as(
        "SELECT i.email::text, i.role, i.status FROM invitations i JOIN organisations o ON o.id = i.organisation_id
          WHERE o.kind = 'platform' AND i.inviter_id IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (email.as_str(), role.as_str(), status.as_str()),
        ("admin@localhost", "admin", "pending")
    );
    let (token, org) = app.latest_token("admin@localhost").await;
    let mut b = Browser::anonymous();
    let res = app
        .post(
            &mut b,
            "/rpc/registration/complete",
            &[
                ("token", &token),
                ("org", &org),
                ("first_name", "Root"),
                ("last_name", "Admin"),
                ("password", "copper lantern meadow sailing"),
                ("password_confirmation", "copper lantern meadow sailing"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["location"], "/admin");
}

async fn signed_in(app: &crate::helpers::TestApp, b: &mut Browser) -> bool {
    let info: Value = app
        .post(b, "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    !info.is_null()
}

#[tokio::test]
async fn activity_keeps_a_session_alive_until_the_idle_timeout() {
    let app = spawn_app_with(|c| c.session_idle_timeout = Duration::from_secs(3)).await;
    let org = app.organisation("Acme", "company").await;
    app.user("idle@acme.example", org, "member").await;
    let mut b = app.sign_in("idle@acme.example").await;
    // Active every second for longer than the idle timeout: still signed in.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(signed_in(&app, &mut b).await);
    }
    // Idle past the timeout: gone.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(!signed_in(&app, &mut b).await);
}

#[tokio::test]
async fn the_absolute_timeout_ends_even_an_active_session() {
    let app = spawn_app_with(|c| c.session_absolute_timeout = Duration::from_secs(3)).await;
    let org = app.organisation("Acme", "company").await;
    app.user("busy@acme.example", org, "member").await;
    let mut b = app.sign_in("busy@acme.example").await;
    let mut alive = 0;
    for _ in 0..6 {
        if signed_in(&app, &mut b).await {
            alive += 1;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(
        (2..=4).contains(&alive),
        "signed in for about 3 s, then not: {alive}"
    );
    assert!(!signed_in(&app, &mut b).await);
}
