//! The integration tests: one binary (one link step), a module per feature. Each test starts
//! the real Gatehouse on port 0 against a fresh database of its own and drives it over HTTP.

mod helpers;

mod analytics;
mod architecture;
mod audit_log;
mod authorization;
mod bulk;
mod credential_invitations;
mod email;
mod email_templates;
mod faults;
mod forms;
mod hardening;
mod invitations;
mod invite_codes;
mod logs;
mod organisations;
mod partner_api;
mod partner_lifecycle;
mod partners;
mod registration;
mod reminders;
mod rest_invitations;
mod scale_out;
mod security;
mod static_files;
mod webhooks;
