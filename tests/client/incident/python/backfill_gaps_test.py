"""Three cases a first `pgshim backfill` got wrong, kept as regression tests,
with psycopg 3 through the two replicas (run.sh backfill_gaps: cases 1 and 2 with
`pgshim backfill`; backfill_gaps_auto: case 3). Each case says what the database
would hold had the migration run first and the run compares with it:

  1. A value cleared after the migration: the application writes last_error while
     it is missing (journaled), then — after the migration — clears it again
     (Prisma `update({ lastError: null })`). The migrated database holds NULL.
     The guard alone cannot tell that NULL from the migration's; pgshim journals
     the application's writes of the column for a while after it appears
     (--journal-observe), and the application's write is the last one.
  2. A rolled-back savepoint inside a COMMITTED transaction (psycopg's nested
     `transaction()` whose inner block fails): the values written BEFORE the
     savepoint committed and come back; the one inside the savepoint does not
     (pgshim follows SAVEPOINT / ROLLBACK TO / RELEASE).
  3. backfill: auto with two replicas and one row written through both: each
     replica reads the shared journal directory, so the later write wins
     whichever replica runs first. Here b holds the later value and polls slowly
     (run.sh: 5 s), so a runs first.
"""
import os
import time

import psycopg

from backfill import (LOGS, auto_backfill_line, backfill, connect_replicas, counts, journal, JOURNALS, last_errors, migrate, params, prisma,
                      wait_both)
from common import check, check_eq, finish, has_last_error_column

UPDATE_ALONE = prisma("update of the pending column alone")


def auto_case():
    """3. backfill: auto, one row written through both replicas, b's write later."""
    wait_both(r"public\.environments\.last_error is MISSING")
    a, b = connect_replicas()
    with a, b:
        a.execute(UPDATE_ALONE, params("older, from a", "env_1"))
        time.sleep(0.02)  # distinct milliseconds across the replicas
        b.execute(UPDATE_ALONE, params("later, from b", "env_1"))
        migrate()
        line_a, line_b = (auto_backfill_line(log, timeout=30.0) for log in LOGS)
        print(f"auto backfill: a {line_a}, b {line_b}")
        check_eq("3. env_1 holds the later write (b's), as the migrated database would", "later, from b",
                 last_errors()["env_1"])
        # What `pgshim backfill` over both journals would have done: b's value.
        status, report = backfill("--dry-run")
        print(f"pgshim backfill --dry-run over both journals: status {status}, {counts(report)}")
    finish("client_incident_backfill_gaps_auto")


def main():
    if os.environ.get("INCIDENT_TEST") == "backfill_gaps_auto":
        auto_case()
        return
    check("the database lacks environments.last_error", not has_last_error_column())
    wait_both(r"public\.environments\.last_error is MISSING")
    a, b = connect_replicas()
    with a, b:
        # 1. Written while missing, through a.
        a.execute(UPDATE_ALONE, params("image pull failed", "env_1"))
        # 2. Outer value committed, inner savepoint rolled back, through b.
        with b.transaction():
            b.execute(UPDATE_ALONE, params("outer committed", "env_2"))
            try:
                with b.transaction():  # SAVEPOINT
                    b.execute(UPDATE_ALONE, params("inner rolled back", "env_3"))
                    b.execute("SELECT 1/0")
            except psycopg.errors.DivisionByZero:
                pass  # ROLLBACK TO SAVEPOINT; the outer transaction goes on and commits
        values = [r["value"] for j in JOURNALS for r in journal(j)]
        check("2. the inner (rolled-back) value is not journaled", "inner rolled back" not in values, str(values))
        check("2. the value written before the savepoint, which committed, is journaled",
              "outer committed" in values, str(values))

        migrate()
        # 1. The application clears the error after the migration, through b.
        cur = b.execute(UPDATE_ALONE, params(None, "env_1"))
        check_eq("1. the clear after the migration is stored", [("env_1", "RUNNING", None)], cur.fetchall())

        status, report = backfill()
        print(f"backfill: status {status}, {counts(report)}")
        got = last_errors()
        check_eq("1. env_1 keeps the NULL the application wrote after the migration", None, got["env_1"])
        check_eq("2. env_2 holds the value its committed transaction wrote", "outer committed", got["env_2"])
        check_eq("2. env_3 does not get the rolled-back value", None, got["env_3"])
    finish("client_incident_backfill_gaps")


if __name__ == "__main__":
    main()
