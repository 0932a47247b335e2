#!/usr/bin/env bash
# pgbench -C (a new connection, hence a new SCRAM login, per transaction)
# through pgshim in auth mode proxy with TLS on both legs (run by
# tests/client/proxy_auth/run.sh): -S -t 200 -c 4 -j 2 with PGPASSWORD and
# sslmode=require (libpq's default channel_binding=prefer, so every login is
# SCRAM-SHA-256-PLUS) completes all 800 transactions with 0 failed, pgshim logs
# at least 800 TLS logins of pgshim_scram to the test's database, and the same
# for a shorter run as the md5 user.
export TEST_NAME=client_proxy_auth_pgbench
# shellcheck source=../../support/client-common.sh
source "$(dirname "$0")/../../support/client-common.sh"
: "${PROXY_AUTH_LOG:?run this test through tests/client/proxy_auth/run.sh}"

export PGSSLMODE=require
unset PGCHANNELBINDING

step "a SCRAM-SHA-256-PLUS login through pgshim (channel_binding=require)"
assert_eq "login with channel binding" "pgshim_scram|t" \
  "$(PGCHANNELBINDING=require q -d "${PGSANDBOX_DB:-app}" -c 'SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')"

db=$(db_name bench)
create_db "$db"
step "pgbench -i -s 1 through pgshim"
out=$(timeout -k 5 120 "$PGBIN/pgbench" -i -s 1 -q "$db" 2>&1) || fail "pgbench -i failed: $out"
assert_eq "accounts loaded" "100000" "$(q -d "$db" -c 'SELECT count(*) FROM pgbench_accounts')"

# run_bench LABEL EXPECTED_TX PGBENCH_ARG...: exactly EXPECTED_TX processed, none failed.
run_bench() {
  local label=$1 expected=$2; shift 2
  local out processed failed tps
  out=$(timeout -k 5 180 "$PGBIN/pgbench" -n "$@" "$db" 2>&1) || fail "pgbench $label failed: $out"
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\/[0-9]*\)$/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\) .*/\1/p' <<<"$out")
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
  assert_eq "pgbench $label: transactions processed" "$expected/$expected" "$processed"
  assert_eq "pgbench $label: failed transactions" "0" "$failed"
  [[ -n $tps ]] || fail "pgbench $label printed no tps: $out"
  pass "pgbench $label: $processed transactions, 0 failed, $tps tps (= new logins/s)"
}

# count_logins USER: pgshim's "connected" lines for USER to the test database over TLS.
count_logins() { grep -c "connected: user=$1 database=$db tls=true" "$PROXY_AUTH_LOG" || true; }

step "pgbench -C -S -t 200 -c 4 -j 2 as pgshim_scram (SCRAM-SHA-256-PLUS)"
before=$(count_logins pgshim_scram)
run_bench "-C -S scram" 800 -C -S -t 200 -c 4 -j 2
logins=$(( $(count_logins pgshim_scram) - before ))
((logins >= 800)) || fail "pgshim logged $logins TLS logins of pgshim_scram to $db, expected at least 800"
pass "pgshim logged $logins TLS logins of pgshim_scram"

step "pgbench -C -S -t 50 -c 2 -j 2 as pgshim_md5 (MD5)"
before=$(count_logins pgshim_md5)
PGUSER=pgshim_md5 PGPASSWORD=md5-pass run_bench "-C -S md5" 100 -C -S -t 50 -c 2 -j 2
logins=$(( $(count_logins pgshim_md5) - before ))
((logins >= 100)) || fail "pgshim logged $logins TLS logins of pgshim_md5 to $db, expected at least 100"
pass "pgshim logged $logins TLS logins of pgshim_md5"

step "a wrong password under pgbench"
out=$(PGPASSWORD=wrong-pass timeout -k 5 60 "$PGBIN/pgbench" -n -C -S -t 1 -c 1 "$db" 2>&1) \
  && fail "pgbench with a wrong password succeeded: $out"
assert_contains "pgbench's error" "password authentication failed for user \"pgshim_scram\"" "$out"
pass "wrong password refused"
