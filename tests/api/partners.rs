//! Partner onboarding over HTTP: registration, approval and client credentials. The partner
//! API and credential invitations have modules of their own.

use crate::helpers::{spawn_app, Browser, TestApp};
use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

pub(crate) const STRONG_SECRET: &str = "q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe";

/// A tenant with an owner (tenant admin), a second owner and an integration manager.
pub(crate) struct Tenant {
    pub(crate) org: Uuid,
    pub(crate) owner: Browser,
    pub(crate) other_owner: Browser,
    pub(crate) manager: Browser,
    pub(crate) provider: String,
}

pub(crate) async fn tenant(app: &TestApp) -> Tenant {
    let (_, mut admin) = app.manager("platform").await;
    let res = app
        .post(
            &mut admin,
            "/rpc/integrations/providers/save",
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

pub(crate) async fn register(app: &TestApp, t: &mut Tenant, scopes: &str) -> String {
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/partners/create",
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
pub(crate) async fn approved_partner(
    app: &TestApp,
    t: &mut Tenant,
    scopes: &str,
) -> (String, String, String) {
    let id = register(app, t, scopes).await;
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/partners/submit",
            &[("id", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/partners/approve",
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

pub(crate) async fn token_request(
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

pub(crate) async fn access_token(
    app: &TestApp,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
) -> String {
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

pub(crate) async fn call(
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

pub(crate) async fn detail(app: &TestApp, b: &mut Browser, id: &str) -> Value {
    let res = app
        .post(b, "/rpc/integrations/partners/detail", &[("id", id)])
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
        "/rpc/integrations/partners/submit",
        &[("id", &id)],
    )
    .await;
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/partners/approve",
            &[("id", &id), ("policy_document_id", "P")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/partners/approve",
            &[("id", &id), ("policy_document_id", "P")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "self-approval");
    assert!(res.text().await.unwrap().contains("another admin"));
    let res = app
        .post(
            &mut t.other_owner,
            "/rpc/integrations/partners/approve",
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
            "/rpc/integrations/partners/reject",
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
            "/rpc/integrations/partners/detail",
            &[("id", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn approvers_must_predate_the_submission_and_not_be_the_submitters_invitees() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let id = register(&app, &mut t, "partner:ping").await;
    let owner: Value = app
        .post(&mut t.owner, "/rpc/auth/session", &[])
        .await
        .json()
        .await
        .unwrap();
    let submitter: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(owner["email"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // An admin the submitter invited by email, who joined before the submission.
    let protege_email = format!("{}@company.example", Uuid::new_v4().simple());
    let protege = app.user(&protege_email, t.org, "admin").await;
    sqlx::query(
        "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role,
                                  inviter_id, token_hash, status, expires_at, accepted_at,
                                  accepted_user_id)
         VALUES (gen_random_uuid(), $1, $2, 'Pro', 'Tege', 'admin', $3,
                 sha256(gen_random_uuid()::text::bytea), 'accepted', now() + interval '1 day',
                 now(), $4)",
    )
    .bind(t.org)
    .bind(&protege_email)
    .bind(submitter)
    .bind(protege)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut protege = app.sign_in(&protege_email).await;
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/partners/submit",
            &[("id", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // An admin who joined after the submission.
    let late_email = format!("{}@company.example", Uuid::new_v4().simple());
    app.user(&late_email, t.org, "owner").await;
    let mut late = app.sign_in(&late_email).await;

    let approve = |b: &mut crate::helpers::Browser| {
        let (app, id) = (&app, id.clone());
        let mut b = b.clone();
        async move {
            let res = app
                .post(
                    &mut b,
                    "/rpc/integrations/partners/approve",
                    &[("id", &id), ("policy_document_id", "POL-9")],
                )
                .await;
            (res.status(), res.text().await.unwrap())
        }
    };
    let (status, body) = approve(&mut late).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("joined after"), "{body}");
    let (status, body) = approve(&mut protege).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body.contains("invited you"), "{body}");
    let (status, body) = approve(&mut t.other_owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
