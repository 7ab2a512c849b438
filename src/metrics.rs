//! `GET /metrics`: counters in the Prometheus text exposition format, encoded by the
//! `prometheus-client` crate.
//!
//! The counts come from the append-only audit tables at scrape time, not from process memory,
//! so every instance behind a load balancer answers the same totals and a restart loses
//! nothing. The endpoint is not public: it is off unless `GATEHOUSE_METRICS_TOKEN` is set, and
//! then a scrape must send `Authorization: Bearer <token>`.
//!
//! | metric | labels | counts audit events |
//! | --- | --- | --- |
//! | `gatehouse_invites_created_total` | `org_id` | invite codes `created` |
//! | `gatehouse_invites_used_total` | `org_id` | invite codes `redeemed` |
//! | `gatehouse_invitations_created_total` | | member invitations `created` |
//! | `gatehouse_invitations_accepted_total` | | member invitations `accepted` |
//! | `gatehouse_invitations_revoked_total` | | member invitations `revoked` |
//! | `gatehouse_partner_scope_violations_total` | `partner_id` | partner API calls refused for a missing scope |

use crate::state::AppState;
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, family::Family},
    registry::Registry,
};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

/// Compares the presented bearer token with the configured one. Both are hashed first, so the
/// comparison time says nothing about the token.
fn authorised(headers: &HeaderMap, expected: &str) -> bool {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    !presented.is_empty() && Sha256::digest(presented) == Sha256::digest(expected)
}

/// The counters, read from the audit tables.
///
/// # Errors
/// Database errors.
pub async fn render(pool: &sqlx::PgPool) -> Result<String, sqlx::Error> {
    let per_org = sqlx::query!(
        r#"SELECT organisation_id,
                count(*) FILTER (WHERE action = 'created') AS "created!",
                count(*) FILTER (WHERE action = 'redeemed') AS "redeemed!"
           FROM audit_events
          WHERE subject_type = 'invite_code' AND action IN ('created', 'redeemed')
          GROUP BY organisation_id ORDER BY organisation_id"#
    )
    .fetch_all(pool)
    .await?;
    let invitations = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE action = 'created') AS "created!",
                count(*) FILTER (WHERE action = 'accepted') AS "accepted!",
                count(*) FILTER (WHERE action = 'revoked') AS "revoked!"
           FROM audit_events
          WHERE subject_type = 'invitation' AND action IN ('created', 'accepted', 'revoked')"#
    )
    .fetch_one(pool)
    .await?;

    let violations = sqlx::query!(
        r#"SELECT subject_id, count(*) AS "violations!" FROM audit_events
          WHERE subject_type = 'partner' AND action = 'scope_violation'
          GROUP BY subject_id ORDER BY subject_id"#
    )
    .fetch_all(pool)
    .await?;

    let webhooks_disabled = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_events
            WHERE subject_type = 'webhook_endpoint' AND action = 'webhook_endpoint_disabled'"#
    )
    .fetch_one(pool)
    .await?;

    let mut registry = Registry::default();
    let scope_violations = Family::<Vec<(String, String)>, Counter>::default();
    for row in violations {
        scope_violations
            .get_or_create(&vec![("partner_id".to_owned(), row.subject_id.to_string())])
            .inc_by(row.violations as u64);
    }
    registry.register(
        "gatehouse_partner_scope_violations",
        "Partner API calls refused for a missing scope, per partner",
        scope_violations,
    );
    let codes_created = Family::<Vec<(String, String)>, Counter>::default();
    let codes_used = Family::<Vec<(String, String)>, Counter>::default();
    for row in per_org {
        let labels = vec![("org_id".to_owned(), row.organisation_id.to_string())];
        codes_created
            .get_or_create(&labels)
            .inc_by(row.created as u64);
        codes_used
            .get_or_create(&labels)
            .inc_by(row.redeemed as u64);
    }
    registry.register(
        "gatehouse_invites_created",
        "Invite codes created, per organisation",
        codes_created,
    );
    registry.register(
        "gatehouse_invites_used",
        "Invite code redemptions, per organisation",
        codes_used,
    );
    for (name, help, value) in [
        (
            "gatehouse_invitations_created",
            "Member invitations created",
            invitations.created,
        ),
        (
            "gatehouse_invitations_accepted",
            "Member invitations accepted",
            invitations.accepted,
        ),
        (
            "gatehouse_invitations_revoked",
            "Member invitations revoked",
            invitations.revoked,
        ),
        (
            "gatehouse_webhook_endpoints_disabled",
            "Webhook endpoints disabled after consecutive failed deliveries or a 410 (LOG-01)",
            webhooks_disabled,
        ),
    ] {
        let counter = Counter::<u64>::default();
        counter.inc_by(value as u64);
        registry.register(name, help, counter);
    }
    let mut out = String::new();
    encode(&mut out, &registry).expect("writing to a String cannot fail");
    Ok(out)
}

/// The `/metrics` handler: 404 when no token is configured, 401 with
/// `WWW-Authenticate: Bearer` without the right token (RFC 6750 section 3), otherwise the
/// OpenMetrics text.
pub async fn handler(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config.metrics_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !authorised(&headers, token.expose_secret()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
            "A bearer token is required.\n",
        )
            .into_response();
    }
    match render(&state.pool).await {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "rendering metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
