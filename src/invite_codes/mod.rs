//! Invite codes: short codes an admin shares (text, link or QR code) that let people join the
//! organisation with a key pair made in their browser. See `domain::invite_code` for the code
//! format and `domain::identity` for keys.

pub mod api;
pub mod dto;
pub mod join;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
