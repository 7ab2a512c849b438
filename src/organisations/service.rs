//! The rules for organisations: who may see and create them, and what a valid one is.

use super::repo::{self, OrganisationRow};
use crate::{
    auth::session::CurrentUser, db::is_unique_violation, domain::OrgKind, error::AppError,
    error::FieldErrors, state::AppState,
};
use uuid::Uuid;

/// Longest organisation name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

fn db_error(e: sqlx::Error) -> AppError {
    AppError::internal("organisations database error")(e)
}

fn require_platform_admin(user: &CurrentUser) -> Result<(), AppError> {
    if user.is_platform_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Every organisation, platform first, then by name.
///
/// # Errors
/// 403 unless `user` is a platform admin; 500 on database failure.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn list(state: &AppState, user: &CurrentUser) -> Result<Vec<OrganisationRow>, AppError> {
    require_platform_admin(user)?;
    repo::list(&state.pool).await.map_err(db_error)
}

/// Creates an association, company or cooperative named `name` (trimmed, 1 to
/// [`MAX_NAME_CHARS`] characters, no control characters, unique regardless of case).
/// `parent_id` (optional) puts a company inside an association. Returns the new id.
///
/// # Errors
/// 403 unless `user` is a platform admin; 422 naming each bad field (`name`, `kind`,
/// `parent_id`), a taken name included; 500 on database failure.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    name: &str,
    kind: &str,
    parent_id: Option<&str>,
) -> Result<Uuid, AppError> {
    require_platform_admin(user)?;
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
    let parent = match parent_id.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(_) if kind != Some(OrgKind::Company) => {
            errs.add("parent_id", "Only a company can belong to an association.");
            None
        }
        Some(s) => match Uuid::parse_str(s) {
            Ok(id) => {
                if !repo::is_association(&state.pool, id)
                    .await
                    .map_err(db_error)?
                {
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
    match repo::insert(&state.pool, id, &name, kind, parent).await {
        Err(e) if is_unique_violation(&e, "organisations_name_key") => Err(AppError::field(
            "name",
            format!("An organisation called {name} already exists."),
        )),
        Err(e) => Err(db_error(e)),
        Ok(()) => {
            tracing::info!(organisation_id = %id, kind = kind.as_str(), "organisation created");
            Ok(id)
        }
    }
}
