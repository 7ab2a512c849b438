#!/usr/bin/env bash
# Sourced by bench/pages.sh and bench/registration_profile.sh: the invitations they measure.
#   bench_org                          the organisation's id
#   bench_seed_invitations URL ROWS    the organisation "Bench Co" (a company) with ROWS pending
#                                      invitations in the database at URL, invitation g's token
#                                      being the hex of SHA-256("bench-g") (the table keeps
#                                      SHA-256 of its 32 raw bytes, as Gatehouse does), g
#                                      seconds old
#   bench_register_bodies URL FROM TO  prints the registration form body of invitations FROM
#                                      to TO, one a line (for bench/post.lua)

bench_org=c0000000-0000-4000-8000-000000000001

bench_seed_invitations() {
  psql "$1" -qX -v ON_ERROR_STOP=1 <<SQL
INSERT INTO organisations (id, name, kind) VALUES ('$bench_org', 'Bench Co', 'company');
INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role, token_hash,
                         expires_at, created_at)
  SELECT gen_random_uuid(), '$bench_org', 'person' || g || '@example' || (g % 97) || '.org',
         'Seed', 'Person', 'member', sha256(sha256(('bench-' || g)::bytea)),
         now() + interval '7 days', now() - make_interval(secs => g)
    FROM generate_series(1, $2) g;
ANALYZE;
SQL
}

bench_register_bodies() {
  psql "$1" -qXAt -c "SELECT 'token=' || encode(sha256(('bench-' || g)::bytea), 'hex')
                             || '&org=$bench_org&first_name=Bench&last_name=Person'
                             || '&password=cedar+meadow+lantern+27+quartz'
                             || '&password_confirmation=cedar+meadow+lantern+27+quartz'
                        FROM generate_series($2, $3) g"
}
