-- One audit trail for every subject (invitations, invite codes, partners, credential
-- invitations), so that an organisation's whole history is one indexed table: one actor
-- model (user, partner client, system, anonymous) and the request context (IP, user agent,
-- request id) on every event. The three older tables become read-only views of it under
-- their old names. Append-only like before.

CREATE TABLE audit_events (
    id                bigserial PRIMARY KEY,
    occurred_at       timestamptz NOT NULL DEFAULT now(),
    organisation_id   uuid NOT NULL REFERENCES organisations (id),
    subject_type      text NOT NULL
                      CHECK (subject_type IN ('invitation', 'invite_code', 'partner', 'credential_invitation')),
    subject_id        uuid NOT NULL,
    action            text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    actor_kind        text NOT NULL CHECK (actor_kind IN ('user', 'partner_client', 'system', 'anonymous')),
    actor_user_id     uuid REFERENCES users (id),
    actor_partner_id  uuid REFERENCES partners (id),
    ip                inet,
    user_agent        text,
    request_id        text,
    detail            jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT audit_events_actor CHECK (
        (actor_kind = 'user') = (actor_user_id IS NOT NULL)
        AND (actor_kind = 'partner_client') = (actor_partner_id IS NOT NULL))
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, id);
CREATE INDEX audit_events_organisation ON audit_events (organisation_id, id);
CREATE INDEX audit_events_action ON audit_events (subject_type, action);

-- Old rows, oldest first, each under the actor the old tables implied.
INSERT INTO audit_events (occurred_at, organisation_id, subject_type, subject_id, action,
                          actor_kind, actor_user_id, actor_partner_id, ip, user_agent, detail)
SELECT occurred_at, organisation_id, subject_type, subject_id, action, actor_kind,
       actor_user_id, actor_partner_id, ip, user_agent, detail
  FROM (
    SELECT e.occurred_at, e.id AS old_id, 1 AS source, i.organisation_id, 'invitation' AS subject_type,
           e.invitation_id AS subject_id, e.action,
           CASE WHEN e.actor_user_id IS NOT NULL THEN 'user'
                WHEN e.detail ? 'partner_id' AND e.detail->>'partner_id' IS NOT NULL THEN 'partner_client'
                WHEN e.action IN ('viewed', 'reissue_requested') THEN 'anonymous'
                ELSE 'system' END AS actor_kind,
           e.actor_user_id,
           CASE WHEN e.actor_user_id IS NULL AND e.detail->>'partner_id' IS NOT NULL
                THEN (e.detail->>'partner_id')::uuid END AS actor_partner_id,
           e.ip, e.user_agent, e.detail
      FROM invitation_audit_events e JOIN invitations i ON i.id = e.invitation_id
    UNION ALL
    SELECT e.occurred_at, e.id, 2, e.organisation_id, 'invite_code', e.invite_code_id, e.action,
           CASE WHEN e.actor_user_id IS NOT NULL THEN 'user' ELSE 'anonymous' END,
           e.actor_user_id, NULL, e.ip, e.user_agent, e.detail
      FROM invite_code_audit_events e
    UNION ALL
    SELECT e.occurred_at, e.id, 3, e.organisation_id,
           CASE WHEN e.detail ? 'credential_invitation_id' AND e.action LIKE 'credential%'
                THEN 'credential_invitation' ELSE 'partner' END,
           CASE WHEN e.detail ? 'credential_invitation_id' AND e.action LIKE 'credential%'
                THEN (e.detail->>'credential_invitation_id')::uuid ELSE e.partner_id END,
           e.action,
           CASE e.actor_kind WHEN 'partner' THEN 'partner_client' WHEN 'invitee' THEN 'anonymous'
                             WHEN 'user' THEN 'user' ELSE 'system' END,
           e.actor_user_id,
           CASE WHEN e.actor_kind = 'partner' THEN e.partner_id END,
           e.ip, e.user_agent, e.detail
      FROM partner_audit_events e
  ) old
 ORDER BY occurred_at, source, old_id;

DROP TABLE invitation_audit_events;
DROP TABLE invite_code_audit_events;
DROP TABLE partner_audit_events;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION gatehouse_forbid_audit_change();

-- Per-subject views under the old names, for reading only.
CREATE VIEW invitation_audit_events AS
SELECT id, subject_id AS invitation_id, organisation_id, action, actor_kind, actor_user_id,
       actor_partner_id, occurred_at, ip, user_agent, request_id, detail
  FROM audit_events WHERE subject_type = 'invitation';

CREATE VIEW invite_code_audit_events AS
SELECT id, subject_id AS invite_code_id, organisation_id, action, actor_kind, actor_user_id,
       occurred_at, ip, user_agent, request_id, detail
  FROM audit_events WHERE subject_type = 'invite_code';

-- A partner's trail includes the events of its credential invitations.
CREATE VIEW partner_audit_events AS
SELECT a.id, COALESCE(c.partner_id, a.subject_id) AS partner_id, a.organisation_id, a.subject_type,
       a.subject_id, a.action, a.actor_kind, a.actor_user_id, a.actor_partner_id, a.occurred_at,
       a.ip, a.user_agent, a.request_id, a.detail
  FROM audit_events a
  LEFT JOIN credential_invitations c
         ON a.subject_type = 'credential_invitation' AND c.id = a.subject_id
 WHERE a.subject_type IN ('partner', 'credential_invitation');
