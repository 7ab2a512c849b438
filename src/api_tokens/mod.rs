//! API tokens: bearer credentials an organisation's admins make for its machines, to call the
//! REST API under `/api/invitations` (see `invitations::rest`) with a role no higher than
//! their own. A token is `gh_at_` + 32 random bytes base64url, shown once and stored only as
//! SHA-256; the list shows when each was last used; a revoked or expired token gets 401 at once.

pub mod api;
pub mod dto;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
