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

/// Every organisation, platform first, then by name. Platform admins only (403 otherwise).
#[server(prefix = "/rpc", endpoint = "organisations/list")]
pub async fn list_organisations() -> Result<Vec<OrganisationSummary>, AppError> {
    // Any signed-in person; the service decides what their role may see.
    let (state, user, _) = crate::auth::session::signed_in_as(|_| true).await?;
    let rows = super::service::list(&state, &user).await?;
    Ok(rows
        .into_iter()
        .map(|r| OrganisationSummary {
            id: r.id,
            name: r.name,
            kind: r.kind,
            parent_name: r.parent_name,
            members: r.members,
            pending_invitations: r.pending_invitations,
        })
        .collect())
}

/// Creates an association or a company. `parent_id` (optional) puts a company inside an
/// association. Names are unique regardless of case. Platform admins only (403 otherwise);
/// 422 names each bad field.
#[server(prefix = "/rpc", endpoint = "organisations/create")]
pub async fn create_organisation(
    name: String,
    kind: String,
    parent_id: Option<String>,
) -> Result<Uuid, AppError> {
    // Any signed-in person; the service decides what their role may see.
    let (state, user, _) = crate::auth::session::signed_in_as(|_| true).await?;
    super::service::create(&state, &user, &name, &kind, parent_id.as_deref()).await
}
