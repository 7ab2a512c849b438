//! The tech lead's side of a credential invitation: the public page's data and the
//! submission of the key and secret, checked for strength and stored only encrypted.

use super::{
    super::{
        dto::{CredentialAccepted, CredentialInviteView},
        repo::{self, EventFacts, Found, InviteEvent},
    },
    emit,
};
use crate::{
    audit::{self, Actor, CredentialInvitationAction, Event, Subject},
    domain::{
        assess_key, rfc3339, IntegrationEnvironment, InvitationToken, KeyRequirements,
        PartnerStatus,
    },
    error::{AppError, FieldErrors},
    providers::{repo as provider_repo, service::provider_dto},
    security::RequestContext,
    state::AppState,
};
use serde_json::json;
use sqlx::PgExecutor;
use uuid::Uuid;

/// Why a credential link does not work: 404 unknown, 410 expired, 409 used, 410 revoked.
async fn dead_link<'c>(db: impl PgExecutor<'c>, f: &Found) -> Result<AppError, sqlx::Error> {
    Ok(match f.status.as_str() {
        "accepted" => AppError::Conflict(
            "Credentials were already submitted with this link. It cannot be used again.".into(),
        ),
        "revoked" => AppError::Gone("This credential invitation was withdrawn.".into()),
        _ => {
            emit(
                db,
                &EventFacts {
                    invitation_id: f.id,
                    provider_id: f.provider_id,
                    environment: &f.environment,
                },
                InviteEvent::Expired,
                None,
                None,
            )
            .await?;
            AppError::Gone(
                "This credential invitation has expired. Ask your contact to refresh it; the same link will work again."
                    .into(),
            )
        }
    })
}

fn unknown_link() -> AppError {
    AppError::NotFound("This credential link is not valid. Check that you copied all of it.".into())
}

/// The public page's data; records `viewed` (and the first view time). Never spends the token.
///
/// # Errors
/// 404 unknown, 409 used, 410 expired or revoked.
#[tracing::instrument(skip_all)]
pub async fn view(state: &AppState, token: &str) -> Result<CredentialInviteView, AppError> {
    let db = AppError::internal::<sqlx::Error>("opening a credential invitation failed");
    let token = InvitationToken::parse(token).ok_or_else(unknown_link)?;
    let f = repo::find(&state.pool, &token.hash(), false)
        .await
        .map_err(db)?
        .ok_or_else(unknown_link)?;
    if f.status != "pending" || f.overdue {
        return Err(dead_link(&state.pool, &f).await.map_err(db)?);
    }
    let provider = provider_repo::provider(&state.pool, f.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    repo::mark_viewed(&state.pool, f.id).await.map_err(db)?;
    emit(
        &state.pool,
        &EventFacts {
            invitation_id: f.id,
            provider_id: f.provider_id,
            environment: &f.environment,
        },
        InviteEvent::Viewed,
        None,
        None,
    )
    .await
    .map_err(db)?;
    let rotation_days = provider.rotation_days;
    Ok(CredentialInviteView {
        partner_name: f.partner_name,
        organisation_name: f.organisation_name,
        environment: IntegrationEnvironment::parse(&f.environment)
            .unwrap_or(IntegrationEnvironment::Sandbox),
        expires_at: f.expires_at.unix_timestamp(),
        now: f.now.unix_timestamp(),
        rotation_due_if_accepted_now: (f.now + time::Duration::days(rotation_days.into()))
            .unix_timestamp(),
        provider: provider_dto(provider),
    })
}

/// The associated data a partner's secret is sealed with (`secret_aad_version` 2):
/// `partner:<id>:<environment>:api_secret`, environment `sandbox` or `production`. A
/// ciphertext copied to another partner's row, or from a sandbox row to a production one,
/// does not decrypt there (AES-GCM authenticates the associated data, NIST SP 800-38D).
/// Version 1 rows, sealed before, used `partner:<id>:api_secret`.
pub fn secret_aad(partner_id: Uuid, environment: &str) -> Vec<u8> {
    format!("partner:{partner_id}:{environment}:api_secret").into_bytes()
}

/// The submitted form.
pub struct Submission {
    pub api_key_id: String,
    pub secret: secrecy::SecretString,
    pub secret_confirmation: secrecy::SecretString,
}

/// Checks and accepts credentials: key strength against the provider's requirements (the same
/// validator the browser runs), then in one transaction spends the token, encrypts the secret
/// (AES-256-GCM, associated data `partner:<id>:<environment>:api_secret`), stores rotation metadata and
/// audits with the request context, actor and provider. Refusals emit `submit_rejected` with
/// a reason code and change nothing else.
///
/// # Errors
/// 404/409/410 for dead links; 422 per bad field (every strength problem is named).
#[tracing::instrument(skip_all)]
pub async fn submit(
    state: &AppState,
    ctx: &RequestContext,
    token: &str,
    s: Submission,
) -> Result<CredentialAccepted, AppError> {
    use secrecy::ExposeSecret;
    let db = AppError::internal::<sqlx::Error>("accepting credentials failed");
    let token = InvitationToken::parse(token).ok_or_else(unknown_link)?;
    let mut tx = state.pool.begin().await.map_err(db)?;
    let f = repo::find(&mut *tx, &token.hash(), true)
        .await
        .map_err(db)?
        .ok_or_else(unknown_link)?;
    if f.status != "pending" || f.overdue {
        let e = dead_link(&mut *tx, &f).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        return Err(e);
    }
    // Decommissioning revokes pending links in its own transaction; this catches a partner
    // that ended by any other path (rejected) before a secret is stored for it.
    if matches!(
        PartnerStatus::parse(&f.partner_status),
        Some(PartnerStatus::Decommissioned | PartnerStatus::Rejected)
    ) {
        return Err(AppError::Gone(
            "This partner's integration has ended, so no credentials can be submitted.".into(),
        ));
    }
    let provider = provider_repo::provider(&mut *tx, f.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    let facts = EventFacts {
        invitation_id: f.id,
        provider_id: f.provider_id,
        environment: &f.environment,
    };
    let elapsed_ms = f
        .first_viewed_at
        .map(|v| (f.now - v).whole_milliseconds() as i64);
    let mut errs = FieldErrors::default();
    let mut reason: Option<&'static str> = None;
    let key_id = s.api_key_id.trim();
    if key_id.is_empty() || key_id.chars().count() > 200 || key_id.chars().any(char::is_control) {
        errs.add(
            "api_key_id",
            "Enter the key ID (at most 200 characters, one line).",
        );
        reason = Some("bad_key_id");
    }
    let requirements = KeyRequirements {
        min_length: provider.min_key_length as usize,
        min_entropy_bits: provider.min_entropy_bits as u32,
    };
    let assessment = assess_key(s.secret.expose_secret(), &requirements);
    if let Some(first) = assessment.problems.first() {
        let message = assessment
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        errs.add("secret", message);
        reason = Some(first.code());
    }
    if s.secret.expose_secret() != s.secret_confirmation.expose_secret() {
        errs.add("secret_confirmation", "The two secrets do not match.");
        reason = reason.or(Some("confirmation_mismatch"));
    }
    if let Some(code) = reason {
        emit(
            &mut *tx,
            &facts,
            InviteEvent::SubmitRejected,
            Some(code),
            elapsed_ms,
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        return Err(errs.finish().err().unwrap_or(AppError::Internal));
    }
    emit(&mut *tx, &facts, InviteEvent::Submitted, None, elapsed_ms)
        .await
        .map_err(db)?;
    let sealed = state.config.encryption_keys.seal(
        s.secret.expose_secret().as_bytes(),
        &secret_aad(f.partner_id, &f.environment),
    );
    let rotation_due = repo::accept(&mut tx, f.id, key_id, &sealed, provider.rotation_days)
        .await
        .map_err(db)?;
    emit(&mut *tx, &facts, InviteEvent::Accepted, None, elapsed_ms)
        .await
        .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: f.organisation_id,
            subject: Subject::CredentialInvitation(f.id, CredentialInvitationAction::Accepted),
            actor: Actor::Anonymous,
            ctx,
            detail: json!({ "credential_invitation_id": f.id, "provider": provider.name,
                "provider_id": provider.id, "environment": f.environment,
                "api_key_id": key_id, "encryption_key_id": sealed.key_id,
                "rotation_due_at": rfc3339(rotation_due),
                "request": { "ip": ctx.ip.map(|ip| ip.to_string()),
                             "user_agent": ctx.user_agent, "request_id": ctx.request_id } }),
        },
    )
    .await
    .map_err(db)?;
    crate::webhooks::service::emit(
        &mut tx,
        f.partner_id,
        crate::domain::WebhookEventType::CredentialSubmitted,
        json!({ "partner_id": f.partner_id, "environment": f.environment,
                "provider_id": provider.id, "rotation_due_at": rfc3339(rotation_due) }),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(CredentialAccepted {
        rotation_days: provider.rotation_days,
        rotation_due_at: rotation_due.unix_timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::secret_aad;
    use crate::crypto::EncryptionKeys;
    use uuid::Uuid;

    #[test]
    fn a_secret_round_trips_and_fails_under_another_partner_or_environment() {
        let keys = EncryptionKeys::single("k1", [4; 32]);
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = keys.seal(
            b"q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe",
            &secret_aad(a, "sandbox"),
        );
        assert_eq!(
            keys.open(&sealed, &secret_aad(a, "sandbox")).unwrap(),
            b"q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe"
        );
        assert!(keys.open(&sealed, &secret_aad(b, "sandbox")).is_err());
        assert!(keys.open(&sealed, &secret_aad(a, "production")).is_err());
        assert!(!sealed.ciphertext.windows(8).any(|w| w == b"q3ZL8vN2"));
    }
}
