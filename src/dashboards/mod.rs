//! The role dashboards: `/admin`, `/association`, `/company` and `/home`.

pub mod api;
pub mod pages;
