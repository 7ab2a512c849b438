//! The invitee's side: the registration page behind the emailed link, completing registration,
//! accepting with an existing account, and asking for a new invitation after expiry.

pub mod api;
pub mod dto;
/// Rendered on the server only: the page is served without the browser app.
#[cfg(feature = "ssr")]
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
