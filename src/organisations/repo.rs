//! SQL for organisations.

use crate::domain::OrgKind;
use sqlx::PgExecutor;
use uuid::Uuid;

/// One organisation with its counts, as the list shows it.
pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub parent_name: Option<String>,
    pub members: i64,
    /// Pending invitations that have not expired.
    pub pending_invitations: i64,
}

/// Every organisation, platform first, then by name (case-insensitive).
///
/// # Errors
/// Database errors.
pub async fn list<'c>(db: impl PgExecutor<'c>) -> Result<Vec<OrganisationRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT o.id, o.name, o.kind, p.name AS "parent_name?",
                (SELECT count(*) FROM memberships m WHERE m.organisation_id = o.id)
                    AS "members!",
                (SELECT count(*) FROM invitations i WHERE i.organisation_id = o.id
                    AND i.status = 'pending' AND i.expires_at > now()) AS "pending!"
           FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id
          ORDER BY o.kind = 'platform' DESC, lower(o.name)"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(OrganisationRow {
                id: r.id,
                name: r.name,
                kind: OrgKind::parse(&r.kind)?,
                parent_name: r.parent_name,
                members: r.members,
                pending_invitations: r.pending,
            })
        })
        .collect())
}

/// Whether `id` is an association.
///
/// # Errors
/// Database errors.
pub async fn is_association<'c>(db: impl PgExecutor<'c>, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1 AND kind = 'association')
               AS "exists!""#,
        id,
    )
    .fetch_one(db)
    .await
}

/// Inserts an organisation.
///
/// # Errors
/// Database errors; a duplicate name violates `organisations_name_key`.
pub async fn insert<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    name: &str,
    kind: OrgKind,
    parent: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO organisations (id, name, kind, parent_id) VALUES ($1, $2, $3, $4)",
        id,
        name,
        kind.as_str(),
        parent,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The platform organisation's id, creating it (named `name`) if there is none.
///
/// # Errors
/// Database errors.
pub async fn ensure_platform(pool: &sqlx::PgPool, name: &str) -> Result<Uuid, sqlx::Error> {
    sqlx::query!(
        "INSERT INTO organisations (id, name, kind) VALUES ($1, $2, 'platform')
         ON CONFLICT DO NOTHING",
        Uuid::new_v4(),
        name,
    )
    .execute(pool)
    .await?;
    sqlx::query_scalar!("SELECT id FROM organisations WHERE kind = 'platform'")
        .fetch_one(pool)
        .await
}
