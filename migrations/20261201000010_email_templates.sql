-- Email templates per organisation (issue 11): each save of an organisation's invitation,
-- reminder or credential-invitation email is a new version; the newest is in use. A version
-- whose parts are NULL is "reset to default": the built-in template, recorded as a version so
-- the history says when and by whom. Sender display name and reply-to address are per
-- organisation. Each queued email records the template and version it was rendered from.

CREATE TABLE email_templates (
    organisation_id  uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind             text NOT NULL
                     CHECK (kind IN ('invitation', 'invitation_reminder', 'credential_invitation')),
    version          integer NOT NULL CHECK (version >= 1),
    subject          text CHECK (length(subject) <= 1000),
    body_text        text CHECK (length(body_text) <= 65536),
    body_html        text CHECK (length(body_html) <= 65536),
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, kind, version),
    CONSTRAINT email_templates_all_or_nothing CHECK (
        (subject IS NULL) = (body_text IS NULL) AND (subject IS NULL) = (body_html IS NULL))
);

ALTER TABLE organisations
    ADD COLUMN email_sender_name text CHECK (length(email_sender_name) BETWEEN 1 AND 64),
    ADD COLUMN email_reply_to    citext CHECK (length(email_reply_to) BETWEEN 3 AND 254);

-- template_version 0 is the built-in template; NULL for emails no organisation can edit.
ALTER TABLE email_outbox
    ADD COLUMN template_kind     text,
    ADD COLUMN template_version  integer,
    ADD COLUMN sender_name       text,
    ADD COLUMN reply_to          text;

-- Organisation settings (templates, sender, reminders) are audited with the organisation as
-- their subject.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_subject_type_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_subject_type_check CHECK (
    subject_type IN ('invitation', 'invite_code', 'partner', 'credential_invitation', 'api_token',
                     'organisation'));
