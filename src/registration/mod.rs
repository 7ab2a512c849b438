//! The invitee's side: the registration page behind the emailed link, completing registration,
//! accepting with an existing account, and asking for a new invitation after expiry.

pub mod api;
pub mod dto;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
