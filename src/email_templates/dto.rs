//! What the email templates page shows.

use crate::domain::EmailTemplateKind;
use serde::{Deserialize, Serialize};

/// One saved version of a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVersionDto {
    pub version: i32,
    /// A "Reset to default" version: the built-in template.
    pub is_default: bool,
    /// Unix seconds, UTC.
    pub created_at: i64,
    /// "First Last" of who saved it, if they still exist.
    pub created_by: Option<String>,
}

/// The editor of one email of the signed-in admin's organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateEditor {
    pub kind: EmailTemplateKind,
    pub organisation: String,
    /// The placeholders this email offers.
    pub placeholders: Vec<String>,
    /// The version in use; 0 when nothing was ever saved (the built-in template).
    pub version: i32,
    /// Whether the version in use is the built-in template.
    pub is_default: bool,
    /// The source in use (the built-in one when `is_default`).
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// The preview of the source in use, rendered with sample data.
    pub preview: TemplatePreview,
    /// Newest first, at most 20.
    pub history: Vec<TemplateVersionDto>,
    /// Where "Send a test to me" sends: the admin's own address.
    pub test_recipient: String,
    pub sender: SenderSettings,
}

/// A template rendered with sample data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePreview {
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

/// The organisation's sender display name and reply-to address; empty: not set (the
/// `MAIL_FROM` name, and no `Reply-To`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderSettings {
    pub sender_name: String,
    pub reply_to: String,
}
