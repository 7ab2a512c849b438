//! The rules of partner onboarding (decisions in [`decisions`]): the provider registry, registration, approval with
//! credential issuance, configuration changes and decommissioning, each audited.

mod decisions;
pub mod rotation;

pub use decisions::{approve, decommission, reject, set_suspended, submit};
pub use rotation::{rotate_secret, run_rotation_reminders, send_rotation_reminders};

use super::{
    dto::{
        ContactDto, IntegrationsOverview, PartnerDetail, PartnerEventDto, PartnerSummary, ScopeDto,
    },
    repo::{self, PartnerRow},
};
use crate::{
    audit::{self, Actor, Event, PartnerAction, Subject},
    auth::session::CurrentUser,
    db::is_unique_violation,
    domain::{
        parse_scope_list, EmailAddress, IntegrationEnvironment, OrgKind, PartnerStatus, PersonName,
        Scope,
    },
    error::{AppError, FieldErrors},
    providers::{repo as provider_repo, service::provider_dto},
    security::RequestContext,
    state::AppState,
};
use serde_json::json;
use uuid::Uuid;

fn not_found() -> AppError {
    AppError::NotFound("There is no such partner.".into())
}

/// Platform admins keep providers; tenants (associations, companies) have partners.
fn is_tenant(user: &CurrentUser) -> bool {
    matches!(user.org_kind, OrgKind::Association | OrgKind::Company)
}

/// The Integrations page's data.
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn overview(
    state: &AppState,
    user: &CurrentUser,
) -> Result<IntegrationsOverview, AppError> {
    let providers = provider_repo::providers(&state.pool)
        .await
        .map_err(AppError::internal::<sqlx::Error>(
            "loading providers failed",
        ))?;
    let partners = if is_tenant(user) {
        repo::partners_of(&state.pool, user.org_id)
            .await
            .map_err(AppError::internal::<sqlx::Error>("loading partners failed"))?
    } else {
        Vec::new()
    };
    Ok(IntegrationsOverview {
        providers: providers.into_iter().map(provider_dto).collect(),
        partners: partners
            .into_iter()
            .map(|p| PartnerSummary {
                id: p.id,
                name: p.name,
                provider_name: p.provider_name,
                environment: IntegrationEnvironment::parse(&p.environment)
                    .unwrap_or(IntegrationEnvironment::Sandbox),
                status: PartnerStatus::parse(&p.status).unwrap_or(PartnerStatus::Draft),
                last_successful_sync_at: p.last_successful_sync_at.map(|t| t.unix_timestamp()),
                secret_rotation_due_at: p.secret_rotation_due_at.map(|t| t.unix_timestamp()),
                degraded: p.degraded,
            })
            .collect(),
        now: time::OffsetDateTime::now_utc().unix_timestamp(),
        can_edit_providers: user.is_platform_admin(),
        can_register_partners: is_tenant(user),
        scopes: Scope::ALL.into_iter().map(ScopeDto::from).collect(),
    })
}

/// Parses the contacts textarea: one `Name <email>` per line, 1 to 5 lines.
///
/// # Errors
/// A sentence naming the line that is wrong.
pub fn parse_contacts(input: &str) -> Result<Vec<ContactDto>, String> {
    let mut out = Vec::new();
    for (n, line) in input
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let bad = || format!("Line {}: write Name <email@example.org>.", n + 1);
        let (name, rest) = line.rsplit_once('<').ok_or_else(bad)?;
        let email = rest.strip_suffix('>').ok_or_else(bad)?;
        let name = PersonName::parse(name).map_err(|_| bad())?;
        let email = EmailAddress::parse(email).map_err(|e| format!("Line {}: {e}", n + 1))?;
        out.push(ContactDto {
            name: name.into_inner(),
            email: email.as_str().to_owned(),
        });
    }
    match out.len() {
        0 => Err("Add at least one technical contact.".into()),
        1..=5 => Ok(out),
        _ => Err("Add at most five contacts.".into()),
    }
}

fn parse_scopes(input: &str) -> Result<Vec<Scope>, String> {
    parse_scope_list(&input.replace(',', " ")).map_err(|s| format!("Unknown scope {s:?}."))
}

/// The partner registration form as submitted.
pub struct PartnerForm {
    pub name: String,
    pub legal_basis: String,
    pub agreement_document_id: String,
    pub provider_id: String,
    pub environment: String,
    pub contacts: String,
    pub scopes: String,
}

fn required_text(errs: &mut FieldErrors, field: &str, input: &str, max: usize) -> Option<String> {
    let s = input.trim();
    if s.is_empty() {
        errs.add(field, "This field is required.");
        None
    } else if s.chars().count() > max || s.chars().any(char::is_control) {
        errs.add(field, format!("Use at most {max} characters, on one line."));
        None
    } else {
        Some(s.to_owned())
    }
}

/// Registers a draft partner in the caller's tenant.
///
/// # Errors
/// 403 outside a tenant; 422 per bad field; 409 duplicate name.
#[tracing::instrument(skip_all)]
pub async fn create_partner(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    f: PartnerForm,
) -> Result<Uuid, AppError> {
    if !is_tenant(user) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::default();
    let name = required_text(&mut errs, "name", &f.name, 200);
    let legal_basis = required_text(&mut errs, "legal_basis", &f.legal_basis, 500);
    let agreement = required_text(
        &mut errs,
        "agreement_document_id",
        &f.agreement_document_id,
        100,
    );
    let provider_id = errs.check(
        "provider_id",
        Uuid::parse_str(f.provider_id.trim()).map_err(|_| "Choose a provider."),
    );
    let environment = errs.check(
        "environment",
        IntegrationEnvironment::parse(&f.environment).ok_or("Choose an environment."),
    );
    let contacts = errs.check("contacts", parse_contacts(&f.contacts));
    let scopes = errs.check("scopes", parse_scopes(&f.scopes));
    let provider = match provider_id {
        Some(id) => {
            provider_repo::provider(&state.pool, id)
                .await
                .map_err(AppError::internal::<sqlx::Error>(
                    "loading a provider failed",
                ))?
        }
        None => None,
    };
    if provider_id.is_some() && provider.is_none() {
        errs.add("provider_id", "Choose a provider.");
    }
    if let (Some(p), Some(env)) = (&provider, environment) {
        errs.check("environment", p.offers(env));
    }
    errs.finish()?;
    let (
        Some(name),
        Some(legal_basis),
        Some(agreement),
        Some(provider),
        Some(env),
        Some(contacts),
        Some(scopes),
    ) = (
        name,
        legal_basis,
        agreement,
        provider,
        environment,
        contacts,
        scopes,
    )
    else {
        return Err(AppError::Internal);
    };
    let id = Uuid::new_v4();
    let db = AppError::internal::<sqlx::Error>("registering a partner failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let inserted = repo::insert_partner(
        &mut tx,
        &repo::NewPartner {
            id,
            organisation_id: user.org_id,
            name: &name,
            legal_basis: &legal_basis,
            agreement_document_id: &agreement,
            provider_id: provider.id,
            environment: env.as_str(),
            contacts: &serde_json::to_value(&contacts).unwrap_or_default(),
            scopes: &scopes
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect::<Vec<_>>(),
            created_by: user.user_id,
        },
    )
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e, "partners_name_per_tenant") => {
            return Err(AppError::field(
                "name",
                "A partner with this name is already registered.",
            ))
        }
        other => other.map_err(db)?,
    }
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        PartnerAction::Registered,
        json!({ "provider": provider.name, "environment": env.as_str(),
                "scopes": scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}

/// Appends an audit event for partner `id` with the signed-in person as actor.
async fn audit_by(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    action: PartnerAction,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        tx,
        Event {
            organisation_id: user.org_id,
            subject: Subject::Partner(id, action),
            actor: Actor::User(user.user_id),
            ctx,
            detail,
        },
    )
    .await
    .map_err(AppError::internal::<sqlx::Error>(
        "recording a partner audit event failed",
    ))
}

/// Loads a partner of the caller's tenant under a row lock.
async fn lock(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<PartnerRow, AppError> {
    repo::partner_for_update(tx, id, user.org_id)
        .await
        .map_err(AppError::internal::<sqlx::Error>(
            "loading a partner failed",
        ))?
        .ok_or_else(not_found)
}

fn status_of(p: &PartnerRow) -> PartnerStatus {
    PartnerStatus::parse(&p.status).unwrap_or(PartnerStatus::Draft)
}

/// The partner page's data.
///
/// # Errors
/// 404 outside the caller's tenant.
#[tracing::instrument(skip_all)]
pub async fn detail(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<PartnerDetail, AppError> {
    let db = AppError::internal::<sqlx::Error>("loading a partner failed");
    let p = repo::partner(&state.pool, id, user.org_id)
        .await
        .map_err(db)?
        .ok_or_else(not_found)?;
    let provider = provider_repo::provider(&state.pool, p.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    let events = repo::events(&state.pool, id).await.map_err(db)?;
    let violations = events
        .iter()
        .filter(|e| e.action == "scope_violation")
        .count() as i64;
    let invitations = crate::credential_invitations::service::list(state, id).await?;
    let status = status_of(&p);
    let tenant_admin = user.role.is_tenant_admin(user.org_kind);
    let own_submission = p.submitted_by == Some(user.user_id);
    let contacts: Vec<ContactDto> = serde_json::from_value(p.contacts.clone()).unwrap_or_default();
    let secret_created_at = p
        .credentials_issued_at
        .filter(|_| p.client_id.is_some())
        .map(|t| t.unix_timestamp());
    let secret_rotation_due_at =
        secret_created_at.map(|t| t + i64::from(provider.rotation_days) * 86_400);
    let has_secret = secret_created_at.is_some()
        && matches!(
            status,
            PartnerStatus::Approved | PartnerStatus::Active | PartnerStatus::Suspended
        );
    Ok(PartnerDetail {
        id: p.id,
        name: p.name,
        legal_basis: p.legal_basis,
        agreement_document_id: p.agreement_document_id,
        provider: provider_dto(provider),
        environment: IntegrationEnvironment::parse(&p.environment)
            .unwrap_or(IntegrationEnvironment::Sandbox),
        contacts,
        scopes: p
            .scopes
            .iter()
            .filter_map(|s| Scope::parse(s))
            .map(ScopeDto::from)
            .collect(),
        status,
        created_by: p.created_by_name,
        submitted_by: p.submitted_by_name,
        decided_by: p.decided_by_name,
        approval_policy_document_id: p.approval_policy_document_id,
        rejection_reason: p.rejection_reason,
        client_id: p.client_id,
        secret_created_at,
        secret_rotation_due_at,
        degraded: p.degraded,
        previous_secret_created_at: p.previous_secret_created_at.map(|t| t.unix_timestamp()),
        previous_secret_expires_at: p.previous_secret_expires_at.map(|t| t.unix_timestamp()),
        activated_at: p.activated_at.map(|t| t.unix_timestamp()),
        last_successful_sync_at: p.last_successful_sync_at.map(|t| t.unix_timestamp()),
        scope_violations: violations,
        events: events
            .into_iter()
            .map(|e| PartnerEventDto {
                detail: crate::invitations::service::detail_text(&e.detail),
                action: e.action,
                actor: e.actor,
                at: e.occurred_at.unix_timestamp(),
            })
            .collect(),
        credential_invitations: invitations,
        can_edit: status.is_editable(),
        can_submit: matches!(status, PartnerStatus::Draft | PartnerStatus::Rejected),
        can_decide: status == PartnerStatus::PendingApproval && tenant_admin && !own_submission,
        can_decommission: status != PartnerStatus::Decommissioned,
        can_rotate_secret: has_secret,
        can_suspend: tenant_admin
            && matches!(status, PartnerStatus::Approved | PartnerStatus::Active),
        can_resume: tenant_admin && status == PartnerStatus::Suspended,
        can_invite_credentials: !matches!(
            status,
            PartnerStatus::Rejected | PartnerStatus::Decommissioned
        ),
        decide_blocked_reason: (status == PartnerStatus::PendingApproval
            && tenant_admin
            && own_submission)
            .then(|| "You submitted this partner, so another admin must approve it.".to_owned()),
        scope_catalogue: Scope::ALL.into_iter().map(ScopeDto::from).collect(),
        now: time::OffsetDateTime::now_utc().unix_timestamp(),
    })
}

/// Changes contacts, environment and scopes of a partner that is not live.
///
/// # Errors
/// 404, 409 (live or ended), 422.
#[tracing::instrument(skip_all)]
pub async fn update_partner(
    state: &AppState,
    user: &CurrentUser,
    ctx: &RequestContext,
    id: Uuid,
    environment: &str,
    contacts: &str,
    scopes: &str,
) -> Result<(), AppError> {
    let mut errs = FieldErrors::default();
    let env = errs.check(
        "environment",
        IntegrationEnvironment::parse(environment).ok_or("Choose an environment."),
    );
    let contacts = errs.check("contacts", parse_contacts(contacts));
    let scopes = errs.check("scopes", parse_scopes(scopes));
    errs.finish()?;
    let (Some(env), Some(contacts), Some(scopes)) = (env, contacts, scopes) else {
        return Err(AppError::Internal);
    };
    let db = AppError::internal::<sqlx::Error>("updating a partner failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let p = lock(&mut tx, user, id).await?;
    if !status_of(&p).is_editable() {
        return Err(AppError::Conflict(format!(
            "A partner that is {} cannot be changed.",
            status_of(&p).label().to_lowercase()
        )));
    }
    let provider = provider_repo::provider(&mut *tx, p.provider_id)
        .await
        .map_err(db)?
        .ok_or(AppError::Internal)?;
    provider
        .offers(env)
        .map_err(|m| AppError::field("environment", m))?;
    let scope_names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    // Widening the scopes of an approved partner, or moving it to another environment (a
    // sandbox approval is no production approval), needs a new approval.
    let widened = scope_names.iter().any(|s| !p.scopes.contains(s));
    let moved = p.environment != env.as_str();
    let back_to_draft = status_of(&p) == PartnerStatus::Approved && (widened || moved);
    let contacts_json = serde_json::to_value(&contacts).unwrap_or_default();
    repo::update_config(
        &mut tx,
        id,
        env.as_str(),
        &contacts_json,
        &scope_names,
        back_to_draft,
    )
    .await
    .map_err(db)?;
    let mut changes = serde_json::Map::new();
    if p.environment != env.as_str() {
        changes.insert("environment".into(), json!([p.environment, env.as_str()]));
    }
    if p.contacts != contacts_json {
        changes.insert("contacts".into(), json!(contacts.len()));
    }
    if p.scopes != scope_names {
        changes.insert("scopes".into(), json!(scope_names.join(" ")));
    }
    if back_to_draft {
        let why = if widened {
            "draft: new scopes need approval"
        } else {
            "draft: a new environment needs approval"
        };
        changes.insert("status".into(), json!(why));
    }
    audit_by(
        &mut tx,
        user,
        ctx,
        id,
        PartnerAction::ConfigurationChanged,
        serde_json::Value::Object(changes),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_name_and_email_per_line() {
        let c =
            parse_contacts("Ada Lovelace <ada@bank.example>\n\n  Alan Turing <alan@bank.example> ")
                .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].name, "Alan Turing");
        assert!(parse_contacts("").is_err());
        assert!(parse_contacts("ada@bank.example")
            .unwrap_err()
            .contains("Line 1"));
        assert!(parse_contacts("Ada <not-an-email>").is_err());
    }
}
