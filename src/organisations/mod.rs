//! Organisations: platform admins create associations and companies (a company may belong to
//! an association) and see them all at `/admin/organisations`.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
