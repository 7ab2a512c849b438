//! Invite codes over HTTP: create, share, redeem with a key pair, throttle, revoke, sign in
//! with the key, and the metrics that count it all.

use crate::helpers::{spawn_app, spawn_app_with, Browser, TestApp};
use gatehouse::domain::{challenge_message, ChallengePurpose, KeyPair};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

fn key(n: u8) -> KeyPair {
    let mut seed = [0u8; 32];
    seed[0] = 0x5a;
    seed[31] = n;
    KeyPair::from_seed(seed)
}

pub(crate) fn fresh_key() -> KeyPair {
    KeyPair::from_seed(*Uuid::new_v4().as_bytes().repeat(2).first_chunk().unwrap())
}

/// Creates codes as `admin`; returns the JSON answer.
async fn create(
    app: &TestApp,
    admin: &mut Browser,
    role: &str,
    days: &str,
    uses: &str,
    count: &str,
) -> (StatusCode, Value) {
    let res = app
        .post(
            admin,
            "/rpc/invite-codes/create",
            &[
                ("role", role),
                ("expires_in_days", days),
                ("max_uses", uses),
                ("note", "Spring workshop"),
                ("count", count),
            ],
        )
        .await;
    let status = res.status();
    (status, res.json().await.unwrap())
}

pub(crate) async fn one_code(app: &TestApp, admin: &mut Browser, role: &str, uses: &str) -> String {
    let (status, body) = create(app, admin, role, "7", uses, "1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["codes"][0]["code"].as_str().unwrap().to_owned()
}

/// (challenge id, signature) for `purpose`, signed by `pair`.
async fn answer(
    app: &TestApp,
    browser: &mut Browser,
    pair: &KeyPair,
    purpose: &str,
) -> (String, String) {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let res = app
        .post(browser, "/rpc/keys/challenge", &[("purpose", purpose)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = res.json().await.unwrap();
    let challenge = URL_SAFE_NO_PAD
        .decode(c["challenge"].as_str().unwrap())
        .unwrap();
    let purpose = if purpose == "join" {
        ChallengePurpose::Join
    } else {
        ChallengePurpose::SignIn
    };
    let message = challenge_message(purpose, c["origin"].as_str().unwrap(), &challenge);
    (
        c["id"].as_str().unwrap().to_owned(),
        pair.sign_b64(&message),
    )
}

/// POSTs a redemption of `code` claiming `public_key`, with an answered challenge.
async fn redeem(
    app: &TestApp,
    b: &mut Browser,
    code: &str,
    public_key: &str,
    (challenge_id, signature): (String, String),
) -> reqwest::Response {
    app.post(
        b,
        "/rpc/invite-codes/redeem",
        &[
            ("code", code),
            ("display_name", "River Song"),
            ("public_key", public_key),
            ("challenge_id", &challenge_id),
            ("signature", &signature),
        ],
    )
    .await
}

/// Redeems `code` as a new anonymous browser with `pair`.
pub(crate) async fn join(
    app: &TestApp,
    code: &str,
    pair: &KeyPair,
) -> (StatusCode, Value, Browser) {
    join_as(app, Browser::anonymous(), code, pair).await
}

/// Redeems `code` as `b` with `pair`.
async fn join_as(
    app: &TestApp,
    mut b: Browser,
    code: &str,
    pair: &KeyPair,
) -> (StatusCode, Value, Browser) {
    let answered = answer(app, &mut b, pair, "join").await;
    let res = redeem(app, &mut b, code, &pair.public_key_b64(), answered).await;
    let status = res.status();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body, b)
}

/// Signs in with `pair` as `b`.
async fn key_sign_in(app: &TestApp, b: &mut Browser, pair: &KeyPair) -> reqwest::Response {
    let (challenge_id, signature) = answer(app, b, pair, "sign_in").await;
    app.post(
        b,
        "/rpc/auth/sign-in-with-key",
        &[
            ("public_key", pair.public_key_b64().as_str()),
            ("challenge_id", &challenge_id),
            ("signature", &signature),
        ],
    )
    .await
}

async fn members(app: &TestApp, org: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM memberships WHERE organisation_id = $1")
        .bind(org)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn message(v: &Value) -> String {
    v.to_string()
}

#[tokio::test]
async fn a_person_joins_with_a_code_and_is_signed_in_with_the_codes_role() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("cooperative").await;
    let (status, body) = create(&app, &mut admin, "participant", "7", "1", "1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = body["codes"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX");
    assert_eq!(
        body["codes"][0]["url"].as_str().unwrap(),
        format!("http://gatehouse.test/join?code={code}")
    );
    assert!(body["codes"][0]["qr_svg"]
        .as_str()
        .unwrap()
        .contains("<svg"));
    assert!(body["csv"].is_null());

    // Typed sloppily: lower case, spaces, O for 0 and L for 1 all work.
    let typed = code
        .to_lowercase()
        .replace('-', " ")
        .replace('0', "o")
        .replace('1', "l");
    let pair = key(1);
    let (status, body, browser) = join(&app, &typed, &pair).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["did"].as_str().unwrap(), pair.did());
    assert!(pair.did().starts_with("did:key:z6Mk"));
    assert_eq!(body["role_label"], "Participant");
    assert_eq!(body["dashboard_path"], "/home");

    let session: Value = app
        .post(&mut browser.clone(), "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["display_name"], "River Song");
    assert_eq!(session["role"], "participant");
    assert_eq!(session["email"], pair.did());

    let (pw, pk, did): (Option<String>, Vec<u8>, String) =
        sqlx::query_as("SELECT password_hash, public_key, did FROM users WHERE did = $1")
            .bind(pair.did())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(pw.is_none(), "no password");
    assert_eq!(pk, pair.public_key());
    assert_eq!(did, pair.did());
    assert_eq!(members(&app, org).await, 2);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM invite_code_audit_events WHERE organisation_id = $1 ORDER BY id",
    )
    .bind(org)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["created", "redeemed"]);
    // No plaintext code is stored anywhere.
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invite_codes WHERE position($1::bytea in code_ciphertext) > 0",
    )
    .bind(code.replace('-', "").as_bytes())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn fifty_concurrent_redemptions_of_a_single_use_code_make_one_member() {
    let app = spawn_app_with(|c| {
        c.key_challenges_per_ip_per_minute = 1000;
        c.code_failures_per_ip = 1000;
    })
    .await;
    let (org, mut admin) = app.manager("cooperative").await;
    let code = one_code(&app, &mut admin, "member", "1").await;
    let attempts = (0..50).map(|_| {
        let (app, code) = (&app, code.clone());
        async move { join(app, &code, &fresh_key()).await }
    });
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|r| r.0 == StatusCode::OK).count();
    let gone: Vec<_> = results.iter().filter(|r| r.0 == StatusCode::GONE).collect();
    assert_eq!(ok, 1);
    assert_eq!(gone.len(), 49);
    assert!(message(&gone[0].1).contains("already been used"));
    assert_eq!(members(&app, org).await, 2);
    let used: i32 = sqlx::query_scalar("SELECT used_count FROM invite_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(used, 1);
}

#[tokio::test]
async fn a_code_with_three_uses_admits_exactly_three() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("cooperative").await;
    let code = one_code(&app, &mut admin, "member", "3").await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        statuses.push(join(&app, &code, &key(10 + i)).await.0);
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 410, 410].map(|s| StatusCode::from_u16(s).unwrap())
    );
    assert_eq!(members(&app, org).await, 4);
    let list: Value = app
        .post(&mut admin, "/rpc/invite-codes/list", &[("status", "used")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["codes"].as_array().unwrap().len(), 1);
    assert_eq!(list["codes"][0]["used_count"], 3);
    assert_eq!(list["codes"][0]["status"], "used");
    assert!(
        list["codes"][0].get("code").is_none(),
        "lists never carry codes"
    );
}

#[tokio::test]
async fn unknown_expired_and_revoked_codes_are_refused_with_their_own_message() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("cooperative").await;

    let (status, body, _) = join(&app, "ZZZZ-ZZZZ-ZZZZ", &key(1)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message(&body).contains("don't recognise"));

    let expired = one_code(&app, &mut admin, "member", "1").await;
    sqlx::query("UPDATE invite_codes SET expires_at = now() - interval '1 minute'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body, _) = join(&app, &expired, &key(2)).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(message(&body).contains("expired on"), "{body}");

    let revoked = one_code(&app, &mut admin, "member", "1").await;
    let id: Uuid = sqlx::query_scalar(
        "SELECT id FROM invite_codes WHERE expires_at > now() ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let res = app
        .post(
            &mut admin,
            "/rpc/invite-codes/revoke",
            &[("id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &mut admin,
            "/rpc/invite-codes/revoke",
            &[("id", &id.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "already revoked");
    let (status, body, _) = join(&app, &revoked, &key(3)).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(message(&body).contains("revoked"), "{body}");

    let (status, body, _) = join(&app, "ABCD-EFGH", &key(4)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).contains("12 letters"));
    assert_eq!(members(&app, org).await, 1, "nobody joined");
}

#[tokio::test]
async fn repeated_failures_from_one_ip_trip_the_throttle() {
    let app = spawn_app_with(|c| c.code_failures_per_ip = 3).await;
    let (_, mut admin) = app.manager("cooperative").await;
    let good = one_code(&app, &mut admin, "member", "1").await;
    for i in 0..3 {
        let (status, _, _) = join(&app, "ZZZZ-ZZZZ-ZZZ0", &key(20 + i)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let mut b = Browser::anonymous();
    let pair = key(30);
    let answered = answer(&app, &mut b, &pair, "join").await;
    let res = redeem(&app, &mut b, &good, &pair.public_key_b64(), answered).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    assert!(res.text().await.unwrap().contains("Try again in"));
}

#[tokio::test]
async fn one_client_cannot_pause_joining_for_everyone_but_many_can() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.code_failures_per_ip = 5;
        c.code_failing_clients_global = 3;
    })
    .await;
    let (_, mut admin) = app.manager("cooperative").await;
    let good = one_code(&app, &mut admin, "member", "5").await;
    // One source (two addresses in one IPv6 /64) exhausts its own budget…
    for i in 0..6 {
        let ip = format!("2001:db8:1:2::{i}");
        join_as(&app, Browser::from_ip(&ip), "ZZZZ-ZZZZ-ZZZ1", &key(40 + i)).await;
    }
    let (status, body, _) =
        join_as(&app, Browser::from_ip("2001:db8:1:2::99"), &good, &key(46)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the /64 shares a budget"
    );
    assert!(!message(&body).contains("everyone"), "{body}");
    // …and everyone else still joins.
    let (status, body, _) = join_as(&app, Browser::from_ip("198.51.100.1"), &good, &key(47)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Failures from many sources open the global circuit.
    for (i, ip) in ["198.51.100.2", "198.51.100.3"].iter().enumerate() {
        join_as(
            &app,
            Browser::from_ip(ip),
            "ZZZZ-ZZZZ-ZZZ1",
            &key(50 + i as u8),
        )
        .await;
    }
    let (status, body, _) = join_as(&app, Browser::from_ip("198.51.100.9"), &good, &key(53)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(message(&body).contains("paused for everyone"), "{body}");
}

#[tokio::test]
async fn fifty_parallel_bad_codes_from_one_client_let_at_most_the_budget_through() {
    let app = spawn_app_with(|c| {
        c.code_failures_per_ip = 5;
        c.key_challenges_per_ip_per_minute = 1000;
    })
    .await;
    let attempts = (0..50u8).map(|i| {
        let app = &app;
        async move { join(app, "ZZZZ-ZZZZ-ZZZ2", &key(100 + i)).await.0 }
    });
    let statuses = futures::future::join_all(attempts).await;
    let judged = statuses
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(judged <= 5, "{judged} redemptions were judged");
    assert_eq!(judged + refused, 50, "{statuses:?}");
}

#[tokio::test]
async fn a_signature_that_does_not_match_its_key_is_refused() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("cooperative").await;
    let code = one_code(&app, &mut admin, "member", "1").await;
    let (signer, claimed) = (key(50), key(51));
    let mut b = Browser::anonymous();
    let answered = answer(&app, &mut b, &signer, "join").await;
    let res = redeem(&app, &mut b, &code, &claimed.public_key_b64(), answered).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(members(&app, org).await, 1);
    let used: i32 = sqlx::query_scalar("SELECT used_count FROM invite_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(used, 0, "the code is untouched");

    // A challenge answers once, and only for its own purpose.
    let answered = answer(&app, &mut b, &signer, "sign_in").await;
    let res = redeem(&app, &mut b, &code, &signer.public_key_b64(), answered).await;
    assert_eq!(
        res.status(),
        StatusCode::GONE,
        "sign-in challenge used to join"
    );
}

#[tokio::test]
async fn members_sign_in_again_with_their_key_and_only_with_it() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("cooperative").await;
    let code = one_code(&app, &mut admin, "facilitator", "1").await;
    let pair = key(60);
    let (status, _, mut browser) = join(&app, &code, &pair).await;
    assert_eq!(status, StatusCode::OK);
    app.post(&mut browser, "/rpc/auth/sign-out", &[]).await;

    let mut b = Browser::anonymous();
    let res = key_sign_in(&app, &mut b, &pair).await;
    assert_eq!(res.status(), StatusCode::OK);
    let session: Value = app
        .post(&mut b, "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["role"], "facilitator");

    // A key nobody registered gets the same answer as a bad signature.
    let stranger = key(61);
    let mut s = Browser::anonymous();
    let res = key_sign_in(&app, &mut s, &stranger).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        s.cookie.is_none() || {
            let v: Value = app
                .post(&mut s, "/rpc/auth/session", &[])
                .await
                .json()
                .await
                .unwrap();
            v.is_null()
        }
    );
}

#[tokio::test]
async fn roles_expiry_and_uses_are_validated_and_only_managers_create_codes() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("cooperative").await;
    let (status, body) = create(&app, &mut admin, "owner", "31", "0", "1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = message(&body);
    assert!(text.contains("role") && text.contains("expires_in_days") && text.contains("max_uses"));
    let (status, _) = create(&app, &mut admin, &"x".repeat(40), "7", "1", "1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM invite_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "bad input changes nothing");

    app.user("plain@coop.example", org, "member").await;
    let mut member = app.sign_in("plain@coop.example").await;
    let (status, _) = create(&app, &mut member, "member", "7", "1", "1").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = create(&app, &mut Browser::anonymous(), "member", "7", "1", "1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn invite_codes_never_grant_a_managing_role() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("cooperative").await;
    let (status, body) = create(&app, &mut admin, "admin", "7", "1", "1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).contains("email"), "{body}");
    let options: Value = app
        .post(&mut admin, "/rpc/invite-codes/options", &[])
        .await
        .json()
        .await
        .unwrap();
    let roles: Vec<&str> = options["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["facilitator", "member", "participant"]);

    // A company admin cannot mint an admin code to approve their own partner later.
    let (_, mut company) = app.manager("company").await;
    for role in ["admin", "owner", "integration_manager"] {
        let (status, _) = create(&app, &mut company, role, "7", "1", "1").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{role}");
    }

    // A code minted before the rule joins nobody and spends nothing.
    let code = one_code(&app, &mut admin, "member", "1").await;
    sqlx::query("UPDATE invite_codes SET role = 'admin'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body, _) = join(&app, &code, &fresh_key()).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(message(&body).contains("email invitation"), "{body}");
    assert_eq!(members(&app, org).await, 1);
}

#[tokio::test]
async fn reveal_is_audited_and_codes_stay_inside_their_organisation() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("cooperative").await;
    let (status, body) = create(&app, &mut admin, "member", "14", "2", "1").await;
    assert_eq!(status, StatusCode::OK);
    let id = body["codes"][0]["id"].as_str().unwrap().to_owned();
    let code = body["codes"][0]["code"].as_str().unwrap().to_owned();

    let res = app
        .post(&mut admin, "/rpc/invite-codes/reveal", &[("id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let revealed: Value = res.json().await.unwrap();
    assert_eq!(revealed["code"].as_str().unwrap(), code);
    let reveals: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invite_code_audit_events WHERE action = 'revealed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(reveals, 1);

    let (_, mut other) = app.manager("company").await;
    let res = app
        .post(&mut other, "/rpc/invite-codes/reveal", &[("id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .post(&mut other, "/rpc/invite-codes/revoke", &[("id", &id)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let list: Value = app
        .post(&mut other, "/rpc/invite-codes/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(list["codes"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_batch_makes_distinct_codes_and_a_csv() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("cooperative").await;
    let (status, body) = create(&app, &mut admin, "participant", "30", "1", "5").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<&str> = body["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 5);
    let mut unique = codes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 5);
    let csv = body["csv"].as_str().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "code,url,role,max_uses,expires_at_utc,note");
    assert_eq!(lines.len(), 6);
    assert!(lines[1].starts_with(codes[0]) && lines[1].contains("participant"));
    assert!(lines[1].ends_with("Spring workshop"));
    let batches: i64 = sqlx::query_scalar("SELECT count(DISTINCT batch_id) FROM invite_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(batches, 1);
}

#[tokio::test]
async fn metrics_count_what_happened_and_refuse_anonymous_scrapes() {
    let app = spawn_app_with(|c| {
        c.metrics_token = Some(secrecy::SecretString::from("scrape-secret-123".to_owned()))
    })
    .await;
    let (org, mut admin) = app.manager("cooperative").await;
    let code = one_code(&app, &mut admin, "member", "2").await;
    one_code(&app, &mut admin, "member", "1").await;
    assert_eq!(join(&app, &code, &key(70)).await.0, StatusCode::OK);

    let (_, mut company) = app.manager("company").await;
    app.invite(&mut company, "metrics@example.org", "member")
        .await;
    let inv = app.invitation_id("metrics@example.org").await;
    app.post(
        &mut company,
        "/rpc/invitations/revoke",
        &[("id", &inv.to_string())],
    )
    .await;

    let anonymous = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let wrong = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let res = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth("scrape-secret-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "no session for scrapes"
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(&format!(
            "gatehouse_invites_created_total{{org_id=\"{org}\"}} 2"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "gatehouse_invites_used_total{{org_id=\"{org}\"}} 1"
        )),
        "{text}"
    );
    // The bootstrap admin invitation counts too.
    assert!(
        text.contains("gatehouse_invitations_created_total 2"),
        "{text}"
    );
    assert!(
        text.contains("gatehouse_invitations_accepted_total 0"),
        "{text}"
    );
    assert!(
        text.contains("gatehouse_invitations_revoked_total 1"),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_are_off_without_a_token() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
