//! SMTP delivery with lettre (tokio, rustls).

use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// One email ready for SMTP: what the outbox worker hands the mailer.
#[derive(Clone)]
pub struct OutgoingEmail {
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// The sender's display name (the organisation's; the address stays `MAIL_FROM`).
    pub sender_name: Option<String>,
    /// The organisation's `Reply-To` address.
    pub reply_to: Option<String>,
}

// The bodies carry one-time links.
crate::debug_without_secrets!(OutgoingEmail {
    recipient,
    subject,
    sender_name,
    reply_to
});

/// Sends outbox messages over SMTP as multipart/alternative (text + HTML).
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Builds a mailer from `SMTP_URL` (lettre URL syntax: `smtp://host:port` for plain SMTP,
    /// `smtp://user:pass@host:587?tls=required` for STARTTLS, `smtps://host:465` for TLS) and
    /// `MAIL_FROM`. Connecting happens on first send.
    ///
    /// # Errors
    /// A message naming what is wrong with the URL or the sender.
    pub fn new(smtp_url: &SecretString, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url.expose_secret())
            .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM is not a mailbox: {e}"))?;
        Ok(Self { transport, from })
    }

    /// Sends one message.
    ///
    /// # Errors
    /// Any SMTP or addressing failure, as text for the outbox's `last_error`.
    pub async fn send(&self, msg: &OutgoingEmail) -> Result<(), String> {
        let to: Mailbox = msg
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        let from = match &msg.sender_name {
            Some(name) => Mailbox::new(Some(name.clone()), self.from.email.clone()),
            None => self.from.clone(),
        };
        let mut builder = Message::builder().from(from).to(to);
        if let Some(reply_to) = &msg.reply_to {
            builder = builder.reply_to(
                reply_to
                    .parse()
                    .map_err(|e| format!("bad reply-to address: {e}"))?,
            );
        }
        let email = builder
            .subject(msg.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                msg.text_body.clone(),
                msg.html_body.clone(),
            ))
            .map_err(|e| format!("could not build the message: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
