//! The analytics page (`/analytics`), spec 002's "next steps": invitations sent, viewed,
//! accepted, expired and revoked in a date range; acceptance rate; median and 90th-percentile
//! time to accept; the funnel; invitations per day or week by status; breakdowns by role and
//! by inviter; invite-code conversion. Computed in SQL over indexed columns, drawn as
//! server-rendered SVG (`plotters`), each chart beside its data table, and exported as CSV.

pub mod api;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod export;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
