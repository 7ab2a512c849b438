//! Partner onboarding over HTTP: registration, approval, client credentials, the scoped
//! partner API, decommissioning and credential invitations.

use crate::helpers::{spawn_app, spawn_app_with, Browser, TestApp};
use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

const STRONG_SECRET: &str = "q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe";

/// A tenant with an owner (tenant admin), a second owner and an integration manager.
struct Tenant {
    org: Uuid,
    owner: Browser,
    other_owner: Browser,
    manager: Browser,
    provider: String,
}

async fn tenant(app: &TestApp) -> Tenant {
    let (_, mut admin) = app.manager("platform").await;
    let res = app
        .post(
            &mut admin,
            "/api/integrations/providers/save",
            &[
                ("name", "Acme Payments"),
                ("description", "Payment status updates"),
                ("sandbox", "on"),
                ("production", "on"),
                ("security_policy_url", "https://acme.example/security"),
                ("runbook_url", "https://acme.example/runbook"),
                ("escalation_email", "oncall@acme.example"),
                ("min_key_length", "32"),
                ("min_entropy_bits", "128"),
                ("rotation_days", "90"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let provider: String = res.json().await.unwrap();
    let (org, owner) = app.manager("company").await;
    let other = format!("{}@company.example", Uuid::new_v4().simple());
    app.user(&other, org, "owner").await;
    let im = format!("{}@company.example", Uuid::new_v4().simple());
    app.user(&im, org, "integration_manager").await;
    Tenant {
        org,
        owner,
        other_owner: app.sign_in(&other).await,
        manager: app.sign_in(&im).await,
        provider,
    }
}

async fn register(app: &TestApp, t: &mut Tenant, scopes: &str) -> String {
    let res = app
        .post(
            &mut t.manager,
            "/api/integrations/partners/create",
            &[
                ("name", "First Bank"),
                ("legal_basis", "Contract, GDPR art. 6(1)(b)"),
                ("agreement_document_id", "DSA-2026-041"),
                ("provider_id", &t.provider),
                ("environment", "sandbox"),
                ("contacts", "Tess Lead <tess@firstbank.example>"),
                ("scopes", scopes),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

/// Registers, submits (as the integration manager) and approves (as the owner); returns the
/// partner id, client id and secret.
async fn approved_partner(app: &TestApp, t: &mut Tenant, scopes: &str) -> (String, String, String) {
    let id = register(app, t, scopes).await;
    let res = app
        .post(
            &mut t.manager,
            "/api/integrations/partners/submit",
            &[("id", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/partners/approve",
            &[("id", &id), ("policy_document_id", "POL-7")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let creds: Value = res.json().await.unwrap();
    (
        id,
        creds["client_id"].as_str().unwrap().to_owned(),
        creds["client_secret"].as_str().unwrap().to_owned(),
    )
}

async fn token_request(
    app: &TestApp,
    client_id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.client
        .post(format!("{}/oauth/token", app.base))
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("{client_id}:{secret}"))),
        )
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn access_token(app: &TestApp, client_id: &str, secret: &str, scope: Option<&str>) -> String {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    let res = token_request(app, client_id, secret, &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().unwrap().to_owned()
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> reqwest::Response {
    app.client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn detail(app: &TestApp, b: &mut Browser, id: &str) -> Value {
    let res = app
        .post(b, "/api/integrations/partners/detail", &[("id", id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn onboarding_from_registration_to_active() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let scopes = "partner:ping members:read:anonymous invitations:read invitations:write";
    let (id, client_id, secret) = approved_partner(&app, &mut t, scopes).await;
    assert!(client_id.starts_with("gh_"));
    assert_eq!(secret.len(), 43, "256-bit secret, base64url");
    let d = detail(&app, &mut t.owner, &id).await;
    assert_eq!(d["status"], "approved");
    assert_eq!(d["approval_policy_document_id"], "POL-7");
    assert!(d.get("client_secret").is_none());

    let token = access_token(&app, &client_id, &secret, None).await;
    let res = call(&app, reqwest::Method::POST, "/api/partner/v1/ping", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ping: Value = res.json().await.unwrap();
    assert_eq!(ping["partner"]["name"], "First Bank");
    assert_eq!(ping["partner"]["status"], "active");
    assert_eq!(ping["scopes"].as_array().unwrap().len(), 4);
    let d = detail(&app, &mut t.manager, &id).await;
    assert_eq!(d["status"], "active");
    assert!(d["last_successful_sync_at"].is_i64());
    let actions: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "registered",
        "submitted",
        "approved",
        "credentials_issued",
        "token_issued",
        "activated",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }

    // The partner invites a member through the same path as the admin dialog.
    let res = app
        .client
        .post(format!("{}/api/partner/v1/invitations", app.base))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({ "email": "new.member@firstbank.example", "first_name": "Nia",
                                    "last_name": "Reyes", "role": "member" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let inv: Value = res.json().await.unwrap();
    assert_eq!(inv["status"], "pending");
    let inv_id = inv["id"].as_str().unwrap();
    let (_, org) = app.latest_token("new.member@firstbank.example").await;
    assert_eq!(org, t.org.to_string());
    let partner_audit: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitation_audit_events WHERE action = 'created' AND detail->>'partner' = 'First Bank'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(partner_audit, 1);
    let res = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/partner/v1/invitations/{inv_id}"),
        &token,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Invitations the partner did not create are invisible to it.
    app.invite(&mut t.owner, "someone@else.example", "member")
        .await;
    let other = app.invitation_id("someone@else.example").await;
    let res = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/partner/v1/invitations/{other}"),
        &token,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "not_found");

    // Partners cannot hand out managing roles.
    let res = app
        .client
        .post(format!("{}/api/partner/v1/invitations", app.base))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({ "email": "boss@firstbank.example", "first_name": "B",
                                    "last_name": "Oss", "role": "owner" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let stats: Value = call(
        &app,
        reqwest::Method::GET,
        "/api/partner/v1/members/stats",
        &token,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(stats["members_by_role"]["owner"], 2);
    assert_eq!(stats["invitations_by_status"]["pending"], 2);
    assert!(!stats.to_string().contains('@'), "no personal data");
}

#[tokio::test]
async fn nobody_approves_their_own_submission_and_managers_cannot_approve() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let id = register(&app, &mut t, "partner:ping").await;
    // The owner submits; the integration manager may not decide at all, the owner not on
    // their own submission.
    app.post(
        &mut t.owner,
        "/api/integrations/partners/submit",
        &[("id", &id)],
    )
    .await;
    let res = app
        .post(
            &mut t.manager,
            "/api/integrations/partners/approve",
            &[("id", &id), ("policy_document_id", "P")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/partners/approve",
            &[("id", &id), ("policy_document_id", "P")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "self-approval");
    assert!(res.text().await.unwrap().contains("another admin"));
    let res = app
        .post(
            &mut t.other_owner,
            "/api/integrations/partners/approve",
            &[("id", &id), ("policy_document_id", " ")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "document id required"
    );
    let res = app
        .post(
            &mut t.other_owner,
            "/api/integrations/partners/reject",
            &[("id", &id), ("reason", "Scope too broad")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let d = detail(&app, &mut t.manager, &id).await;
    assert_eq!(d["status"], "rejected");
    assert_eq!(d["rejection_reason"], "Scope too broad");

    // Another tenant sees nothing of it.
    let (_, mut stranger) = app.manager("company").await;
    let res = app
        .post(
            &mut stranger,
            "/api/integrations/partners/detail",
            &[("id", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_token_endpoint_follows_rfc_6749() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (_, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;

    let res = token_request(
        &app,
        &client_id,
        "wrong-secret",
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    // Form-body client authentication works too.
    let res = app
        .client
        .post(format!("{}/oauth/token", app.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let res = app
        .client
        .post(format!(
            "{}/oauth/token?client_id={client_id}&client_secret={secret}",
            app.base
        ))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    let res = token_request(&app, &client_id, &secret, &[("grant_type", "password")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );

    let res = token_request(
        &app,
        &client_id,
        &secret,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "partner:ping invitations:write"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_scope");
}

#[tokio::test]
async fn failed_client_authentications_are_throttled_per_ip() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (_, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;
    for _ in 0..20 {
        let res = token_request(
            &app,
            &client_id,
            "guess",
            &[("grant_type", "client_credentials")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = token_request(
        &app,
        &client_id,
        &secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn token_requests_are_rate_limited_per_client() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (_, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let mut last = StatusCode::OK;
    for _ in 0..11 {
        last = token_request(
            &app,
            &client_id,
            &secret,
            &[("grant_type", "client_credentials")],
        )
        .await
        .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_missing_scope_is_refused_audited_and_counted() {
    let app =
        spawn_app_with(|c| c.metrics_token = Some(secrecy::SecretString::from("m".to_owned())))
            .await;
    let mut t = tenant(&app).await;
    let (id, client_id, secret) =
        approved_partner(&app, &mut t, "partner:ping members:read:anonymous").await;
    let token = access_token(&app, &client_id, &secret, Some("partner:ping")).await;
    let res = call(
        &app,
        reqwest::Method::GET,
        "/api/partner/v1/members/stats",
        &token,
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let www = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(www.contains("error=\"insufficient_scope\"") && www.contains("members:read:anonymous"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_scope");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("members:read:anonymous"));

    let d = detail(&app, &mut t.owner, &id).await;
    assert_eq!(d["scope_violations"], 1);
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .bearer_auth("m")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "gatehouse_partner_scope_violations_total{{partner_id=\"{id}\"}} 1"
        )),
        "{metrics}"
    );
    // A bad token is a different error.
    let res = call(
        &app,
        reqwest::Method::POST,
        "/api/partner/v1/ping",
        "not-a-token",
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_token");
}

#[tokio::test]
async fn a_suspended_partner_is_refused_until_resumed() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let token = access_token(&app, &client_id, &secret, None).await;
    let ping = || call(&app, reqwest::Method::POST, "/api/partner/v1/ping", &token);
    assert_eq!(ping().await.status(), StatusCode::OK);
    let res = app
        .post(
            &mut t.manager,
            "/api/integrations/partners/suspend",
            &[("id", &id), ("suspend", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "tenant admins only");
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/partners/suspend",
            &[("id", &id), ("suspend", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(ping().await.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/partners/suspend",
            &[("id", &id), ("suspend", "false")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(detail(&app, &mut t.owner, &id).await["status"], "active");
    assert_eq!(ping().await.status(), StatusCode::OK);
}

#[tokio::test]
async fn decommissioning_stops_tokens_at_once() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let token = access_token(&app, &client_id, &secret, None).await;
    assert_eq!(
        call(&app, reqwest::Method::POST, "/api/partner/v1/ping", &token)
            .await
            .status(),
        StatusCode::OK
    );
    let res = app
        .post(
            &mut t.manager,
            "/api/integrations/partners/decommission",
            &[("id", &id), ("reason", "Contract ended")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        call(&app, reqwest::Method::POST, "/api/partner/v1/ping", &token)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let res = token_request(
        &app,
        &client_id,
        &secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        detail(&app, &mut t.owner, &id).await["status"],
        "decommissioned"
    );
}

#[tokio::test]
async fn the_openapi_document_is_generated_from_the_code() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(format!("{}/api/partner/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/oauth/token",
        "/api/partner/v1/ping",
        "/api/partner/v1/invitations",
        "/api/partner/v1/invitations/{id}",
        "/api/partner/v1/members/stats",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// (token, link) of a new credential invitation for partner `id`.
async fn credential_invitation(app: &TestApp, t: &mut Tenant, id: &str) -> (String, String) {
    let res = app
        .post(
            &mut t.manager,
            "/api/integrations/credential-invitations/create",
            &[
                ("partner_id", id),
                ("recipient_email", "tess@firstbank.example"),
                ("environment", "sandbox"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let created: Value = res.json().await.unwrap();
    let link = created["link"].as_str().unwrap().to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    (token, link)
}

async fn submit(app: &TestApp, token: &str, secret: &str, confirm: &str) -> reqwest::Response {
    app.post(
        &mut Browser::anonymous(),
        "/api/integrations/credential-invite/submit",
        &[
            ("token", token),
            ("api_key_id", "fb-key-01"),
            ("secret", secret),
            ("secret_confirmation", confirm),
        ],
    )
    .await
}

#[tokio::test]
async fn credential_invitations_check_strength_encrypt_and_work_once() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, _, client_secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let (token, link) = credential_invitation(&app, &mut t, &id).await;
    assert!(link.starts_with("http://gatehouse.test/integrations/credential-invite/"));
    let mail: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE recipient = 'tess@firstbank.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(mail.contains(&link));

    // Viewing never spends the token.
    for _ in 0..2 {
        let res = app
            .post(
                &mut Browser::anonymous(),
                "/api/integrations/credential-invite/view",
                &[("token", &token)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["provider"]["name"], "Acme Payments");
        assert_eq!(v["provider"]["rotation_days"], 90);
    }

    // A weak key posted directly (bypassing the browser) is refused with its reasons.
    let res = submit(&app, &token, "password1234", "password1234").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("at least 32") && text.contains("common word"),
        "{text}"
    );
    assert!(!text.contains("password1234"), "the secret is never echoed");
    let res = submit(&app, &token, STRONG_SECRET, "something else").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let res = submit(&app, &token, STRONG_SECRET, STRONG_SECRET).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let accepted: Value = res.json().await.unwrap();
    assert_eq!(accepted["rotation_days"], 90);

    // Second use refused.
    let res = submit(&app, &token, STRONG_SECRET, STRONG_SECRET).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let d = detail(&app, &mut t.owner, &id).await;
    let inv = &d["credential_invitations"][0];
    assert_eq!(inv["status"], "accepted");
    assert_eq!(inv["api_key_id"], "fb-key-01");
    assert_eq!(inv["rotation_days"], 90);
    let due = inv["rotation_due_at"].as_i64().unwrap() - inv["accepted_at"].as_i64().unwrap();
    assert!((90 * 86400 - 5..=90 * 86400 + 5).contains(&due));

    let events: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT event, reason_code FROM integration_invite_events ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "viewed",
            "viewed",
            "submit_rejected",
            "submit_rejected",
            "submitted",
            "accepted"
        ]
    );
    assert_eq!(events[2].1.as_deref(), Some("too_short"));
    assert_eq!(events[3].1.as_deref(), Some("confirmation_mismatch"));

    // The audit payload records the request context, the actor and the provider.
    let audit: Value = sqlx::query_scalar(
        "SELECT detail FROM partner_audit_events WHERE action = 'credentials_accepted'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audit["provider"], "Acme Payments");
    assert!(audit["request"]["request_id"].as_str().unwrap().len() == 32);
    assert!(audit["request"]["ip"].is_string());

    // The export has every event as one JSON line, and never the secret.
    let res = app
        .get(
            &t.owner,
            &format!("/integrations/partners/{id}/invite-events.jsonl"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let jsonl = res.text().await.unwrap();
    assert_eq!(jsonl.lines().count(), 6);
    assert!(jsonl
        .lines()
        .all(|l| serde_json::from_str::<Value>(l).is_ok()));
    assert!(!jsonl.contains(STRONG_SECRET));
    let res = app
        .get(
            &Browser::anonymous(),
            &format!("/integrations/partners/{id}/invite-events.jsonl"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A dump of the whole database holds neither the partner's secret nor the client secret.
    let dump = std::process::Command::new("pg_dump")
        .arg(&app.db_url)
        .output()
        .expect("pg_dump runs");
    assert!(dump.status.success());
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("fb-key-01"), "the dump is real");
    assert!(!dump.contains(STRONG_SECRET));
    assert!(!dump.contains(&client_secret));
    assert!(!dump.contains(&hex_of(STRONG_SECRET)));
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn refresh_extends_the_same_link_and_used_links_cannot_be_refreshed() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let id = register(&app, &mut t, "partner:ping").await;
    let (token, _) = credential_invitation(&app, &mut t, &id).await;
    sqlx::query("UPDATE credential_invitations SET expires_at = now() - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    let view = |token: String| {
        let app = &app;
        async move {
            app.post(
                &mut Browser::anonymous(),
                "/api/integrations/credential-invite/view",
                &[("token", &token)],
            )
            .await
            .status()
        }
    };
    assert_eq!(view(token.clone()).await, StatusCode::GONE);
    let inv: Uuid = sqlx::query_scalar("SELECT id FROM credential_invitations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/credential-invitations/refresh",
            &[("id", &inv.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        view(token.clone()).await,
        StatusCode::OK,
        "same token works again"
    );
    let audit: Value = sqlx::query_scalar(
        "SELECT detail FROM partner_audit_events WHERE action = 'credential_invitation_refreshed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(audit["original_context"]["request_id"].is_string());

    assert_eq!(
        submit(&app, &token, STRONG_SECRET, STRONG_SECRET)
            .await
            .status(),
        StatusCode::OK
    );
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/credential-invitations/refresh",
            &[("id", &inv.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM integration_invite_events ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        events,
        ["expired", "refreshed", "viewed", "submitted", "accepted"]
    );
}

#[tokio::test]
async fn a_revoked_credential_invitation_stops_working_and_cannot_be_refreshed() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let id = register(&app, &mut t, "partner:ping").await;
    let (token, _) = credential_invitation(&app, &mut t, &id).await;
    let inv: Uuid = sqlx::query_scalar("SELECT id FROM credential_invitations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let inv = inv.to_string();
    let form = [("id", inv.as_str())];
    let res = app
        .post(
            &mut t.manager,
            "/api/integrations/credential-invitations/revoke",
            &form,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/api/integrations/credential-invite/view",
            &[("token", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(res.text().await.unwrap().contains("withdrawn"));
    assert_eq!(
        submit(&app, &token, STRONG_SECRET, STRONG_SECRET)
            .await
            .status(),
        StatusCode::GONE
    );
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/credential-invitations/refresh",
            &form,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .post(
            &mut t.owner,
            "/api/integrations/credential-invitations/revoke",
            &form,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_credential_submission_posted_without_scripts_is_confirmed_once_on_its_page() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    let (token, _) = credential_invitation(&app, &mut t, &id).await;
    let page = format!("/integrations/credential-invite/{token}");
    let form = |secret: &'static str| {
        [
            ("token", token.as_str()),
            ("api_key_id", "fb-key-01"),
            ("secret", secret),
            ("secret_confirmation", secret),
        ]
    };
    let submit = "/api/integrations/credential-invite/submit";
    let mut browser = Browser::anonymous();

    // Refused: back to the page, which shows the server's reasons.
    let res = app
        .plain_post(&mut browser, submit, &page, &form("password1234"))
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("__err="), "{back}");
    let html = app
        .get(&browser, back.trim_start_matches(&app.base))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("The secret has 12 characters; this provider requires at least 32."));

    // Accepted: the page shows the confirmation once, to this browser only.
    let res = app
        .plain_post(&mut browser, submit, &page, &form(STRONG_SECRET))
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let next = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(next.starts_with(&format!("{}{page}", app.base)), "{next}");
    assert!(!next.contains("__err"), "{next}");
    assert!(
        app.get(&Browser::anonymous(), &page)
            .await
            .text()
            .await
            .unwrap()
            .contains("Credentials were already submitted with this link."),
        "another browser sees the used link"
    );
    let res = app.get(&browser, &page).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Credentials received"), "{html}");
    assert!(html.contains("Rotate this secret every 90 days."));
    assert!(!html.contains(STRONG_SECRET));
    let res = app.get(&browser, &page).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Credentials were already submitted with this link."));
}
