"""The incident, replayed with psycopg 3 (high level) and SQLAlchemy 1.4's ORM.

The application's model has `last_error`; the database does not. Through pgshim:
  - psycopg 3: INSERT/SELECT/UPDATE/DELETE ... RETURNING with last_error, with
    server-side parameters (extended protocol), as prepared statements
    (prepare=True) and executemany, in transactions: no error, last_error reads
    None, every other value is stored (checked directly);
  - SQLAlchemy ORM (declarative `Environment` WITH `last_error = Column(Text)`):
    create, get, filter `Environment.last_error.is_(None)`, update last_error alone
    (the ORM checks the UPDATE's row count) and with other columns, bulk update,
    relationship loading (joinedload / selectinload), delete — no error; last_error
    reads None.

SQLAlchemy 1.4 ships no psycopg 3 dialect (it came with 2.0) and Debian's
python3-psycopg2 is not installed here, so a minimal dialect below runs the ORM
over psycopg 3 (PostgreSQL's own dialect; only the DB-API module differs).
"""
import datetime

import psycopg
from sqlalchemy import (Column, DateTime, ForeignKey, String, Text, create_engine, func, select,
                        update)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.orm import declarative_base, joinedload, relationship, selectinload, sessionmaker

from common import (DB, HOST, PASSWORD, PORT, SHIM, USER, check, check_eq, check_observability,
                    direct_rows, finish, has_last_error_column, journal_lines)


class PsycopgDialect(PGDialect):
    """PostgreSQL's SQLAlchemy 1.4 dialect over psycopg 3's DB-API."""
    driver = "psycopg3"
    default_paramstyle = "pyformat"
    supports_statement_cache = True
    supports_native_enum = True
    supports_sane_rowcount = True
    supports_sane_multi_rowcount = True

    @classmethod
    def dbapi(cls):
        return psycopg

    def create_connect_args(self, url):
        opts = url.translate_connect_args(username="user", database="dbname")
        opts.update(url.query)
        opts.setdefault("connect_timeout", 10)
        return [], opts

    def do_ping(self, dbapi_connection):
        dbapi_connection.execute("SELECT 1")
        return True


registry.register("postgresql.psycopg3", __name__, "PsycopgDialect")

Base = declarative_base()
Status = ENUM("PENDING", "RUNNING", "FAILED", "STOPPED", name="EnvironmentStatus", create_type=False)


class User(Base):
    __tablename__ = "users"
    id = Column(String, primary_key=True)
    email = Column(String, nullable=False)
    name = Column(String)
    environments = relationship("Environment", back_populates="user", order_by="Environment.id")


class Template(Base):
    __tablename__ = "templates"
    id = Column(String, primary_key=True)
    name = Column(String, nullable=False)
    image = Column(String, nullable=False)


class Environment(Base):
    __tablename__ = "environments"
    id = Column(String, primary_key=True)
    name = Column(String, nullable=False)
    user_id = Column(String, ForeignKey("users.id"), nullable=False)
    template_id = Column(String, ForeignKey("templates.id"))
    status = Column(Status, nullable=False, server_default="PENDING")
    last_error = Column(Text)  # migration 20250804020810_add_last_error_to_environments, not applied
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    user = relationship(User, back_populates="environments")
    template = relationship(Template)


T1 = datetime.datetime(2025, 8, 4, 2, 8, 10, tzinfo=datetime.timezone.utc)


def psycopg_part():
    with psycopg.connect(SHIM) as conn:  # a transaction, committed at the end of the block
        cur = conn.cursor()
        cur.execute(
            "INSERT INTO environments (id, name, user_id, template_id, status, last_error) VALUES (%s, %s, %s, %s, %s, %s)"
            " RETURNING id, name, last_error",
            ("env_py1", "psycopg", "user_1", "tpl_1", "RUNNING", "py error"))
        check_eq("psycopg: INSERT ... RETURNING", [("env_py1", "psycopg", None)], cur.fetchall())
        cur.executemany(
            "INSERT INTO environments (id, name, user_id, last_error) VALUES (%s, %s, %s, %s)",
            [("env_py2", "many a", "user_2", "e2"), ("env_py3", "many b", "user_2", None)])
        check_eq("psycopg: executemany row count", 2, cur.rowcount)
        for attempt in (1, 2, 3, 4, 5, 6):  # prepare=True: a named prepared statement from the first use
            cur.execute('SELECT "id", "last_error" FROM "public"."environments" WHERE "id" = %s AND "last_error" IS NULL',
                        ("env_py1",), prepare=True)
            check_eq(f"psycopg: prepared SELECT #{attempt}", [("env_py1", None)], cur.fetchall())
        cur.execute("SELECT id FROM environments WHERE last_error IS NULL AND user_id = %s ORDER BY id", ("user_2",))
        check_eq("psycopg: filter last_error IS NULL", [("env_3",), ("env_py2",), ("env_py3",)], cur.fetchall())
        cur.execute("UPDATE environments SET last_error = %s WHERE id = %s RETURNING id, last_error", ("only", "env_py2"))
        check_eq("psycopg: UPDATE last_error alone", [("env_py2", None)], cur.fetchall())
        check_eq("psycopg: UPDATE last_error alone row count", 1, cur.rowcount)
        cur.execute("UPDATE environments SET last_error = %s, status = %s, updated_at = %s WHERE id = %s",
                    ("with", "FAILED", T1, "env_py2"), prepare=True)
        check_eq("psycopg: UPDATE with other columns row count", 1, cur.rowcount)
        cur.execute("DELETE FROM environments WHERE id = %s RETURNING id, last_error", ("env_py3",))
        check_eq("psycopg: DELETE ... RETURNING", [("env_py3", None)], cur.fetchall())
    check_eq("psycopg: values stored",
             [("env_py1", "psycopg", "RUNNING", "tpl_1"), ("env_py2", "many a", "FAILED", None)],
             direct_rows("SELECT id, name, status::text, template_id FROM environments WHERE id LIKE 'env_py%' ORDER BY id"))
    check_eq("psycopg: updated_at stored", [(T1,)], direct_rows("SELECT updated_at FROM environments WHERE id = 'env_py2'"))
    # Autocommit, simple statements with client-side literals (psycopg.ClientCursor).
    with psycopg.connect(SHIM, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        row = conn.execute("UPDATE environments SET last_error = %s, name = %s WHERE id = %s RETURNING name, last_error",
                           ("client-side", "renamed", "env_py1")).fetchone()
        check_eq("psycopg ClientCursor: UPDATE ... RETURNING", ("renamed", None), row)


def orm_part():
    engine = create_engine(f"postgresql+psycopg3://{USER}:{PASSWORD}@{HOST}:{PORT}/{DB}", future=True)
    Session = sessionmaker(engine, future=True)
    try:
        with Session() as s:
            s.add_all([
                Environment(id="env_sa1", name="orm one", user_id="user_1", template_id="tpl_2", status="RUNNING",
                            last_error="orm error"),
                Environment(id="env_sa2", name="orm two", user_id="user_2", last_error=None),
            ])
            s.commit()
            env = s.get(Environment, "env_sa1")
            check_eq("orm: created, last_error reads None", ("orm one", "RUNNING", "tpl_2", None),
                     (env.name, env.status, env.template_id, env.last_error))
            check("orm: server defaults loaded", env.created_at is not None and env.updated_at is not None)

            nulls = s.execute(select(Environment.id).where(Environment.last_error.is_(None)).order_by(Environment.id)).scalars().all()
            all_ids = [r[0] for r in direct_rows("SELECT id FROM environments ORDER BY id")]
            check_eq("orm: filter last_error IS NULL gives every row", all_ids, nulls)
            check_eq("orm: filter last_error IS NOT NULL gives none", [],
                     s.execute(select(Environment.id).where(Environment.last_error.isnot(None))).scalars().all())

            env.last_error = "only last_error"  # UPDATE ... SET last_error alone; the ORM checks rowcount == 1
            s.commit()
            check_eq("orm: last_error still reads None after its update", None, env.last_error)

            env.last_error = "with status"
            env.status = "FAILED"
            env.updated_at = T1
            s.commit()
            check_eq("orm: status and updated_at stored", [("FAILED", T1)],
                     direct_rows("SELECT status::text, updated_at FROM environments WHERE id = 'env_sa1'"))

            res = s.execute(update(Environment).where(Environment.user_id == "user_2").values(last_error="bulk")
                            .execution_options(synchronize_session=False))
            check_eq("orm: bulk update row count", direct_rows("SELECT count(*) FROM environments WHERE user_id = 'user_2'")[0][0],
                     res.rowcount)
            s.commit()

            user = s.execute(select(User).options(joinedload(User.environments)).where(User.id == "user_1")).unique().scalar_one()
            check("orm: joinedload relation", "env_sa1" in [e.id for e in user.environments]
                  and all(e.last_error is None for e in user.environments))
            s.expire_all()
            users = s.execute(select(User).options(selectinload(User.environments)).order_by(User.id)).scalars().all()
            check_eq("orm: selectinload relation", ["env_sa2" in [e.id for e in u.environments] for u in users], [False, True])
            envs = s.execute(select(Environment).join(Environment.user).where(User.email == "ada@example.com")
                             .options(joinedload(Environment.template))).scalars().all()
            check("orm: join + many-to-one", len(envs) >= 3 and all(e.last_error is None for e in envs))

            s.delete(env)
            s.commit()
            check_eq("orm: deleted", [], direct_rows("SELECT id FROM environments WHERE id = 'env_sa1'"))
            check_eq("orm: session still usable", 1, s.execute(select(func.count()).select_from(Environment)
                                                                 .where(Environment.id == "env_sa2")).scalar_one())
    finally:
        engine.dispose()


def main():
    check("the database lacks environments.last_error", not has_last_error_column())
    for name, part in (("psycopg", psycopg_part), ("orm", orm_part)):
        try:
            part()
        except Exception as e:  # pylint: disable=broad-except
            check(f"{name}: no exception", False, f"{type(e).__name__}: {e}")
    check("dropped writes journaled", len(journal_lines()) > 0)
    check("the column is still missing (nothing created it)", not has_last_error_column())
    check_observability("missing")
    finish("client_incident_orm")


if __name__ == "__main__":
    main()
