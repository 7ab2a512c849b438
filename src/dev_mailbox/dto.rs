//! What the dev mailbox page shows.

use crate::domain::DeliveryState;
use serde::{Deserialize, Serialize};

/// One email in the dev mailbox. `created_at` is Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub created_at: i64,
    pub status: Option<DeliveryState>,
    pub text_body: String,
    /// Links to this Gatehouse found in the text body.
    pub links: Vec<String>,
}
