//! Partner webhooks against real HTTP receivers (in-process axum servers on loopback):
//! Standard Webhooks signatures checked by the official `standardwebhooks` library, retries
//! with the same id, LOG-01 (disabled after 5 consecutive failures or at once on 410, the
//! partner Degraded, the email queued), re-enabling through a test event, replays, the SSRF
//! guard (refused addresses, redirects not followed), a silent endpoint not delaying a healthy
//! one, and scopes filtering what a partner may receive.

use crate::helpers::{spawn_app_with, TestApp};
use crate::partners::{access_token, approved_partner, call, tenant, Tenant};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode as AxumStatus},
    response::IntoResponse,
    routing::post,
    Router,
};
use reqwest::StatusCode;
use serde_json::Value;
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// One request a receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    at: Instant,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The statuses each path answers next: `(path, statuses)`.
type Scripts = Arc<Mutex<Vec<(String, VecDeque<u16>)>>>;

/// A receiver: records every request and answers each path with the next status of its
/// script (200 once the script is spent).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    script: Scripts,
}

impl Receiver {
    async fn start() -> (Self, u16) {
        let r = Self::default();
        let app = Router::new()
            .route("/{name}", post(answer))
            .with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, port)
    }

    fn script(&self, name: &str, statuses: &[u16]) {
        self.script
            .lock()
            .unwrap()
            .push((format!("/{name}"), statuses.iter().copied().collect()));
    }

    fn to(&self, name: &str) -> Vec<Received> {
        let path = format!("/{name}");
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    async fn wait_for(&self, name: &str, n: usize, secs: u64) -> Vec<Received> {
        for _ in 0..secs * 20 {
            let got = self.to(name);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{name} got {} requests, expected {n}", self.to(name).len());
    }
}

async fn answer(
    State(r): State<Receiver>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: String,
) -> impl IntoResponse {
    let path = format!("/{name}");
    r.got.lock().unwrap().push(Received {
        path: path.clone(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body,
        at: Instant::now(),
    });
    let status = r
        .script
        .lock()
        .unwrap()
        .iter_mut()
        .find(|(p, _)| *p == path)
        .and_then(|(_, s)| s.pop_front())
        .unwrap_or(200);
    if status == 302 {
        return (
            AxumStatus::FOUND,
            [("location", "http://169.254.169.254/latest/meta-data/")],
            "moved",
        )
            .into_response();
    }
    (AxumStatus::from_u16(status).unwrap(), "receiver says hi").into_response()
}

/// An app whose webhooks may reach loopback, with retries 100 ms apart.
async fn app() -> TestApp {
    spawn_app_with(|c| {
        c.webhook_allow_hosts = vec!["127.0.0.1".into()];
        c.webhook_retry_schedule = vec![Duration::from_millis(100); 6];
        c.webhook_poll_interval = Duration::from_millis(100);
    })
    .await
}

async fn add_endpoint(
    app: &TestApp,
    t: &mut Tenant,
    partner: &str,
    url: &str,
    events: &str,
) -> reqwest::Response {
    app.post(
        &mut t.manager,
        "/rpc/integrations/webhooks/add",
        &[
            ("partner", partner),
            ("url", url),
            ("description", "Partner receiver"),
            ("event_types", events),
        ],
    )
    .await
}

/// Adds an endpoint that must be accepted; returns (endpoint id, signing secret).
async fn endpoint(
    app: &TestApp,
    t: &mut Tenant,
    partner: &str,
    url: &str,
    events: &str,
) -> (String, String) {
    let res = add_endpoint(app, t, partner, url, events).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let v: Value = res.json().await.unwrap();
    (
        v["endpoint"]["id"].as_str().unwrap().to_owned(),
        v["secret"].as_str().unwrap().to_owned(),
    )
}

/// Verifies `r` with the official Standard Webhooks library (npm `standardwebhooks`), as a
/// partner's receiver would; returns the payload it parsed.
fn verify_with_official_library(secret: &str, r: &Received) -> Value {
    use std::io::Write;
    let input = serde_json::json!({
        "secret": secret,
        "headers": {
            "webhook-id": r.header("webhook-id"),
            "webhook-timestamp": r.header("webhook-timestamp"),
            "webhook-signature": r.header("webhook-signature"),
        },
        "body": r.body,
    });
    let mut child = std::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/end2end/verify-webhook.mjs"
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node runs (the README test command installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "standardwebhooks refused the signature: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn panel(app: &TestApp, t: &mut Tenant, partner: &str) -> Value {
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks",
            &[("partner", partner)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn suspend(app: &TestApp, t: &mut Tenant, partner: &str, on: bool) {
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/partners/suspend",
            &[
                ("id", partner),
                ("suspend", if on { "true" } else { "false" }),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
}

#[tokio::test]
async fn events_arrive_signed_as_the_official_library_checks_and_hold_no_personal_data() {
    let app = app().await;
    let (rx, port) = Receiver::start().await;
    let mut t = tenant(&app).await;
    let (id, client_id, secret) = approved_partner(
        &app,
        &mut t,
        "partner:ping invitations:read invitations:write",
    )
    .await;
    let (_, signing) = endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{port}/hooks"),
        "partner.activated invitation.created",
    )
    .await;
    assert!(signing.starts_with("whsec_"));

    // The partner's first ping activates it; its API creates an invitation.
    let token = access_token(&app, &client_id, &secret, None).await;
    let res = call(&app, reqwest::Method::POST, "/api/partner/v1/ping", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .client
        .post(format!("{}/api/partner/v1/invitations", app.base))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({ "email": "private.person@example.org", "first_name": "Pri",
                                   "last_name": "Vate", "role": "member" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );

    let got = rx.wait_for("hooks", 2, 10).await;
    let types: Vec<String> = got
        .iter()
        .map(|r| {
            verify_with_official_library(&signing, r)["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(types, ["partner.activated", "invitation.created"]);
    let created: Value = serde_json::from_str(&got[1].body).unwrap();
    assert_eq!(created["data"]["status"], "pending");
    assert!(
        !got[1].body.contains("private.person"),
        "no personal data: {}",
        got[1].body
    );
    assert!(got[0].header("webhook-id").starts_with("msg_"));
    assert_eq!(got[0].header("content-type"), "application/json");

    // An invitation a person sends is nobody's event.
    app.invite(&mut t.owner, "colleague@example.org", "member")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.to("hooks").len(), 2);

    // A test event, and the delivery log lists every attempt.
    let endpoint_id = panel(&app, &mut t, &id).await["endpoints"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/test",
            &[("id", &endpoint_id)],
        )
        .await;
    let result: Value = res.json().await.unwrap();
    assert_eq!(
        (
            result["succeeded"].as_bool(),
            result["status_code"].as_u64()
        ),
        (Some(true), Some(200))
    );
    let got = rx.wait_for("hooks", 3, 5).await;
    assert_eq!(
        verify_with_official_library(&signing, &got[2])["type"],
        "webhook.test"
    );
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/log",
            &[("id", &endpoint_id)],
        )
        .await;
    let log: Value = res.json().await.unwrap();
    assert_eq!(log["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(log["attempts"][0]["response_excerpt"], "receiver says hi");

    // The partner page's "Last successful sync" covers deliveries.
    let d = crate::partners::detail(&app, &mut t.owner, &id).await;
    assert!(d["last_successful_sync_at"].as_i64().is_some());
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_id_and_a_replay_sends_it_again() {
    let app = app().await;
    let (rx, port) = Receiver::start().await;
    rx.script("flaky", &[500, 502]);
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    let (endpoint_id, signing) = endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{port}/flaky"),
        "partner.suspended",
    )
    .await;
    suspend(&app, &mut t, &id, true).await;
    let got = rx.wait_for("flaky", 3, 10).await;
    let ids: Vec<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one id across retries: {ids:?}"
    );
    assert_eq!(got[0].body, got[2].body, "the same body");
    verify_with_official_library(&signing, &got[2]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.to("flaky").len(), 3, "delivered: no more attempts");

    let log: Value = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/log",
            &[("id", &endpoint_id)],
        )
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<u64> = log["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [200, 502, 500], "newest first");
    assert_eq!(log["endpoint"]["consecutive_failures"], 0);

    // Replay: the same message again, same id.
    let message = log["attempts"][0]["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/replay",
            &[("id", &endpoint_id), ("message", &message)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let got = rx.wait_for("flaky", 4, 5).await;
    assert_eq!(got[3].header("webhook-id"), ids[0]);
}

#[tokio::test]
async fn five_consecutive_failures_disable_the_endpoint_and_re_enabling_needs_a_2xx() {
    let app = app().await;
    let (rx, port) = Receiver::start().await;
    rx.script("down", &[503; 7]);
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    let (endpoint_id, _) = endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{port}/down"),
        "partner.suspended",
    )
    .await;
    suspend(&app, &mut t, &id, true).await;
    rx.wait_for("down", 5, 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rx.to("down").len(),
        5,
        "disabled after the fifth failure: no sixth attempt"
    );

    let p = panel(&app, &mut t, &id).await;
    assert_eq!(p["degraded"], true);
    let d = crate::partners::detail(&app, &mut t.owner, &id).await;
    assert_eq!(d["degraded"], true, "the partner page shows Degraded");
    assert_eq!(p["endpoints"][0]["enabled"], false);
    assert!(p["endpoints"][0]["disabled_reason"]
        .as_str()
        .unwrap()
        .starts_with("5 deliveries in a row failed (the last: HTTP 503"));
    let emails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE subject = 'Webhook endpoint of First Bank disabled'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(emails, 3, "both owners and the integration manager");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'webhook_endpoint_disabled' AND actor_kind = 'system'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Re-enabling sends a test event first: a 503 keeps it disabled, a 200 enables it.
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/reenable",
            &[("id", &endpoint_id)],
        )
        .await;
    let r: Value = res.json().await.unwrap();
    assert_eq!(
        (r["succeeded"].as_bool(), r["enabled"].as_bool()),
        (Some(false), Some(false))
    );
    rx.script("down", &[]);
    let _ = rx.script.lock().unwrap().drain(..);
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/reenable",
            &[("id", &endpoint_id)],
        )
        .await;
    let r: Value = res.json().await.unwrap();
    assert_eq!(
        (r["succeeded"].as_bool(), r["enabled"].as_bool()),
        (Some(true), Some(true))
    );
    let p = panel(&app, &mut t, &id).await;
    assert_eq!(
        (
            p["degraded"].as_bool(),
            p["endpoints"][0]["enabled"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let d = crate::partners::detail(&app, &mut t.owner, &id).await;
    assert_eq!(d["degraded"], false);
}

#[tokio::test]
async fn a_410_disables_at_once_and_a_redirect_is_not_followed() {
    let app = app().await;
    let (rx, port) = Receiver::start().await;
    rx.script("gone", &[410]);
    rx.script("moved", &[302, 302, 302, 302, 302, 302, 302]);
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{port}/gone"),
        "partner.suspended",
    )
    .await;
    let (moved, _) = endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{port}/moved"),
        "partner.suspended",
    )
    .await;
    suspend(&app, &mut t, &id, true).await;
    rx.wait_for("gone", 1, 10).await;
    rx.wait_for("moved", 1, 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.to("gone").len(), 1);
    let p = panel(&app, &mut t, &id).await;
    let gone = &p["endpoints"][0];
    assert_eq!(gone["enabled"], false);
    assert_eq!(gone["disabled_reason"], "The endpoint answered 410 Gone.");
    // The 302 counts as a failure and its Location is never requested.
    let log: Value = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/log",
            &[("id", &moved)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["attempts"][0]["status_code"], 302);
}

#[tokio::test]
async fn the_ssrf_guard_refuses_internal_addresses_without_the_setting() {
    let app = spawn_app_with(|_| {}).await;
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    for url in [
        "https://127.0.0.1/hooks",
        "https://10.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://localhost/hooks",
        "http://partner.example/hooks",
        "https://user:pass@partner.example/hooks",
    ] {
        let res = add_endpoint(&app, &mut t, &id, url, "partner.suspended").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let body = res.text().await.unwrap();
        assert!(body.contains("\"url\""), "{url}: {body}");
    }
    let endpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(endpoints, 0);
}

#[tokio::test]
async fn a_silent_endpoint_does_not_delay_a_healthy_one() {
    let app = app().await;
    let (rx, port) = Receiver::start().await;
    // Accepts connections and never answers.
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hole_port = hole.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut kept = Vec::new();
        while let Ok((s, _)) = hole.accept().await {
            kept.push(s);
        }
    });
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{hole_port}/hole"),
        "partner.suspended partner.decommissioned",
    )
    .await;
    endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{port}/healthy"),
        "partner.suspended partner.decommissioned",
    )
    .await;
    let started = Instant::now();
    suspend(&app, &mut t, &id, true).await;
    let got = rx.wait_for("healthy", 1, 5).await;
    assert!(
        got[0].at - started < Duration::from_secs(2),
        "{:?}",
        got[0].at - started
    );
    // A second event while the silent endpoint still holds its first one.
    let started = Instant::now();
    let res = app
        .post(
            &mut t.owner,
            "/rpc/integrations/partners/decommission",
            &[("id", &id), ("reason", "test")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let got = rx.wait_for("healthy", 2, 5).await;
    assert!(
        got[1].at - started < Duration::from_secs(2),
        "{:?}",
        got[1].at - started
    );
}

#[tokio::test]
async fn scopes_decide_which_events_an_endpoint_may_receive() {
    let app = app().await;
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    let p = panel(&app, &mut t, &id).await;
    let created = p["catalogue"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "invitation.created")
        .unwrap();
    assert_eq!(created["allowed"], false);
    assert_eq!(created["scope"], "invitations:read");
    let res = add_endpoint(
        &app,
        &mut t,
        &id,
        "http://127.0.0.1:9/h",
        "invitation.created",
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("invitations:read"));
    let res = add_endpoint(&app, &mut t, &id, "http://127.0.0.1:9/h", "nonsense.event").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Another tenant cannot see or touch this partner's webhooks.
    let (_, mut other) = app.manager("company").await;
    let res = app
        .post(
            &mut other,
            "/rpc/integrations/webhooks",
            &[("partner", &id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_mapping_preview_is_what_the_partner_receives() {
    let app = app().await;
    let (rx, port) = Receiver::start().await;
    let mut t = tenant(&app).await;
    let (id, _, _) = approved_partner(&app, &mut t, "partner:ping").await;
    endpoint(
        &app,
        &mut t,
        &id,
        &format!("http://127.0.0.1:{port}/mapped"),
        "partner.suspended",
    )
    .await;
    let rules = r#"[{"op":"rename","field":"status","to":"state"},
                    {"op":"constant","field":"source","value":"gatehouse"},
                    {"op":"drop","field":"partner_id"}]"#;
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/mapping/preview",
            &[
                ("partner", &id),
                ("event_type", "partner.suspended"),
                ("rules", rules),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let preview: Value = res.json().await.unwrap();
    let after: Value = serde_json::from_str(preview["after"].as_str().unwrap()).unwrap();
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/mapping/save",
            &[("partner", &id), ("rules", rules)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let editor: Value = res.json().await.unwrap();
    assert_eq!(editor["version"], 1);
    // The editor comes with its first preview, under the rules now in use.
    let first: Value = serde_json::from_str(editor["preview"]["after"].as_str().unwrap()).unwrap();
    assert_eq!(first["source"], "gatehouse");
    assert!(first.get("partner_id").is_none());

    suspend(&app, &mut t, &id, true).await;
    let got = rx.wait_for("mapped", 1, 10).await;
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["data"], after, "delivered data = preview");
    assert_eq!(body["data"]["state"], "suspended");
    let version: Option<i32> =
        sqlx::query_scalar("SELECT mapping_version FROM webhook_messages LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(version, Some(1), "the message records the mapping version");

    // A rule may only name what the partner's scopes let it receive.
    let res = app
        .post(
            &mut t.manager,
            "/rpc/integrations/webhooks/mapping/save",
            &[
                ("partner", &id),
                ("rules", r#"[{"op":"drop","field":"invitation_id"}]"#),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Rule 1: invitation_id is not a field"));
}
