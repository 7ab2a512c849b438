//! The machine side of partner onboarding: `POST /oauth/token` (the OAuth 2.0 client
//! credentials grant) and the partner REST API under `/api/partner/v1`, each route behind the
//! one scope check of [`extract::Authorized`], described by a generated OpenAPI document.

pub mod extract;
pub mod oauth;
pub mod openapi;
pub mod repo;
pub mod rest;
pub mod router;
pub mod service;

pub use router::routes;
