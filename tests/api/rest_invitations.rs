//! The invitations REST API over HTTP: API tokens and sessions, RFC 9457 problems, 415,
//! idempotency replay, the public token check, and the OpenAPI document.

use crate::helpers::{spawn_app, Browser, TestApp};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

/// Makes an API token as `admin`; returns `(id, token)`.
async fn api_token(app: &TestApp, admin: &mut Browser, role: &str) -> (String, String) {
    let res = app
        .post(
            admin,
            "/rpc/api-tokens/create",
            &[
                ("name", "CI runner"),
                ("role", role),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

fn invitee(email: &str) -> Value {
    json!({ "email": email, "first_name": "Ada", "last_name": "Lovelace", "role": "member" })
}

/// A request to `path` with a bearer token.
fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
}

/// The JSON body of `GET path` with a bearer token.
async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    call(app, reqwest::Method::GET, path, token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn problem(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json",
        "{status}"
    );
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn an_api_token_drives_the_whole_lifecycle_under_the_same_rules() {
    let app = spawn_app().await;
    let (org, mut admin) = app.manager("company").await;
    let (token_id, token) = api_token(&app, &mut admin, "admin").await;
    assert!(token.starts_with("gh_at_"));

    let res = call(&app, reqwest::Method::POST, "/api/invitations", &token)
        .json(&invitee("rest@example.org"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/invitations/{id}"));
    assert_eq!(created["status"], "pending");
    assert_eq!(created["delivery"], "queued");
    assert!(
        !created.to_string().contains("token"),
        "never the invitation's token"
    );
    let (kind, actor): (String, Option<Uuid>) = sqlx::query_as(
        "SELECT actor_kind, actor_api_token_id FROM audit_events
          WHERE subject_id = $1 AND action = 'created'",
    )
    .bind(Uuid::parse_str(&id).unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(kind, "api_token");
    assert_eq!(actor.unwrap().to_string(), token_id);

    // The list filters by status, role and creation time.
    for (query, found) in [
        ("?status=pending&role=member", true),
        ("?status=accepted", false),
        ("?role=admin", false),
        ("?created_from=2000-01-01T00:00:00Z&search=REST@", true),
        ("?created_to=2000-01-01T00:00:00Z", false),
    ] {
        let page: Value = get_json(&app, &format!("/api/invitations{query}"), &token).await;
        let ids: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.contains(&id.as_str()), found, "{query}: {page}");
    }
    let res = call(
        &app,
        reqwest::Method::GET,
        "/api/invitations?created_from=yesterday",
        &token,
    )
    .send()
    .await
    .unwrap();
    let (status, body) = problem(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["created_from"].is_string(), "{body}");

    // Resend, then revoke with a reason; the trail names the token.
    let res = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/invitations/{id}/resend"),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/invitations/{id}/revoke"),
        &token,
    )
    .json(&json!({ "reason": "left the company" }))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "revoked");
    let one: Value = get_json(&app, &format!("/api/invitations/{id}"), &token).await;
    let trail = one["audit_trail"].as_array().unwrap();
    let actions: Vec<&str> = trail
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "resent", "revoked"]);
    assert_eq!(trail[0]["actor"], "API token CI runner");

    // The token list shows when it was last used; a revoked token is refused at once.
    let tokens: Value = app
        .post(&mut admin, "/rpc/api-tokens/list", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(tokens[0]["last_used_at"].is_i64(), "{tokens}");
    assert_eq!(tokens[0]["status"], "active");
    let res = app
        .post(&mut admin, "/rpc/api-tokens/revoke", &[("id", &token_id)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = call(&app, reqwest::Method::GET, "/api/invitations", &token)
        .send()
        .await
        .unwrap();
    assert!(res.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let (status, _) = problem(res).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An expired token too.
    let (expired_id, expired) = api_token(&app, &mut admin, "admin").await;
    sqlx::query(
        "UPDATE api_tokens SET created_at = now() - interval '2 days',
                               expires_at = now() - interval '1 day' WHERE id = $1",
    )
    .bind(Uuid::parse_str(&expired_id).unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    let res = call(&app, reqwest::Method::GET, "/api/invitations", &expired)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A token's role is no higher than its maker's; a member token manages nothing.
    let res = app
        .post(
            &mut admin,
            "/rpc/api-tokens/create",
            &[
                ("name", "x"),
                ("role", "superuser"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.user("plain@rest.example", org, "admin").await;
    let mut company_admin = app.sign_in("plain@rest.example").await;
    let res = app
        .post(
            &mut company_admin,
            "/rpc/api-tokens/create",
            &[("name", "x"), ("role", "owner"), ("expires_in_days", "30")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an admin cannot make an owner token"
    );
    let (_, member_token) = api_token(&app, &mut admin, "member").await;
    let res = call(
        &app,
        reqwest::Method::GET,
        "/api/invitations",
        &member_token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_gets_a_problem_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let (_, token) = api_token(&app, &mut admin, "admin").await;
    let before = app.user_invitation_count().await;

    let res = call(&app, reqwest::Method::POST, "/api/invitations", &token)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(invitee("x@example.org").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let res = call(&app, reqwest::Method::POST, "/api/invitations", &token)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::BAD_REQUEST);

    let res = call(&app, reqwest::Method::POST, "/api/invitations", &token)
        .json(&json!({ "email": "not an address", "first_name": "", "role": "emperor" }))
        .send()
        .await
        .unwrap();
    let (status, body) = problem(res).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["email", "first_name", "last_name", "role"] {
        assert!(body["errors"][field].is_string(), "{field}: {body}");
    }
    assert_eq!(body["status"], 422);
    assert_eq!(
        app.user_invitation_count().await,
        before,
        "nothing was created"
    );

    // Unknown ids and other organisations' invitations are the same 404.
    let (_, mut other) = app.manager("company").await;
    app.invite(&mut other, "theirs@example.org", "member").await;
    let theirs = app.invitation_id("theirs@example.org").await;
    for id in [
        Uuid::new_v4().to_string(),
        theirs.to_string(),
        "not-a-uuid".into(),
    ] {
        let res = call(
            &app,
            reqwest::Method::GET,
            &format!("/api/invitations/{id}"),
            &token,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(problem(res).await.0, StatusCode::NOT_FOUND, "{id}");
        let res = call(
            &app,
            reqwest::Method::POST,
            &format!("/api/invitations/{id}/revoke"),
            &token,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(problem(res).await.0, StatusCode::NOT_FOUND, "{id}");
    }
    let res = app
        .client
        .get(format!("{}/api/invitations", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED, "anonymous");
    let res = call(
        &app,
        reqwest::Method::GET,
        "/api/invitations",
        "gh_at_forged",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED, "forged");

    // The browser session works too, with the same rules.
    let res = admin
        .send(app.client.get(format!("{}/api/invitations", app.base)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_instead_of_acting_twice() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    let (_, token) = api_token(&app, &mut admin, "admin").await;
    let send = |body: Value, key: &'static str| {
        let req = call(&app, reqwest::Method::POST, "/api/invitations", &token)
            .header("idempotency-key", key)
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    let first = send(invitee("once@example.org"), "key-1").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotency-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = send(invitee("once@example.org"), "key-1").await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invitations WHERE email = 'once@example.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(count, 1, "acted once");
    let other = send(invitee("twice@example.org"), "key-1").await;
    assert_eq!(
        problem(other).await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "same key, other body"
    );
    // Problems are replayed too: a duplicate stays refused, the same way, under its key.
    let dup = send(invitee("once@example.org"), "key-2").await;
    let (status, body) = problem(dup).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["email"].is_string(), "{body}");
    let dup = send(invitee("once@example.org"), "key-2").await;
    assert_eq!(dup.headers()["idempotency-replayed"], "true");
    assert_eq!(problem(dup).await, (status, body));
}

#[tokio::test]
async fn validate_answers_one_word_and_never_spends_the_token() {
    let app = spawn_app().await;
    let (_, mut admin) = app.manager("company").await;
    app.invite(&mut admin, "check@example.org", "member").await;
    let (token, org) = app.latest_token("check@example.org").await;
    let check = |t: String| {
        let url = format!("{}/api/invitations/validate?token={t}", app.base);
        let client = app.client.clone();
        async move {
            let v: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            v
        }
    };
    assert_eq!(check(token.clone()).await, json!({ "status": "valid" }));
    assert_eq!(check("f".repeat(64)).await["status"], "unknown");
    assert_eq!(check("<script>".into()).await["status"], "unknown");
    let views: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'viewed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(views, 0, "checking is not viewing");
    let page = app
        .get(
            &Browser::anonymous(),
            &format!("/register?token={token}&org={org}"),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK, "the link still works");
    let id = app.invitation_id("check@example.org").await;
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(check(token.clone()).await["status"], "expired");
    sqlx::query("UPDATE invitations SET status = 'revoked', revoked_at = now() WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(check(token.clone()).await["status"], "revoked");
    sqlx::query("UPDATE invitations SET status = 'accepted', accepted_at = now() WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(check(token.clone()).await["status"], "used");
    // Per client: past the budget, 429 with Retry-After.
    let mut last = StatusCode::OK;
    for _ in 0..40 {
        let res = app
            .client
            .get(format!(
                "{}/api/invitations/validate?token={token}",
                app.base
            ))
            .send()
            .await
            .unwrap();
        last = res.status();
        if last == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key(header::RETRY_AFTER));
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/invitations",
        "/api/invitations/validate",
        "/api/invitations/{id}",
        "/api/invitations/{id}/resend",
        "/api/invitations/{id}/revoke",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"]["api_token"].is_object());

    // The reference page's data is read from the same document.
    let reference: Value = app
        .post(
            &mut Browser::anonymous(),
            "/rpc/invitations/api-reference",
            &[],
        )
        .await
        .json()
        .await
        .unwrap();
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        reference["operations"].as_array().unwrap().len(),
        operations
    );
    let validate = reference["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["path"] == "/api/invitations/validate")
        .unwrap();
    assert_eq!(validate["auth"], "None (public)");
    assert!(
        !reference.to_string().contains('`'),
        "plain text, no Markdown"
    );
}

#[tokio::test]
async fn per_invitation_lifetime_link_without_email_and_the_pending_quota() {
    let app = crate::helpers::spawn_app_with(|c| c.pending_invitation_quota = 3).await;
    let (_, mut admin) = app.manager("company").await;
    let (_, token) = api_token(&app, &mut admin, "admin").await;
    let post = |body: Value| {
        let req = call(&app, reqwest::Method::POST, "/api/invitations", &token).json(&body);
        async move { req.send().await.unwrap() }
    };

    // A two-hour link.
    let mut body = invitee("short@example.org");
    body["expires_in_hours"] = json!(2);
    let res = post(body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made: Value = res.json().await.unwrap();
    assert!(made.get("link").is_none(), "emailed: no link in the answer");
    let hours: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - created_at)::float8 / 3600 FROM invitations
          WHERE email = 'short@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((hours - 2.0).abs() < 0.01, "{hours}");
    for bad in [0, 721] {
        let mut body = invitee("bad@example.org");
        body["expires_in_hours"] = json!(bad);
        let (status, p) = problem(post(body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p["errors"]["expires_in_hours"].is_string(), "{p}");
    }

    // A link without email: shown once in the answer, nothing queued, and it works.
    let mut body = invitee("handed@example.org");
    body["send_email"] = json!(false);
    let res = post(body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made: Value = res.json().await.unwrap();
    let link = made["link"].as_str().unwrap().to_owned();
    assert!(
        link.starts_with("http://gatehouse.test/register?token="),
        "{link}"
    );
    assert!(made["delivery"].is_null(), "no email: {made}");
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE recipient = 'handed@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(queued, 0);
    let path = link.trim_start_matches("http://gatehouse.test");
    assert_eq!(
        app.get(&Browser::anonymous(), path).await.status(),
        StatusCode::OK
    );
    // The page's server function does the same.
    let res = app
        .post(
            &mut admin,
            "/rpc/invitations/create",
            &[
                ("email", "third@example.org"),
                ("first_name", "Third"),
                ("last_name", "Person"),
                ("role", "member"),
                ("send_email", "false"),
                ("expires_in_hours", "24"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert!(
        v["link"].as_str().unwrap().contains("/register?token="),
        "{v}"
    );

    // Three pending invitations fill this organisation's quota.
    let (status, p) = problem(post(invitee("fourth@example.org")).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        p["detail"].as_str().unwrap().contains("limit of 3 pending"),
        "{p}"
    );
}
