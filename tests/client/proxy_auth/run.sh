#!/usr/bin/env bash
# Runs one real-client test against a fresh pgshim in auth mode proxy (issue 5)
# with TLS on both legs:
#
#   tests/client/proxy_auth/run.sh CMD [ARG...]
#
#   1. writes a PgBouncer-style auth file (mode 0600) with the server's own
#      secrets (pg_authid.rolpassword) of pgshim_scram (SCRAM-SHA-256) and
#      pgshim_md5 (md5), read directly from the sandbox as a superuser;
#   2. starts pgshim on 127.0.0.1:0 (ready file) with
#        --upstream postgres://127.0.0.1:PORT/DB?sslmode=require
#        --tls-cert/--tls-key  the sandbox's proxy certificate (CA: PGSANDBOX_CA,
#                              names localhost and 127.0.0.1)
#        --auth-mode proxy --auth-file USERLIST
#      and checks (bounded) that it announced auth mode proxy with 2 users;
#   3. runs CMD with, exported:
#        TARGET_HOST, TARGET_PORT   pgshim's address (127.0.0.1)
#        TARGET_KIND=pgshim_proxy_auth, TARGET_TLS=1
#        DIRECT_PORT                the server itself (setup and cleanup only)
#        PROXY_AUTH_LOG             pgshim's log file (tests may read it)
#        PROXY_AUTH_FILE            the auth file
#        PGSANDBOX_*                everything from the sandbox env file
#   4. stops pgshim by PID (SIGTERM, bounded wait, then SIGKILL); a crash, an
#      early exit, a hang or a non-zero exit status fails the test. pgshim's log
#      is printed whenever anything failed.
#
# Environment in: PGSANDBOX_ENV (a sandbox started with --tls), PGSHIM_BIN, as
# ctest sets them (tests/CMakeLists.txt). Exit status: CMD's, or non-zero when
# the set-up failed or pgshim misbehaved.
set -uo pipefail

readonly kReadyTimeout=15 # seconds for pgshim to write its ready file
readonly kStopTimeout=20  # seconds for pgshim to drain and exit after SIGTERM
readonly kUsers=(pgshim_scram pgshim_md5)

say() { echo "proxy_auth: $*" >&2; }
die() { say "$*"; exit 2; }

[[ $# -gt 0 ]] || die "usage: run.sh CMD [ARG...]"
[[ -n ${PGSANDBOX_ENV:-} && -f $PGSANDBOX_ENV ]] \
  || die "PGSANDBOX_ENV is not set or does not name an env file (start scripts/pg-sandbox.sh --tls first)"
set -a
# shellcheck disable=SC1090
source "$PGSANDBOX_ENV"
set +a
[[ -n ${PGSANDBOX_PORT:-} ]] || die "$PGSANDBOX_ENV has no PGSANDBOX_PORT"
[[ -n ${PGSANDBOX_PROXY_CERT:-} && -n ${PGSANDBOX_CA:-} ]] \
  || die "the sandbox has no TLS (start it with scripts/pg-sandbox.sh start DIR --tls)"
[[ -n ${PGSHIM_BIN:-} && -x $PGSHIM_BIN ]] || die "PGSHIM_BIN='${PGSHIM_BIN:-}' is not an executable (is pgshim built?)"
PGBIN=${PGSANDBOX_BIN:-/usr/lib/postgresql/15/bin}

work=$(mktemp -d "${TMPDIR:-/tmp}/proxy-auth.XXXXXX")
pid=""
log=$work/pgshim.log
ready=$work/ready
userlist=$work/userlist.txt

show_log() {
  [[ -f $log ]] || return 0
  say "----- pgshim log ($log, last 200 lines) -----"
  tail -n 200 "$log" >&2
  say "----- end of pgshim log -----"
}
cleanup() {
  # Last resort (the runner itself was interrupted): the pgshim this script
  # started, by PID, and nothing else.
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the auth file, from the server's own secrets -------------------------
(
  umask 077
  : >"$userlist"
)
chmod 600 "$userlist"
echo "; written by tests/client/proxy_auth/run.sh from pg_authid" >"$userlist"
for user in "${kUsers[@]}"; do
  secret=$(PGPASSWORD=scram-pass PGCONNECT_TIMEOUT=10 timeout -k 5 30 "$PGBIN/psql" -X -q -A -t \
    -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$PGSANDBOX_PORT dbname=postgres user=pgshim_scram sslmode=require" \
    -c "SELECT rolpassword FROM pg_authid WHERE rolname = '$user'") \
    || die "could not read the secret of $user from pg_authid"
  case $user:$secret in
    pgshim_scram:SCRAM-SHA-256\$* | pgshim_md5:md5*) ;;
    *) die "unexpected secret kind for $user: '${secret:0:16}...'" ;;
  esac
  printf '"%s" "%s"\n' "$user" "$secret" >>"$userlist"
done
[[ $(stat -c %a "$userlist") == 600 ]] || die "the auth file is not 0600"

# --- 2. pgshim in auth mode proxy, TLS on both legs --------------------------
upstream="postgres://127.0.0.1:${PGSANDBOX_PORT}/${PGSANDBOX_DB:-app}?sslmode=require"
args=(--listen 127.0.0.1:0 --ready-file "$ready" --upstream "$upstream"
      --tls-cert "$PGSANDBOX_PROXY_CERT" --tls-key "$PGSANDBOX_PROXY_KEY"
      --auth-mode proxy --auth-file "$userlist")
say "starting $PGSHIM_BIN ${args[*]}"
"$PGSHIM_BIN" "${args[@]}" >"$log" 2>&1 &
pid=$!

deadline=$((SECONDS + kReadyTimeout))
addr=""
while :; do
  if [[ -s $ready ]]; then
    addr=$(head -n 1 "$ready")
    [[ $addr =~ ^[0-9.]+:[0-9]+$ ]] && break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"; rc=$?
    say "pgshim exited with status $rc before it was ready"
    show_log; exit 2
  fi
  if ((SECONDS >= deadline)); then
    say "pgshim did not write a valid ready file within ${kReadyTimeout}s (content: '$(cat "$ready" 2>/dev/null)')"
    show_log; exit 2
  fi
  sleep 0.05
done
if ! grep -q "auth mode proxy: pgshim authenticates clients from $userlist (${#kUsers[@]} user(s))" "$log"; then
  say "pgshim did not announce auth mode proxy with ${#kUsers[@]} users from $userlist"
  show_log; kill -TERM "$pid"; exit 2
fi

export TARGET_HOST=127.0.0.1 TARGET_PORT=${addr##*:} TARGET_KIND=pgshim_proxy_auth TARGET_TLS=1
export DIRECT_PORT=$PGSANDBOX_PORT PROXY_AUTH_LOG=$log PROXY_AUTH_FILE=$userlist
say "pgshim (pid $pid) in auth mode proxy on $addr, upstream 127.0.0.1:$PGSANDBOX_PORT over TLS"

# --- 3. the test ---------------------------------------------------------------
"$@"
cmd_rc=$?

# --- 4. stop pgshim ---------------------------------------------------------------
failed=0
[[ $cmd_rc -eq 0 ]] || { say "the test exited with status $cmd_rc"; failed=1; }
if ! kill -0 "$pid" 2>/dev/null; then
  wait "$pid"; rc=$?
  say "pgshim exited on its own during the test (status $rc$( ((rc > 128)) && echo ", signal $((rc - 128))"))"
  failed=1
else
  kill -TERM "$pid"
  deadline=$((SECONDS + kStopTimeout))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    say "pgshim did not exit within ${kStopTimeout}s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    failed=1
  else
    wait "$pid"; rc=$?
    if [[ $rc -ne 0 ]]; then
      say "pgshim exited with status $rc after SIGTERM$( ((rc > 128)) && echo " (signal $((rc - 128)))")"
      failed=1
    fi
  fi
fi
pid=""
if [[ $failed -eq 1 ]]; then
  show_log
  [[ $cmd_rc -ne 0 ]] || cmd_rc=1
fi
exit "$cmd_rc"
