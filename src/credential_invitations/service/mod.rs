//! Credential invitations: a single-use link for a partner's tech lead to submit the API key
//! and secret of a provider. The token follows the member-invitation rules (32 random bytes,
//! SHA-256 at rest, single use, expiry); the secret is checked for strength and stored only
//! AES-256-GCM encrypted. Every step emits an `integration_invite` analytics event (stored,
//! and logged as structured JSON) that never carries the secret.

mod public;

pub use public::{secret_aad, submit, view, Submission};

use super::{
    dto::{CreatedCredentialInvitation, CredentialInvitationDto, InviteEventDto},
    repo::{self, EventFacts, InviteEvent},
};
use crate::{
    audit::{self, Actor, CredentialInvitationAction, Event, Subject},
    auth::session::CurrentUser,
    domain::{rfc3339, EmailAddress, IntegrationEnvironment, InvitationToken, PartnerStatus},
    email::{outbox, templates},
    error::{AppError, FieldErrors},
    invitations::service::format_expiry,
    partners::repo as partner_repo,
    providers::repo as provider_repo,
    security::RequestContext,
    state::AppState,
};
use serde_json::json;
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// Stores an event and logs it as a structured `integration_invite` record.
pub(super) async fn emit<'c>(
    db: impl PgExecutor<'c>,
    f: &EventFacts<'_>,
    event: InviteEvent,
    reason_code: Option<&str>,
    elapsed_ms: Option<i64>,
) -> Result<(), sqlx::Error> {
    repo::insert_event(db, f, event, reason_code, elapsed_ms).await?;
    tracing::info!(
        target: "integration_invite",
        event = event.as_str(),
        invitation_id = %f.invitation_id,
        provider_id = %f.provider_id,
        environment = f.environment,
        reason_code,
        elapsed_ms,
        "integration_invite"
    );
    Ok(())
}

/// The credential-invitation link for `token`.
fn link(state: &AppState, token: &InvitationToken) -> String {
    state.config.link(&format!(
        "/integrations/credential-invite/{}",
        token.expose()
    ))
}

/// Creates a credential invitation and queues its email in one transaction.
///
/// # Errors
/// 404 (partner of another tenant), 409 (rejected or decommissioned partner), 422; 500 on database failure or a broken email template.
#[tracing::instrument(skip_all)]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    partner_id: Uuid,
    recipient_email: &str,
    environment: &str,
) -> Result<CreatedCredentialInvitation, AppError> {
    let mut errs = FieldErrors::default();
    let email = errs.check("recipient_email", EmailAddress::parse(recipient_email));
    let env = errs.check(
        "environment",
        IntegrationEnvironment::parse(environment).ok_or("Choose an environment."),
    );
    errs.finish()?;
    let (Some(email), Some(env)) = (email, env) else {
        return Err(AppError::Internal);
    };
    let db = AppError::internal::<sqlx::Error>("creating a credential invitation failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = partner_repo::partner_for_update(&mut tx, partner_id, user.org_id)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::NotFound("There is no such partner.".into()))?;
    let status = PartnerStatus::parse(&p.status).unwrap_or(PartnerStatus::Draft);
    if matches!(
        status,
        PartnerStatus::Rejected | PartnerStatus::Decommissioned
    ) {
        return Err(AppError::Conflict(format!(
            "A partner that is {} cannot receive credential invitations.",
            status.label().to_lowercase()
        )));
    }
    let provider = provider_repo::provider(&mut *tx, p.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    provider
        .offers(env)
        .map_err(|m| AppError::field("environment", m))?;
    let id = Uuid::new_v4();
    let token = InvitationToken::generate();
    let expires_at = OffsetDateTime::now_utc() + state.config.invitation_ttl;
    repo::insert(
        &mut tx,
        &repo::NewRow {
            id,
            partner_id,
            provider_id: provider.id,
            environment: env.as_str(),
            recipient_email: email.as_str(),
            token_hash: &token.hash(),
            expires_at,
            created_by: user.user_id,
            ctx,
        },
    )
    .await
    .map_err(db)?;
    let link = link(state, &token);
    let branding = crate::email_templates::service::branding(
        &mut *tx,
        user.org_id,
        crate::domain::EmailTemplateKind::CredentialInvitation,
    )
    .await
    .map_err(db)?;
    let rendered = templates::credential_invitation(
        &branding,
        &templates::CredentialInvitationEmail {
            partner: &p.name,
            organisation: &user.org_name,
            provider: &provider.name,
            environment: env.label(),
            link: &link,
            expires: &format_expiry(expires_at),
        },
    )
    .map_err(AppError::internal(
        "credential invitation email did not render",
    ))?;
    outbox::enqueue(
        &mut tx,
        &state.config.encryption_keys,
        email.as_str(),
        &rendered,
        outbox::About::CredentialInvitation(id),
    )
    .await
    .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::CredentialInvitation(id, CredentialInvitationAction::Created),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "credential_invitation_id": id, "recipient": email.as_str(),
                "provider": provider.name, "environment": env.as_str() }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(CreatedCredentialInvitation {
        id,
        link,
        expires_at: expires_at.unix_timestamp(),
    })
}

/// The credential invitations of a partner, newest first.
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn list(
    state: &AppState,
    partner_id: Uuid,
) -> Result<Vec<CredentialInvitationDto>, AppError> {
    let rows = repo::list(&state.pool, partner_id)
        .await
        .map_err(AppError::internal::<sqlx::Error>(
            "listing credential invitations failed",
        ))?;
    Ok(rows
        .into_iter()
        .map(|r| CredentialInvitationDto {
            id: r.id,
            recipient_email: r.recipient_email,
            environment: IntegrationEnvironment::parse(&r.environment)
                .unwrap_or(IntegrationEnvironment::Sandbox),
            can_refresh: matches!(r.status.as_str(), "pending" | "expired"),
            status: r.status,
            expires_at: r.expires_at.unix_timestamp(),
            created_at: r.created_at.unix_timestamp(),
            refresh_count: r.refresh_count,
            accepted_at: r.accepted_at.map(|t| t.unix_timestamp()),
            api_key_id: r.api_key_id,
            rotation_days: r.rotation_days,
            rotation_due_at: r.rotation_due_at.map(|t| t.unix_timestamp()),
        })
        .collect())
}

/// Invitation `id` of the caller's tenant, locked for a change, if it is still unused;
/// `verb` ("refreshed", "revoked") completes the refusal.
///
/// # Errors
/// 404 when it is not the caller's; 409 when it was accepted or revoked already.
async fn unused(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    id: Uuid,
    verb: &str,
) -> Result<repo::OwnedRow, AppError> {
    let inv = repo::owned_for_update(conn, id, user.org_id)
        .await
        .map_err(AppError::internal::<sqlx::Error>(
            "loading a credential invitation failed",
        ))?
        .ok_or_else(|| AppError::NotFound("There is no such credential invitation.".into()))?;
    if inv.status == "pending" {
        Ok(inv)
    } else {
        Err(AppError::Conflict(format!(
            "This credential invitation was {} and cannot be {verb}.",
            inv.status
        )))
    }
}

/// Extends an unused invitation (expired or not) by the invitation lifetime from now, on the
/// same token. The audit payload replays the original request context.
///
/// # Errors
/// 404, 409 (accepted or revoked).
#[tracing::instrument(skip_all)]
pub async fn refresh(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("refreshing a credential invitation failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let inv = unused(&mut tx, user, id, "refreshed").await?;
    let expires_at = OffsetDateTime::now_utc() + state.config.invitation_ttl;
    repo::extend(&mut tx, id, expires_at).await.map_err(db)?;
    emit(
        &mut *tx,
        &EventFacts {
            invitation_id: id,
            provider_id: inv.provider_id,
            environment: &inv.environment,
        },
        InviteEvent::Refreshed,
        None,
        None,
    )
    .await
    .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::CredentialInvitation(id, CredentialInvitationAction::Refreshed),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "credential_invitation_id": id,
                "expires_at": rfc3339(expires_at),
                "original_context": { "ip": inv.created_ip, "user_agent": inv.created_user_agent,
                                      "request_id": inv.created_request_id } }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Withdraws an unused invitation: its link stops working at once and its email, if still
/// queued, is cancelled. Audited.
///
/// # Errors
/// 404, 409 (accepted or already revoked).
#[tracing::instrument(skip_all)]
pub async fn revoke(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("revoking a credential invitation failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    unused(&mut tx, user, id, "revoked").await?;
    repo::revoke(&mut tx, id).await.map_err(db)?;
    // Its email, if it has not left yet, must not deliver a dead link (nor keep it at rest).
    outbox::cancel(&mut tx, outbox::About::CredentialInvitation(id))
        .await
        .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::CredentialInvitation(id, CredentialInvitationAction::Revoked),
            actor: Actor::User(user.user_id),
            ctx,
            detail: json!({ "credential_invitation_id": id }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// The analytics events of an invitation of the caller's tenant.
///
/// # Errors
/// 404 when there is no such invitation in the caller's tenant (another tenant's answers the
/// same as an unknown id).
#[tracing::instrument(skip_all)]
pub async fn events(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Vec<InviteEventDto>, AppError> {
    let db = AppError::internal::<sqlx::Error>("loading invitation events failed");
    if !repo::belongs_to(&state.pool, id, user.org_id)
        .await
        .map_err(db)?
    {
        return Err(AppError::NotFound(
            "There is no such credential invitation.".into(),
        ));
    }
    let rows = repo::events(&state.pool, id, user.org_id)
        .await
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|r| InviteEventDto {
            event: r.event,
            reason_code: r.reason_code,
            elapsed_ms: r.elapsed_ms,
            at: r.occurred_at.unix_timestamp(),
        })
        .collect())
}

/// Every analytics event of a partner's credential invitations as JSON lines (one object per
/// line: `event`, `credential_invitation_id`, `provider_id`, `provider`, `environment`,
/// `reason_code`, `elapsed_ms`, `occurred_at` RFC 3339 UTC).
///
/// # Errors
/// 404 for a partner of another tenant.
#[tracing::instrument(skip_all)]
pub async fn export_jsonl(
    state: &AppState,
    user: &CurrentUser,
    partner_id: Uuid,
) -> Result<String, AppError> {
    let db = AppError::internal::<sqlx::Error>("exporting invitation events failed");
    partner_repo::partner(&state.pool, partner_id, user.org_id)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::NotFound("There is no such partner.".into()))?;
    let rows = repo::export_rows(&state.pool, partner_id)
        .await
        .map_err(db)?;
    let mut out = String::new();
    for r in rows {
        let line = json!({
            "event": r.event,
            "credential_invitation_id": r.credential_invitation_id,
            "provider_id": r.provider_id,
            "provider": r.provider,
            "environment": r.environment,
            "reason_code": r.reason_code,
            "elapsed_ms": r.elapsed_ms,
            "occurred_at": rfc3339(r.occurred_at),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    Ok(out)
}
