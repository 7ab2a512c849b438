//! SQL for bulk imports: set-based reads for the dry run, the job with its rows as one
//! document, and one chunk's writes (invitations, audit events, outbox rows) with `UNNEST`
//! arrays.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// Which of `emails` are members of organisation `org` (lower-cased).
///
/// # Errors
/// Database errors.
pub async fn members_among<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    emails: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT lower(u.email::text) AS "email!" FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organisation_id = $1 AND u.email = ANY($2::text[]::citext[])"#,
        org,
        emails,
    )
    .fetch_all(db)
    .await
}

/// Which of `emails` have a live pending invitation to organisation `org` (lower-cased).
///
/// # Errors
/// Database errors.
pub async fn pending_among<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    emails: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT lower(email::text) AS "email!" FROM invitations
            WHERE organisation_id = $1 AND status = 'pending' AND expires_at > now()
              AND email = ANY($2::text[]::citext[])"#,
        org,
        emails,
    )
    .fetch_all(db)
    .await
}

/// `(pending, bulk invitations in the last 24 hours)` of organisation `org`, for the quotas.
///
/// # Errors
/// Database errors.
pub async fn quota_usage<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM invitations
               WHERE organisation_id = $1 AND status = 'pending' AND expires_at > now()) AS "pending!",
             (SELECT count(*) FROM invitations
               WHERE organisation_id = $1 AND bulk_import_id IS NOT NULL
                 AND created_at > now() - interval '24 hours') AS "bulk_today!""#,
        org,
    )
    .fetch_one(db)
    .await?;
    Ok((r.pending, r.bulk_today))
}

/// A job to store.
pub struct NewJob {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub created_by: Uuid,
    pub api_token_id: Option<Uuid>,
}

/// One row of a job as its document stores it (`bulk_imports.rows`: a JSON array with one
/// array per row, in the field order below, so that 10,000 rows stay compact).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRow {
    /// The data row's number in the file, from 1.
    pub row_no: i32,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    /// The row's own expiry, 1 to 720 hours; `None` for the configured default.
    pub lifetime_hours: Option<i32>,
    /// `Some("skipped")` (with `error`) for a row decided when the job was stored; `None` for
    /// a row the job writes. Jobs stored before documents also carry `created` here.
    pub outcome: Option<String>,
    pub invitation_id: Option<Uuid>,
    pub error: Option<String>,
}

type Wire = (
    i32,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<Uuid>,
    Option<String>,
);

/// `rows` as a job document.
pub fn encode_rows(rows: &[StoredRow]) -> Vec<u8> {
    let wire: Vec<Wire> = rows
        .iter()
        .map(|r| {
            (
                r.row_no,
                r.email.clone(),
                r.first_name.clone(),
                r.last_name.clone(),
                r.role.clone(),
                r.designation.clone(),
                r.department.clone(),
                r.lifetime_hours,
                r.outcome.clone(),
                r.invitation_id,
                r.error.clone(),
            )
        })
        .collect();
    serde_json::to_vec(&wire).expect("rows serialise")
}

/// The rows of a job document.
///
/// # Errors
/// A document that is not an array of rows (`sqlx::Error::Decode`).
pub fn decode_rows(doc: &[u8]) -> Result<Vec<StoredRow>, sqlx::Error> {
    let wire: Vec<Wire> =
        serde_json::from_slice(doc).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(wire
        .into_iter()
        .map(|w| StoredRow {
            row_no: w.0,
            email: w.1,
            first_name: w.2,
            last_name: w.3,
            role: w.4,
            designation: w.5,
            department: w.6,
            lifetime_hours: w.7,
            outcome: w.8,
            invitation_id: w.9,
            error: w.10,
        })
        .collect())
}

/// Stores `job` with its `rows` as one document (the number of rows is the job's total; the
/// rows already decided count as processed), written in chunks of `chunk_rows`.
///
/// # Errors
/// Database errors.
pub async fn insert_job(
    conn: &mut PgConnection,
    job: &NewJob,
    rows: &[StoredRow],
    chunk_rows: usize,
) -> Result<(), sqlx::Error> {
    let total = i32::try_from(rows.len()).unwrap_or(i32::MAX);
    let skipped = i32::try_from(rows.iter().filter(|r| r.outcome.is_some()).count()).unwrap_or(0);
    sqlx::query!(
        "INSERT INTO bulk_imports (id, organisation_id, created_by, api_token_id, total_rows,
                                   processed_rows, status, finished_at, rows, chunk_rows)
         VALUES ($1, $2, $3, $4, $5::int4, $6::int4,
                 CASE WHEN $6::int4 = $5::int4 THEN 'done' ELSE 'queued' END,
                 CASE WHEN $6::int4 = $5::int4 THEN now() END, $7, $8)",
        job.id,
        job.organisation_id,
        job.created_by,
        job.api_token_id,
        total,
        skipped,
        encode_rows(rows),
        i32::try_from(chunk_rows).unwrap_or(i32::MAX),
    )
    .execute(&mut *conn)
    .await?;
    if skipped < total {
        // Delivered at commit: wakes an idle worker on any instance at once.
        sqlx::query!("SELECT pg_notify($1, '')", JOBS_CHANNEL)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The `LISTEN`/`NOTIFY` channel on which a new job is announced.
pub const JOBS_CHANNEL: &str = "gatehouse_bulk_imports";

/// A job as its owner sees it.
pub struct JobRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub status: String,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created_rows: i32,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

/// Job `id`, if it belongs to organisation `org` (any organisation when `org` is `None`).
///
/// # Errors
/// Database errors.
pub async fn job<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    org: Option<Uuid>,
) -> Result<Option<JobRow>, sqlx::Error> {
    sqlx::query_as!(
        JobRow,
        "SELECT id, organisation_id, status, total_rows, processed_rows, created_rows, created_at,
                finished_at
           FROM bulk_imports WHERE id = $1 AND ($2::uuid IS NULL OR organisation_id = $2)",
        id,
        org,
    )
    .fetch_optional(db)
    .await
}

/// What the result file of job `id` is made from: its rows, its chunk size, the chunks
/// committed, and the invitations it made (`(email lower-cased, invitation id)`).
pub struct JobResults {
    pub rows: Vec<StoredRow>,
    pub chunk_rows: i32,
    pub chunks_done: Vec<i32>,
    pub invitations: Vec<(String, Uuid)>,
}

/// The rows and outcomes of job `id` (`None` if there is no such job).
///
/// # Errors
/// Database errors; a damaged document.
pub async fn results(pool: &sqlx::PgPool, id: Uuid) -> Result<Option<JobResults>, sqlx::Error> {
    let Some(job) = sqlx::query!(
        "SELECT organisation_id, created_at, rows, chunk_rows, chunks_done
           FROM bulk_imports WHERE id = $1",
        id,
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    // The job's invitations were created after it; the range keeps the scan to them.
    let invitations = sqlx::query!(
        r#"SELECT lower(email::text) AS "email!", id FROM invitations
            WHERE organisation_id = $1 AND bulk_import_id = $2 AND created_at >= $3"#,
        job.organisation_id,
        id,
        job.created_at,
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.email, r.id))
    .collect();
    Ok(Some(JobResults {
        rows: decode_rows(&job.rows)?,
        chunk_rows: job.chunk_rows,
        chunks_done: job.chunks_done,
        invitations,
    }))
}

/// A claimed job: who started it (the invitations' inviter and audit actor), its rows as
/// stored, and the chunks already committed.
pub struct Claimed {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub created_by: Uuid,
    pub api_token_id: Option<Uuid>,
    pub rows: Vec<u8>,
    pub chunk_rows: i32,
    pub chunks_done: Vec<i32>,
}

/// Claims the oldest unfinished job whose lease is free, for `lease` under `lease_id`.
///
/// # Errors
/// Database errors.
pub async fn claim(
    pool: &sqlx::PgPool,
    lease_id: Uuid,
    lease: std::time::Duration,
) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as!(
        Claimed,
        r#"WITH next AS (
               SELECT id FROM bulk_imports
                WHERE status <> 'done' AND (locked_until IS NULL OR locked_until < clock_timestamp())
                ORDER BY created_at LIMIT 1
                FOR UPDATE SKIP LOCKED)
           UPDATE bulk_imports b
              SET status = 'running', lease_id = $1,
                  locked_until = clock_timestamp() + make_interval(secs => $2)
             FROM next
            WHERE b.id = next.id
           RETURNING b.id, b.organisation_id, b.created_by, b.api_token_id, b.rows,
                     b.chunk_rows, b.chunks_done"#,
        lease_id,
        lease.as_secs_f64(),
    )
    .fetch_optional(pool)
    .await
}

/// Invitations to write, as parallel arrays.
#[derive(Default)]
pub struct NewInvitations {
    pub id: Vec<Uuid>,
    pub email: Vec<String>,
    pub first_name: Vec<String>,
    pub last_name: Vec<String>,
    pub role: Vec<String>,
    pub designation: Vec<Option<String>>,
    pub department: Vec<Option<String>>,
    pub token_hash: Vec<Vec<u8>>,
    pub expires_at: Vec<OffsetDateTime>,
    /// The tokens sealed for the expiry reminders, all under key `reminder_key_id`.
    pub reminder_key_id: String,
    pub reminder_nonce: Vec<Vec<u8>>,
    pub reminder_ciphertext: Vec<Vec<u8>>,
}

/// Writes `new` into organisation `org` for job `job` (inviter `inviter`), leaving out anyone
/// who is a member by now. Returns the ids written. A plain insert (no `ON CONFLICT`): one
/// descent of the one-pending-invitation index per row instead of two, measured 0.1 s of a
/// 10,000-row import (docs/PERFORMANCE.md, B1).
///
/// # Errors
/// Database errors; a unique violation of `invitations_one_pending_per_email` when someone in
/// `new` got a pending invitation since the file was checked.
pub async fn insert_invitations(
    conn: &mut PgConnection,
    org: Uuid,
    inviter: Uuid,
    job: Uuid,
    new: &NewInvitations,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role,
                                  designation, department, inviter_id, token_hash, expires_at,
                                  last_sent_at, bulk_import_id, reminder_key_id, reminder_nonce,
                                  reminder_ciphertext)
         SELECT u.id, $1, u.email::citext, u.first_name, u.last_name, u.role, u.designation,
                u.department, $2, u.token_hash, u.expires_at, now(), $3, $13, u.nonce,
                u.ciphertext
           FROM UNNEST($4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                       $10::text[], $11::bytea[], $12::timestamptz[], $14::bytea[], $15::bytea[])
                AS u(id, email, first_name, last_name, role, designation, department,
                     token_hash, expires_at, nonce, ciphertext)
          WHERE NOT EXISTS (SELECT 1 FROM memberships m JOIN users us ON us.id = m.user_id
                             WHERE m.organisation_id = $1 AND us.email = u.email::citext)
         RETURNING id",
        org,
        inviter,
        job,
        &new.id,
        &new.email,
        &new.first_name,
        &new.last_name,
        &new.role,
        &new.designation as &[Option<String>],
        &new.department as &[Option<String>],
        &new.token_hash,
        &new.expires_at,
        new.reminder_key_id,
        &new.reminder_nonce,
        &new.reminder_ciphertext,
    )
    .fetch_all(conn)
    .await
}

/// The invitations a chunk wrote, as parallel arrays, for their audit events and emails.
pub struct Written<'a> {
    pub ids: &'a [Uuid],
    pub emails: &'a [String],
    pub roles: &'a [String],
    pub expires_at: &'a [OffsetDateTime],
}

/// The `created` audit events of the invitations in `written` (one statement) in organisation
/// `org`, by the job's actor: the API token when there is one, else the person who started
/// the import. The details come from the arrays the invitations were written from, not from
/// reading the invitations back: 1,000 primary-key probes fewer per chunk (about a third of
/// the statement, docs/PERFORMANCE.md, B1).
///
/// # Errors
/// Database errors.
pub async fn audit_created(
    conn: &mut PgConnection,
    org: Uuid,
    written: &Written<'_>,
    user: Uuid,
    api_token: Option<Uuid>,
    job: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind,
                                    actor_user_id, actor_api_token_id, detail)
           SELECT $1, 'invitation', u.id, 'created',
                  CASE WHEN $4::uuid IS NULL THEN 'user' ELSE 'api_token' END,
                  CASE WHEN $4::uuid IS NULL THEN $3::uuid END, $4,
                  jsonb_build_object('email', u.email, 'role', u.role,
                                     'organisation_id', $1::uuid,
                                     'expires_at', to_char(u.expires_at AT TIME ZONE 'UTC',
                                                           'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                     'delivery', 'email', 'bulk_import_id', $5::uuid)
             FROM UNNEST($2::uuid[], $6::text[], $7::text[], $8::timestamptz[])
                  AS u(id, email, role, expires_at)"#,
        org,
        written.ids,
        user,
        api_token,
        job,
        written.emails,
        written.roles,
        written.expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues the invitation email of each invitation in `written` to its email (one statement)
/// with `render_at_send`: no subject or body now, both rendered as the message leaves the
/// outbox from the token sealed on the invitation.
///
/// # Errors
/// Database errors.
pub async fn queue_emails(
    conn: &mut PgConnection,
    written: &Written<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO email_outbox (recipient, subject, text_body, html_body, invitation_id,
                                   template_kind, render_at_send)
         SELECT u.recipient::citext, '', '', '', u.id, 'invitation', true
           FROM UNNEST($1::uuid[], $2::text[]) AS u(id, recipient)",
        written.ids,
        written.emails,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records chunk `chunk` of job `job` as committed, with `processed` rows of which `created`
/// became invitations, and advances the job if `lease_id` still holds it: its counts, its
/// lease, and `done` when no row is left. `chunk` `None` only marks a job with nothing left to
/// write done. Returns `false`, having changed nothing, when the lease passed to another
/// worker (fencing): the caller rolls its transaction back.
///
/// # Errors
/// Database errors.
pub async fn finish_chunk(
    conn: &mut PgConnection,
    job: Uuid,
    lease_id: Uuid,
    chunk: Option<i32>,
    processed: i32,
    created: i32,
    lease: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    let held = sqlx::query!(
        "UPDATE bulk_imports
            SET processed_rows = processed_rows + $3::int4, created_rows = created_rows + $4::int4,
                chunks_done = CASE WHEN $5::int4 IS NULL THEN chunks_done
                                   ELSE array_append(chunks_done, $5::int4) END,
                locked_until = clock_timestamp() + make_interval(secs => $6),
                status = CASE WHEN processed_rows + $3::int4 >= total_rows OR $5::int4 IS NULL
                              THEN 'done' ELSE status END,
                finished_at = CASE WHEN processed_rows + $3::int4 >= total_rows
                                        OR $5::int4 IS NULL THEN now() END
          WHERE id = $1 AND lease_id = $2",
        job,
        lease_id,
        processed,
        created,
        chunk,
        lease.as_secs_f64(),
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(held == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_document_round_trips_and_reads_what_the_migration_wrote() {
        let rows = vec![
            StoredRow {
                row_no: 1,
                email: "ada@example.org".into(),
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                role: "member".into(),
                designation: Some("Analyst".into()),
                department: None,
                lifetime_hours: Some(72),
                outcome: None,
                invitation_id: None,
                error: None,
            },
            StoredRow {
                row_no: 2,
                email: "=cmd@example.org".into(),
                first_name: "Eve".into(),
                last_name: "\"Quoted\", comma".into(),
                role: "owner".into(),
                designation: None,
                department: None,
                lifetime_hours: None,
                outcome: Some("skipped".into()),
                invitation_id: None,
                error: Some("You cannot grant the role owner.".into()),
            },
        ];
        assert_eq!(decode_rows(&encode_rows(&rows)).unwrap(), rows);
        // PostgreSQL's jsonb text, as migration 20261201000014 turns old rows into documents.
        let migrated = br#"[[1, "a@b.org", "A", "B", "member", null, null, null, "created", "af955207-f4a6-4cbc-b369-013c4910f668", null]]"#;
        let read = decode_rows(migrated).unwrap();
        assert_eq!(read[0].outcome.as_deref(), Some("created"));
        assert_eq!(
            read[0].invitation_id.map(|i| i.to_string()).as_deref(),
            Some("af955207-f4a6-4cbc-b369-013c4910f668")
        );
        assert!(decode_rows(b"{\"not\": \"rows\"}").is_err());
    }
}
