//! The bulk-import job: workers that claim stored imports (`FOR UPDATE SKIP LOCKED` under a
//! lease) and write their rows in chunks, each chunk one transaction with set-based SQL that
//! records itself on the job and commits only while the lease holds (see [`super`]).

use super::{CHUNK_ROWS, LEASE, PARALLEL_CHUNKS};
use crate::{
    domain::InvitationToken,
    invitations::{repo::bulk as bulk_repo, service::sealed_emails},
    state::AppState,
};
use std::{collections::HashSet, time::Duration};
use time::OffsetDateTime;
use uuid::Uuid;

/// Claims unfinished jobs and writes them, chunk by chunk, until `stop` turns true (then the
/// current chunk finishes and the lease lapses for the next worker). A queued job wakes it at
/// once (`wake`, fed by [`crate::db::wake_on_notify`]); otherwise it looks every
/// `bulk_poll_interval` for a job whose lease lapsed. Errors are logged and retried with a
/// back-off, never the end of the worker.
pub async fn run_worker(
    state: AppState,
    wake: std::sync::Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_secs(1);
    loop {
        if *stop.borrow() {
            return;
        }
        match work_once(&state).await {
            Ok(true) => {
                backoff = Duration::from_secs(1);
                continue;
            }
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, retry_in_s = backoff.as_secs(), "bulk import worker failed");
                backoff = (backoff * 2).min(Duration::from_secs(60));
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(state.config.bulk_poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Starts this instance's bulk-import workers (`bulk_workers` of them) and the listener that
/// wakes them; the handles finish once `stop` turns true.
pub fn spawn_workers(
    state: &AppState,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    if state.config.bulk_workers == 0 {
        return Vec::new();
    }
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut handles = vec![tokio::spawn(crate::db::wake_on_notify(
        state.pool.clone(),
        bulk_repo::JOBS_CHANNEL,
        wake.clone(),
        stop.clone(),
    ))];
    for _ in 0..state.config.bulk_workers {
        handles.push(tokio::spawn(run_worker(
            state.clone(),
            wake.clone(),
            stop.clone(),
        )));
    }
    handles
}

/// Claims one job and writes every chunk it still has while the lease holds, keeping
/// [`PARALLEL_CHUNKS`] chunks in flight: a new chunk starts as soon as one commits, so a slow
/// chunk never holds the others back. The chunks are the job's rows still to write, in file
/// order, [`CHUNK_ROWS`] at a time (the size the job was stored with), less those committed
/// already. Returns whether there was a job.
async fn work_once(state: &AppState) -> Result<bool, sqlx::Error> {
    use futures::StreamExt;
    let lease_id = Uuid::new_v4();
    let Some(job) = bulk_repo::claim(&state.pool, lease_id, LEASE).await? else {
        return Ok(false);
    };
    let rows = bulk_repo::decode_rows(&job.rows)?;
    let todo: Vec<&bulk_repo::StoredRow> = rows.iter().filter(|r| r.outcome.is_none()).collect();
    let chunk_rows = usize::try_from(job.chunk_rows).unwrap_or(CHUNK_ROWS).max(1);
    let done: HashSet<i32> = job.chunks_done.iter().copied().collect();
    let job = &job;
    let mut chunks = todo
        .chunks(chunk_rows)
        .enumerate()
        .map(|(k, rows)| (i32::try_from(k).unwrap_or(i32::MAX), rows))
        .filter(|(k, _)| !done.contains(k));
    let mut in_flight = futures::stream::FuturesUnordered::new();
    let mut written = 0;
    loop {
        while in_flight.len() < PARALLEL_CHUNKS {
            let Some((k, rows)) = chunks.next() else {
                break;
            };
            in_flight.push(write_chunk(state, job, lease_id, Some(k), rows));
        }
        let Some(held) = in_flight.next().await else {
            break;
        };
        if !held? {
            tracing::warn!(bulk_import_id = %job.id, "lease passed to another worker");
            return Ok(true);
        }
        written += 1;
    }
    if written == 0 {
        // Nothing left to write (a job resumed after its last chunk): mark it done.
        write_chunk(state, job, lease_id, None, &[]).await?;
    }
    Ok(true)
}

/// Writes chunk `chunk` (rows `todo`) in a transaction of its own: invitations (set-based,
/// skipping members and anyone invited meanwhile), their audit events, their emails (queued
/// to be rendered as they leave), and the chunk recorded as committed on the job. Commits and
/// returns `true` if `lease_id` still held the job at the end; otherwise rolls back and
/// returns `false`. `chunk` `None` with no rows marks a job with nothing left done. If
/// someone in the chunk got a pending invitation since the file was checked, the insert fails
/// on the one-pending-invitation key and the chunk is written again without them.
async fn write_chunk(
    state: &AppState,
    job: &bulk_repo::Claimed,
    lease_id: Uuid,
    chunk: Option<i32>,
    todo: &[&bulk_repo::StoredRow],
) -> Result<bool, sqlx::Error> {
    // Emails to leave out: nobody at first (the file was checked), then, after a chunk failed
    // because someone in it got a pending invitation meanwhile (rare), everyone in it with a
    // pending invitation by then.
    let mut invited_meanwhile = HashSet::new();
    let mut attempt = 1;
    loop {
        match write_chunk_without(state, job, lease_id, chunk, todo, &invited_meanwhile).await {
            Err(e)
                if attempt < MAX_CHUNK_ATTEMPTS
                    && crate::db::is_unique_violation(&e, "invitations_one_pending_per_email") =>
            {
                let emails: Vec<String> = todo.iter().map(|r| r.email.to_lowercase()).collect();
                invited_meanwhile =
                    bulk_repo::pending_among(&state.pool, job.organisation_id, &emails)
                        .await?
                        .into_iter()
                        .collect();
                attempt += 1;
            }
            written => return written,
        }
    }
}

/// How often a chunk is tried again after someone in it was invited meanwhile, before the job
/// backs off (the worker retries it later).
const MAX_CHUNK_ATTEMPTS: u32 = 3;

/// [`write_chunk`], leaving out the rows whose (lower-cased) email is in `invited_meanwhile`:
/// their chunk is committed without them, so their outcome reads `skipped`.
async fn write_chunk_without(
    state: &AppState,
    job: &bulk_repo::Claimed,
    lease_id: Uuid,
    chunk: Option<i32>,
    todo: &[&bulk_repo::StoredRow],
    invited_meanwhile: &HashSet<String>,
) -> Result<bool, sqlx::Error> {
    let mut txn = state.pool.begin().await?;
    let tx = &mut *txn;
    if todo.is_empty() {
        let held = bulk_repo::finish_chunk(tx, job.id, lease_id, chunk, 0, 0, LEASE).await?;
        if held {
            txn.commit().await?;
        }
        return Ok(held);
    }
    let now = OffsetDateTime::now_utc();
    let mut new = bulk_repo::NewInvitations::default();
    for r in todo.iter().filter(|r| {
        invited_meanwhile.is_empty() || !invited_meanwhile.contains(&r.email.to_lowercase())
    }) {
        let token = InvitationToken::generate();
        let lifetime = r
            .lifetime_hours
            .map(|h| Duration::from_secs(u64::try_from(h).unwrap_or(1) * 3600))
            .unwrap_or(state.config.invitation_ttl);
        let id = Uuid::new_v4();
        new.id.push(id);
        new.email.push(r.email.clone());
        new.first_name.push(r.first_name.clone());
        new.last_name.push(r.last_name.clone());
        new.role.push(r.role.clone());
        new.designation.push(r.designation.clone());
        new.department.push(r.department.clone());
        new.token_hash.push(token.hash().0.to_vec());
        new.expires_at.push(now + lifetime);
        let sealed = sealed_emails::seal_token(&state.config.encryption_keys, id, &token);
        new.reminder_key_id = sealed.key_id;
        new.reminder_nonce.push(sealed.nonce);
        new.reminder_ciphertext.push(sealed.ciphertext);
    }
    let started = std::time::Instant::now();
    let written: HashSet<Uuid> =
        bulk_repo::insert_invitations(tx, job.organisation_id, job.created_by, job.id, &new)
            .await?
            .into_iter()
            .collect();
    // The rows written, as parallel arrays for their audit events and emails.
    let (mut ids, mut emails, mut roles, mut expires_at) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (k, id) in new.id.iter().enumerate() {
        if written.contains(id) {
            ids.push(*id);
            emails.push(new.email[k].clone());
            roles.push(new.role[k].clone());
            expires_at.push(new.expires_at[k]);
        }
    }
    let rows_written = bulk_repo::Written {
        ids: &ids,
        emails: &emails,
        roles: &roles,
        expires_at: &expires_at,
    };
    let t_inv = started.elapsed();
    bulk_repo::audit_created(
        tx,
        job.organisation_id,
        &rows_written,
        job.created_by,
        job.api_token_id,
        job.id,
    )
    .await?;
    let t_audit = started.elapsed();
    // The emails are rendered as they leave, from the token sealed on each invitation
    // (`sealed_emails::render_queued`): no body is stored, and none is rendered here.
    bulk_repo::queue_emails(tx, &rows_written).await?;
    let t_outbox = started.elapsed();
    let (processed, created) = (
        i32::try_from(todo.len()).unwrap_or(i32::MAX),
        i32::try_from(ids.len()).unwrap_or(i32::MAX),
    );
    let held =
        bulk_repo::finish_chunk(tx, job.id, lease_id, chunk, processed, created, LEASE).await?;
    let t_finish = started.elapsed();
    if held {
        txn.commit().await?;
    }
    let ms = |d: Duration| d.as_millis() as u64;
    tracing::info!(
        invitations_ms = ms(t_inv),
        audit_ms = ms(t_audit - t_inv),
        outbox_ms = ms(t_outbox - t_audit),
        job_ms = ms(t_finish - t_outbox),
        bulk_import_id = %job.id,
        rows = todo.len(),
        created = ids.len(),
        sql_ms = started.elapsed().as_millis() as u64,
        "bulk chunk written"
    );
    Ok(held)
}
