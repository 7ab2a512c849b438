//! The integration provider registry: the systems partners connect through (environments,
//! security policy, runbook, escalation contact, key requirements, rotation interval), kept by
//! platform admins and shown wherever a provider appears, with a warning when policy metadata
//! is missing.

pub mod api;
pub mod dto;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
