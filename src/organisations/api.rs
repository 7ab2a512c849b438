//! Server functions of the organisations page. Platform admins only.

use crate::{domain::OrgKind, error::AppError};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One organisation as the list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    /// The association a company belongs to.
    pub parent_name: Option<String>,
    pub members: i64,
    pub pending_invitations: i64,
}

/// Longest organisation name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

#[cfg(feature = "ssr")]
async fn platform_admin() -> Result<crate::startup::AppState, AppError> {
    use crate::auth::session::{current_user, load};
    let (state, session) = load().await?;
    let user = current_user(&state, &session).await?;
    if user.is_platform_admin() {
        Ok(state)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Every organisation, platform first, then by name.
#[server(endpoint = "organisations/list")]
pub async fn list_organisations() -> Result<Vec<OrganisationSummary>, AppError> {
    use sqlx::Row;
    let state = platform_admin().await?;
    let rows = sqlx::query(
        "SELECT o.id, o.name, o.kind, p.name AS parent_name,
                (SELECT count(*) FROM memberships m WHERE m.organisation_id = o.id) AS members,
                (SELECT count(*) FROM invitations i WHERE i.organisation_id = o.id
                    AND i.status = 'pending' AND i.expires_at > now()) AS pending
           FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id
          ORDER BY o.kind = 'platform' DESC, lower(o.name)",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(AppError::internal("listing organisations failed"))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(OrganisationSummary {
                id: r.get("id"),
                name: r.get("name"),
                kind: OrgKind::parse(r.get("kind"))?,
                parent_name: r.get("parent_name"),
                members: r.get("members"),
                pending_invitations: r.get("pending"),
            })
        })
        .collect())
}

/// Creates an association or a company. `parent_id` (optional) puts a company inside an
/// association. Names are unique regardless of case.
#[server(endpoint = "organisations/create")]
pub async fn create_organisation(
    name: String,
    kind: String,
    parent_id: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::{db::is_unique_violation, error::FieldErrors};
    let state = platform_admin().await?;
    let mut errs = FieldErrors::default();
    let name = name.trim().to_owned();
    if name.is_empty() {
        errs.add("name", "Enter a name.");
    } else if name.chars().count() > MAX_NAME_CHARS {
        errs.add("name", format!("Use at most {MAX_NAME_CHARS} characters."));
    } else if name.chars().any(char::is_control) {
        errs.add("name", "Remove line breaks and other control characters.");
    }
    let kind = match OrgKind::parse(kind.trim()) {
        Some(k @ (OrgKind::Association | OrgKind::Company | OrgKind::Cooperative)) => Some(k),
        _ => {
            errs.add("kind", "Choose Association, Company or Cooperative.");
            None
        }
    };
    let parent = match parent_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(_) if kind != Some(OrgKind::Company) => {
            errs.add("parent_id", "Only a company can belong to an association.");
            None
        }
        Some(s) => match Uuid::parse_str(s) {
            Ok(id) => {
                let is_association: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1 AND kind = 'association')",
                )
                .bind(id)
                .fetch_one(&state.pool)
                .await
                .map_err(AppError::internal("checking the parent failed"))?;
                if !is_association {
                    errs.add("parent_id", "Choose an association.");
                }
                Some(id)
            }
            Err(_) => {
                errs.add("parent_id", "Choose an association.");
                None
            }
        },
    };
    errs.finish()?;
    let kind = kind.ok_or(AppError::Internal)?;
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO organisations (id, name, kind, parent_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(&name)
    .bind(kind.as_str())
    .bind(parent)
    .execute(&state.pool)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e, "organisations_name_key") => Err(AppError::field(
            "name",
            format!("An organisation called {name} already exists."),
        )),
        Err(e) => Err(AppError::internal("creating an organisation failed")(e)),
        Ok(_) => {
            tracing::info!(organisation_id = %id, kind = kind.as_str(), "organisation created");
            Ok(id)
        }
    }
}
