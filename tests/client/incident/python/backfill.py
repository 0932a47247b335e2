"""Shared part of the backfill client tests (run.sh backfill_psycopg|backfill_auto|
backfill_gaps): the two replicas, Prisma-shaped SQL for psycopg, `pgshim backfill`
as a bounded child process, pgshim's `backfill:` log line."""
import json
import os
import re
import subprocess
import sys

import psycopg

from common import DIRECT, conninfo, fixture, log_text, wait_for

for _name in ("INCIDENT_PORT2", "INCIDENT_LOG2", "INCIDENT_JOURNAL_DIR", "INCIDENT_JOURNAL",
              "INCIDENT_JOURNAL2", "INCIDENT_UPSTREAM", "PGSHIM_BIN"):
    if not os.environ.get(_name):
        sys.exit(f"{_name} is not set: run through tests/client/incident/run.sh backfill_*")

PORT2 = int(os.environ["INCIDENT_PORT2"])
LOGS = (os.environ["INCIDENT_LOG"], os.environ["INCIDENT_LOG2"])
JOURNAL_DIR = os.environ["INCIDENT_JOURNAL_DIR"]
JOURNALS = (os.environ["INCIDENT_JOURNAL"], os.environ["INCIDENT_JOURNAL2"])
UPSTREAM = os.environ["INCIDENT_UPSTREAM"]
PGSHIM = os.environ["PGSHIM_BIN"]

BACKFILL_TIMEOUT = 60  # seconds for one `pgshim backfill` run
SWITCH_TIMEOUT = 10  # seconds for both replicas to see the column change (poll 300 ms)

COUNTS = ("applied", "already", "superseded", "newer", "gone", "unrecoverable", "torn", "invalid", "errors")


def prisma(prefix, binary=False):
    """A statement of prisma-environments.sql with its $n as psycopg's named
    placeholders %(pN)s (%(pN)b: sent in binary), so psycopg binds them as
    parameters of the extended protocol, $n again on the wire."""
    mark = "b" if binary else "s"
    return re.sub(r"\$(\d+)", lambda m: f"%(p{m.group(1)}){mark}", fixture(prefix))


def params(*values):
    return {f"p{i}": v for i, v in enumerate(values, start=1)}


def connect_replicas():
    """Autocommit connections through replica a and replica b (transactions explicit)."""
    return (psycopg.connect(conninfo(), autocommit=True),
            psycopg.connect(conninfo(PORT2), autocommit=True))


def wait_both(pattern, timeout=SWITCH_TIMEOUT):
    for log in LOGS:
        wait_for(f"/{pattern}/ in {log}", lambda log=log: re.search(pattern, log_text(log)), timeout)


def migrate():
    """The migration, run on PostgreSQL directly; returns once both replicas saw it."""
    with psycopg.connect(DIRECT, autocommit=True) as c:
        c.execute('ALTER TABLE "environments" ADD COLUMN "last_error" TEXT')
    wait_both(r"public\.environments\.last_error is present")


def last_errors():
    with psycopg.connect(DIRECT, autocommit=True) as c:
        return dict(c.execute("SELECT id, last_error FROM environments ORDER BY id").fetchall())


def journal(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def backfill(*args):
    """`pgshim backfill --journal DIR --upstream URL --format json ARGS`: (status, report)."""
    argv = [PGSHIM, "backfill", "--journal", JOURNAL_DIR, "--upstream", UPSTREAM, "--format", "json", *args]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=BACKFILL_TIMEOUT, check=False)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"pgshim backfill printed no JSON (status {r.returncode}): {r.stdout}\n{r.stderr}")
    return r.returncode, report


def counts(report):
    return {k: report[k] for k in COUNTS}


_LINE = re.compile(
    r"backfill: (\d+) applied, (\d+) already there, (\d+) superseded, (\d+) kept \(written since\), (\d+) row gone, "
    r"(\d+) unrecoverable, (\d+) torn, (\d+) invalid, (\d+) refused \((\d+) records")


def auto_backfill_line(log, timeout=20.0):
    """The counts of the first `backfill: N applied, ...` line pgshim logged (waits, bounded)."""
    m = wait_for(f"the auto backfill's line in {log}", lambda: _LINE.search(log_text(log)), timeout)
    values = [int(g) for g in m.groups()]
    return dict(zip(COUNTS + ("records",), values))
