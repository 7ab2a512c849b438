//! The tenant admin's decisions on a partner and its lifecycle: submit for approval,
//! approve (issuing client credentials), reject, suspend or resume, decommission.

use super::{audit_by, lock, required_text, status_of};
use crate::{
    audit::{self, Actor, Event, PartnerAction, Subject},
    auth::session::CurrentUser,
    crypto::random_32,
    domain::PartnerStatus,
    error::{AppError, FieldErrors},
    partners::{
        dto::IssuedCredentials,
        repo::{self, PartnerRow},
    },
    security::RequestContext,
    state::AppState,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;
use uuid::Uuid;

/// Draft or rejected → pending approval.
///
/// # Errors
/// 404, 409, 422 (no scopes).
#[tracing::instrument(skip_all)]
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("submitting a partner failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = lock(&mut tx, user, id).await?;
    if !matches!(
        status_of(&p),
        PartnerStatus::Draft | PartnerStatus::Rejected
    ) {
        return Err(AppError::Conflict(format!(
            "A partner that is {} cannot be submitted.",
            status_of(&p).label().to_lowercase()
        )));
    }
    if p.scopes.is_empty() {
        return Err(AppError::field(
            "scopes",
            "Choose at least one scope before submitting.",
        ));
    }
    repo::set_submitted(&mut tx, id, user.user_id)
        .await
        .map_err(db)?;
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        PartnerAction::Submitted,
        json!({ "scopes": p.scopes.join(" ") }),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Checks that `user` may decide on `p`: a tenant admin, the partner pending, not their own
/// submission, a membership held since before the submission, and not admitted by the
/// submitter: otherwise one person could mint a second account and approve their own
/// submission with it (two-person rule; OWASP ASVS 5.0 V2.3.5 multi-user approval).
async fn check_decider(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    p: &PartnerRow,
) -> Result<(), AppError> {
    check_decider_role(user, p)?;
    let standing = repo::approver_standing(tx, p.id, user.user_id)
        .await
        .map_err(AppError::internal("checking the approver failed"))?;
    match standing {
        Some((true, false)) => Ok(()),
        Some((false, _)) | None => {
            tracing::warn!(partner_id = %p.id, "approval by a member who joined after the submission refused");
            Err(AppError::Conflict(
                "You joined after this partner was submitted, so an admin who was here before must decide.".into(),
            ))
        }
        Some((true, true)) => {
            tracing::warn!(partner_id = %p.id, "approval by a member the submitter admitted refused");
            Err(AppError::Conflict(
                "The person who submitted this partner invited you, so another admin must decide."
                    .into(),
            ))
        }
    }
}

fn check_decider_role(user: &CurrentUser, p: &PartnerRow) -> Result<(), AppError> {
    if !user.role.is_tenant_admin(user.org_kind) {
        return Err(AppError::Forbidden);
    }
    if status_of(p) != PartnerStatus::PendingApproval {
        return Err(AppError::Conflict(format!(
            "Only a partner pending approval can be decided; this one is {}.",
            status_of(p).label().to_lowercase()
        )));
    }
    if p.submitted_by == Some(user.user_id) {
        tracing::warn!(partner_id = %p.id, "self-approval refused");
        return Err(AppError::Conflict(
            "You submitted this partner, so another admin must decide.".into(),
        ));
    }
    Ok(())
}

/// Approves and issues client credentials (`gh_` + 16 random bytes hex as the client id,
/// 32 random bytes base64url as the secret).
///
/// # Errors
/// 403, 404, 409, 422.
#[tracing::instrument(skip_all)]
pub async fn approve(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    policy_document_id: &str,
) -> Result<IssuedCredentials, AppError> {
    let mut errs = FieldErrors::default();
    let doc = required_text(&mut errs, "policy_document_id", policy_document_id, 100);
    errs.finish()?;
    let doc = doc.ok_or(AppError::Internal)?;
    let db = AppError::internal::<sqlx::Error>("approving a partner failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = lock(&mut tx, user, id).await?;
    check_decider(&mut tx, user, &p).await?;
    let client_id = format!("gh_{}", hex::encode(&random_32()[..16]));
    let secret = URL_SAFE_NO_PAD.encode(random_32());
    repo::set_approved(
        &mut tx,
        id,
        user.user_id,
        &doc,
        &client_id,
        &crate::crypto::secret_hash(&secret),
    )
    .await
    .map_err(db)?;
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        PartnerAction::Approved,
        json!({ "policy_document_id": doc, "scopes": p.scopes.join(" ") }),
    )
    .await?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::Partner(id, PartnerAction::CredentialsIssued),
            actor: Actor::System,
            ctx,
            detail: json!({ "client_id": client_id }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(IssuedCredentials {
        client_id,
        client_secret: secret,
        token_endpoint: state.config.link("/oauth/token"),
    })
}

/// Rejects with a reason.
///
/// # Errors
/// 403, 404, 409, 422.
#[tracing::instrument(skip_all)]
pub async fn reject(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    reason: &str,
) -> Result<(), AppError> {
    let mut errs = FieldErrors::default();
    let reason = required_text(&mut errs, "reason", reason, 500);
    errs.finish()?;
    let reason = reason.ok_or(AppError::Internal)?;
    let db = AppError::internal::<sqlx::Error>("rejecting a partner failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = lock(&mut tx, user, id).await?;
    check_decider(&mut tx, user, &p).await?;
    repo::set_rejected(&mut tx, id, user.user_id, &reason)
        .await
        .map_err(db)?;
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        PartnerAction::Rejected,
        json!({ "reason": reason }),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Suspends a live partner (its tokens and credentials are refused until resumed) or resumes
/// a suspended one (back to active if it ever connected, else approved). Tenant admins only.
///
/// # Errors
/// 403, 404, 409 (wrong state).
#[tracing::instrument(skip_all)]
pub async fn set_suspended(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    suspend: bool,
) -> Result<(), AppError> {
    if !user.role.is_tenant_admin(user.org_kind) {
        return Err(AppError::Forbidden);
    }
    let db = AppError::internal::<sqlx::Error>("suspending a partner failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = lock(&mut tx, user, id).await?;
    let status = status_of(&p);
    let next = match (suspend, status) {
        (true, PartnerStatus::Approved | PartnerStatus::Active) => PartnerStatus::Suspended,
        (false, PartnerStatus::Suspended) if p.activated_at.is_some() => PartnerStatus::Active,
        (false, PartnerStatus::Suspended) => PartnerStatus::Approved,
        _ => {
            return Err(AppError::Conflict(format!(
                "A partner that is {} cannot be {}.",
                status.label().to_lowercase(),
                if suspend { "suspended" } else { "resumed" }
            )))
        }
    };
    repo::set_status(&mut tx, id, next.as_str())
        .await
        .map_err(db)?;
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        if suspend {
            PartnerAction::Suspended
        } else {
            PartnerAction::Resumed
        },
        json!({ "status": next.as_str() }),
    )
    .await?;
    if suspend {
        crate::webhooks::service::emit(
            &mut tx,
            id,
            crate::domain::WebhookEventType::PartnerSuspended,
            json!({ "partner_id": id, "status": next.as_str() }),
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Decommissions: credentials, all tokens and pending credential invitations revoked in the
/// same transaction.
///
/// # Errors
/// 404, 409.
#[tracing::instrument(skip_all)]
pub async fn decommission(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let db = AppError::internal::<sqlx::Error>("decommissioning a partner failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = lock(&mut tx, user, id).await?;
    if status_of(&p) == PartnerStatus::Decommissioned {
        return Err(AppError::Conflict(
            "This partner is already decommissioned.".into(),
        ));
    }
    let revoked = repo::set_decommissioned(&mut tx, id).await.map_err(db)?;
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        PartnerAction::Decommissioned,
        json!({ "reason": reason.map(str::trim).filter(|r| !r.is_empty()),
                "tokens_revoked": revoked.tokens,
                "credential_invitations_revoked": revoked.credential_invitations,
                "credentials_revoked": p.client_id.is_some() }),
    )
    .await?;
    crate::webhooks::service::emit(
        &mut tx,
        id,
        crate::domain::WebhookEventType::PartnerDecommissioned,
        json!({ "partner_id": id, "status": "decommissioned" }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}
