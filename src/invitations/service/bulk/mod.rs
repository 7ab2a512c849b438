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

mod job;

pub use job::{run_worker, spawn_workers};

use super::{parse_lifetime_hours, scope_of, Actor};
use crate::{
    auth::session::CurrentUser,
    domain::{
        bulk_csv::{self, CsvInvitee},
        DraftFields, InvitationDraft, OrgKind, Role,
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
/// quota usage), whatever the number of rows. The queries run while the rows are parsed:
/// they ask about every row's email (lower-cased), and only the valid rows' answers are read.
async fn assess(
    state: &AppState,
    user: &CurrentUser,
    org: Uuid,
    kind: OrgKind,
    rows: Vec<CsvInvitee>,
) -> Result<Vec<Assessed>, AppError> {
    use tracing::Instrument;
    let emails: Vec<String> = rows.iter().map(|r| r.email.to_lowercase()).collect();
    // The three reads are independent: each on a pool connection of its own, at once, and
    // in a task of their own so that the database answers while this task parses the rows.
    let pool = state.pool.clone();
    let reads = tokio::spawn(
        async move {
            tokio::try_join!(
                bulk_repo::members_among(&pool, org, &emails),
                bulk_repo::pending_among(&pool, org, &emails),
                bulk_repo::quota_usage(&pool, org),
            )
        }
        .in_current_span(),
    );
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
    let (members, pending, (pending_now, bulk_today)) = reads
        .await
        .map_err(AppError::internal("checking a bulk file failed"))?
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
