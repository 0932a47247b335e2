"""Shared set-up for the incident's Python client tests (run by
tests/client/incident/run.sh): where pgshim and PostgreSQL are, the Prisma-shaped
statements of prisma-environments.sql, pgshim's log, small assertion helpers."""
import json
import os
import pathlib
import re
import sys
import time

import psycopg

for _name in ("INCIDENT_HOST", "INCIDENT_PORT", "INCIDENT_DB", "DIRECT_PORT", "INCIDENT_LOG"):
    if not os.environ.get(_name):
        sys.exit(f"{_name} is not set: run through tests/client/incident/run.sh")

HOST = os.environ["INCIDENT_HOST"]
PORT = int(os.environ["INCIDENT_PORT"])
DIRECT_PORT = int(os.environ["DIRECT_PORT"])
DB = os.environ["INCIDENT_DB"]
USER = os.environ.get("INCIDENT_USER", "pgshim_scram")
PASSWORD = os.environ.get("INCIDENT_PASSWORD", "scram-pass")
LOG = os.environ["INCIDENT_LOG"]
JOURNAL = os.environ.get("INCIDENT_JOURNAL", "")


def conninfo(port=PORT):
    return f"host={HOST} port={port} dbname={DB} user={USER} password={PASSWORD} connect_timeout=10 options='-c statement_timeout=20000'"


SHIM = conninfo(PORT)
DIRECT = conninfo(DIRECT_PORT)

FAILURES = []


def check(what, cond, detail=""):
    """Records a failed assertion (the test goes on, to report everything)."""
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what} {detail}", file=sys.stderr)
        FAILURES.append(what)


def check_eq(what, expected, actual):
    check(what, expected == actual, f"expected {expected!r}, got {actual!r}")


def direct_rows(sql, params=None):
    """Rows of a statement run on PostgreSQL itself (never through pgshim)."""
    with psycopg.connect(DIRECT, autocommit=True) as c:
        return c.execute(sql, params).fetchall()


def has_last_error_column():
    return direct_rows(
        "SELECT count(*) FROM information_schema.columns"
        " WHERE table_name = 'environments' AND column_name = 'last_error'")[0][0] == 1


_FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "prisma-environments.sql"


def fixture(prefix):
    """The statement of prisma-environments.sql whose first comment line starts with prefix."""
    found = []
    for block in re.split(r"\n\s*\n", _FIXTURE.read_text()):
        lines = [l for l in block.split("\n") if l.strip()]
        comments = [re.sub(r"^--\s?", "", l) for l in lines if l.startswith("--")]
        sql = "\n".join(l for l in lines if not l.startswith("--")).strip()
        if sql and comments and comments[0].startswith(prefix):
            found.append(sql)
    if len(found) != 1:
        sys.exit(f"fixture {prefix!r}: {len(found)} matches in {_FIXTURE}")
    return found[0]


def written_params(sql):
    """The number of parameters the SQL was written with (highest $n)."""
    return max((int(n) for n in re.findall(r"\$(\d+)", sql)), default=0)


def log_text(path=LOG):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def wait_for(what, fn, timeout=10.0, every=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def journal_lines():
    if not JOURNAL or not os.path.exists(JOURNAL):
        return []
    with open(JOURNAL, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def check_observability(phase, **details):
    """TODO(observability) hook: once pgshim serves /metrics and /status and talks to
    Alertmanager, assert here that public.environments.last_error is `phase`
    ('missing' / 'present') there, that the rewrite and dropped-write counters moved,
    and that PgshimPendingColumnMissing is active (missing) or resolved (present).
    run.sh will export INCIDENT_METRICS_ADDR / INCIDENT_ALERTMANAGER_URL for it."""
    del phase, details  # TODO(observability): not wired in pgshim yet.


def finish(name):
    if FAILURES:
        print(f"FAIL {name}: {len(FAILURES)} assertion(s) failed: {FAILURES}", file=sys.stderr)
        sys.exit(1)
    print(f"PASS {name}")
