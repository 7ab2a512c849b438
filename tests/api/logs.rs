//! What reaches the logs: one span per request with its id, method and route template, and
//! never a token, an invite code or a secret, even at DEBUG (OWASP ASVS 5.0 V16.2.5).

use crate::{
    credential_invitations::{credential_invitation, submit},
    helpers::{logs::captured, spawn_app, Browser},
    invite_codes::{fresh_key, join, one_code},
    partners::{approved_partner, tenant, STRONG_SECRET},
};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn no_token_code_or_secret_reaches_a_log_line() {
    let app = spawn_app().await;

    // A registration visit: the token is in the query string.
    let (_, mut admin) = app.manager("company").await;
    let res = app
        .invite(&mut admin, "log.reader@example.org", "member")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (token, org) = app.latest_token("log.reader@example.org").await;
    let res = app
        .get(
            &Browser::anonymous(),
            &format!("/register?token={token}&org={org}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // An invite-code join: the code in the join link and in the redemption.
    let (_, mut coop_admin) = app.manager("cooperative").await;
    let code = one_code(&app, &mut coop_admin, "member", "1").await;
    let res = app
        .get(&Browser::anonymous(), &format!("/join?code={code}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body, _) = join(&app, &code, &fresh_key()).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A credential-invite submission: the token in the page path, the secret in the form.
    let mut t = tenant(&app).await;
    let (id, _, client_secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let (cred_token, _) = credential_invitation(&app, &mut t, &id).await;
    let res = app
        .get(
            &Browser::anonymous(),
            &format!("/integrations/credential-invite/{cred_token}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = submit(&app, &cred_token, STRONG_SECRET, STRONG_SECRET).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    let logs = captured();
    let bare_code: String = code.chars().filter(|c| *c != '-').collect();
    for (what, secret) in [
        ("invitation token", token.as_str()),
        ("invite code", code.as_str()),
        ("invite code without dashes", bare_code.as_str()),
        ("credential-invite token", cred_token.as_str()),
        ("partner API secret", STRONG_SECRET),
        ("client secret", client_secret.as_str()),
    ] {
        assert!(!logs.contains(secret), "the {what} reached a log line");
    }

    // The requests were logged, by route template and request id.
    let requests: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["span"]["name"] == "request")
        .collect();
    for route in [
        "/register",
        "/join",
        "/integrations/credential-invite/{token}",
    ] {
        let line = requests
            .iter()
            .find(|v| v["span"]["route"] == route)
            .unwrap_or_else(|| panic!("no request span for {route}"));
        assert_eq!(line["span"]["request_id"].as_str().map(str::len), Some(32));
        assert_eq!(line["span"]["method"], "GET");
    }
}

#[tokio::test]
async fn refused_authorization_is_logged_with_who_and_the_request() {
    let app = spawn_app().await;
    let org = app.organisation("Refusal Ltd", "company").await;
    app.user("plain@refusal.example", org, "member").await;
    let mut member = app.sign_in("plain@refusal.example").await;
    let res = app.post(&mut member, "/rpc/invitations/list", &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let user_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'plain@refusal.example'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let logs = captured();
    let refusal = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| {
            v["fields"]["event"] == "authorization_failure"
                && v["fields"]["user_id"] == user_id.to_string()
        })
        .unwrap_or_else(|| {
            panic!(
                "no refusal in {}",
                logs.lines()
                    .filter(|l| l.contains("authorization"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    assert_eq!(refusal["level"], "WARN");
    assert_eq!(refusal["fields"]["role"], "member");
    let request = refusal["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|s| s["name"] == "request"))
        .unwrap_or_else(|| panic!("not inside the request span: {refusal}"));
    assert_eq!(request["route"], "/rpc/invitations/list");
    assert_eq!(request["request_id"].as_str().map(str::len), Some(32));
}
