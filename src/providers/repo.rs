//! SQL for the provider registry.

use sqlx::PgExecutor;
use uuid::Uuid;

/// A provider row.
#[derive(Clone, Debug)]
pub struct ProviderRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub environments: Vec<String>,
    pub security_policy_url: Option<String>,
    pub runbook_url: Option<String>,
    pub escalation_email: Option<String>,
    pub min_key_length: i32,
    pub min_entropy_bits: i32,
    pub rotation_days: i32,
}

impl ProviderRow {
    /// Whether this provider offers `env`; the sentence for the environment field if not.
    ///
    /// # Errors
    /// "<provider> does not offer <environment>."
    pub fn offers(&self, env: crate::domain::IntegrationEnvironment) -> Result<(), String> {
        if self.environments.iter().any(|e| e == env.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "{} does not offer {}.",
                self.name,
                env.label().to_lowercase()
            ))
        }
    }
}

/// Every provider, by name.
///
/// # Errors
/// Database errors.
pub async fn providers<'c>(db: impl PgExecutor<'c>) -> Result<Vec<ProviderRow>, sqlx::Error> {
    sqlx::query_as!(
        ProviderRow,
        "SELECT id, name, description, environments, security_policy_url, runbook_url,
                escalation_email::text AS escalation_email, min_key_length, min_entropy_bits,
                rotation_days
           FROM integration_providers ORDER BY lower(name)"
    )
    .fetch_all(db)
    .await
}

/// One provider.
///
/// # Errors
/// Database errors.
pub async fn provider<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
) -> Result<Option<ProviderRow>, sqlx::Error> {
    sqlx::query_as!(
        ProviderRow,
        "SELECT id, name, description, environments, security_policy_url, runbook_url,
                escalation_email::text AS escalation_email, min_key_length, min_entropy_bits,
                rotation_days
           FROM integration_providers WHERE id = $1",
        id,
    )
    .fetch_optional(db)
    .await
}

/// Inserts (`update` false) or updates a provider. `Ok(false)` when updating an unknown id.
///
/// # Errors
/// Database errors (the unique name constraint `integration_providers_name_key`).
pub async fn save_provider<'c>(
    db: impl PgExecutor<'c>,
    p: &ProviderRow,
    update: bool,
) -> Result<bool, sqlx::Error> {
    let done = if update {
        sqlx::query!(
            "UPDATE integration_providers SET name = $2, description = $3, environments = $4,
                    security_policy_url = $5, runbook_url = $6, escalation_email = $7::citext,
                    min_key_length = $8, min_entropy_bits = $9, rotation_days = $10,
                    updated_at = now()
              WHERE id = $1",
            p.id,
            p.name,
            p.description,
            &p.environments,
            p.security_policy_url.as_deref(),
            p.runbook_url.as_deref(),
            p.escalation_email.as_deref(),
            p.min_key_length,
            p.min_entropy_bits,
            p.rotation_days,
        )
        .execute(db)
        .await?
    } else {
        sqlx::query!(
            "INSERT INTO integration_providers (id, name, description, environments,
                    security_policy_url, runbook_url, escalation_email, min_key_length,
                    min_entropy_bits, rotation_days)
             VALUES ($1, $2, $3, $4, $5, $6, $7::citext, $8, $9, $10)",
            p.id,
            p.name,
            p.description,
            &p.environments,
            p.security_policy_url.as_deref(),
            p.runbook_url.as_deref(),
            p.escalation_email.as_deref(),
            p.min_key_length,
            p.min_entropy_bits,
            p.rotation_days,
        )
        .execute(db)
        .await?
    };
    Ok(done.rows_affected() == 1)
}
