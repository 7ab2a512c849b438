//! The rules of partner webhooks: who manages endpoints (the people of the Integrations area,
//! for their own tenant's partners), what an endpoint is (a URL the SSRF guard accepts, event
//! types from the catalogue that the partner's scopes cover), the signing secrets, test events
//! and re-enabling, replays, the delivery log, and [`emit`], which queues an event for a
//! partner in the caller's transaction.

pub mod delivery;
mod schema_mapping;
pub mod signing;

pub use schema_mapping::{mapping_editor, preview_mapping, save_mapping};

use super::{
    dto::{
        AttemptDto, CreatedEndpoint, DeliveryLog, DeliveryResult, EndpointDto, EventTypeDto,
        RotatedEndpointSecret, WebhookPanel,
    },
    repo::{self, EndpointRow, NewEndpoint},
};
use crate::{
    audit::{self, Actor, Event, Subject, WebhookEndpointAction},
    auth::session::CurrentUser,
    domain::{
        webhook_mapping::{self as mapping, MappingRule},
        OrgKind, WebhookEventType,
    },
    error::{AppError, FieldErrors},
    outbound,
    partners::repo::{self as partners_repo, PartnerRow},
    security::RequestContext,
    state::AppState,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// Endpoints one partner may have.
pub const MAX_ENDPOINTS: usize = 10;
/// Attempts an endpoint's page lists.
const LOG_SIZE: i64 = 100;
/// How long a replaced signing secret keeps signing (both signatures are sent meanwhile).
pub const SECRET_OVERLAP: time::Duration = time::Duration::hours(24);

/// Who manages webhook endpoints: the people of the Integrations area of a tenant (tenant
/// admins and integration managers; platform admins keep providers, not partners).
pub fn may_manage(user: &CurrentUser) -> bool {
    user.org_kind != OrgKind::Platform && user.role.can_use_integrations(user.org_kind)
}

fn not_found() -> AppError {
    AppError::NotFound("There is no such webhook endpoint.".into())
}

const DB: &str = "webhooks: database failure";

/// Partner `id` of the user's tenant, or 404.
async fn partner_of(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<PartnerRow, AppError> {
    // Platform admins keep providers and see no tenant's partner: 404, as for partners.
    if !may_manage(user) {
        return Err(AppError::NotFound("There is no such partner.".into()));
    }
    partners_repo::partner(&state.pool, id, user.org_id)
        .await
        .map_err(AppError::internal::<sqlx::Error>(DB))?
        .ok_or_else(|| AppError::NotFound("There is no such partner.".into()))
}

/// Endpoint `id` of the user's tenant, or 404.
async fn endpoint_of(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<EndpointRow, AppError> {
    if !may_manage(user) {
        return Err(not_found());
    }
    repo::endpoint(&state.pool, id, user.org_id)
        .await
        .map_err(AppError::internal::<sqlx::Error>(DB))?
        .ok_or_else(not_found)
}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn endpoint_dto(e: &EndpointRow) -> EndpointDto {
    EndpointDto {
        id: e.id,
        url: e.url.clone(),
        description: e.description.clone(),
        event_types: e.event_types.clone(),
        enabled: e.enabled,
        disabled_at: e.disabled_at.map(unix),
        disabled_reason: e.disabled_reason.clone(),
        consecutive_failures: e.consecutive_failures,
        last_success_at: e.last_success_at.map(unix),
        secret_created_at: unix(e.secret_created_at),
        previous_secret_expires_at: e
            .previous_secret_expires_at
            .filter(|t| *t > OffsetDateTime::now_utc())
            .map(unix),
    }
}

/// Whether `scopes` let a partner receive `t`.
fn covered(t: WebhookEventType, scopes: &[String]) -> bool {
    t.required_scope()
        .is_none_or(|s| scopes.iter().any(|x| x == s.as_str()))
}

/// The webhook section of partner `id`.
///
/// # Errors
/// 403 outside the Integrations area; 404 for another tenant's partner.
pub async fn panel(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<WebhookPanel, AppError> {
    let p = partner_of(state, user, id).await?;
    let db = AppError::internal::<sqlx::Error>(DB);
    let rows = repo::endpoints(&state.pool, id).await.map_err(db)?;
    let (degraded, last) = repo::partner_health(&state.pool, id).await.map_err(db)?;
    Ok(WebhookPanel {
        partner_id: id,
        partner_name: p.name.clone(),
        endpoints: rows.iter().map(endpoint_dto).collect(),
        catalogue: WebhookEventType::ALL
            .into_iter()
            .map(|t| EventTypeDto {
                name: t.as_str().to_owned(),
                description: t.description().to_owned(),
                allowed: covered(t, &p.scopes),
                scope: t.required_scope().map(|s| s.as_str().to_owned()),
            })
            .collect(),
        degraded,
        last_delivery_at: last.map(unix),
    })
}

/// What a person typed to add an endpoint.
pub struct EndpointForm<'a> {
    pub url: &'a str,
    pub description: &'a str,
    /// Wire names from the catalogue.
    pub event_types: &'a [String],
}

/// Adds an endpoint to partner `partner` with a new signing secret, returned this once.
///
/// Rules: the URL passes the SSRF guard ([`outbound::check_url`], and its host resolves to
/// public addresses only); at least one event type, each from the catalogue and covered by the
/// partner's approved scopes (PRIV-01); a description of at most 200 characters; at most
/// [`MAX_ENDPOINTS`] endpoints per partner. Audited as `webhook_endpoint_added`.
///
/// # Errors
/// 403/404 as [`panel`]; 422 on `url`, `description` or `event_types`; 409 past the limit or
/// for a decommissioned partner.
pub async fn add_endpoint(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    partner: Uuid,
    form: &EndpointForm<'_>,
) -> Result<CreatedEndpoint, AppError> {
    let p = partner_of(state, user, partner).await?;
    if p.status == "decommissioned" {
        return Err(AppError::Conflict(
            "A decommissioned partner receives no webhooks.".into(),
        ));
    }
    let allow = &state.config.webhook_allow_hosts;
    let mut errors = FieldErrors::default();
    let url = match outbound::check_url(form.url, allow) {
        Ok(url) => match outbound::resolve_checked(url.host_str().unwrap_or_default(), allow).await
        {
            Ok(_) => Some(url),
            Err(e) => {
                errors.add("url", e.to_string());
                None
            }
        },
        Err(e) => {
            errors.add("url", e.to_string());
            None
        }
    };
    let description = form.description.trim();
    if description.chars().count() > 200 {
        errors.add("description", "Keep the description under 200 characters.");
    }
    let mut types: Vec<String> = Vec::new();
    for name in form.event_types {
        match WebhookEventType::parse(name.trim()) {
            Some(t) if covered(t, &p.scopes) => {
                if !types.iter().any(|x| x == t.as_str()) {
                    types.push(t.as_str().to_owned());
                }
            }
            Some(t) => errors.add(
                "event_types",
                format!(
                    "{} needs the scope {}, which this partner was not granted.",
                    t.as_str(),
                    t.required_scope().map_or("", |s| s.as_str())
                ),
            ),
            None => errors.add("event_types", format!("{name} is not an event type.")),
        }
    }
    if form.event_types.is_empty() {
        errors.add("event_types", "Choose at least one event type.");
    }
    errors.finish()?;
    let url = url.expect("checked above");
    let db = AppError::internal::<sqlx::Error>(DB);
    let mut tx = state.pool.begin().await.map_err(db)?;
    let existing = repo::endpoints(&mut *tx, partner).await.map_err(db)?;
    if existing.len() >= MAX_ENDPOINTS {
        return Err(AppError::Conflict(format!(
            "A partner has at most {MAX_ENDPOINTS} webhook endpoints."
        )));
    }
    let id = Uuid::new_v4();
    let (secret, sealed) = new_secret(state, id);
    repo::insert_endpoint(
        &mut tx,
        &NewEndpoint {
            id,
            organisation_id: user.org_id,
            partner_id: partner,
            url: url.as_str(),
            description,
            event_types: &types,
            secret: &sealed,
            created_by: user.user_id,
        },
    )
    .await
    .map_err(db)?;
    audit_endpoint(
        &mut tx,
        user.org_id,
        id,
        WebhookEndpointAction::Added,
        Actor::User(user.user_id),
        ctx,
        json!({ "partner_id": partner, "url": url.as_str(), "event_types": types }),
    )
    .await
    .map_err(db)?;
    let row = repo::endpoint(&mut *tx, id, user.org_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    tx.commit().await.map_err(db)?;
    Ok(CreatedEndpoint {
        endpoint: endpoint_dto(&row),
        secret: secret.expose_secret().to_owned(),
    })
}

/// A new signing secret for endpoint `id`, and its sealed form for the database.
fn new_secret(state: &AppState, id: Uuid) -> (SecretString, crate::crypto::Sealed) {
    let secret = signing::generate_secret();
    let sealed = state
        .config
        .encryption_keys
        .seal(secret.expose_secret().as_bytes(), &secret_aad(id));
    (secret, sealed)
}

/// The associated data binding a sealed signing secret to its endpoint.
pub(crate) fn secret_aad(endpoint: Uuid) -> Vec<u8> {
    format!("webhook_endpoint:{endpoint}:signing_secret").into_bytes()
}

/// The signing secrets of endpoint `id`, opened: the current one first.
pub(crate) fn open_secrets(state: &AppState, id: Uuid, s: &repo::Secrets) -> Vec<SecretString> {
    std::iter::once(&s.current)
        .chain(s.previous.as_ref())
        .filter_map(|sealed| {
            state
                .config
                .encryption_keys
                .open(sealed, &secret_aad(id))
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .map(SecretString::from)
        })
        .collect()
}

pub(crate) async fn audit_endpoint(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    action: WebhookEndpointAction,
    actor: Actor,
    ctx: &RequestContext,
    detail: Value,
) -> Result<(), sqlx::Error> {
    audit::record(
        &mut *conn,
        Event {
            organisation_id: org,
            subject: Subject::WebhookEndpoint(id, action),
            actor,
            ctx,
            detail,
        },
    )
    .await
}

/// Issues endpoint `id` a new signing secret, returned this once; the old one keeps signing
/// for [`SECRET_OVERLAP`] so the receiver can switch without losing messages. Audited.
///
/// # Errors
/// 403/404 as [`panel`].
pub async fn rotate_secret(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<RotatedEndpointSecret, AppError> {
    endpoint_of(state, user, id).await?;
    let db = AppError::internal::<sqlx::Error>(DB);
    let (secret, sealed) = new_secret(state, id);
    let until = OffsetDateTime::now_utc() + SECRET_OVERLAP;
    let mut tx = state.pool.begin().await.map_err(db)?;
    repo::rotate_secret(&mut tx, id, &sealed, until)
        .await
        .map_err(db)?;
    audit_endpoint(
        &mut tx,
        user.org_id,
        id,
        WebhookEndpointAction::SecretRotated,
        Actor::User(user.user_id),
        ctx,
        json!({ "previous_expires_at": crate::domain::rfc3339(until) }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(RotatedEndpointSecret {
        secret: secret.expose_secret().to_owned(),
        previous_expires_at: unix(until),
    })
}

/// Sends endpoint `id` a `webhook.test` message now and reports the answer; with
/// `reenable`, a disabled endpoint is enabled again only if the answer is a 2xx (audited).
///
/// # Errors
/// 403/404 as [`panel`].
pub async fn send_test(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    reenable: bool,
) -> Result<DeliveryResult, AppError> {
    let e = endpoint_of(state, user, id).await?;
    let body = envelope(
        "webhook.test",
        json!({ "endpoint_id": id, "partner_id": e.partner_id }),
    );
    let outcome = delivery::send_now(state, id, "webhook.test", &body)
        .await
        .map_err(AppError::internal::<sqlx::Error>(DB))?;
    let mut enabled = e.enabled;
    if reenable && !e.enabled && outcome.succeeded {
        let db = AppError::internal::<sqlx::Error>(DB);
        let mut tx = state.pool.begin().await.map_err(db)?;
        repo::enable(&mut tx, id).await.map_err(db)?;
        audit_endpoint(
            &mut tx,
            user.org_id,
            id,
            WebhookEndpointAction::Reenabled,
            Actor::User(user.user_id),
            ctx,
            json!({ "status_code": outcome.status_code }),
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        enabled = true;
    }
    Ok(DeliveryResult {
        succeeded: outcome.succeeded,
        status_code: outcome.status_code,
        duration_ms: outcome.duration_ms,
        error: outcome.error,
        enabled,
    })
}

/// Endpoint `id`'s page: the endpoint and its newest attempts.
///
/// # Errors
/// 403/404 as [`panel`].
pub async fn log(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<DeliveryLog, AppError> {
    let e = endpoint_of(state, user, id).await?;
    let p = partner_of(state, user, e.partner_id).await?;
    let rows = repo::attempts(&state.pool, id, LOG_SIZE)
        .await
        .map_err(AppError::internal::<sqlx::Error>(DB))?;
    Ok(DeliveryLog {
        partner_id: p.id,
        partner_name: p.name,
        endpoint: endpoint_dto(&e),
        attempts: rows
            .into_iter()
            .map(|a| AttemptDto {
                webhook_id: delivery::webhook_id(a.message_id),
                message_id: a.message_id,
                event_type: a.event_type,
                at: unix(a.attempted_at),
                status_code: a.status_code,
                duration_ms: a.duration_ms,
                error: a.error,
                response_excerpt: a.response_excerpt,
                message_status: a.message_status,
            })
            .collect(),
    })
}

/// Queues message `message` of endpoint `id` again, due now, with the same id and body
/// (receivers deduplicate on the id). Audited.
///
/// # Errors
/// 403/404 as [`panel`]; 404 for a message of another endpoint.
pub async fn replay(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    message: Uuid,
) -> Result<(), AppError> {
    endpoint_of(state, user, id).await?;
    let db = AppError::internal::<sqlx::Error>(DB);
    let mut tx = state.pool.begin().await.map_err(db)?;
    if !repo::replay(&mut *tx, message, id).await.map_err(db)? {
        return Err(AppError::NotFound("There is no such message.".into()));
    }
    audit_endpoint(
        &mut tx,
        user.org_id,
        id,
        WebhookEndpointAction::MessageReplayed,
        Actor::User(user.user_id),
        ctx,
        json!({ "message_id": message }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    if let Err(e) = repo::notify(&state.pool, delivery::CHANNEL).await {
        tracing::warn!(error = %e, "waking the webhook workers failed; they poll");
    }
    Ok(())
}

/// The body of a message: `{"type", "timestamp", "data"}` (Standard Webhooks), the timestamp
/// the event's time in RFC 3339 UTC.
pub fn envelope(event_type: &str, data: Value) -> String {
    json!({
        "type": event_type,
        "timestamp": crate::domain::rfc3339(OffsetDateTime::now_utc()),
        "data": data,
    })
    .to_string()
}

/// Queues event `t` with `data` for partner `partner`'s endpoints subscribed to it, if its
/// scopes cover it, in the caller's transaction (so the event exists exactly when the change
/// it reports does). Returns how many messages were queued.
///
/// # Errors
/// Database errors.
pub async fn emit(
    conn: &mut PgConnection,
    partner: Uuid,
    t: WebhookEventType,
    data: Value,
) -> Result<u64, sqlx::Error> {
    let scope = t.required_scope().map(|s| s.as_str());
    // The partner's schema mapping, if it has one, shapes the data (a stored one that no
    // longer parses is skipped and logged).
    let (data, version) = match repo::mapping(&mut *conn, partner).await? {
        Some((version, rules)) => match serde_json::from_value::<Vec<MappingRule>>(rules) {
            Ok(rules) => (mapping::apply(&rules, &data), Some(version)),
            Err(e) => {
                tracing::warn!(partner_id = %partner, version, error = %e, "stored webhook mapping does not parse; data sent unmapped");
                (data, None)
            }
        },
        None => (data, None),
    };
    let n = repo::queue(
        &mut *conn,
        partner,
        t.as_str(),
        scope,
        &envelope(t.as_str(), data),
        version,
    )
    .await?;
    if n > 0 {
        repo::notify(&mut *conn, delivery::CHANNEL).await?;
    }
    Ok(n)
}

/// [`emit`] for an invitation event: queued for the partner that created invitation
/// `invitation` through the partner API, and for nobody when a person created it. `data`
/// holds no personal data (PRIV-01: `invitations:read` shows status, role and dates).
///
/// # Errors
/// Database errors.
pub async fn emit_for_invitation(
    conn: &mut PgConnection,
    invitation: Uuid,
    t: WebhookEventType,
    data: Value,
) -> Result<u64, sqlx::Error> {
    match repo::invitation_partner(&mut *conn, invitation).await? {
        Some(partner) => emit(conn, partner, t, data).await,
        None => Ok(0),
    }
}
