#!/usr/bin/env bash
# Runs one real-client test against a fresh pgshim in front of the test cluster
# (or, with --direct, against the cluster itself), so that every client test can
# be validated against PostgreSQL first and then run unchanged through pgshim.
#
#   with-pgshim.sh [--direct] [--tls] [--upstream-sslmode MODE] [--pgshim-arg ARG]...
#                  [-- PGSHIM_ARG...] -- CMD [ARG...]
#
#   --direct            no pgshim: CMD talks to PostgreSQL itself.
#   --tls               pgshim gets the sandbox's proxy certificate and key, so
#                       clients may use sslmode=require / verify-full against it
#                       (directly, the cluster's own certificate is signed by the
#                       same CA, so the same client settings work).
#   --upstream-sslmode  sslmode of pgshim's upstream URL (default prefer).
#   -- PGSHIM_ARG... -- extra pgshim arguments. An argument list after the first
#                       `--` is taken as pgshim arguments only when it starts with
#                       an option (`-...`) and another `--` follows; a command
#                       never starts with `-`.
#
# Environment in: PGSANDBOX_ENV (the env file written by scripts/pg-sandbox.sh),
# PGSHIM_BIN (unless --direct). CMD gets, exported:
#   TARGET_HOST, TARGET_PORT   where clients connect (pgshim, or the server)
#   TARGET_KIND                pgshim | direct
#   TARGET_TLS                 1 when the target accepts TLS with a certificate
#                              signed by PGSANDBOX_CA, else 0
#   DIRECT_PORT                the server's own port (for out-of-band checks and
#                              for cleanup that must work even if pgshim is broken)
#   UPSTREAM_SSLMODE           pgshim's upstream sslmode (empty with --direct)
#   PGSANDBOX_*                everything from the env file
# Exit status: CMD's; non-zero as well when pgshim did not become ready, exited
# on its own, crashed, or did not stop within the drain bound after SIGTERM.
# pgshim's log is printed whenever anything failed.
set -uo pipefail

readonly kReadyTimeout=15 # seconds for pgshim to write its ready file
readonly kStopTimeout=20  # seconds for pgshim to drain and exit after SIGTERM

say() { echo "with-pgshim: $*" >&2; }
die() { say "$*"; exit 2; }

direct=0
tls=0
upstream_sslmode=prefer
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --direct) direct=1 ;;
    --tls) tls=1 ;;
    --upstream-sslmode) [[ $# -ge 2 ]] || die "--upstream-sslmode needs a value"; upstream_sslmode=$2; shift ;;
    --pgshim-arg) [[ $# -ge 2 ]] || die "--pgshim-arg needs a value"; extra+=("$2"); shift ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: with-pgshim.sh [--direct] [--tls] [-- PGSHIM_ARG... ] -- CMD...)" ;;
  esac
  shift
done
# Optional "PGSHIM_ARG... --" segment before the command.
if [[ $# -gt 0 && $1 == -* ]]; then
  while [[ $# -gt 0 && $1 != -- ]]; do extra+=("$1"); shift; done
  [[ $# -gt 0 ]] || die "pgshim arguments must be followed by -- CMD"
  shift
fi
[[ $# -gt 0 ]] || die "no command given"

[[ -n ${PGSANDBOX_ENV:-} && -f $PGSANDBOX_ENV ]] \
  || die "PGSANDBOX_ENV is not set or does not name an env file (start scripts/pg-sandbox.sh first)"
set -a
# shellcheck disable=SC1090
source "$PGSANDBOX_ENV"
set +a
[[ -n ${PGSANDBOX_PORT:-} ]] || die "$PGSANDBOX_ENV has no PGSANDBOX_PORT"
if [[ $tls -eq 1 && ( -z ${PGSANDBOX_PROXY_CERT:-} || -z ${PGSANDBOX_CA:-} ) ]]; then
  die "--tls needs a sandbox started with --tls (no PGSANDBOX_PROXY_CERT in $PGSANDBOX_ENV)"
fi

export TARGET_HOST=127.0.0.1
export DIRECT_PORT=$PGSANDBOX_PORT
export TARGET_TLS=$tls

work=$(mktemp -d "${TMPDIR:-/tmp}/with-pgshim.XXXXXX")
pid=""
log=$work/pgshim.log

show_log() {
  [[ -f $log ]] || return 0
  say "----- pgshim log ($log, last 200 lines) -----"
  tail -n 200 "$log" >&2
  say "----- end of pgshim log -----"
}

cleanup() {
  # Last resort only (e.g. the runner itself was interrupted): kill the pgshim
  # this script started, by PID, and nothing else.
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $direct -eq 1 ]]; then
  export TARGET_KIND=direct TARGET_PORT=$PGSANDBOX_PORT UPSTREAM_SSLMODE=""
  # With --tls directly, the cluster's own certificate (same CA) plays pgshim's part.
  "$@"
  exit $?
fi

[[ -n ${PGSHIM_BIN:-} ]] || die "PGSHIM_BIN is not set (or use --direct)"
[[ -x $PGSHIM_BIN ]] || die "PGSHIM_BIN=$PGSHIM_BIN is not an executable (is pgshim built?)"

ready=$work/ready
upstream="postgres://127.0.0.1:${PGSANDBOX_PORT}/${PGSANDBOX_DB:-app}?sslmode=${upstream_sslmode}"
if [[ -n ${PGSANDBOX_CA:-} && $upstream_sslmode == verify-* ]]; then
  upstream+="&sslrootcert=${PGSANDBOX_CA}"
fi
args=(--listen 127.0.0.1:0 --upstream "$upstream" --ready-file "$ready")
if [[ $tls -eq 1 ]]; then
  args+=(--tls-cert "$PGSANDBOX_PROXY_CERT" --tls-key "$PGSANDBOX_PROXY_KEY")
fi
args+=("${extra[@]}")

say "starting $PGSHIM_BIN ${args[*]}"
"$PGSHIM_BIN" "${args[@]}" >"$log" 2>&1 &
pid=$!

# Wait (bounded) for "127.0.0.1:<port>\n" in the ready file.
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
export TARGET_KIND=pgshim TARGET_PORT=${addr##*:} UPSTREAM_SSLMODE=$upstream_sslmode PGSHIM_LOG=$log
say "pgshim (pid $pid) listening on $addr, upstream 127.0.0.1:$PGSANDBOX_PORT"

"$@"
cmd_rc=$?

failed=0
[[ $cmd_rc -eq 0 ]] || { say "the test exited with status $cmd_rc"; failed=1; }
if ! kill -0 "$pid" 2>/dev/null; then
  wait "$pid"; rc=$?
  say "pgshim exited on its own during the test (status $rc$( ((rc > 128)) && echo ", signal $((rc - 128))"))"
  failed=1
  [[ $cmd_rc -ne 0 ]] || cmd_rc=1
else
  kill -TERM "$pid"
  deadline=$((SECONDS + kStopTimeout))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    say "pgshim did not exit within ${kStopTimeout}s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    failed=1
    [[ $cmd_rc -ne 0 ]] || cmd_rc=1
  else
    wait "$pid"; rc=$?
    if [[ $rc -ne 0 ]]; then
      say "pgshim exited with status $rc after SIGTERM$( ((rc > 128)) && echo " (signal $((rc - 128)))")"
      failed=1
      [[ $cmd_rc -ne 0 ]] || cmd_rc=1
    fi
  fi
fi
pid=""
if [[ $failed -eq 1 ]]; then show_log; fi
exit "$cmd_rc"
