//! Client secret rotation (spec 001: every 90 days by default, per provider): "Rotate
//! secret" with an overlap in which the replaced secret still works, and the reminders sent
//! 14 days and 1 day before a secret is due.

use super::{audit_by, lock, status_of};
use crate::{
    audit::{self, Actor, Event, PartnerAction, Subject},
    auth::session::CurrentUser,
    crypto::random_32,
    domain::{format_utc, OrgKind, PartnerStatus, Role},
    email::{
        outbox::{self, About},
        templates,
    },
    error::AppError,
    partners::{
        dto::{IssuedCredentials, RotatedSecret},
        repo,
    },
    security::RequestContext,
    state::AppState,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;
use uuid::Uuid;

/// Issues a new client secret for an approved, active or suspended partner (tenant admins and
/// integration managers). The replaced secret keeps working for `client_secret_overlap`
/// (default 7 days) so the partner can deploy the new one without downtime; a second
/// rotation within the overlap retires the oldest at once. Spec 001 asks for rotation every
/// 90 days (the provider's `rotation_days`). Audited as `client_secret_rotated`.
///
/// # Errors
/// 404 (another tenant's partner), 409 (a partner without credentials).
#[tracing::instrument(skip_all)]
pub async fn rotate_secret(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<RotatedSecret, AppError> {
    let db = AppError::internal::<sqlx::Error>("rotating a client secret failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = lock(&mut tx, user, id).await?;
    let status = status_of(&p);
    let Some(client_id) = p.client_id.clone().filter(|_| {
        matches!(
            status,
            PartnerStatus::Approved | PartnerStatus::Active | PartnerStatus::Suspended
        )
    }) else {
        return Err(AppError::Conflict(format!(
            "A partner that is {} has no client secret to rotate.",
            status.label().to_lowercase()
        )));
    };
    let secret = URL_SAFE_NO_PAD.encode(random_32());
    let previous_expires_at = repo::rotate_secret(
        &mut tx,
        id,
        &crate::crypto::secret_hash(&secret),
        state.config.client_secret_overlap,
    )
    .await
    .map_err(db)?;
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        PartnerAction::ClientSecretRotated,
        json!({ "client_id": client_id,
                "previous_secret_expires_at": crate::domain::format_utc(previous_expires_at.unix_timestamp()) }),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(RotatedSecret {
        credentials: IssuedCredentials {
            client_id,
            client_secret: secret,
            token_endpoint: state.config.link("/oauth/token"),
        },
        previous_secret_expires_at: previous_expires_at.unix_timestamp(),
    })
}

/// Background job: sends the rotation reminders that are due, every `expiry_sweep_interval`.
pub async fn run_rotation_reminders(state: AppState) {
    let mut tick = tokio::time::interval(state.config.expiry_sweep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match send_rotation_reminders(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "client secret rotation reminders queued"),
            Err(e) => tracing::error!(error = %e, "rotation reminders failed"),
        }
    }
}

/// One round: claims the due reminders and, in the same transaction, queues one email per
/// partner to each of its tenant's admins and integration managers and records a
/// `client_secret_rotation_due` audit event. Returns how many partners were reminded.
///
/// # Errors
/// Database errors, or a broken template (nothing is claimed then).
pub async fn send_rotation_reminders(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let due = repo::claim_rotation_reminders(&mut tx).await?;
    let now = time::OffsetDateTime::now_utc();
    for p in &due {
        let left = p.due_at - now;
        let when = if left <= time::Duration::ZERO {
            "now".to_owned()
        } else if left <= time::Duration::days(1) {
            "tomorrow".to_owned()
        } else {
            // Whole days, rounded up: 9 days and 23 hours reads "in 10 days".
            format!("in {} days", (left.whole_seconds() + 86_399) / 86_400)
        };
        let due_text = format_utc(p.due_at.unix_timestamp());
        let link = state
            .config
            .link(&format!("/integrations/partners/{}", p.id));
        let email = templates::rotation_reminder(&templates::RotationReminderEmail {
            partner: &p.name,
            organisation: &p.organisation_name,
            provider: &p.provider_name,
            rotation_days: p.rotation_days,
            when: &when,
            due: &due_text,
            manage_link: &link,
        })
        .map_err(|e| sqlx::Error::Protocol(format!("rotation reminder email: {e}")))?;
        let people = repo::member_contacts(&mut *tx, p.organisation_id).await?;
        let mut sent = 0;
        for person in people.iter().filter(|m| works_on_integrations(m)) {
            outbox::enqueue(
                &mut tx,
                &state.config.encryption_keys,
                &person.email,
                &email,
                About::Nothing,
            )
            .await?;
            sent += 1;
        }
        audit::record(
            &mut *tx,
            Event {
                organisation_id: p.organisation_id,
                subject: Subject::Partner(p.id, PartnerAction::RotationDue),
                actor: Actor::System,
                ctx: &RequestContext::default(),
                detail: json!({ "due_at": due_text, "reminded": sent }),
            },
        )
        .await?;
        crate::webhooks::service::emit(
            &mut tx,
            p.id,
            crate::domain::WebhookEventType::ClientSecretRotationDue,
            json!({ "partner_id": p.id, "due_at": crate::domain::rfc3339(p.due_at) }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Tenant admins and integration managers (platform admins keep providers, not partners).
pub fn works_on_integrations(m: &repo::MemberContact) -> bool {
    match OrgKind::parse(&m.organisation_kind) {
        Some(kind) if kind != OrgKind::Platform => {
            Role::parse_for(&m.role, kind).is_ok_and(|role| role.can_use_integrations(kind))
        }
        _ => false,
    }
}
