#!/usr/bin/env bash
# Runs one real-client test against a fresh pgshim in auth mode proxy (issue 5)
# with TLS on both legs:
#
#   tests/client/proxy_auth/run.sh CMD [ARG...]
#
#   1. writes a PgBouncer-style auth file (mode 0600) with the server's own
#      secrets (pg_authid.rolpassword) of pgshim_scram (SCRAM-SHA-256) and
#      pgshim_md5 (md5), read directly from the sandbox as a superuser;
#   2. runs pgshim through tests/support/with-pgshim.sh (--tls, upstream
#      sslmode=require) with --auth-mode proxy --auth-file USERLIST, and checks
#      that it announced auth mode proxy with 2 users;
#   3. runs CMD with, exported:
#        TARGET_HOST, TARGET_PORT   pgshim's address (127.0.0.1)
#        TARGET_KIND=pgshim_proxy_auth, TARGET_TLS=1
#        DIRECT_PORT                the server itself (setup and cleanup only)
#        PROXY_AUTH_LOG             pgshim's log file (tests may read it)
#        PROXY_AUTH_FILE            the auth file
#        PGSANDBOX_*                everything from the sandbox env file
#   4. with-pgshim.sh stops pgshim by PID (SIGTERM, bounded wait, then
#      SIGKILL); a crash, an early exit, a hang or a non-zero exit status fails
#      the test, and pgshim's log is printed whenever anything failed.
#
# Environment in: PGSANDBOX_ENV (a sandbox started with --tls), PGSHIM_BIN, as
# ctest sets them (tests/CMakeLists.txt). Exit status: CMD's, or non-zero when
# the set-up failed or pgshim misbehaved.
set -uo pipefail

readonly kUsers=(pgshim_scram pgshim_md5)

say() { echo "proxy_auth: $*" >&2; }
die() { say "$*"; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
[[ $# -gt 0 ]] || die "usage: run.sh CMD [ARG...]"
[[ -n ${PGSANDBOX_ENV:-} && -f $PGSANDBOX_ENV ]] \
  || die "PGSANDBOX_ENV is not set or does not name an env file (start scripts/pg-sandbox.sh --tls first)"
# shellcheck disable=SC1090
source "$PGSANDBOX_ENV"
[[ -n ${PGSANDBOX_PORT:-} ]] || die "$PGSANDBOX_ENV has no PGSANDBOX_PORT"
PGBIN=${PGSANDBOX_BIN:-/usr/lib/postgresql/15/bin}

work=$(mktemp -d "${TMPDIR:-/tmp}/proxy-auth.XXXXXX")
userlist=$work/userlist.txt
trap 'rm -rf "$work"' EXIT

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

# --- 2.-4. pgshim in auth mode proxy, TLS on both legs, around the test -------
export PROXY_AUTH_FILE=$userlist PROXY_AUTH_USERS=${#kUsers[@]}
"$here/../../support/with-pgshim.sh" --tls --upstream-sslmode require \
  --pgshim-arg --auth-mode --pgshim-arg proxy --pgshim-arg --auth-file --pgshim-arg "$userlist" -- \
  bash -c '
    if ! grep -q "auth mode proxy: pgshim authenticates clients from $PROXY_AUTH_FILE ($PROXY_AUTH_USERS user(s))" "$PGSHIM_LOG"; then
      echo "proxy_auth: pgshim did not announce auth mode proxy with $PROXY_AUTH_USERS users from $PROXY_AUTH_FILE" >&2
      exit 2
    fi
    export PROXY_AUTH_LOG=$PGSHIM_LOG TARGET_KIND=pgshim_proxy_auth
    exec "$@"' proxy_auth "$@"
