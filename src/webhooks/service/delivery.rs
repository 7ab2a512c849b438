//! Delivering queued webhook messages: the worker each instance runs, one HTTP attempt, and
//! what follows from its answer (spec 001 LOG-01).
//!
//! The worker claims due messages ([`repo::claim_due`]: one in flight per endpoint, `FOR
//! UPDATE SKIP LOCKED`, under a lease) as long as it has free delivery slots
//! (`webhook_concurrency`), and sends each in a task of its own, so a slow or silent endpoint
//! holds one slot for at most the timeout and never delays another endpoint. It wakes on
//! `NOTIFY` from a queued event and polls as the fallback. An attempt is a POST of the stored
//! body with the Standard Webhooks headers, through the SSRF-guarded client (no redirects,
//! `webhook_timeout`). A 2xx delivers the message and resets the endpoint's failure count;
//! anything else (another status, a timeout, a refused or failed connection) is retried after
//! `webhook_retry_schedule` with up to 20 % jitter, then marked failed. After
//! `webhook_failure_limit` consecutive failures, or at once on `410 Gone`, the endpoint is
//! disabled: its partner turns Degraded, the tenant's admins and integration managers get an
//! email, an audit event records it (counted by `/metrics`), and the partner's other endpoints
//! receive `partner.degraded`.

use super::{audit_endpoint, emit, open_secrets, signing};
use crate::{
    audit::{Actor, WebhookEndpointAction},
    domain::WebhookEventType,
    email::{outbox, templates},
    outbound,
    security::RequestContext,
    state::AppState,
    webhooks::repo::{self, Claimed, NewAttempt},
};
use serde_json::json;
use std::{sync::Arc, time::Duration};
use time::OffsetDateTime;
use uuid::Uuid;

/// The Postgres channel that wakes the workers when an event is queued.
pub const CHANNEL: &str = "gatehouse_webhooks";
/// How long a claim holds: past the longest timeout, so only a dead worker loses one.
const LEASE: Duration = Duration::from_secs(120);
/// Bytes of an answer kept in the delivery log.
const EXCERPT_BYTES: usize = 1024;

/// The `webhook-id` of message `id`.
pub fn webhook_id(id: Uuid) -> String {
    format!("msg_{}", id.simple())
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub succeeded: bool,
    pub status_code: Option<u16>,
    /// Milliseconds from sending to the answer (or the failure).
    pub duration_ms: i64,
    pub error: Option<String>,
    pub excerpt: Option<String>,
}

impl Outcome {
    fn refused(error: String) -> Self {
        Self {
            succeeded: false,
            status_code: None,
            duration_ms: 0,
            error: Some(error),
            excerpt: None,
        }
    }
}

/// The SSRF-guarded client of this instance's configuration.
fn client(state: &AppState) -> Result<reqwest::Client, String> {
    outbound::client(
        &state.config.webhook_allow_hosts,
        state.config.webhook_timeout,
    )
}

/// The sentence for a failed request, naming its innermost cause (an SSRF refusal reads as
/// such).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("No answer within {} seconds.", timeout.as_secs());
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let what = if e.is_connect() {
        "Could not connect"
    } else {
        "The request failed"
    };
    format!("{what}: {cause}")
}

/// POSTs `body` as message `message` to endpoint `endpoint` now, signed with its secrets.
async fn attempt(
    state: &AppState,
    http: &reqwest::Client,
    endpoint: Uuid,
    message: Uuid,
    body: &str,
) -> Outcome {
    let secrets = match repo::secrets(&state.pool, endpoint).await {
        Ok(Some(s)) => s,
        Ok(None) => return Outcome::refused("The endpoint no longer exists.".into()),
        Err(e) => return Outcome::refused(format!("Gatehouse could not read the endpoint: {e}")),
    };
    // Checked again at every delivery: an IP literal never reaches the resolver.
    let url = match outbound::check_url(&secrets.url, &state.config.webhook_allow_hosts) {
        Ok(u) => u,
        Err(e) => return Outcome::refused(e.to_string()),
    };
    let keys = open_secrets(state, endpoint, &secrets);
    let id = webhook_id(message);
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let signature = signing::signature_header(&keys, &id, timestamp, body);
    let started = std::time::Instant::now();
    let sent = http
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await;
    let mut outcome = match sent {
        Ok(mut res) => {
            let status = res.status();
            let mut excerpt = Vec::new();
            // The first KB only, read within what is left of the timeout.
            let read = async {
                while excerpt.len() < EXCERPT_BYTES {
                    match res.chunk().await {
                        Ok(Some(c)) => excerpt.extend_from_slice(&c),
                        _ => break,
                    }
                }
            };
            let _ = tokio::time::timeout(state.config.webhook_timeout, read).await;
            excerpt.truncate(EXCERPT_BYTES);
            Outcome {
                succeeded: status.is_success(),
                status_code: Some(status.as_u16()),
                duration_ms: 0,
                error: (!status.is_success()).then(|| format!("HTTP {status}")),
                excerpt: Some(String::from_utf8_lossy(&excerpt).into_owned()),
            }
        }
        Err(e) => Outcome::refused(describe(&e, state.config.webhook_timeout)),
    };
    outcome.duration_ms = started.elapsed().as_millis() as i64;
    outcome
}

/// The wait before retry `attempts` (1 = the first retry), with up to ±20 % jitter; `None`
/// once the schedule is spent.
fn retry_after(schedule: &[Duration], attempts: i32) -> Option<Duration> {
    let base = *schedule.get(usize::try_from(attempts - 1).ok()?)?;
    let r = f64::from(crate::crypto::random_32()[0]) / 255.0; // 0..=1
    Some(base.mul_f64(0.8 + 0.4 * r))
}

/// Records `o` for claimed message `c` and applies LOG-01, in one transaction. `retry`: a
/// failed message waits for its next attempt (queued events), or fails at once (test events).
async fn conclude(
    state: &AppState,
    c: &Claimed,
    o: &Outcome,
    retry: bool,
) -> Result<(), sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    repo::record_attempt(
        &mut tx,
        &NewAttempt {
            message_id: c.id,
            endpoint_id: c.endpoint_id,
            status_code: o.status_code.map(i32::from),
            duration_ms: i32::try_from(o.duration_ms).unwrap_or(i32::MAX),
            error: o.error.as_deref(),
            response_excerpt: o.excerpt.as_deref(),
        },
    )
    .await?;
    if o.succeeded {
        if !repo::delivered(&mut tx, c).await? {
            return Ok(()); // the lease passed on: change nothing
        }
    } else {
        let retry_at = retry
            .then(|| retry_after(&state.config.webhook_retry_schedule, c.attempts))
            .flatten()
            .map(|d| OffsetDateTime::now_utc() + d);
        let Some((failures, enabled)) = repo::failed(&mut tx, c, retry_at).await? else {
            return Ok(());
        };
        let gone = o.status_code == Some(410);
        if enabled && (gone || failures >= state.config.webhook_failure_limit) {
            let reason = if gone {
                "The endpoint answered 410 Gone.".to_owned()
            } else {
                format!(
                    "{failures} deliveries in a row failed (the last: {}).",
                    o.error
                        .as_deref()
                        .unwrap_or("no answer")
                        .trim_end_matches('.')
                )
            };
            disable(state, &mut tx, c.endpoint_id, &reason, failures).await?;
        }
    }
    tx.commit().await
}

/// Disables endpoint `id` in `tx` with everything LOG-01 asks for.
async fn disable(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    reason: &str,
    failures: i32,
) -> Result<(), sqlx::Error> {
    let Some((partner, org)) = repo::disable(&mut *tx, id, reason).await? else {
        return Ok(());
    };
    audit_endpoint(
        tx,
        org,
        id,
        WebhookEndpointAction::Disabled,
        Actor::System,
        &RequestContext::default(),
        json!({ "partner_id": partner, "consecutive_failures": failures }),
    )
    .await?;
    let p = crate::partners::repo::partner(&mut *tx, partner, org).await?;
    let org_name: String = sqlx::query_scalar!("SELECT name FROM organisations WHERE id = $1", org)
        .fetch_one(&mut *tx)
        .await?;
    let url = repo::secrets(&mut *tx, id)
        .await?
        .map(|s| s.url)
        .unwrap_or_default();
    if let Some(p) = &p {
        let link = state.config.link(&format!("/integrations/webhooks/{id}"));
        let email = templates::webhook_disabled(&templates::WebhookDisabledEmail {
            partner: &p.name,
            organisation: &org_name,
            url: &url,
            reason,
            manage_link: &link,
        })
        .map_err(|e| sqlx::Error::Protocol(format!("webhook disabled email: {e}")))?;
        let people = crate::partners::repo::member_contacts(&mut *tx, org).await?;
        for person in people
            .iter()
            .filter(|m| crate::partners::service::rotation::works_on_integrations(m))
        {
            outbox::enqueue(
                tx,
                &state.config.encryption_keys,
                &person.email,
                &email,
                outbox::About::Nothing,
            )
            .await?;
        }
    }
    emit(
        tx,
        partner,
        WebhookEventType::PartnerDegraded,
        json!({ "partner_id": partner, "endpoint_id": id }),
    )
    .await?;
    tracing::warn!(endpoint_id = %id, partner_id = %partner, failures, "webhook endpoint disabled");
    Ok(())
}

/// Sends a message of `event_type` with `body` to endpoint `endpoint` while the caller waits
/// (a test event): recorded in its log like any other, never retried.
///
/// # Errors
/// Database errors.
pub async fn send_now(
    state: &AppState,
    endpoint: Uuid,
    event_type: &str,
    body: &str,
) -> Result<Outcome, sqlx::Error> {
    let c = Claimed {
        id: Uuid::new_v4(),
        endpoint_id: endpoint,
        body: body.to_owned(),
        attempts: 1,
        lease_id: Uuid::new_v4(),
    };
    let mut conn = state.pool.acquire().await?;
    repo::insert_claimed(&mut conn, c.id, endpoint, event_type, body, c.lease_id).await?;
    drop(conn);
    let outcome = match client(state) {
        Ok(http) => attempt(state, &http, endpoint, c.id, body).await,
        Err(e) => Outcome::refused(e),
    };
    conclude(state, &c, &outcome, false).await?;
    Ok(outcome)
}

/// Starts this instance's webhook worker and the listener that wakes it; both end once `stop`
/// turns true.
pub fn spawn(
    state: &AppState,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let wake = Arc::new(tokio::sync::Notify::new());
    vec![
        tokio::spawn(crate::db::wake_on_notify(
            state.pool.clone(),
            CHANNEL,
            wake.clone(),
            stop.clone(),
        )),
        tokio::spawn(run_worker(state.clone(), wake, stop.clone())),
    ]
}

async fn run_worker(
    state: AppState,
    wake: Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let http = match client(&state) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the webhook client could not start; no webhooks are sent");
            return;
        }
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(
        state.config.webhook_concurrency.max(1),
    ));
    loop {
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(state.config.webhook_poll_interval) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        let free = slots.available_permits();
        if free == 0 {
            continue;
        }
        let claimed = match repo::claim_due(&state.pool, free as i64, LEASE).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "claiming webhook messages failed");
                continue;
            }
        };
        for c in claimed {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let (state, http, wake) = (state.clone(), http.clone(), wake.clone());
            tokio::spawn(async move {
                let outcome = attempt(&state, &http, c.endpoint_id, c.id, &c.body).await;
                if let Err(e) = conclude(&state, &c, &outcome, true).await {
                    tracing::error!(error = %e, message_id = %c.id, "recording a webhook attempt failed");
                }
                drop(permit);
                // The endpoint may have more: look again now.
                wake.notify_one();
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_schedule_with_jitter_and_then_stop() {
        let schedule: Vec<Duration> = [5, 300].into_iter().map(Duration::from_secs).collect();
        let first = retry_after(&schedule, 1).unwrap();
        assert!(first >= Duration::from_secs(4) && first <= Duration::from_secs(6));
        let second = retry_after(&schedule, 2).unwrap();
        assert!(second >= Duration::from_secs(240) && second <= Duration::from_secs(360));
        assert_eq!(retry_after(&schedule, 3), None);
        assert_eq!(
            webhook_id(Uuid::nil()),
            "msg_00000000000000000000000000000000"
        );
    }
}
