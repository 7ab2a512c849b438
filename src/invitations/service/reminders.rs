//! Expiry reminders (spec 002: "automated reminders 24 hours before expiry"): one email per
//! pending invitation, `GATEHOUSE_REMINDER_HOURS` before it expires, sent through the outbox
//! and audited as `reminded`; each organisation can switch them off.
//!
//! The token is stored only hashed, so a copy sealed with AES-256-GCM
//! ([`super::sealed_emails::seal_token`]) is kept on the invitation from creation until the
//! reminder is claimed or the invitation stops being pending (accepted, revoked, expired); a
//! resend seals the new token and makes the reminder due again. Link-only invitations keep no
//! copy.

use super::{
    scope_of,
    sealed_emails::{render, Brandings, SealedEmail},
};
use crate::{
    audit::{self, Event, InvitationAction, Subject},
    auth::session::CurrentUser,
    email::outbox,
    error::AppError,
    invitations::{dto::ReminderSettings, repo::reminders as repo},
    security::RequestContext,
    state::AppState,
};
use serde_json::json;

/// Reminders claimed per round; the rest wait for the next round (every
/// `expiry_sweep_interval`).
pub const REMINDERS_PER_ROUND: i64 = 500;

/// Background job: sends the reminders that are due, every `expiry_sweep_interval`; does
/// nothing when `GATEHOUSE_REMINDER_HOURS` is 0.
pub async fn run_reminder_job(state: AppState) {
    let Some(lead) = state.config.reminder_lead else {
        return;
    };
    let mut tick = tokio::time::interval(state.config.expiry_sweep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match send_due(&state, lead).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "invitation reminders queued"),
            Err(e) => tracing::error!(error = %e, "invitation reminders failed"),
        }
    }
}

/// One round: claims up to [`REMINDERS_PER_ROUND`] due reminders and, in the same
/// transaction, queues each email (cancelled like the invitation's own if it is revoked or
/// resent before it leaves) and records a `reminded` audit event. Returns how many were
/// queued. A sealed token that no longer opens (its key retired) is skipped with a warning.
///
/// # Errors
/// Database errors, or a broken template (nothing is claimed then).
pub async fn send_due(state: &AppState, lead: std::time::Duration) -> Result<usize, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let due = repo::claim_due(&mut tx, lead, REMINDERS_PER_ROUND).await?;
    let mut queued = 0;
    // One organisation's template serves all its reminders of this round.
    let mut brandings = Brandings::default();
    for r in &due {
        let Some(email) = render(state, &mut tx, &mut brandings, r, SealedEmail::Reminder).await?
        else {
            continue;
        };
        outbox::enqueue(
            &mut tx,
            &state.config.encryption_keys,
            &r.email,
            &email,
            outbox::About::Invitation(r.id),
        )
        .await?;
        audit::record(
            &mut *tx,
            Event {
                organisation_id: r.organisation_id,
                subject: Subject::Invitation(r.id, InvitationAction::Reminded),
                actor: audit::Actor::System,
                ctx: &RequestContext::default(),
                detail: json!({ "expires_at": crate::domain::rfc3339(r.expires_at) }),
            },
        )
        .await?;
        queued += 1;
    }
    tx.commit().await?;
    Ok(queued)
}

/// Whether the signed-in person's organisation sends expiry reminders, and how long before
/// expiry.
///
/// # Errors
/// 404 if the organisation is gone; 500 on database failure.
pub async fn settings(state: &AppState, user: &CurrentUser) -> Result<ReminderSettings, AppError> {
    let db = AppError::internal::<sqlx::Error>("loading reminder settings failed");
    let enabled = repo::enabled(&state.pool, user.org_id)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::NotFound("There is no such organisation.".into()))?;
    Ok(ReminderSettings {
        organisation: user.org_name.clone(),
        enabled,
        hours_before: state
            .config
            .reminder_lead
            .map(|d| (d.as_secs() / 3600) as u32),
        scope_all_organisations: scope_of(user).is_none(),
    })
}

/// Switches expiry reminders of the signed-in person's organisation on or off. Invitations
/// already pending follow the switch from the next round on.
///
/// # Errors
/// 500 on database failure.
pub async fn set_enabled(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    on: bool,
) -> Result<ReminderSettings, AppError> {
    let db = AppError::internal::<sqlx::Error>("saving reminder settings failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    repo::set_enabled(&mut tx, user.org_id, on)
        .await
        .map_err(db)?;
    audit::record(
        &mut *tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::Organisation(
                user.org_id,
                audit::OrganisationAction::RemindersSwitched,
            ),
            actor: audit::Actor::User(user.user_id),
            ctx,
            detail: json!({ "enabled": on }),
        },
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    tracing::info!(organisation_id = %user.org_id, user_id = %user.user_id,
                   request_id = ?ctx.request_id, enabled = on, "expiry reminders switched");
    settings(state, user).await
}
