//! Email: rendering (templates), the transactional outbox and its delivery worker, and the
//! SMTP mailer. Messages are queued in the same transaction as the change they announce and
//! sent after commit, so a rolled-back change never sends mail and SMTP downtime loses none.

mod builtin;
pub mod mailer;
pub mod outbox;
mod sandbox;
pub mod templates;
