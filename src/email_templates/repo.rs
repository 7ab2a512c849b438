//! All SQL of the email templates: versions per organisation and kind, and the sender settings.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// One stored version; the parts are `None` for a "Reset to default" version.
pub struct VersionRow {
    pub version: i32,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
}

/// The newest `limit` versions of `kind` for `org`, newest first.
///
/// # Errors
/// Database errors.
pub async fn versions<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    kind: &str,
    limit: i64,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query_as!(
        VersionRow,
        r#"SELECT t.version, t.subject, t.body_text, t.body_html, t.created_at,
                  trim(u.first_name || ' ' || u.last_name) AS created_by
             FROM email_templates t LEFT JOIN users u ON u.id = t.created_by
            WHERE t.organisation_id = $1 AND t.kind = $2
            ORDER BY t.version DESC
            LIMIT $3"#,
        org,
        kind,
        limit,
    )
    .fetch_all(db)
    .await
}

/// What sending one email of `kind` for `org` needs: the sender settings and the version in
/// use. `None` when the organisation does not exist.
pub struct SendingRow {
    pub sender_name: Option<String>,
    pub reply_to: Option<String>,
    pub version: Option<i32>,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
}

/// One round trip for [`SendingRow`].
///
/// # Errors
/// Database errors.
pub async fn sending<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    kind: &str,
) -> Result<Option<SendingRow>, sqlx::Error> {
    sqlx::query_as!(
        SendingRow,
        r#"SELECT o.email_sender_name AS sender_name, o.email_reply_to::text AS reply_to,
                  t.version AS "version?", t.subject AS "subject?", t.body_text AS "body_text?",
                  t.body_html AS "body_html?"
             FROM organisations o
             LEFT JOIN LATERAL (SELECT version, subject, body_text, body_html
                                  FROM email_templates
                                 WHERE organisation_id = o.id AND kind = $2
                                 ORDER BY version DESC LIMIT 1) t ON true
            WHERE o.id = $1"#,
        org,
        kind,
    )
    .fetch_optional(db)
    .await
}

/// The parts of a new version: `None` for "Reset to default".
pub struct NewVersion<'a> {
    pub subject: Option<&'a str>,
    pub body_text: Option<&'a str>,
    pub body_html: Option<&'a str>,
}

/// Appends the next version of `kind` for `org`, serialised per organisation and kind by a
/// transaction-scoped advisory lock. Returns its number.
///
/// # Errors
/// Database errors.
pub async fn insert_version(
    tx: &mut PgConnection,
    org: Uuid,
    kind: &str,
    parts: &NewVersion<'_>,
    by: Uuid,
) -> Result<i32, sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('email_template:' || $1::text || ':' || $2, 0))",
        org.to_string(),
        kind,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar!(
        r#"INSERT INTO email_templates (organisation_id, kind, version, subject, body_text,
                                        body_html, created_by)
           SELECT $1, $2, COALESCE(max(version), 0) + 1, $3, $4, $5, $6
             FROM email_templates WHERE organisation_id = $1 AND kind = $2
           RETURNING version"#,
        org,
        kind,
        parts.subject,
        parts.body_text,
        parts.body_html,
        by,
    )
    .fetch_one(&mut *tx)
    .await
}

/// The sender display name and reply-to address of `org`.
///
/// # Errors
/// Database errors.
pub async fn sender<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT email_sender_name, email_reply_to::text AS reply_to
             FROM organisations WHERE id = $1"#,
        org,
    )
    .fetch_one(db)
    .await?;
    Ok((r.email_sender_name, r.reply_to))
}

/// Sets (or with `None` clears) the sender display name and reply-to address of `org`.
///
/// # Errors
/// Database errors.
pub async fn set_sender<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    name: Option<&str>,
    reply_to: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE organisations SET email_sender_name = $2, email_reply_to = $3::text::citext
          WHERE id = $1",
        org,
        name,
        reply_to,
    )
    .execute(db)
    .await?;
    Ok(())
}
