//! SQL for bulk imports: set-based reads for the dry run, the job and its rows, and one
//! chunk's writes (invitations, audit events, outbox rows, row outcomes) with `UNNEST` arrays.

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

/// The rows of a job to store, as parallel arrays (one entry per row). `outcome`/`error` are
/// `None` for rows to write, `Some("skipped")` with the reason for the others.
#[derive(Default)]
pub struct JobRows {
    pub row_no: Vec<i32>,
    pub email: Vec<String>,
    pub first_name: Vec<String>,
    pub last_name: Vec<String>,
    pub role: Vec<String>,
    pub designation: Vec<Option<String>>,
    pub department: Vec<Option<String>>,
    pub lifetime_hours: Vec<Option<i32>>,
    pub outcome: Vec<Option<String>>,
    pub error: Vec<Option<String>>,
}

/// Stores `job` and its `rows` (the number of rows is the job's total).
///
/// # Errors
/// Database errors.
pub async fn insert_job(
    conn: &mut PgConnection,
    job: &NewJob,
    rows: &JobRows,
) -> Result<(), sqlx::Error> {
    let total = i32::try_from(rows.row_no.len()).unwrap_or(i32::MAX);
    let skipped = i32::try_from(rows.outcome.iter().filter(|o| o.is_some()).count()).unwrap_or(0);
    sqlx::query!(
        "INSERT INTO bulk_imports (id, organisation_id, created_by, api_token_id, total_rows,
                                   processed_rows, status, finished_at)
         VALUES ($1, $2, $3, $4, $5::int4, $6::int4,
                 CASE WHEN $6::int4 = $5::int4 THEN 'done' ELSE 'queued' END,
                 CASE WHEN $6::int4 = $5::int4 THEN now() END)",
        job.id,
        job.organisation_id,
        job.created_by,
        job.api_token_id,
        total,
        skipped,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO bulk_import_rows (import_id, row_no, email, first_name, last_name, role,
                                       designation, department, lifetime_hours, outcome, error)
         SELECT $1, u.row_no, u.email::citext, u.first_name, u.last_name, u.role, u.designation,
                u.department, u.lifetime_hours, u.outcome, u.error
           FROM UNNEST($2::int4[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::int4[], $10::text[], $11::text[])
                AS u(row_no, email, first_name, last_name, role, designation, department,
                     lifetime_hours, outcome, error)",
        job.id,
        &rows.row_no,
        &rows.email,
        &rows.first_name,
        &rows.last_name,
        &rows.role,
        &rows.designation as &[Option<String>],
        &rows.department as &[Option<String>],
        &rows.lifetime_hours as &[Option<i32>],
        &rows.outcome as &[Option<String>],
        &rows.error as &[Option<String>],
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

/// One row's outcome, for the result file.
pub struct ResultRow {
    pub row_no: i32,
    pub email: String,
    pub outcome: Option<String>,
    pub invitation_id: Option<Uuid>,
    pub error: Option<String>,
}

/// Every row of job `id`, in file order.
///
/// # Errors
/// Database errors.
pub async fn results<'c>(db: impl PgExecutor<'c>, id: Uuid) -> Result<Vec<ResultRow>, sqlx::Error> {
    sqlx::query_as!(
        ResultRow,
        r#"SELECT row_no, email::text AS "email!", outcome, invitation_id, error
             FROM bulk_import_rows WHERE import_id = $1 ORDER BY row_no"#,
        id,
    )
    .fetch_all(db)
    .await
}

/// A claimed job: who started it, for the invitations' inviter and audit actor.
pub struct Claimed {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub created_by: Uuid,
    pub api_token_id: Option<Uuid>,
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
           RETURNING b.id, b.organisation_id, b.created_by, b.api_token_id"#,
        lease_id,
        lease.as_secs_f64(),
    )
    .fetch_optional(pool)
    .await
}

/// One row still to write.
pub struct TodoRow {
    pub row_no: i32,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    pub lifetime_hours: Option<i32>,
}

/// Up to `limit` rows of job `id` still to write after row `after` (0: from the start), in
/// file order, from the job's cursor on. Reads without locking: only the lease holder writes,
/// and [`finish_chunk`] fences.
///
/// # Errors
/// Database errors.
pub async fn todo_rows<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    after: i32,
    limit: i64,
) -> Result<Vec<TodoRow>, sqlx::Error> {
    sqlx::query_as!(
        TodoRow,
        r#"SELECT r.row_no, r.email::text AS "email!", r.first_name, r.last_name, r.role,
                  r.designation, r.department, r.lifetime_hours
             FROM bulk_imports b
             JOIN bulk_import_rows r ON r.import_id = b.id
                                    AND r.row_no >= b.next_row_no AND r.row_no > $2
            WHERE b.id = $1 AND r.outcome IS NULL
            ORDER BY r.row_no LIMIT $3"#,
        id,
        after,
        limit,
    )
    .fetch_all(db)
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

/// Writes `new` into organisation `org` for job `job` (inviter `inviter`), skipping anyone who
/// is a member or has a live pending invitation by now. Returns the ids written.
///
/// # Errors
/// Database errors.
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
             ON CONFLICT (organisation_id, email) WHERE status = 'pending' DO NOTHING
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

/// The `created` audit events of invitations `ids` (one statement), by the job's actor: the
/// API token when there is one, else the person who started the import.
///
/// # Errors
/// Database errors.
pub async fn audit_created(
    conn: &mut PgConnection,
    ids: &[Uuid],
    user: Uuid,
    api_token: Option<Uuid>,
    job: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind,
                                    actor_user_id, actor_api_token_id, detail)
           SELECT i.organisation_id, 'invitation', i.id, 'created',
                  CASE WHEN $3::uuid IS NULL THEN 'user' ELSE 'api_token' END,
                  CASE WHEN $3::uuid IS NULL THEN $2::uuid END, $3,
                  jsonb_build_object('email', i.email, 'role', i.role,
                                     'organisation_id', i.organisation_id,
                                     'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC',
                                                           'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                     'delivery', 'email', 'bulk_import_id', $4::uuid)
             FROM invitations i WHERE i.id = ANY($1)"#,
        ids,
        user,
        api_token,
        job,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues the invitation email of each of invitations `ids` to `recipients` (parallel
/// arrays, one statement) with `render_at_send`: no subject or body now, both rendered as the
/// message leaves the outbox from the token sealed on the invitation.
///
/// # Errors
/// Database errors.
pub async fn queue_emails(
    conn: &mut PgConnection,
    ids: &[Uuid],
    recipients: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO email_outbox (recipient, subject, text_body, html_body, invitation_id,
                                   template_kind, render_at_send)
         SELECT u.recipient::citext, '', '', '', u.id, 'invitation', true
           FROM UNNEST($1::uuid[], $2::text[]) AS u(id, recipient)",
        ids,
        recipients,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the outcomes of rows `row_no` of job `job` (parallel arrays) and advances the job
/// if `lease_id` still holds it: its counts, its cursor (the first row still without an
/// outcome, which stays correct whatever order concurrent chunks commit in), and `done` when
/// no row is left. Returns `false`, having changed nothing the caller may keep, when the lease
/// passed to another worker (fencing): the caller rolls its transaction back.
///
/// # Errors
/// Database errors.
pub async fn finish_chunk(
    conn: &mut PgConnection,
    job: Uuid,
    lease_id: Uuid,
    row_no: &[i32],
    invitation_id: &[Option<Uuid>],
    lease: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    sqlx::query!(
        "UPDATE bulk_import_rows r
            SET outcome = CASE WHEN u.invitation_id IS NULL THEN 'skipped' ELSE 'created' END,
                invitation_id = u.invitation_id,
                error = CASE WHEN u.invitation_id IS NULL
                             THEN 'Already a member or already invited by now.' END
           FROM UNNEST($2::int4[], $3::uuid[]) AS u(row_no, invitation_id)
          WHERE r.import_id = $1 AND r.row_no = u.row_no",
        job,
        row_no,
        invitation_id as &[Option<Uuid>],
    )
    .execute(&mut *conn)
    .await?;
    let created = i32::try_from(invitation_id.iter().filter(|i| i.is_some()).count()).unwrap_or(0);
    let n = i32::try_from(row_no.len()).unwrap_or(0);
    let held = sqlx::query!(
        "UPDATE bulk_imports b
            SET processed_rows = processed_rows + $3::int4, created_rows = created_rows + $4::int4,
                next_row_no = COALESCE(
                    (SELECT min(r.row_no) FROM bulk_import_rows r
                      WHERE r.import_id = b.id AND r.row_no >= b.next_row_no
                        AND r.outcome IS NULL),
                    total_rows + 1),
                locked_until = clock_timestamp() + make_interval(secs => $5),
                status = CASE WHEN processed_rows + $3::int4 >= total_rows THEN 'done'
                              ELSE status END,
                finished_at = CASE WHEN processed_rows + $3::int4 >= total_rows THEN now() END
          WHERE id = $1 AND lease_id = $2",
        job,
        lease_id,
        n,
        created,
        lease.as_secs_f64(),
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(held == 1)
}
