//! What pages show of a provider.

use crate::domain::IntegrationEnvironment;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An integration provider as every page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderDto {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub environments: Vec<IntegrationEnvironment>,
    pub security_policy_url: Option<String>,
    pub runbook_url: Option<String>,
    pub escalation_email: Option<String>,
    /// Minimum key length in characters.
    pub min_key_length: i32,
    /// Minimum estimated key entropy in bits.
    pub min_entropy_bits: i32,
    /// Days between secret rotations.
    pub rotation_days: i32,
}

impl ProviderDto {
    /// What the warning banner names: the policy metadata this provider lacks.
    pub fn missing_metadata(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.security_policy_url.is_none() {
            missing.push("security policy URL");
        }
        if self.runbook_url.is_none() {
            missing.push("runbook URL");
        }
        if self.escalation_email.is_none() {
            missing.push("escalation email");
        }
        missing
    }
}
