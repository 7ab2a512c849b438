//! The rules of the provider registry: who may edit it and what a valid provider is.

use super::{dto::ProviderDto, repo};
use crate::{
    db::is_unique_violation,
    domain::{EmailAddress, IntegrationEnvironment},
    error::{AppError, FieldErrors},
    state::AppState,
};
use uuid::Uuid;

/// The provider form as submitted.
pub struct ProviderForm {
    pub id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub sandbox: bool,
    pub production: bool,
    pub security_policy_url: Option<String>,
    pub runbook_url: Option<String>,
    pub escalation_email: Option<String>,
    pub min_key_length: Option<String>,
    pub min_entropy_bits: Option<String>,
    pub rotation_days: Option<String>,
}

/// An optional https URL of at most 500 characters.
pub fn optional_url(input: Option<&str>) -> Result<Option<String>, String> {
    let Some(s) = input.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match url::Url::parse(s) {
        Ok(u) if u.scheme() == "https" && u.host().is_some() && s.len() <= 500 => {
            Ok(Some(u.to_string()))
        }
        _ => Err("Enter a full https:// address.".into()),
    }
}

fn number_in(input: Option<&str>, default: i32, min: i32, max: i32) -> Result<i32, String> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => match s.parse::<i32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("Enter a whole number from {min} to {max}.")),
        },
    }
}

/// Creates or updates a provider.
///
/// # Errors
/// 422 per bad field; 409 duplicate name; 404 unknown id.
#[tracing::instrument(skip_all)]
pub async fn save_provider(state: &AppState, f: ProviderForm) -> Result<Uuid, AppError> {
    let mut errs = FieldErrors::default();
    let id = match f.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => errs.check("id", Uuid::parse_str(s).map_err(|_| "Unknown provider.")),
    };
    let name = f.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errs.add("name", "Enter a name of 1 to 100 characters.");
    }
    let description = f.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > 1000 {
        errs.add("description", "Use at most 1000 characters.");
    }
    let mut environments = Vec::new();
    if f.sandbox {
        environments.push("sandbox");
    }
    if f.production {
        environments.push("production");
    }
    if environments.is_empty() {
        errs.add("environments", "Offer at least one environment.");
    }
    let policy = errs.check(
        "security_policy_url",
        optional_url(f.security_policy_url.as_deref()),
    );
    let runbook = errs.check("runbook_url", optional_url(f.runbook_url.as_deref()));
    let escalation = match f
        .escalation_email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Some(None),
        Some(s) => errs
            .check("escalation_email", EmailAddress::parse(s))
            .map(|e| Some(e.as_str().to_owned())),
    };
    let min_len = errs.check(
        "min_key_length",
        number_in(f.min_key_length.as_deref(), 32, 16, 512),
    );
    let min_bits = errs.check(
        "min_entropy_bits",
        number_in(f.min_entropy_bits.as_deref(), 128, 64, 1024),
    );
    let rotation = errs.check(
        "rotation_days",
        number_in(f.rotation_days.as_deref(), 90, 1, 730),
    );
    errs.finish()?;
    let (
        Some(policy),
        Some(runbook),
        Some(escalation),
        Some(min_len),
        Some(min_bits),
        Some(rotation),
    ) = (policy, runbook, escalation, min_len, min_bits, rotation)
    else {
        return Err(AppError::Internal);
    };
    let row = repo::ProviderRow {
        id: id.unwrap_or_else(Uuid::new_v4),
        name,
        description,
        environments: environments.iter().map(|e| (*e).to_owned()).collect(),
        security_policy_url: policy,
        runbook_url: runbook,
        escalation_email: escalation,
        min_key_length: min_len,
        min_entropy_bits: min_bits,
        rotation_days: rotation,
    };
    match repo::save_provider(&state.pool, &row, id.is_some()).await {
        Ok(true) => {
            tracing::info!(provider_id = %row.id, "provider saved");
            Ok(row.id)
        }
        Ok(false) => Err(AppError::NotFound("There is no such provider.".into())),
        Err(e) if is_unique_violation(&e, "integration_providers_name_key") => {
            Err(AppError::field("name", "A provider with this name exists."))
        }
        Err(e) => Err(AppError::internal::<sqlx::Error>(
            "saving a provider failed",
        )(e)),
    }
}

/// The provider as a DTO.
pub fn provider_dto(p: repo::ProviderRow) -> ProviderDto {
    ProviderDto {
        id: p.id,
        name: p.name,
        description: p.description,
        environments: p
            .environments
            .iter()
            .filter_map(|e| IntegrationEnvironment::parse(e))
            .collect(),
        security_policy_url: p.security_policy_url,
        runbook_url: p.runbook_url,
        escalation_email: p.escalation_email,
        min_key_length: p.min_key_length,
        min_entropy_bits: p.min_entropy_bits,
        rotation_days: p.rotation_days,
    }
}

#[cfg(test)]
mod tests {
    use super::optional_url;

    #[test]
    fn provider_urls_must_be_https() {
        assert_eq!(optional_url(Some("  ")), Ok(None));
        assert!(optional_url(Some("http://x.example/policy")).is_err());
        assert_eq!(
            optional_url(Some("https://x.example/policy")),
            Ok(Some("https://x.example/policy".into()))
        );
    }
}
