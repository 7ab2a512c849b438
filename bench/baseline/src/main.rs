//! Baseline server for `bench/pages.sh`: bare axum + maud, no middleware, doing the same SQL
//! and the same writes as the Gatehouse route each benchmark target pairs it with.
//!
//! - `GET /healthz`: the constant `ok` (G1b pairs it with Gatehouse's `/healthz`, which passes
//!   Gatehouse's whole middleware stack).
//! - `GET /register?token=…&org=…` (G1): the invitation looked up by the SHA-256 of its token
//!   joined with its organisation, a `viewed` audit event inserted for an open one, the
//!   account-exists check, and a registration form of comparable size rendered with maud.
//!
//! - `gatehouse-baseline argon2 SECONDS` (G6): no server; hashes passwords with Argon2id at
//!   Gatehouse's parameters (m = 19,456 KiB, t = 2, p = 1, a fresh salt each) on one thread
//!   for SECONDS and prints the hashes per second.
//!
//! Environment: `DATABASE_URL`, `BASELINE_ADDR` (default `127.0.0.1:3900`),
//! `BASELINE_POOL` (connections, default 20: the size of Gatehouse's pool).

use axum::{
    extract::{ConnectInfo, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use maud::{html, Markup, DOCTYPE};
use sha2::{Digest, Sha256};
use sqlx::{postgres::PgPoolOptions, PgPool, Row};
use std::net::SocketAddr;
use uuid::Uuid;

#[derive(serde::Deserialize)]
struct RegisterQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    org: String,
}

struct Facts {
    id: Uuid,
    organisation_id: Uuid,
    organisation_name: String,
    email: String,
    first_name: String,
    last_name: String,
    role: String,
    status: String,
    overdue: bool,
    expires_at: time::OffsetDateTime,
}

async fn healthz() -> &'static str {
    "ok"
}

/// The document around a page, as Gatehouse's: the stylesheet, the module preloads, and the
/// script that loads the browser app (Gatehouse's is the same size), with a CSP nonce.
fn page(title: &str, nonce: &str, body: Markup, data: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" id="gatehouse" href="/assets/0/pkg/gatehouse.css";
                link rel="modulepreload" href="/assets/0/pkg/gatehouse.js" crossorigin=(nonce);
                link rel="preload" href="/assets/0/pkg/gatehouse.wasm" as="fetch" type="application/wasm" crossorigin=(nonce);
                script type="module" nonce=(nonce) {
                    (maud::PreEscaped(r#"(function (root, pkg_path, output_name, wasm_output_name, defer) {
	const start = () =>
		import(`${root}/${pkg_path}/${output_name}.js`)
			.then(mod => {
				mod.default({module_or_path: `${root}/${pkg_path}/${wasm_output_name}.wasm`}).then(() => {
					mod.start();
				});
			});
	if (defer && "requestIdleCallback" in window) {
		window.requestIdleCallback(start, { timeout: 2000 });
	} else {
		start();
	}
})
("/assets/0", "pkg", "gatehouse", "gatehouse", false);"#))
                }
                title { (title) " · Gatehouse" }
            }
            body {
                a class="skip-link" href="#main" { "Skip to content" }
                main id="main" class="auth-page" {
                    div class="auth-card auth-card-wide" {
                        p class="brand" { "Gatehouse" }
                        (body)
                    }
                }
                div role="status" aria-live="polite" class="toast-region" {}
                script nonce=(nonce) { "window.__STATE = " (maud::PreEscaped(data)) ";" }
            }
        }
    }
}

fn detail(label: &str, value: &str) -> Markup {
    html! {
        div class="detail" { dt class="detail-label" { (label) } dd class="detail-value" { (value) } }
    }
}

fn field(id: &str, name: &str, label: &str, kind: &str, value: &str, hint: Option<&str>) -> Markup {
    let autocomplete = match name {
        "first_name" => "given-name",
        "last_name" => "family-name",
        _ => "new-password",
    };
    html! {
        div class="field" {
            div class="field-label-row" {
                label for=(id) class="field-label" { (label) }
                span aria-hidden="true" class="field-required" { "*" }
            }
            @if let Some(h) = hint { p id={(id) "-hint"} class="field-hint" { (h) } }
            input id=(id) name=(name) type=(kind) required autocomplete=(autocomplete)
                aria-describedby=[hint.map(|_| format!("{id}-hint"))] value=(value) class="input";
            p id={(id) "-error"} aria-live="polite" class="field-error" {}
        }
    }
}

async fn register(
    State(pool): State<PgPool>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<RegisterQuery>,
) -> Response {
    let raw = hex::decode(q.token.as_bytes())
        .ok()
        .filter(|r| r.len() == 32);
    let org = Uuid::parse_str(&q.org).ok();
    let facts = match (raw, org) {
        (Some(raw), Some(org)) => {
            let hash: [u8; 32] = Sha256::digest(&raw).into();
            let row = sqlx::query(
                "SELECT i.id, i.organisation_id, o.name AS organisation_name,
                        o.kind AS organisation_kind, i.email::text AS email, i.first_name,
                        i.last_name, i.role, i.designation, i.department, i.status,
                        (i.status = 'pending' AND i.expires_at <= now()) AS overdue, i.expires_at,
                        i.inviter_id
                   FROM invitations i JOIN organisations o ON o.id = i.organisation_id
                  WHERE i.token_hash = $1",
            )
            .bind(&hash[..])
            .fetch_optional(&pool)
            .await;
            match row {
                Ok(r) => r
                    .map(|r| Facts {
                        id: r.get("id"),
                        organisation_id: r.get("organisation_id"),
                        organisation_name: r.get("organisation_name"),
                        email: r.get("email"),
                        first_name: r.get("first_name"),
                        last_name: r.get("last_name"),
                        role: r.get("role"),
                        status: r.get("status"),
                        overdue: r.get("overdue"),
                        expires_at: r.get("expires_at"),
                    })
                    .filter(|f| f.organisation_id == org),
                Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
        _ => None,
    };
    let Some(f) = facts.filter(|f| f.status == "pending" && !f.overdue) else {
        let body = page(
            "Invitation",
            "none",
            html! { h1 { "This invitation link is not valid" } },
            "null",
        );
        return (StatusCode::NOT_FOUND, no_store(), Html(body.into_string())).into_response();
    };
    let request_id = Uuid::new_v4().simple().to_string();
    let audit = sqlx::query(
        "INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind,
                actor_user_id, actor_partner_id, actor_api_token_id, ip, user_agent, request_id,
                detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::inet, $10, $11, $12)",
    )
    .bind(f.organisation_id)
    .bind("invitation")
    .bind(f.id)
    .bind("viewed")
    .bind("anonymous")
    .bind(None::<Uuid>)
    .bind(None::<Uuid>)
    .bind(None::<Uuid>)
    .bind(peer.ip().to_string())
    .bind(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    )
    .bind(request_id)
    .bind(serde_json::json!({}))
    .execute(&pool)
    .await;
    if audit.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let exists = sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM users WHERE email = $1::citext)",
    )
    .bind(&f.email)
    .fetch_one(&pool)
    .await;
    let Ok(account_exists) = exists else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let nonce = Uuid::new_v4().simple().to_string();
    let now = time::OffsetDateTime::now_utc();
    let left = f.expires_at - now;
    let expires = f
        .expires_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let data = serde_json::json!({
        "organisation_name": f.organisation_name, "role_label": f.role, "email": f.email,
        "first_name": f.first_name, "last_name": f.last_name,
        "expires_at": f.expires_at.unix_timestamp(), "server_now": now.unix_timestamp(),
        "password_min_chars": 15, "account_exists": account_exists,
    })
    .to_string();
    let body = html! {
        h1 class="page-title" { "Join " (f.organisation_name) }
        p class="page-subtitle" { "You have been invited. Check your details, choose a password, and you are in." }
        div class="countdown" {
            p class="countdown-label" { "Time left to register" }
            p role="timer" aria-atomic="true" class="countdown-value" {
                (left.whole_days()) " days, " (left.whole_hours() % 24) " hours, "
                (left.whole_minutes() % 60) " minutes"
            }
            p class="sr-only" { "This link expires on " (expires) "." }
        }
        dl class="details" {
            (detail("Organisation", &f.organisation_name))
            (detail("Role", &f.role))
            (detail("Email address", &f.email))
        }
        @if account_exists {
            p class="banner" { "An account with this email exists: sign in to accept." }
        }
        form method="post" action="/rpc/registration/complete" novalidate class="form-stack" {
            input type="hidden" name="token" value=(q.token);
            input type="hidden" name="org" value=(q.org);
            div class="grid-2" {
                (field("first-name", "first_name", "First name", "text", &f.first_name, None))
                (field("last-name", "last_name", "Last name", "text", &f.last_name, None))
            }
            (field("password", "password", "Password", "password", "", Some("At least 15 characters. Long passphrases are welcome; common passwords are refused.")))
            (field("password-confirmation", "password_confirmation", "Confirm password", "password", "", None))
            button type="submit" class="btn btn-primary w-full" { "Complete Registration" }
        }
    };
    (
        StatusCode::OK,
        no_store(),
        Html(page("Complete Registration", &nonce, body, &data).into_string()),
    )
        .into_response()
}

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// G6's baseline: Argon2id hashes per second on this thread.
fn argon2_loop(seconds: f64) {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let argon = argon2::Argon2::default();
    let start = std::time::Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        let salt = SaltString::generate(&mut OsRng);
        argon
            .hash_password(b"cedar meadow lantern 27 bench", &salt)
            .expect("hashing");
        n += 1;
    }
    println!("{:.2}", n as f64 / start.elapsed().as_secs_f64());
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("argon2") {
        argon2_loop(args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5.0));
        return;
    }
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let pool_size = std::env::var("BASELINE_POOL")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let pool = PgPoolOptions::new()
        .max_connections(pool_size)
        .connect(&url)
        .await
        .expect("connecting to the database");
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/register", get(register))
        .with_state(pool);
    let addr = std::env::var("BASELINE_ADDR").unwrap_or_else(|_| "127.0.0.1:3900".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("binding");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .expect("serving");
}
