//! Partners: registration with least-privilege scopes, the tenant admin's approval, client
//! credentials issued on approval, configuration, suspension and decommissioning, each step
//! audited. The provider registry is [`crate::providers`], the tech lead's credential link
//! [`crate::credential_invitations`], and the machine side [`crate::partner_api`].

pub mod api;
pub mod dto;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
