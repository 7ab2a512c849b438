//! SQL for the provider registry.

use sqlx::{PgExecutor, Row};
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

const PROVIDER_COLUMNS: &str = "id, name, description, environments, security_policy_url,
    runbook_url, escalation_email::text AS escalation_email, min_key_length, min_entropy_bits,
    rotation_days";

fn provider_row(r: &sqlx::postgres::PgRow) -> ProviderRow {
    ProviderRow {
        id: r.get("id"),
        name: r.get("name"),
        description: r.get("description"),
        environments: r.get("environments"),
        security_policy_url: r.get("security_policy_url"),
        runbook_url: r.get("runbook_url"),
        escalation_email: r.get("escalation_email"),
        min_key_length: r.get("min_key_length"),
        min_entropy_bits: r.get("min_entropy_bits"),
        rotation_days: r.get("rotation_days"),
    }
}

/// Every provider, by name.
///
/// # Errors
/// Database errors.
pub async fn providers<'c>(db: impl PgExecutor<'c>) -> Result<Vec<ProviderRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {PROVIDER_COLUMNS} FROM integration_providers ORDER BY lower(name)"
    ))
    .fetch_all(db)
    .await?;
    Ok(rows.iter().map(provider_row).collect())
}

/// One provider.
///
/// # Errors
/// Database errors.
pub async fn provider<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
) -> Result<Option<ProviderRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {PROVIDER_COLUMNS} FROM integration_providers WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.as_ref().map(provider_row))
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
    let sql = if update {
        "UPDATE integration_providers SET name = $2, description = $3, environments = $4,
                security_policy_url = $5, runbook_url = $6, escalation_email = $7::citext,
                min_key_length = $8, min_entropy_bits = $9, rotation_days = $10, updated_at = now()
          WHERE id = $1"
    } else {
        "INSERT INTO integration_providers (id, name, description, environments,
                security_policy_url, runbook_url, escalation_email, min_key_length,
                min_entropy_bits, rotation_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7::citext, $8, $9, $10)"
    };
    let done = sqlx::query(sql)
        .bind(p.id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(&p.environments)
        .bind(&p.security_policy_url)
        .bind(&p.runbook_url)
        .bind(&p.escalation_email)
        .bind(p.min_key_length)
        .bind(p.min_entropy_bits)
        .bind(p.rotation_days)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
