-- Messages whose body is rendered when they leave the outbox instead of when they are queued.
-- Bulk imports queue their invitation emails this way: each invitation already keeps its token
-- sealed for its expiry reminder (20261201000009), so the email can be rendered from it at
-- send time and no body (with its one-time link) is stored at all. Such a row has no body
-- columns and takes its subject and sender from the rendering.
ALTER TABLE email_outbox
    ADD COLUMN render_at_send boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT email_outbox_render_at_send_bodiless CHECK (
        NOT render_at_send OR (body_ciphertext IS NULL AND text_body = '' AND html_body = ''));

-- A reminder takes the sealed token with it: none is claimed while the invitation's first
-- email still waits to be rendered from that token (the reminder claim looks through
-- email_outbox_invitation; no index of its own, which every bulk row would pay for).
