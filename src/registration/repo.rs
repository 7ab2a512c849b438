//! SQL for registration: accounts and memberships made from a spent invitation.

use crate::invitations::repo::InvitationFacts;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Whether an account with `email` (case-insensitive) exists.
///
/// # Errors
/// Database errors.
pub async fn account_exists<'c>(db: impl PgExecutor<'c>, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE email = $1::citext) AS "exists!""#,
        email,
    )
    .fetch_one(db)
    .await
}

/// Whether any account exists (the first start has none).
///
/// # Errors
/// Database errors.
pub async fn any_user<'c>(db: impl PgExecutor<'c>) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "exists!""#)
        .fetch_one(db)
        .await
}

/// Inserts a password account.
///
/// # Errors
/// Database errors; an existing email violates `users_email_key`.
pub async fn insert_user(
    conn: &mut PgConnection,
    id: Uuid,
    email: &str,
    first_name: &str,
    last_name: &str,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO users (id, email, first_name, last_name, password_hash)
         VALUES ($1, $2::citext, $3, $4, $5)",
        id,
        email,
        first_name,
        last_name,
        password_hash,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Links the spent invitation to `user_id` and creates the membership with the organisation,
/// role, designation and department of the invitation (kept as is when it already exists).
///
/// # Errors
/// Database errors.
pub async fn admit(
    conn: &mut PgConnection,
    spent: &InvitationFacts,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE invitations SET accepted_user_id = $2 WHERE id = $1",
        spent.id,
        user_id,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO memberships (user_id, organisation_id, role, designation, department)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, organisation_id) DO NOTHING",
        user_id,
        spent.organisation_id,
        spent.role,
        spent.designation.as_deref(),
        spent.department.as_deref(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The inviter's email address, organisation kind and role (their platform membership first),
/// for telling them about a request for a new invitation.
///
/// # Errors
/// Database errors.
pub async fn inviter_contact<'c>(
    db: impl PgExecutor<'c>,
    inviter: Uuid,
) -> Result<Option<(String, String, String)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT u.email::text AS "email!", o.kind, m.role FROM users u
             JOIN memberships m ON m.user_id = u.id
             JOIN organisations o ON o.id = m.organisation_id
            WHERE u.id = $1 AND u.email IS NOT NULL
            ORDER BY (o.kind = 'platform') DESC LIMIT 1"#,
        inviter,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.email, r.kind, r.role)))
}
