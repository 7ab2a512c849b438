//! Baseline server for `bench/pages.sh`: bare axum + maud, no middleware, doing the same SQL
//! and the same writes as the Gatehouse route each benchmark target pairs it with.
//!
//! - `GET /healthz`: the constant `ok` (G1b pairs it with Gatehouse's `/healthz`, which passes
//!   Gatehouse's whole middleware stack).
//! - `GET /register?token=…&org=…` (G1): the invitation looked up by the SHA-256 of its token
//!   joined with its organisation, a `viewed` audit event inserted for an open one, the
//!   account-exists check, and a registration form of comparable size rendered with maud,
//!   with the same inline page script and the same rules on its fields (the page is served
//!   without the browser app: no loader, no state for a hydration).
//!
//! - `GET /list?status=pending&cursor=…` with a session cookie (G2, G3): the invitation list
//!   page's statements (the session row, the user and membership it names, the page of 50
//!   invitations, the invite dialog's organisations, the reminder setting, the session saved
//!   again with its inactivity expiry pushed back) and the same 50 rows rendered with maud,
//!   with their data for the browser as JSON, as Gatehouse's page carries it.
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

/// The scripts a page carries, as Gatehouse's: the browser app's loader with the state
/// serialised for its hydration, or, on a page served without the app (the registration
/// page), Gatehouse's own page script inline.
enum Scripts<'a> {
    App { data: &'a str },
    PageScript,
}

/// Gatehouse's `src/app/page_script.js` as Gatehouse's pages carry it: the same function.
#[path = "../../../src/app/page_script.rs"]
mod page_script;
use page_script::page_script;

/// The document around a page, as Gatehouse's: the stylesheet, then the module preloads and
/// the script that loads the browser app (Gatehouse's is the same size) or the page script,
/// with a CSP nonce.
fn page(title: &str, nonce: &str, body: Markup, scripts: Scripts) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" id="gatehouse" href="/assets/0/pkg/gatehouse.css";
                @match scripts {
                    Scripts::App { .. } => {
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
                    }
                    Scripts::PageScript => {
                        script type="module" nonce=(nonce) { (maud::PreEscaped(page_script())) }
                    }
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
                @if let Scripts::App { data } = scripts {
                    script nonce=(nonce) { "window.__STATE = " (maud::PreEscaped(data)) ";" }
                }
            }
        }
    }
}

fn detail(label: &str, value: &str) -> Markup {
    html! {
        div class="detail" { dt class="detail-label" { (label) } dd class="detail-value" { (value) } }
    }
}

/// The rule a registration field carries for Gatehouse's page script, with its message.
enum Rule {
    Required,
    MinChars(usize),
    SameAs(&'static str),
}

fn field(
    id: &str,
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    hint: Option<&str>,
    rule: Rule,
) -> Markup {
    let (required, min, same) = match rule {
        Rule::Required => (Some("This field is required."), None, None),
        Rule::MinChars(n) => (None, Some((n, format!("Use at least {n} characters."))), None),
        Rule::SameAs(other) => (None, None, Some((other, "The passwords do not match."))),
    };
    let autocomplete = match name {
        "first_name" => "given-name",
        "last_name" => "family-name",
        _ => "new-password",
    };
    html! {
        div data-required-message=[required] data-min-chars=[min.as_ref().map(|m| m.0)]
            data-min-chars-message=[min.as_ref().map(|m| m.1.as_str())] data-same-as=[same.map(|s| s.0)]
            data-same-as-message=[same.map(|s| s.1)] class="field" {
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
            Scripts::PageScript,
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
    let body = html! {
        h1 class="page-title" { "Join " (f.organisation_name) }
        p class="page-subtitle" { "You have been invited. Check your details, choose a password, and you are in." }
        div class="countdown" {
            p class="countdown-label" { "Time left to register" }
            p role="timer" aria-atomic="true" data-remaining=(left.whole_seconds()) class="countdown-value" {
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
        form method="post" action="/rpc/registration/complete" novalidate data-checked="" class="form-stack" {
            input type="hidden" name="token" value=(q.token);
            input type="hidden" name="org" value=(q.org);
            div class="grid-2" {
                (field("first-name", "first_name", "First name", "text", &f.first_name, None, Rule::Required))
                (field("last-name", "last_name", "Last name", "text", &f.last_name, None, Rule::Required))
            }
            (field("password", "password", "Password", "password", "", Some("At least 15 characters. Long passphrases are welcome; common passwords are refused."), Rule::MinChars(15)))
            (field("password-confirmation", "password_confirmation", "Confirm password", "password", "", None, Rule::SameAs("password")))
            button type="submit" class="btn btn-primary w-full" data-pending-label="Creating your account…" { "Complete Registration" }
        }
    };
    (
        StatusCode::OK,
        no_store(),
        Html(page("Complete Registration", &nonce, body, Scripts::PageScript).into_string()),
    )
        .into_response()
}

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

#[derive(serde::Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    cursor: String,
}

/// One listed invitation, as the page shows it and sends it to the browser.
#[derive(serde::Serialize)]
struct ListedRow {
    id: Uuid,
    organisation_name: String,
    email: String,
    first_name: String,
    last_name: String,
    role_label: String,
    designation: Option<String>,
    department: Option<String>,
    status: String,
    delivery: Option<String>,
    inviter_name: Option<String>,
    created_at: i64,
    expires_at: i64,
    last_sent_at: Option<i64>,
    resend_count: i32,
    can_resend: bool,
    can_revoke: bool,
}

/// tower-sessions' record, the MessagePack array `[id, data, expiry]`: the data is what is read.
#[derive(serde::Deserialize)]
struct SessionRecord(
    serde::de::IgnoredAny,
    std::collections::HashMap<String, serde_json::Value>,
    serde::de::IgnoredAny,
);

fn unavailable<E>(_: E) -> Response {
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

/// G2 and G3's baseline: the invitation list page (see the module's documentation).
async fn list(
    State(pool): State<PgPool>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    // The session: tower-sessions' row, MessagePack, as Gatehouse's session layer reads it.
    let Some(sid) = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split("; ").find_map(|kv| kv.strip_prefix("gatehouse=")))
        .map(str::to_owned)
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let data: Option<Vec<u8>> = match sqlx::query_scalar(
        r#"select data from "tower_sessions"."session" where id = $1 and expiry_date > $2"#,
    )
    .bind(&sid)
    .bind(time::OffsetDateTime::now_utc())
    .fetch_optional(&pool)
    .await
    {
        Ok(d) => d,
        Err(e) => return unavailable(e),
    };
    let Some(stored) = data else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(record) = rmp_serde::from_slice::<SessionRecord>(&stored) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let key = |k: &str| {
        record.1.get(k)?
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    let (Some(user_id), Some(org_id)) = (key("gatehouse.user_id"), key("gatehouse.org_id")) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let user = match sqlx::query(
        r#"SELECT COALESCE(u.email::text, u.did) AS "email!", u.first_name, u.last_name, m.role,
                o.name AS org_name, o.kind AS org_kind
           FROM users u
           JOIN memberships m ON m.user_id = u.id
           JOIN organisations o ON o.id = m.organisation_id
          WHERE u.id = $1 AND m.organisation_id = $2"#,
    )
    .bind(user_id)
    .bind(org_id)
    .fetch_optional(&pool)
    .await
    {
        Ok(Some(u)) => u,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(e) => return unavailable(e),
    };
    let org_name: String = user.get("org_name");
    let display_name = format!(
        "{} {}",
        user.get::<String, _>("first_name"),
        user.get::<String, _>("last_name")
    );

    // The page, the dialog's organisations and the reminder setting, as Gatehouse's page
    // asks for them: at once.
    let before = q.cursor.split_once('.').and_then(|(micros, id)| {
        let micros: i128 = micros.parse().ok()?;
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).ok()?;
        Some((at, Uuid::parse_str(id).ok()?))
    });
    let mut sql = String::from(
        "SELECT i.id, i.organisation_id, o.name AS organisation_name,
                o.kind AS organisation_kind, i.email::text AS email, i.first_name,
                i.last_name, i.role, i.designation, i.department, i.status,
                (i.status = 'pending' AND i.expires_at <= now()) AS overdue, i.expires_at,
                i.inviter_id, i.created_at, i.last_sent_at, i.resend_count,
                inviter.first_name || ' ' || inviter.last_name AS inviter_name,
                (SELECT e.status FROM email_outbox e WHERE e.invitation_id = i.id
                  ORDER BY e.id DESC LIMIT 1) AS delivery
           FROM invitations i JOIN organisations o ON o.id = i.organisation_id
           LEFT JOIN users inviter ON inviter.id = i.inviter_id
          WHERE true AND i.organisation_id = $1",
    );
    if q.status == "pending" {
        sql.push_str(" AND i.status = 'pending' AND i.expires_at > now()");
    }
    if before.is_some() {
        sql.push_str(" AND (i.created_at, i.id) < ($2, $3)");
    }
    sql.push_str(" ORDER BY i.created_at DESC, i.id DESC LIMIT 51");
    let mut listing = sqlx::query(&sql).bind(org_id);
    if let Some((at, id)) = before {
        listing = listing.bind(at).bind(id);
    }
    let (rows, orgs, reminders) = tokio::join!(
        listing.fetch_all(&pool),
        sqlx::query(
            "SELECT id, name, kind FROM organisations
              WHERE $1::uuid IS NULL OR id = $1
              ORDER BY (id = $2) DESC, kind = 'platform' DESC, name",
        )
        .bind(Some(org_id))
        .bind(org_id)
        .fetch_all(&pool),
        sqlx::query_scalar::<_, bool>("SELECT expiry_reminders FROM organisations WHERE id = $1")
            .bind(org_id)
            .fetch_one(&pool),
    );
    let (mut rows, orgs, reminders) = match (rows, orgs, reminders) {
        (Ok(r), Ok(o), Ok(m)) => (r, o, m),
        _ => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let next_cursor = (rows.len() > 50).then(|| {
        rows.truncate(50);
        let last = &rows[49];
        let at: time::OffsetDateTime = last.get("created_at");
        format!("{}.{}", at.unix_timestamp_nanos() / 1000, last.get::<Uuid, _>("id"))
    });
    let rows: Vec<ListedRow> = rows
        .iter()
        .map(|r| {
            let status: String = r.get("status");
            let status = if r.get::<bool, _>("overdue") { "expired".to_owned() } else { status };
            ListedRow {
                id: r.get("id"),
                organisation_name: r.get("organisation_name"),
                email: r.get("email"),
                first_name: r.get("first_name"),
                last_name: r.get("last_name"),
                role_label: r.get("role"),
                designation: r.get("designation"),
                department: r.get("department"),
                can_resend: status == "pending" || status == "expired",
                can_revoke: status == "pending",
                status,
                delivery: r.get("delivery"),
                inviter_name: r.get("inviter_name"),
                created_at: r.get::<time::OffsetDateTime, _>("created_at").unix_timestamp(),
                expires_at: r.get::<time::OffsetDateTime, _>("expires_at").unix_timestamp(),
                last_sent_at: r
                    .get::<Option<time::OffsetDateTime>, _>("last_sent_at")
                    .map(|t| t.unix_timestamp()),
                resend_count: r.get("resend_count"),
            }
        })
        .collect();
    let orgs: Vec<(Uuid, String, String)> = orgs
        .iter()
        .map(|o| (o.get("id"), o.get("name"), o.get("kind")))
        .collect();

    // The session saved again, its inactivity expiry pushed back (Gatehouse saves every
    // request's session: `with_always_save`).
    // The record is encoded again, as the session layer does, but the row keeps the bytes it
    // had (the decoded form here is not the typed record; Gatehouse reads the same rows).
    let expiry = time::OffsetDateTime::now_utc() + time::Duration::minutes(30);
    if rmp_serde::to_vec(&record.1).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let encoded = stored;
    if let Err(e) = sqlx::query(
        r#"insert into "tower_sessions"."session" (id, data, expiry_date)
           values ($1, $2, $3)
           on conflict (id) do update
           set data = excluded.data, expiry_date = excluded.expiry_date"#,
    )
    .bind(&sid)
    .bind(encoded)
    .bind(expiry)
    .execute(&pool)
    .await
    {
        return unavailable(e);
    }

    let when = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map(|t| format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute()))
            .unwrap_or_default()
    };
    let nonce = Uuid::new_v4().simple().to_string();
    let data = serde_json::json!({
        "session": { "display_name": display_name, "organisation_name": org_name },
        "organisations": orgs,
        "page": { "invitations": &rows, "next_cursor": &next_cursor },
        "reminders": reminders,
    })
    .to_string();
    let body = html! {
        header class="app-header" {
            div class="app-header-inner" {
                a href="/company" class="brand" { "Gatehouse" }
                nav aria-label="Main" class="app-nav" {
                    a href="/company" class="nav-link" { "Dashboard" }
                    a href="/company/manage-invitations" class="nav-link" { "Member Invitations" }
                    a href="/company/invite-codes" class="nav-link" { "Invite codes" }
                    a href="/integrations" class="nav-link" { "Integrations" }
                    a href="/analytics" class="nav-link" { "Analytics" }
                    a href="/audit-log" class="nav-link" { "Audit log" }
                }
                div class="app-user" {
                    p class="app-user-name" { (display_name) span class="app-user-org" { (org_name) " · Owner" } }
                    form method="post" action="/rpc/auth/sign-out" { button type="submit" class="btn btn-secondary" { "Sign out" } }
                }
            }
        }
        div class="page-head" {
            div {
                h1 class="page-title" { "Member Invitations" }
                p class="page-subtitle" { "Invite people, follow each invitation, resend or revoke it." }
            }
        }
        form class="filters" role="search" aria-label="Filter invitations" method="get" {
            div class="field" {
                label for="filter-status" class="field-label" { "Status" }
                select id="filter-status" name="status" class="input" {
                    @for (v, l) in [("", "All statuses"), ("pending", "Pending"), ("accepted", "Accepted"), ("expired", "Expired"), ("revoked", "Revoked")] {
                        option value=(v) selected[v == q.status] { (l) }
                    }
                }
            }
            div class="field" {
                label for="filter-search" class="field-label" { "Search by email" }
                input id="filter-search" name="search" type="search" value="" class="input";
            }
            div class="filters-submit" { button type="submit" class="btn btn-secondary" { "Search" } }
        }
        div class="table-wrap" {
            table class="table" {
                caption class="sr-only" { "Invitations, newest first" }
                thead { tr {
                    th scope="col" { "Invitee" } th scope="col" class="hide-sm" { "Role" }
                    th scope="col" { "Status" } th scope="col" class="hide-sm" { "Email" }
                    th scope="col" class="hide-sm" { "Expiry" }
                    th scope="col" { span class="sr-only" { "Actions" } }
                } }
                tbody {
                    @for r in &rows {
                        tr {
                            td {
                                p class="cell-primary" { (r.first_name) " " (r.last_name) }
                                p class="cell-secondary" { (r.email) }
                                @if let Some(d) = &r.designation { p class="cell-secondary" { (d) } }
                                p class="cell-secondary md:hidden" { (r.role_label) }
                            }
                            td class="hide-sm" { (r.role_label) }
                            td { span class="badge badge-orange" { (r.status) } }
                            td class="hide-sm" { span class="badge badge-gray" { (r.delivery.as_deref().unwrap_or("Not sent")) } }
                            td class="hide-sm cell-secondary" { "Expires " (when(r.expires_at)) }
                            td { div class="row-actions" {
                                @if r.can_resend { button type="button" class="btn btn-secondary btn-sm" aria-label={"Resend invitation to " (r.email)} { "Resend" } }
                                @if r.can_revoke { button type="button" class="btn btn-danger-outline btn-sm" aria-label={"Revoke invitation to " (r.email)} { "Revoke" } }
                                button type="button" class="btn btn-ghost btn-sm" aria-label={"History of the invitation to " (r.email)} { "History" }
                            } }
                        }
                    }
                }
            }
        }
        p class="mt-6 pager" {
            @if let Some(c) = &next_cursor {
                a class="btn btn-secondary" href={"/company/manage-invitations?status=" (q.status) "&cursor=" (c)} { "Load more" }
            }
        }
        section aria-labelledby="reminders-heading" class="card mt-6" {
            h2 id="reminders-heading" class="section-title" { "Expiry reminders" }
            label class="checkbox-label" {
                input type="checkbox" class="checkbox" checked[reminders];
                "Email each invitee of " (org_name) " one reminder 24 hours before their invitation expires, with the same link."
            }
        }
    };
    (
        StatusCode::OK,
        no_store(),
        Html(page("Member Invitations", &nonce, body, Scripts::App { data: &data }).into_string()),
    )
        .into_response()
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
        .route("/list", get(list))
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
