//! The expiry job: every `expiry_sweep_interval`, overdue pending invitations become expired
//! (with their audit events and the `invitation.expired` webhooks of the partners that created
//! some, in one transaction), and old rate-limit events and idempotency keys are pruned.

use crate::{invitations::repo, rate_limit, state::AppState};
use serde_json::json;
use std::time::Duration;

/// Background job: marks overdue invitations expired (with an `expired` audit event) every
/// `expiry_sweep_interval`, and prunes old rate-limit events.
pub async fn run_expiry_job(state: AppState) {
    let mut tick = tokio::time::interval(state.config.expiry_sweep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        sweep(&state).await;
    }
}

/// Expires every overdue invitation and queues `invitation.expired` for the partners that
/// created some, in one transaction. Returns how many expired.
async fn expire(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let expired = repo::expire_overdue(&mut tx).await?;
    for (id, partner) in &expired {
        if let Some(partner) = partner {
            crate::webhooks::service::emit(
                &mut tx,
                *partner,
                crate::domain::WebhookEventType::InvitationExpired,
                json!({ "invitation_id": id, "status": "expired" }),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(expired.len())
}

/// One round of the expiry job. Failures are logged, never fatal: the next round tries
/// again.
#[tracing::instrument(skip_all, name = "expiry_sweep")]
async fn sweep(state: &AppState) {
    match expire(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "invitations expired"),
        Err(e) => tracing::error!(error = %e, "expiry job failed"),
    }
    if let Err(e) = rate_limit::prune(&state.pool, Duration::from_secs(86_400)).await {
        tracing::error!(error = %e, "pruning rate-limit events failed");
    }
    if let Err(e) = repo::prune_idempotency_keys(&state.pool).await {
        tracing::error!(error = %e, "pruning idempotency keys failed");
    }
}
