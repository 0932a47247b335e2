"""Nothing lost, proved with psycopg 3 (issue: "Tests against a real PostgreSQL,
through real clients"): while environments.last_error is missing, Prisma-shaped
creates / createMany / updates go through TWO pgshim replicas at once (psycopg's
extended protocol: prepared statements, binary parameters, pipeline mode,
transactions committed, rolled back, failed, nested with a released savepoint);
then the migration and a value the application writes after it:

  backfill_psycopg: `pgshim backfill --format json` over both journals, one of
    them ending in a torn line (a crash mid-write): the torn line is reported with
    its place and the run exits 1, and every other value is applied: the database
    holds exactly what it would had the migration run first (a rolled-back value
    never comes back, the value written after the migration is kept); a second run
    applies nothing.
  backfill_auto: both replicas run with --auto-backfill: each logs its
    `backfill: N applied, ...` line with exact counts and the same values are there
    (no row is written through both replicas here: see backfill_gaps_test.py).
"""
import datetime
import os
import time

import psycopg

from backfill import (JOURNALS, LOGS, auto_backfill_line, backfill, connect_replicas, counts, journal,
                      last_errors, migrate, params, prisma, wait_both)
from common import check, check_eq, finish, has_last_error_column

AUTO = os.environ.get("INCIDENT_TEST") == "backfill_auto"

CREATE = prisma("create (")
CREATE_MANY = prisma("createMany")
UPDATE_ALONE = prisma("update of the pending column alone")
UPDATE_WITH_BINARY = prisma("update together with other columns", binary=True)
FIND_UNIQUE = prisma("read-back / findUnique")
T1 = datetime.datetime(2025, 8, 4, 2, 0, tzinfo=datetime.timezone.utc)
T2 = datetime.datetime(2025, 8, 4, 3, 0, tzinfo=datetime.timezone.utc)


def writes_while_missing(a, b):
    """The application's writes; returns what the migrated database would hold."""
    # A create as a prepared (named) statement.
    a.execute(CREATE, params("env_p1", "p one", "user_1", "tpl_1", "RUNNING", "create p1", T1, T1), prepare=True)
    # The same row through both replicas, b later (manual backfill only: each
    # auto backfill applies its own replica's journal).
    if not AUTO:
        a.execute(UPDATE_ALONE, params("from a", "env_1"), prepare=True)
        time.sleep(0.02)  # distinct milliseconds across the replicas
    b.execute(UPDATE_ALONE, params("from b", "env_1"), prepare=True)
    # A rolled-back transaction and one that failed after the write: nothing to backfill.
    with b.transaction():
        cur = b.execute(UPDATE_ALONE, params("rolled back", "env_3"))
        check_eq("the update in the rolled-back transaction matched its row", 1, cur.rowcount)
        raise psycopg.Rollback()
    try:
        with a.transaction():
            a.execute(UPDATE_ALONE, params("failed transaction", "env_3"))
            a.execute("SELECT 1/0")
    except psycopg.errors.DivisionByZero:
        pass
    # A committed transaction of several statements.
    with a.transaction():
        a.execute(CREATE_MANY, params("env_p2", "p two", "user_1", None, "many 1",
                                      "env_p3", "p three", "user_2", "tpl_2", None))
        a.execute(UPDATE_ALONE, params("p3 later", "env_p3"))
    # Binary parameters (text, the enum's text, timestamptz, the key): psycopg's %b.
    cur = b.execute(UPDATE_WITH_BINARY, params("FAILED", "bïnary ✓", T2, "env_2"))
    check_eq("binary update returned its row", [("env_2", "preview", None)], cur.fetchall())
    # executemany in pipeline mode (one batch, several Binds before the Sync).
    with a.pipeline():
        a.cursor().executemany(CREATE, [
            params("env_p4", "p four", "user_2", None, "PENDING", "pipe 4", T1, T1),
            params("env_p5", "p five", "user_2", None, "PENDING", "pipe 5", T1, T1),
        ])
    # Nested transactions: the savepoint is released, both values committed.
    with a.transaction():
        a.execute(UPDATE_ALONE, params("p5 outer", "env_p5"))
        with a.transaction():
            a.execute(UPDATE_ALONE, params("p4 inner", "env_p4"))
    return {
        "env_1": "from b", "env_2": "bïnary ✓", "env_3": None,
        "env_p1": "after migration",  # written again after the migration
        "env_p2": "many 1", "env_p3": "p3 later", "env_p4": "p4 inner", "env_p5": "p5 outer",
    }


def main():
    check("the database lacks environments.last_error", not has_last_error_column())
    wait_both(r"public\.environments\.last_error is MISSING")
    a, b = connect_replicas()
    with a, b:
        expected = writes_while_missing(a, b)
        check_eq("no value reached the table, the other columns did",
                 [("env_p4", "PENDING"), ("env_p5", "PENDING")],
                 a.execute("SELECT id, status::text FROM environments WHERE id IN ('env_p4', 'env_p5') ORDER BY id")
                 .fetchall())
        ja, jb = (journal(j) for j in JOURNALS)
        check_eq("replica a's journal (its records only, in order)",
                 ["create p1"] + ([] if AUTO else ["from a"]) +
                 ["many 1", None, "p3 later", "pipe 4", "pipe 5", "p5 outer", "p4 inner"],
                 [r["value"] for r in ja])
        check_eq("replica b's journal (a binary value as hex)", ["from b", "\\x" + "bïnary ✓".encode().hex()],
                 [r["value"] for r in jb])
        check("each journal carries its replica's id",
              {r["replica"] for r in ja} == {os.environ["INCIDENT_REPLICA"]}
              and {r["replica"] for r in jb} == {os.environ["INCIDENT_REPLICA2"]}, f"{ja} {jb}")
        check_eq("the binary value is journaled as the client's bytes",
                 {"value": "binary", "key.id": "binary"}, jb[1].get("forms"))
        check("no rolled-back or failed value was journaled",
              not any(r["value"] in ("rolled back", "failed transaction") for r in ja + jb))

        if not AUTO:
            # A crash in the middle of replica a's next record.
            with open(JOURNALS[0], "a", encoding="utf-8") as f:
                f.write('{"v":2,"replica":"replica-a","boot":1,"seq":99,"time_un')
        migrate()
        # The application writes env_p1's value after the migration, through b.
        cur = b.execute(UPDATE_ALONE, params("after migration", "env_p1"))
        check_eq("the write after the migration is stored", [("env_p1", "RUNNING", "after migration")], cur.fetchall())

        if AUTO:
            # Both replicas read the shared journal directory: whichever runs
            # first applies every value, the other finds them already there.
            # 10 dropped values and b's write after the migration (observed).
            lines = sorted((auto_backfill_line(log) for log in LOGS), key=lambda c: c["applied"])
            check_eq("the second replica's auto backfill", {"applied": 0, "already": 6, "superseded": 3, "newer": 1,
                                                            "gone": 0, "unrecoverable": 0, "torn": 0, "invalid": 0,
                                                            "errors": 0, "records": 11}, lines[0])
            check_eq("the first replica's auto backfill", {"applied": 6, "already": 0, "superseded": 3, "newer": 1,
                                                           "gone": 0, "unrecoverable": 0, "torn": 0, "invalid": 0,
                                                           "errors": 0, "records": 11}, lines[1])
            check_eq("every value the migrated database would hold", expected, last_errors())
        else:
            status, report = backfill()
            check_eq("with a torn line the run exits 1", 1, status)
            check_eq("first run: the torn line reported, everything else applied",
                     {"applied": 6, "already": 0, "superseded": 4, "newer": 1, "gone": 0, "unrecoverable": 0,
                      "torn": 1, "invalid": 0, "errors": 0}, counts(report))
            check_eq("the torn line's place", [("torn", f"{JOURNALS[0]}:{len(ja) + 1}")],
                     [(p["kind"], p["at"]) for p in report["problems"]])
            check_eq("every value the migrated database would hold", expected, last_errors())
            status, report = backfill()
            check_eq("second run: exit 1 again (the torn line is still there)", 1, status)
            check_eq("second run applies nothing",
                     {"applied": 0, "already": 6, "superseded": 4, "newer": 1, "gone": 0, "unrecoverable": 0,
                      "torn": 1, "invalid": 0, "errors": 0}, counts(report))
            check_eq("values unchanged by the second run", expected, last_errors())

        # The application reads them back through pgshim.
        for conn, rid in ((a, "env_1"), (b, "env_2"), (a, "env_p4")):
            row = conn.execute(FIND_UNIQUE, params(rid, 1, 0)).fetchone()
            check_eq(f"{rid} read back through pgshim", expected[rid], row[5])
    finish("client_incident_" + os.environ.get("INCIDENT_TEST", "backfill_psycopg"))


if __name__ == "__main__":
    main()
