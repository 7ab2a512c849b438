//! Credential invitations over HTTP: strength checks on both sides, encryption at rest,
//! single use, refresh on the same link, revocation, analytics events and their export.

use crate::helpers::{spawn_app, Browser, TestApp};
use crate::partners::{approved_partner, detail, register, tenant, Tenant, STRONG_SECRET};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

/// (token, link) of a new credential invitation for partner `id`.
pub(crate) async fn credential_invitation(
    app: &TestApp,
    t: &mut Tenant,
    id: &str,
) -> (String, String) {
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/credential-invitations/create",
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

pub(crate) async fn submit(
    app: &TestApp,
    token: &str,
    secret: &str,
    confirm: &str,
) -> reqwest::Response {
    app.post(
        &mut Browser::anonymous(),
        "/rpc/integrations/credential-invite/submit",
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
    let mail = app.mail_text("tess@firstbank.example").await;
    assert!(mail.contains(&link));

    // Viewing never spends the token.
    for _ in 0..2 {
        let res = app
            .post(
                &mut Browser::anonymous(),
                "/rpc/integrations/credential-invite/view",
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
                "/rpc/integrations/credential-invite/view",
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
            "/rpc/integrations/credential-invitations/refresh",
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
            "/rpc/integrations/credential-invitations/refresh",
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
            "/rpc/integrations/credential-invitations/revoke",
            &form,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/integrations/credential-invite/view",
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
            "/rpc/integrations/credential-invitations/refresh",
            &form,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/credential-invitations/revoke",
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
    let submit = "/rpc/integrations/credential-invite/submit";
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
