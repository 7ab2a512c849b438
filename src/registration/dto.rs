//! What the registration page shows: built by the service, returned by the server functions.

use serde::{Deserialize, Serialize};

/// What the registration page shows for an open invitation. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub organisation_name: String,
    pub role_label: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    pub expires_at: i64,
    /// The server's clock when the page was made, so the countdown does not trust the device's.
    pub server_now: i64,
    /// Minimum password length in characters.
    pub password_min_chars: usize,
    /// An account with the invited email exists: offer sign-in and accept instead.
    pub account_exists: bool,
    /// Email of the person signed in in this browser, if any.
    pub signed_in_as: Option<String>,
}

/// The state of a registration link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RegistrationState {
    /// Pending and unexpired: the form.
    Open(Box<InvitationPreview>),
    /// No such token (or it belongs to another organisation): 404.
    Unknown,
    /// Expired: 410, with "Request a new invitation".
    Expired,
    /// Already used: 409, with a sign-in link.
    Accepted,
    /// Revoked: 410, contact your administrator.
    Revoked,
}

impl RegistrationState {
    /// The HTTP status the page is served with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Open(_) => 200,
            Self::Unknown => 404,
            Self::Expired | Self::Revoked => 410,
            Self::Accepted => 409,
        }
    }
}

/// The one answer to a request for a new invitation (`service::request_reissue`), whatever was
/// entered: it does not tell whether an address was invited.
pub const REISSUE_ANSWER: &str = "Thank you. If that address matches this invitation, the person who invited you has been asked to send a new one.";

/// The query parameter, and its value, with which the registration page, reached again after a
/// request for a new invitation posted without scripts, shows [`REISSUE_ANSWER`] in place of
/// the form.
pub const REISSUE_QUERY: &str = "reissue";
/// See [`REISSUE_QUERY`].
pub const REISSUE_REQUESTED: &str = "requested";

/// The registration page's path and query for `token` and `org`, with `extra` query pairs
/// after them, every value percent-encoded (`application/x-www-form-urlencoded`):
/// `/register?token=…&org=…`.
pub fn register_path(token: &str, org: &str, extra: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("token", token).append_pair("org", org);
    query.extend_pairs(extra);
    format!("/register?{}", query.finish())
}
