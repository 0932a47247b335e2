#!/usr/bin/env bash
# Proves that pg_dump and pg_restore work through the target: a database with the
# incident's schema plus varied data (enums, bytea, jsonb, arrays, a view, a
# function, a sequence, comments, a large object) is dumped in custom format
# through the target and restored through it (with 2 parallel jobs) into a new
# database; plain, owner-less dumps of both are identical, and non-empty.
export TEST_NAME=client_dump_restore
# shellcheck source=../support/client-common.sh
source "$(dirname "$0")/../support/client-common.sh"

src=$(db_name src)
dst=$(db_name dst)
create_db "$src"

step "load the incident schema and data into $src"
q -d "$src" -f "$PGSHIM_SOURCE_DIR/config/incident-schema.sql" >/dev/null
q -d "$src" >/dev/null <<'SQL'
INSERT INTO users (id, email, name)
  SELECT 'u' || i, 'u' || i || '@example.com', CASE WHEN i % 10 = 0 THEN NULL ELSE 'User ' || i || ' ünï' END
  FROM generate_series(3, 1500) i;
INSERT INTO environments (id, name, user_id, template_id, status)
  SELECT 'e' || i, E'env\t' || i, 'u' || (3 + i % 1498), CASE WHEN i % 3 = 0 THEN NULL ELSE 'tpl_1' END,
         (ARRAY['PENDING','RUNNING','FAILED','STOPPED'])[1 + i % 4]::"EnvironmentStatus"
  FROM generate_series(1, 3000) i;
CREATE TABLE blobs (id serial PRIMARY KEY, data bytea, doc jsonb, tags text[], at timestamptz);
INSERT INTO blobs (data, doc, tags, at)
  SELECT decode(repeat(lpad(to_hex(i % 256), 2, '0'), 1 + i % 300), 'hex'),
         jsonb_build_object('i', i, 'even', i % 2 = 0, 'name', E'line\nbreak 🐘'),
         ARRAY['a' || i, NULL, 'c,d'], '2025-08-04 02:08:10+00'::timestamptz + i * interval '1 minute'
  FROM generate_series(1, 2000) i;
CREATE SEQUENCE ticket_seq START 100;
SELECT setval('ticket_seq', 4242);
CREATE VIEW running_envs AS SELECT e.id, u.email FROM environments e JOIN users u ON u.id = e.user_id
  WHERE e.status = 'RUNNING';
CREATE FUNCTION env_count(uid text) RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT count(*) FROM environments WHERE user_id = uid $$;
COMMENT ON TABLE jobs IS 'has a real last_error column';
SELECT lo_from_bytea(0, convert_to(repeat('large object ', 10000), 'UTF8'));
SQL

step "pg_dump -Fc through the target"
timeout -k 5 120 "$PGBIN/pg_dump" -Fc -f "$TEST_TMP/src.dump" -d "$src" 2>"$TEST_TMP/dump.err" \
  || fail "pg_dump -Fc failed: $(cat "$TEST_TMP/dump.err")"
[[ -s $TEST_TMP/src.dump ]] || fail "pg_dump wrote an empty file"

step "pg_restore -j 2 into $dst through the target"
create_db "$dst"
timeout -k 5 120 "$PGBIN/pg_restore" -j 2 --exit-on-error -d "$dst" "$TEST_TMP/src.dump" 2>"$TEST_TMP/restore.err" \
  || fail "pg_restore failed: $(cat "$TEST_TMP/restore.err")"

step "compare plain dumps of $src and $dst"
for db in "$src" "$dst"; do
  timeout -k 5 120 "$PGBIN/pg_dump" -Fp --no-owner --no-privileges --restrict-key=pgshimclienttest -f "$TEST_TMP/$db.sql" -d "$db" \
    2>"$TEST_TMP/plain.err" || fail "plain pg_dump of $db failed: $(cat "$TEST_TMP/plain.err")"
done
if ! diff -u "$TEST_TMP/$src.sql" "$TEST_TMP/$dst.sql" >"$TEST_TMP/diff"; then
  fail "dumps of source and copy differ:
$(head -n 60 "$TEST_TMP/diff")"
fi
# The dump must really hold the data (an empty pair of dumps would also be equal).
lines=$(wc -l <"$TEST_TMP/$src.sql")
((lines > 6500)) || fail "the plain dump has only $lines lines"
grep -q 'CREATE TYPE public."EnvironmentStatus"' "$TEST_TMP/$dst.sql" || fail "the enum is missing from the copy"
grep -q 'SELECT pg_catalog.lo_create' "$TEST_TMP/$dst.sql" || fail "the large object is missing from the copy"
assert_eq "restored row counts and values" "1500|3003|2000|4242|has a real last_error column|130000" \
  "$(q -d "$dst" -c "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM environments),
                            (SELECT count(*) FROM blobs), (SELECT last_value FROM ticket_seq),
                            obj_description('jobs'::regclass, 'pg_class'),
                            (SELECT sum(length(lo_get(oid))) FROM pg_largeobject_metadata)")"
assert_eq "restored function" "$(q -d "$src" -c "SELECT env_count('u5')")" "$(q -d "$dst" -c "SELECT env_count('u5')")"
pass "pg_dump -Fc / pg_restore -j 2 round trip: plain dumps identical ($lines lines)"
