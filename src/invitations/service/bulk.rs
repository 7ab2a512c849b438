//! Bulk invitations: a file's rows checked one by one (the dry run, which writes nothing),
//! then, once confirmed, a background job in Postgres that writes them in chunks.
//!
//! Verdicts, in the order they are decided: `invalid` (a field fails the invitation parser),
//! `role_not_allowed`, `duplicate` (the same email earlier in the file, case-insensitive),
//! `member`, `pending` (already invited), `over_quota` (past the organisation's daily bulk
//! quota or its pending-invitation quota), else `valid`. The per-inviter 5-a-minute limit is
//! for single invitations; the outbox paces the emails (`GATEHOUSE_OUTBOX_RATE_PER_SECOND`).
//!
//! The job stores the file's rows as one document ([`bulk_repo::StoredRow`]). It is claimed
//! ([`run_worker`]) with `FOR UPDATE SKIP LOCKED` under a lease; each chunk of [`CHUNK_ROWS`]
//! rows is one transaction that writes the invitations, their audit events and their emails
//! with set-based SQL and records the chunk as committed on the job, so a restart resumes at
//! the chunks not yet committed and nothing is ever half-written without a record: a row's
//! outcome is its chunk's and the invitation made for its email ([`result_csv`]). Up to
//! [`PARALLEL_CHUNKS`] chunks are written at once; each commits only if the lease still holds
//! at its end (fencing), so a worker that lost its lease writes nothing. A row that
//! became a member or got invited since the dry run is skipped, never invited twice, so
//! uploading the same file again creates nothing twice.

use super::{parse_lifetime_hours, scope_of, Actor};
use crate::{
    auth::session::CurrentUser,
    domain::{
        bulk_csv::{self, CsvInvitee},
        DraftFields, InvitationDraft, InvitationToken, OrgKind, Role,
    },
    error::{AppError, FieldErrors},
    invitations::{
        dto::{BulkJobStatus, BulkPreview, BulkRowReport, BulkVerdict},
        repo::{self, bulk as bulk_repo},
    },
    state::AppState,
};
use std::{
    collections::{BTreeMap, HashSet},
    time::Duration,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows written per transaction by the job.
pub const CHUNK_ROWS: usize = 1000;
/// Chunks of one job written at once, each in a transaction on a connection of its own, so
/// the database writes on more than one core.
pub const PARALLEL_CHUNKS: usize = 2;
/// How long a worker's claim on a job holds.
pub const LEASE: Duration = Duration::from_secs(60);

/// One assessed row.
struct Assessed {
    input: CsvInvitee,
    verdict: BulkVerdict,
    message: Option<String>,
    errors: BTreeMap<String, String>,
    draft: Option<(InvitationDraft, Option<u32>)>,
}

/// The organisation a bulk file goes to: the caller's own, or for platform admins the one
/// named in `organisation_id`.
async fn target(
    state: &AppState,
    user: &CurrentUser,
    organisation_id: Option<&str>,
) -> Result<(Uuid, String, OrgKind), AppError> {
    let id = match organisation_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if user.is_platform_admin() => Uuid::parse_str(s)
            .map_err(|_| AppError::field("organisation_id", "Choose an organisation."))?,
        _ => user.org_id,
    };
    let (name, kind) = repo::organisation(&state.pool, id)
        .await
        .map_err(AppError::internal("loading organisation failed"))?
        .ok_or_else(|| AppError::field("organisation_id", "Choose an organisation."))?;
    let kind = OrgKind::parse(&kind).ok_or(AppError::Internal)?;
    Ok((id, name, kind))
}

fn days_to_hours(input: &str) -> Result<Option<u32>, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u32>() {
        Ok(d @ 1..=30) => parse_lifetime_hours(&(d * 24).to_string()).map(|_| Some(d * 24)),
        _ => Err("Use a whole number of days from 1 to 30.".into()),
    }
}

/// Decides every row's verdict with three queries in all (members, pending invitations,
/// quota usage), whatever the number of rows.
async fn assess(
    state: &AppState,
    user: &CurrentUser,
    org: Uuid,
    kind: OrgKind,
    rows: Vec<CsvInvitee>,
) -> Result<Vec<Assessed>, AppError> {
    let grantable = user.role.grantable_roles(user.org_kind, kind);
    let mut out = Vec::with_capacity(rows.len());
    for input in rows {
        let mut errs = FieldErrors::default();
        let fields = DraftFields {
            email: &input.email,
            first_name: &input.first_name,
            last_name: &input.last_name,
            role: &input.role,
            designation: &input.designation,
            department: &input.department,
        };
        let not_grantable = std::cell::Cell::new(false);
        let draft = InvitationDraft::parse(
            &fields,
            Some(kind),
            |r: Role| {
                if grantable.contains(&r) {
                    Ok(())
                } else {
                    not_grantable.set(true);
                    Err("You cannot grant this role.".to_owned())
                }
            },
            &mut errs,
        );
        let not_grantable = not_grantable.get();
        let hours = errs.check("expires_in_days", days_to_hours(&input.expires_in_days));
        let errors: BTreeMap<String, String> = match errs.finish() {
            Err(AppError::Validation(v)) => v.into_iter().map(|e| (e.field, e.message)).collect(),
            _ => BTreeMap::new(),
        };
        let (verdict, message) = if not_grantable && errors.len() == 1 {
            (
                BulkVerdict::RoleNotAllowed,
                Some(format!("You cannot grant the role {}.", input.role)),
            )
        } else if !errors.is_empty() {
            let text = errors
                .iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect::<Vec<_>>()
                .join(" ");
            (BulkVerdict::Invalid, Some(text))
        } else {
            (BulkVerdict::Valid, None)
        };
        out.push(Assessed {
            draft: draft.zip(hours).filter(|_| verdict == BulkVerdict::Valid),
            input,
            verdict,
            message,
            errors,
        });
    }
    let emails: Vec<String> = out
        .iter()
        .filter(|a| a.verdict == BulkVerdict::Valid)
        .map(|a| a.input.email.to_lowercase())
        .collect();
    // The three reads are independent: each on a pool connection of its own, at once.
    let (members, pending, (pending_now, bulk_today)) = tokio::try_join!(
        bulk_repo::members_among(&state.pool, org, &emails),
        bulk_repo::pending_among(&state.pool, org, &emails),
        bulk_repo::quota_usage(&state.pool, org),
    )
    .map_err(AppError::internal("checking a bulk file failed"))?;
    let members: HashSet<String> = members.into_iter().collect();
    let pending: HashSet<String> = pending.into_iter().collect();
    let mut room = (state.config.bulk_daily_quota - bulk_today)
        .min(state.config.pending_invitation_quota - pending_now)
        .max(0);
    let mut seen = HashSet::new();
    for a in &mut out {
        if a.verdict != BulkVerdict::Valid {
            continue;
        }
        let email = a.input.email.to_lowercase();
        let (verdict, message) = if !seen.insert(email.clone()) {
            (
                BulkVerdict::Duplicate,
                "This email appears earlier in the file.".to_owned(),
            )
        } else if members.contains(&email) {
            (
                BulkVerdict::Member,
                "Already a member of this organisation.".to_owned(),
            )
        } else if pending.contains(&email) {
            (
                BulkVerdict::Pending,
                "Already invited; the invitation is still pending.".to_owned(),
            )
        } else if room == 0 {
            (
                BulkVerdict::OverQuota,
                "Past this organisation's invitation quota for now.".to_owned(),
            )
        } else {
            room -= 1;
            continue;
        };
        a.verdict = verdict;
        a.message = Some(message);
        a.draft = None;
    }
    Ok(out)
}

fn report(org_name: String, assessed: &[Assessed]) -> BulkPreview {
    let mut totals: BTreeMap<String, usize> = BulkVerdict::ALL
        .iter()
        .map(|v| (v.as_str().to_owned(), 0))
        .collect();
    let rows = assessed
        .iter()
        .map(|a| {
            *totals.entry(a.verdict.as_str().to_owned()).or_default() += 1;
            BulkRowReport {
                row: a.input.row_no,
                email: a.input.email.clone(),
                verdict: a.verdict,
                message: a.message.clone(),
                errors: a.errors.clone(),
            }
        })
        .collect();
    BulkPreview {
        organisation_name: org_name,
        rows,
        totals,
    }
}

/// The dry run: every row's verdict and the totals. Writes nothing.
///
/// # Errors
/// 422 for an organisation a platform admin named wrongly; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn preview(
    state: &AppState,
    user: &CurrentUser,
    organisation_id: Option<&str>,
    rows: Vec<CsvInvitee>,
) -> Result<BulkPreview, AppError> {
    let (org, name, kind) = target(state, user, organisation_id).await?;
    let assessed = assess(state, user, org, kind, rows).await?;
    Ok(report(name, &assessed))
}

/// Reads a CSV upload into rows, with a sentence for a file that cannot be read.
///
/// # Errors
/// 422 with the problem under `file`.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<CsvInvitee>, AppError> {
    bulk_csv::parse(bytes).map_err(|e| AppError::field("file", e.to_string()))
}

/// Confirms an import: checks every row again and stores the job with all its rows (the
/// invalid ones already marked skipped, with the reason); a worker writes the rest.
///
/// # Errors
/// 422 when not one row would be invited; as [`preview`] otherwise.
#[tracing::instrument(skip_all)]
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    organisation_id: Option<&str>,
    rows: Vec<CsvInvitee>,
) -> Result<(BulkPreview, BulkJobStatus), AppError> {
    let started = std::time::Instant::now();
    let (org, name, kind) = target(state, user, organisation_id).await?;
    let assessed = assess(state, user, org, kind, rows).await?;
    let checked = started.elapsed();
    if !assessed.iter().any(|a| a.verdict == BulkVerdict::Valid) {
        return Err(AppError::field(
            "file",
            "No row of this file can be invited. Check the dry run for each row's reason.",
        ));
    }
    let rows: Vec<bulk_repo::StoredRow> = assessed
        .iter()
        .map(|a| {
            let (designation, department, lifetime_hours, outcome, error) = match &a.draft {
                Some((d, hours)) => (
                    d.designation.clone(),
                    d.department.clone(),
                    hours.map(|h| h as i32),
                    None,
                    None,
                ),
                None => (None, None, None, Some("skipped".into()), a.message.clone()),
            };
            bulk_repo::StoredRow {
                row_no: i32::try_from(a.input.row_no).unwrap_or(i32::MAX),
                email: a.input.email.clone(),
                first_name: a.input.first_name.clone(),
                last_name: a.input.last_name.clone(),
                role: a.input.role.clone(),
                designation,
                department,
                lifetime_hours,
                outcome,
                invitation_id: None,
                error,
            }
        })
        .collect();
    let id = Uuid::new_v4();
    let api_token_id = match actor {
        Actor::ApiToken { id, .. } => Some(*id),
        _ => None,
    };
    let db = AppError::internal::<sqlx::Error>("starting a bulk import failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    bulk_repo::insert_job(
        &mut tx,
        &bulk_repo::NewJob {
            id,
            organisation_id: org,
            created_by: user.user_id,
            api_token_id,
        },
        &rows,
        CHUNK_ROWS,
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    tracing::info!(
        bulk_import_id = %id,
        rows = assessed.len(),
        check_ms = checked.as_millis() as u64,
        store_ms = (started.elapsed() - checked).as_millis() as u64,
        "bulk import queued"
    );
    let status = status(state, user, id).await?;
    Ok((report(name, &assessed), status))
}

/// Job `id` of the caller's organisation (any, for platform admins).
///
/// # Errors
/// 404 for another organisation's job or none; 500 on database failure.
pub async fn status(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<BulkJobStatus, AppError> {
    let j = bulk_repo::job(&state.pool, id, scope_of(user))
        .await
        .map_err(AppError::internal("loading a bulk import failed"))?
        .ok_or_else(|| AppError::NotFound("There is no such import.".into()))?;
    Ok(BulkJobStatus {
        id: j.id,
        status: j.status,
        total_rows: j.total_rows,
        processed_rows: j.processed_rows,
        created_rows: j.created_rows,
        created_at: j.created_at.unix_timestamp(),
        finished_at: j.finished_at.map(|t| t.unix_timestamp()),
    })
}

/// The error a row gets when the job reached it but did not invite it.
const RACED: &str = "Already a member or already invited by now.";

/// The result file of job `id`: `row,email,outcome,invitation_id,error` (RFC 4180), every cell
/// neutralised against formula injection. A row's outcome: as decided when the job was
/// stored, else `created` with the invitation the job made for its email, `skipped` if its
/// chunk was committed without one (the person became a member or was invited meanwhile), or
/// `pending` while its chunk is still to come.
///
/// # Errors
/// As [`status`].
pub async fn result_csv(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<String, AppError> {
    status(state, user, id).await?;
    let job = bulk_repo::results(&state.pool, id)
        .await
        .map_err(AppError::internal("loading bulk results failed"))?
        .ok_or_else(|| AppError::NotFound("There is no such import.".into()))?;
    let made: std::collections::HashMap<String, Uuid> = job.invitations.into_iter().collect();
    let done: HashSet<i32> = job.chunks_done.into_iter().collect();
    let chunk_rows = usize::try_from(job.chunk_rows).unwrap_or(CHUNK_ROWS).max(1);
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = AppError::internal::<csv::Error>("writing bulk results failed");
    w.write_record(["row", "email", "outcome", "invitation_id", "error"])
        .map_err(fail)?;
    let mut todo_index = 0;
    for r in &job.rows {
        let (outcome, invitation, error) = match &r.outcome {
            Some(o) => (o.as_str(), r.invitation_id, r.error.as_deref()),
            None => {
                let chunk = i32::try_from(todo_index / chunk_rows).unwrap_or(i32::MAX);
                todo_index += 1;
                match made.get(&r.email.to_lowercase()) {
                    Some(i) => ("created", Some(*i), None),
                    None if done.contains(&chunk) => ("skipped", None, Some(RACED)),
                    None => ("pending", None, None),
                }
            }
        };
        w.write_record([
            r.row_no.to_string(),
            bulk_csv::neutralise(&r.email),
            outcome.to_owned(),
            invitation.map(|i| i.to_string()).unwrap_or_default(),
            bulk_csv::neutralise(error.unwrap_or("")),
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::internal::<String>("writing bulk results failed")(e.to_string()))?;
    String::from_utf8(bytes).map_err(AppError::internal("bulk results are not UTF-8"))
}

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
    for r in todo
        .iter()
        .filter(|r| !invited_meanwhile.contains(&r.email.to_lowercase()))
    {
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
        let sealed = super::sealed_emails::seal_token(&state.config.encryption_keys, id, &token);
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
    let ids: Vec<Uuid> = new
        .id
        .iter()
        .copied()
        .filter(|i| written.contains(i))
        .collect();
    let t_inv = started.elapsed();
    bulk_repo::audit_created(tx, &ids, job.created_by, job.api_token_id, job.id).await?;
    let t_audit = started.elapsed();
    // The emails are rendered as they leave, from the token sealed on each invitation
    // (`sealed_emails::render_queued`): no body is stored, and none is rendered here.
    let recipients: Vec<String> = new
        .id
        .iter()
        .zip(&new.email)
        .filter(|(i, _)| written.contains(i))
        .map(|(_, e)| e.clone())
        .collect();
    bulk_repo::queue_emails(tx, &ids, &recipients).await?;
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
