#!/usr/bin/env bash
# Proves that psql/libpq behaves through the target as it does directly: simple
# queries and errors, \copy both ways byte for byte, every authentication method
# (and wrong passwords rejected), TLS with require/verify-full when the target
# has a certificate, and 20 MB values in both directions.
#
# Run through tests/support/with-pgshim.sh [--direct] [--tls] -- psql_test.sh [--tls]
# (--tls, or TARGET_TLS=1 from the runner, enables the TLS checks).
export TEST_NAME=client_psql
# shellcheck source=../support/client-common.sh
source "$(dirname "$0")/../support/client-common.sh"

tls=${TARGET_TLS:-0}
[[ ${1:-} == --tls ]] && tls=1

# ---------------------------------------------------------------- simple queries
step "simple queries"
assert_eq "arithmetic" "2" "$(q -d app -c 'SELECT 1 + 1')"
assert_eq "session identity" "pgshim_scram|app|$TEST_NAME" \
  "$(q -d app -c "SELECT current_user, current_database(), current_setting('application_name')")"
# One Query message holding several statements: psql 15 prints every result.
assert_eq "multi-statement query" $'1\ntwo\n3' "$(q -d app -c "SELECT 1; SELECT 'two'; SELECT 3")"
assert_eq "incident schema rows" "Ada|staging,preview" \
  "$(q -d app -c "SELECT u.name, string_agg(e.name, ',' ORDER BY e.id) FROM users u
                  JOIN environments e ON e.user_id = u.id WHERE u.id = 'user_1' GROUP BY u.name")"
assert_eq "enum and NULLs" "RUNNING|2|1" \
  "$(q -d app -c "SELECT (SELECT status FROM environments WHERE id = 'env_3'),
                         (SELECT count(*) FROM jobs), (SELECT count(*) FROM jobs WHERE last_error IS NULL)")"
# The server-side leg uses TLS exactly when it should: directly, libpq's default
# sslmode=prefer against a TLS-enabled server; through pgshim, its upstream sslmode.
want_ssl=t
if [[ $TARGET_KIND == pgshim && ${UPSTREAM_SSLMODE:-prefer} == disable ]] || [[ ${PGSANDBOX_TLS:-0} != 1 ]]; then
  want_ssl=f
fi
assert_eq "TLS on the server-side leg (upstream sslmode ${UPSTREAM_SSLMODE:-n/a})" "$want_ssl" \
  "$(q -d app -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')"
# Startup options pass through (the StartupMessage's `options`).
assert_eq "startup options" "42s" "$(PGOPTIONS='-c statement_timeout=42s' q -d app -c 'SHOW statement_timeout')"

# A transaction in `app` that is rolled back: the write is visible inside it only.
out=$(q -d app <<SQL
BEGIN;
INSERT INTO users (id, email, name) VALUES ('client_psql_$$', 'client_psql_$$@example.com', 'Tmp');
SELECT name FROM users WHERE id = 'client_psql_$$';
ROLLBACK;
SELECT count(*) FROM users WHERE id = 'client_psql_$$';
SQL
)
assert_eq "rolled-back transaction" $'Tmp\n0' "$out"

# Errors carry their SQLSTATE, and the session survives them.
err=$(q -d app -v ON_ERROR_STOP=0 -v VERBOSITY=verbose -c 'SELECT 1/0' -c "SELECT 'alive'" 2>&1) || true
assert_contains "division by zero SQLSTATE" "ERROR:  22012: division by zero" "$err"
assert_contains "session after an error" "alive" "$err"
err=$(q -d app -v VERBOSITY=verbose -c 'SELECT * FROM no_such_table' 2>&1) && fail "a missing table was not an error"
assert_contains "undefined table SQLSTATE" "42P01" "$err"
# Notices arrive (asynchronous NoticeResponse before CommandComplete).
err=$(q -d app -c "DO \$\$ BEGIN RAISE NOTICE 'notice from %', 'plpgsql'; END \$\$" 2>&1)
assert_contains "notice" "NOTICE:  notice from plpgsql" "$err"
err=$(q -d "client_psql_no_such_db_$$" -c 'SELECT 1' 2>&1) && fail "connecting to a missing database succeeded"
assert_contains "missing database" "database \"client_psql_no_such_db_$$\" does not exist" "$err"
pass "simple queries"

db=$(db_name copy)
create_db "$db"

# ---------------------------------------------------------------- \copy both ways
step "\\copy in and out (text and csv)"
rows=4000
/usr/bin/python3 - "$TEST_TMP/in.txt" "$rows" <<'PY'
# Writes COPY text format exactly as PostgreSQL's COPY TO would print it, so
# that the round trip can be compared byte for byte.
import sys
path, rows = sys.argv[1], int(sys.argv[2])
def esc(s):
    return (s.replace('\\', '\\\\').replace('\t', '\\t')
             .replace('\n', '\\n').replace('\r', '\\r'))
words = ['plain', 'tab\there', 'new\nline', 'back\\slash', 'crlf\r\n', 'ünïcödé',
         '日本語テキスト', 'emoji 🐘🚀', "quote ' \" ,", '']
with open(path, 'w', encoding='utf-8', newline='') as f:
    for i in range(1, rows + 1):
        a = None if i % 7 == 0 else f'{words[i % len(words)]} #{i}'
        b = None if i % 5 == 0 else words[(i * 3) % len(words)]
        n = None if i % 13 == 0 else f'{i * 1.25:.2f}'
        cols = [str(i)] + ['\\N' if v is None else esc(v) for v in (a, b)] + ['\\N' if n is None else n]
        f.write('\t'.join(cols) + '\n')
PY
q -d "$db" -c 'CREATE TABLE t (id int PRIMARY KEY, a text, b text, n numeric(12,2))' \
          -c 'CREATE TABLE t2 (LIKE t)' >/dev/null
q -d "$db" -c "\\copy t FROM '$TEST_TMP/in.txt'" >/dev/null
assert_eq "rows copied in" "$rows|$((rows / 7))|$((rows / 5))|$((rows / 13))" \
  "$(q -d "$db" -c 'SELECT count(*), count(*) FILTER (WHERE a IS NULL),
                           count(*) FILTER (WHERE b IS NULL), count(*) FILTER (WHERE n IS NULL) FROM t')"
assert_eq "unicode stored as sent" "日本語テキスト|emoji 🐘🚀" \
  "$(q -d "$db" -c "SELECT (SELECT b FROM t WHERE id = 2), (SELECT b FROM t WHERE id = 9)")"
q -d "$db" -c "\\copy (SELECT * FROM t ORDER BY id) TO '$TEST_TMP/out.txt'" >/dev/null
cmp -s "$TEST_TMP/in.txt" "$TEST_TMP/out.txt" \
  || fail "\\copy text round trip differs: $(cmp "$TEST_TMP/in.txt" "$TEST_TMP/out.txt" 2>&1 | head -1)"
# CSV: out of t, into t2, out of t2 again: both CSV files and both tables agree.
q -d "$db" -c "\\copy (SELECT * FROM t ORDER BY id) TO '$TEST_TMP/out1.csv' WITH (FORMAT csv, HEADER)" >/dev/null
q -d "$db" -c "\\copy t2 FROM '$TEST_TMP/out1.csv' WITH (FORMAT csv, HEADER)" >/dev/null
q -d "$db" -c "\\copy (SELECT * FROM t2 ORDER BY id) TO '$TEST_TMP/out2.csv' WITH (FORMAT csv, HEADER)" >/dev/null
cmp -s "$TEST_TMP/out1.csv" "$TEST_TMP/out2.csv" || fail "\\copy csv round trip differs"
assert_eq "tables equal after csv round trip" "0" \
  "$(q -d "$db" -c 'SELECT count(*) FROM ((TABLE t EXCEPT ALL TABLE t2) UNION ALL (TABLE t2 EXCEPT ALL TABLE t)) d')"
# COPY FROM with a bad row: the error comes back with its SQLSTATE and nothing is kept.
printf '1\tx\ty\tnot-a-number\n' >"$TEST_TMP/bad.txt"
err=$(q -d "$db" -v VERBOSITY=verbose -c "\\copy t2 FROM '$TEST_TMP/bad.txt'" 2>&1) && fail "a bad COPY row was accepted"
assert_contains "COPY error SQLSTATE" "22P02" "$err"
assert_eq "rows after failed COPY" "$rows" "$(q -d "$db" -c 'SELECT count(*) FROM t2')"
pass "\\copy round trip of $rows rows"

# ---------------------------------------------------------------- FunctionCall
step "large objects (libpq's lo_* functions use the FunctionCall message)"
head -c $((3 * 1024 * 1024 + 17)) /dev/urandom >"$TEST_TMP/lo.bin"
out=$(q -d "$db" -c "\\lo_import '$TEST_TMP/lo.bin'" -c '\echo :LASTOID' 2>&1) || fail "\\lo_import failed: $out"
oid=$out
[[ $oid =~ ^[0-9]+$ && $oid -gt 0 ]] || fail "\\lo_import set no OID: $out"
q -d "$db" -c "\\lo_export $oid '$TEST_TMP/lo.out'" >/dev/null
cmp -s "$TEST_TMP/lo.bin" "$TEST_TMP/lo.out" || fail "large object round trip differs"
assert_eq "large object size and md5 on the server" \
  "$(wc -c <"$TEST_TMP/lo.bin")|$(md5sum <"$TEST_TMP/lo.bin" | cut -d' ' -f1)" \
  "$(q -d "$db" -c "SELECT length(lo_get($oid)), md5(lo_get($oid))")"
q -d "$db" -c "\\lo_unlink $oid" >/dev/null
assert_eq "large object removed" "0" "$(q -d "$db" -c "SELECT count(*) FROM pg_largeobject_metadata WHERE oid = $oid")"
pass "3 MiB large object imported and exported intact"

# ---------------------------------------------------------------- authentication
step "authentication methods"
for sslmode in disable prefer; do
  assert_eq "scram login (sslmode=$sslmode)" "pgshim_scram" \
    "$(PGSSLMODE=$sslmode q -d app -U pgshim_scram -c 'SELECT current_user')"
  assert_eq "md5 login (sslmode=$sslmode)" "pgshim_md5" \
    "$(PGSSLMODE=$sslmode PGPASSWORD=md5-pass q -d app -U pgshim_md5 -c 'SELECT current_user')"
  assert_eq "trust login (sslmode=$sslmode)" "pgshim_trust" \
    "$(PGSSLMODE=$sslmode PGPASSWORD='' q -d app -U pgshim_trust -w -c 'SELECT current_user')"
  for user in pgshim_scram pgshim_md5; do
    set +e
    err=$(PGSSLMODE=$sslmode PGPASSWORD=wrong-pass q -d app -U $user -c 'SELECT 1' 2>&1)
    rc=$?
    set -e
    assert_eq "psql exit status for a wrong password ($user, sslmode=$sslmode)" 2 "$rc"
    # 28P01 invalid_password is the only error with this text.
    assert_contains "wrong password ($user, sslmode=$sslmode)" \
      "FATAL:  password authentication failed for user \"$user\"" "$err"
  done
  # A password-less attempt at a password role fails cleanly without a prompt.
  err=$(PGSSLMODE=$sslmode PGPASSWORD='' q -d app -U pgshim_md5 -w -c 'SELECT 1' 2>&1) \
    && fail "md5 role logged in without a password"
  assert_contains "no password supplied" "no password supplied" "$err"
done
pass "trust, md5 and scram logins; wrong passwords rejected"

# ---------------------------------------------------------------- TLS
if [[ $tls -eq 1 ]]; then
  step "TLS against the target"
  : "${PGSANDBOX_CA:?TLS checks need PGSANDBOX_CA}"
  for user in pgshim_md5 pgshim_trust pgshim_scram; do
    pw=$([[ $user == pgshim_md5 ]] && echo md5-pass || echo scram-pass)
    out=$(PGPASSWORD=$pw q -d "host=localhost port=$TARGET_PORT dbname=app user=$user sslmode=require" \
            -c '\conninfo' -c 'SELECT current_user' 2>&1) \
      || fail "sslmode=require as $user failed: $out"
    assert_contains "sslmode=require ($user) uses TLS" "SSL connection (protocol: TLS" "$out"
    assert_contains "sslmode=require ($user) query" "$user" "$out"
  done
  out=$(q -d "host=localhost port=$TARGET_PORT dbname=app sslmode=verify-full sslrootcert=$PGSANDBOX_CA" \
          -c '\conninfo' -c "SELECT 'verified'" 2>&1) || fail "sslmode=verify-full failed: $out"
  assert_contains "verify-full uses TLS" "SSL connection (protocol: TLS" "$out"
  assert_contains "verify-full query" "verified" "$out"
  out=$(q -d "host=127.0.0.1 port=$TARGET_PORT dbname=app sslmode=verify-full sslrootcert=$PGSANDBOX_CA" \
          -c "SELECT 'by ip'" 2>&1) || fail "sslmode=verify-full by IP (SAN 127.0.0.1) failed: $out"
  # A CA that did not sign the certificate must make verify-full fail.
  other_ca=$TEST_TMP/other-ca.crt
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other-ca" \
    -keyout "$TEST_TMP/other-ca.key" -out "$other_ca" 2>/dev/null
  err=$(q -d "host=localhost port=$TARGET_PORT dbname=app sslmode=verify-full sslrootcert=$other_ca" \
          -c 'SELECT 1' 2>&1) && fail "verify-full accepted a certificate from another CA"
  assert_contains "verify-full with the wrong CA" "certificate verify failed" "$err"
  # A large value over TLS (many TLS records).
  assert_eq "2 MB over TLS" "2097152|$(head -c 2097152 /dev/zero | tr '\0' 'z' | md5sum | cut -d' ' -f1)" \
    "$(q -d "host=localhost port=$TARGET_PORT dbname=app sslmode=verify-full sslrootcert=$PGSANDBOX_CA" \
         -c "SELECT length(v), md5(v) FROM (SELECT repeat('z', 2097152) v) s")"
  # SCRAM with libpq's default channel_binding=prefer over TLS: directly this uses
  # SCRAM-SHA-256-PLUS; through a TLS-terminating pgshim it works when the upstream
  # leg is plain, and otherwise must fail with an error that names channel binding
  # (issue 2), never a cryptic one.
  set +e
  out=$(PGCHANNELBINDING=prefer q -d "host=localhost port=$TARGET_PORT dbname=app sslmode=require" \
          -c 'SELECT current_user' 2>&1)
  rc=$?
  set -e
  if [[ $TARGET_KIND == direct || ${UPSTREAM_SSLMODE:-} == disable ]]; then
    # Directly, or with a plain upstream leg (nothing to downgrade), it must work.
    [[ $rc -eq 0 ]] || fail "scram over TLS with channel_binding=prefer failed ($TARGET_KIND, upstream sslmode ${UPSTREAM_SSLMODE:-n/a}): $out"
  elif [[ $rc -ne 0 ]]; then
    [[ ${out,,} == *"channel binding"* || ${out,,} == *"channel_binding"* ]] \
      || fail "scram with channel_binding=prefer over TLS through pgshim failed without naming channel binding: $out"
    echo "note [$TEST_NAME]: channel_binding=prefer over TLS through pgshim is refused, as documented: ${out//$'\n'/ }"
  fi
  pass "TLS: require, verify-full, wrong CA refused"
elif [[ $TARGET_KIND == pgshim ]]; then
  step "no TLS certificate: pgshim answers N to SSLRequest"
  err=$(q -d "host=127.0.0.1 port=$TARGET_PORT dbname=app sslmode=require" -c 'SELECT 1' 2>&1) \
    && fail "sslmode=require succeeded against a pgshim without a certificate"
  assert_contains "sslmode=require without a certificate" "server does not support SSL" "$err"
  out=$(q -d "host=127.0.0.1 port=$TARGET_PORT dbname=app sslmode=prefer" -c '\conninfo' -c "SELECT 'plain'")
  assert_contains "sslmode=prefer falls back to plain" "plain" "$out"
  [[ $out != *"SSL connection"* ]] || fail "sslmode=prefer reported TLS against a pgshim without a certificate: $out"
  pass "sslmode=require refused without a certificate"
fi

# ---------------------------------------------------------------- large rows
step "20 MB values both ways"
# Server to client: one 20 MiB DataRow.
expected=$(q -d "$db" -c "SELECT length(v), md5(v) FROM (SELECT string_agg(md5(i::text), '' ORDER BY i) v
                                                        FROM generate_series(1, 655360) i) s")
assert_eq "server-side size" "20971520" "${expected%%|*}"
q -d "$db" -c "SELECT string_agg(md5(i::text), '' ORDER BY i) FROM generate_series(1, 655360) i" >"$TEST_TMP/big.out"
got="$(head -c -1 "$TEST_TMP/big.out" | wc -c)|$(head -c -1 "$TEST_TMP/big.out" | md5sum | cut -d' ' -f1)"
assert_eq "20 MiB DataRow received intact" "$expected" "$got"
# Client to server: a 20 MiB CopyData line and a 20 MiB Query message.
/usr/bin/python3 - "$TEST_TMP" <<'PY'
import random, sys
d = sys.argv[1]
rnd = random.Random(20)
alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_'
v = ''.join(rnd.choices(alphabet, k=20 * 1024 * 1024))
open(f'{d}/big.txt', 'w').write(v + '\n')
open(f'{d}/big.sql', 'w').write("INSERT INTO big VALUES (2, '" + v + "');\n")
PY
want="$((20 * 1024 * 1024))|$(head -c -1 "$TEST_TMP/big.txt" | md5sum | cut -d' ' -f1)"
q -d "$db" -c 'CREATE TABLE big (id int, v text)' -c 'CREATE TABLE big_in (v text)' >/dev/null
q -d "$db" -c "\\copy big_in FROM '$TEST_TMP/big.txt'" >/dev/null
q -d "$db" -f "$TEST_TMP/big.sql" >/dev/null
assert_eq "20 MiB COPY line stored intact" "$want" "$(q -d "$db" -c 'SELECT length(v), md5(v) FROM big_in')"
assert_eq "20 MiB Query message stored intact" "$want" "$(q -d "$db" -c 'SELECT length(v), md5(v) FROM big WHERE id = 2')"
pass "20 MiB values intact both ways"
