//! The partner API over HTTP: the token endpoint (RFC 6749), the scope check (RFC 6750),
//! suspension and decommissioning as a partner's client sees them, and the OpenAPI document.

use crate::helpers::{spawn_app, spawn_app_with};
use crate::partners::{access_token, approved_partner, call, detail, tenant, token_request};
use reqwest::StatusCode;
use serde_json::Value;

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
            "/rpc/integrations/partners/suspend",
            &[("id", &id), ("suspend", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "tenant admins only");
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/partners/suspend",
            &[("id", &id), ("suspend", "true")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(ping().await.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/partners/suspend",
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
            "/rpc/integrations/partners/decommission",
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

#[tokio::test]
async fn json_with_another_content_type_gets_415_and_creates_nothing() {
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (_, client_id, secret) = approved_partner(&app, &mut t, "invitations:write").await;
    let token = access_token(&app, &client_id, &secret, None).await;
    let body = r#"{"email":"plain@firstbank.example","first_name":"Pia","last_name":"Lane","role":"member"}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let mut req = app
            .client
            .post(format!("{}/api/partner/v1/invitations", app.base))
            .bearer_auth(&token)
            .body(body);
        if !content_type.is_empty() {
            req = req.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"], "unsupported_media_type");
    }
    let made: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitations WHERE email = 'plain@firstbank.example'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(made, 0);
    // The same body as JSON is accepted.
    let res = app
        .client
        .post(format!("{}/api/partner/v1/invitations", app.base))
        .bearer_auth(&token)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn fifty_parallel_wrong_secrets_let_at_most_the_budget_through() {
    use gatehouse::partner_api::oauth::FAILED_AUTHENTICATIONS_PER_IP;
    let app = spawn_app().await;
    let mut t = tenant(&app).await;
    let (_, client_id, secret) = approved_partner(&app, &mut t, "partner:ping").await;
    let attempts = (0..50).map(|_| {
        let (app, client_id) = (&app, &client_id);
        async move {
            token_request(
                app,
                client_id,
                "wrong-secret",
                &[("grant_type", "client_credentials")],
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
    assert!(
        judged as i64 <= FAILED_AUTHENTICATIONS_PER_IP,
        "{judged} secrets were checked"
    );
    assert_eq!(judged + refused, 50, "{statuses:?}");
    // The right secret is refused too while the budget is spent: the limit is per client IP.
    let res = token_request(
        &app,
        &client_id,
        &secret,
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}
