// The rewriter's output against a real PostgreSQL 15. Two private databases are
// created from the incident schema: `missing` (as production is: no pending
// columns) and `full` (every pending column added, NULL or its default). Each
// rewritten corpus statement must prepare and run on `missing` and give the same
// command tag, column names and rows as the original statement on `full`.
#include <libpq-fe.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pgshim/sql/rewriter.hpp"
#include "unit/sql/corpus.hpp"

namespace pgshim::sql {
namespace {

using testing::CorpusCase;

struct ConnDeleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::map<std::string, std::string> read_env_file() {
  std::map<std::string, std::string> env;
  const char* path = std::getenv("PGSANDBOX_ENV");
  if (path == nullptr) return env;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

Conn connect_to(const std::string& db) {
  const auto env = read_env_file();
  const std::string info = "host=" + env.at("PGSANDBOX_HOST") + " port=" + env.at("PGSANDBOX_PORT") + " dbname=" + db +
                           " user=pgshim_scram password=scram-pass connect_timeout=10 sslmode=prefer";
  Conn c(PQconnectdb(info.c_str()));
  if (PQstatus(c.get()) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(c.get()));
  // Every wait has a deadline: a statement that hangs fails the test instead.
  Result r(PQexec(c.get(), "SET statement_timeout = '20s'"));
  return c;
}

void exec_ok(PGconn* c, const std::string& sql) {
  Result r(PQexec(c, sql.c_str()));
  const auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    throw std::runtime_error("'" + sql.substr(0, 200) + "': " + PQresultErrorMessage(r.get()));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What one execution produced, comparable across the two databases.
struct Outcome {
  bool prepared = false;
  int nparams = 0;
  std::vector<Oid> param_types;  // ParameterDescription
  bool ok = false;
  std::string error;
  std::string command;  // "UPDATE 1", "SELECT 3", ...
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // sorted: ORDER BY a constant has no order
};

class Databases : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::getenv("PGSANDBOX_ENV") == nullptr) return;
    const auto env = read_env_file();
    admin_ = connect_to(env.at("PGSANDBOX_DB"));
    const std::string suffix = std::to_string(::getpid());
    missing_db_ = "sqltest_" + suffix + "_missing";
    full_db_ = "sqltest_" + suffix + "_full";
    for (const std::string& db : {missing_db_, full_db_}) {
      exec_ok(admin_.get(), "DROP DATABASE IF EXISTS " + db);
      exec_ok(admin_.get(), "CREATE DATABASE " + db + " TEMPLATE template0");
    }
    const std::string schema = read_file(PGSHIM_SQL_SCHEMA_FILE);
    // Fixed timestamps, so both databases hold byte-identical rows.
    const std::string pin =
        "UPDATE users SET created_at = '2025-01-01T00:00:00Z'; UPDATE templates SET created_at = '2025-01-01T00:00:00Z';"
        "UPDATE environments SET created_at = '2025-01-01T00:00:00Z', updated_at = '2025-01-01T00:00:00Z';"
        "UPDATE jobs SET created_at = '2025-01-01T00:00:00Z'";
    missing_ = connect_to(missing_db_);
    full_ = connect_to(full_db_);
    for (PGconn* c : {missing_.get(), full_.get()}) {
      exec_ok(c, schema);
      exec_ok(c, pin);
    }
    // `full`: the schema once the migrations ran; existing rows hold NULL or the default.
    all_pending_.clear();  // set up once per test suite that uses the fixture
    for (const CorpusCase& c : testing::load_corpus(PGSHIM_SQL_CORPUS_DIR)) {
      for (const PendingColumn& pc : c.pending) {
        if (pc.kind == ColumnKind::Renamed) continue;  // renamed per case, in its transaction
        const std::string key = pc.schema + "." + pc.table + "." + pc.column;
        if (!all_pending_.emplace(key, pc).second) continue;
        std::string ddl = "ALTER TABLE \"" + pc.schema + "\".\"" + pc.table + "\" ADD COLUMN \"" + pc.column + "\" " + pc.type;
        if (!pc.default_expr.empty()) ddl += " NOT NULL DEFAULT (" + pc.default_expr + ")";
        exec_ok(full_.get(), ddl);
      }
    }
  }

  static void TearDownTestSuite() {
    missing_.reset();
    full_.reset();
    if (admin_) {
      for (const std::string& db : {missing_db_, full_db_}) {
        Result r(PQexec(admin_.get(), ("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)").c_str()));
      }
    }
    admin_.reset();
  }

  void SetUp() override {
    if (std::getenv("PGSANDBOX_ENV") == nullptr) GTEST_SKIP() << "PGSANDBOX_ENV not set (run through ctest)";
    ASSERT_TRUE(missing_ && full_);
  }

  static Oid type_oid(PGconn* c, const std::string& type) {
    const char* values[] = {type.c_str()};
    Result r(PQexecParams(c, "SELECT $1::regtype::oid", 1, nullptr, values, nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) throw std::runtime_error(PQresultErrorMessage(r.get()));
    return static_cast<Oid>(std::stoul(PQgetvalue(r.get(), 0, 0)));
  }

  // Runs the prepared unnamed statement with `args` inside a transaction that is
  // rolled back, so every case sees the same data.
  static Outcome run(PGconn* c, const std::string& setup, const std::string& sql, const std::vector<Oid>& types,
                     const std::vector<std::optional<std::string>>& args) {
    Outcome o;
    // BEGIN first: a simple Query discards the unnamed prepared statement.
    exec_ok(c, "BEGIN");
    if (!setup.empty()) exec_ok(c, setup);
    Result p(PQprepare(c, "", sql.c_str(), static_cast<int>(types.size()), types.data()));
    if (PQresultStatus(p.get()) != PGRES_COMMAND_OK) {
      o.error = std::string("prepare: ") + PQresultErrorMessage(p.get());
      exec_ok(c, "ROLLBACK");
      return o;
    }
    o.prepared = true;
    Result d(PQdescribePrepared(c, ""));
    o.nparams = PQnparams(d.get());
    for (int k = 0; k < o.nparams; ++k) o.param_types.push_back(PQparamtype(d.get(), k));
    const int nparams = o.nparams;
    std::vector<const char*> values(static_cast<std::size_t>(nparams), nullptr);
    for (int i = 0; i < nparams && static_cast<std::size_t>(i) < args.size(); ++i) {
      if (args[static_cast<std::size_t>(i)]) values[static_cast<std::size_t>(i)] = args[static_cast<std::size_t>(i)]->c_str();
    }
    Result r(PQexecPrepared(c, "", nparams, values.data(), nullptr, nullptr, 0));
    const auto st = PQresultStatus(r.get());
    o.ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    if (!o.ok) {
      const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
      o.error = std::string(state != nullptr ? state : "?") + " " + PQresultErrorMessage(r.get());
    }
    o.command = PQcmdStatus(r.get());
    for (int k = 0; k < PQnfields(r.get()); ++k) o.columns.emplace_back(PQfname(r.get(), k));
    for (int row = 0; row < PQntuples(r.get()); ++row) {
      std::vector<std::string> values_of_row;
      for (int k = 0; k < PQnfields(r.get()); ++k) {
        values_of_row.push_back(PQgetisnull(r.get(), row, k) ? std::string("<NULL>") : std::string(PQgetvalue(r.get(), row, k)));
      }
      o.rows.push_back(std::move(values_of_row));
    }
    std::sort(o.rows.begin(), o.rows.end());
    exec_ok(c, "ROLLBACK");
    return o;
  }

  static inline Conn admin_;
  static inline Conn missing_;
  static inline Conn full_;
  static inline std::string missing_db_;
  static inline std::string full_db_;
  static inline std::map<std::string, PendingColumn> all_pending_;  // every corpus pending column
};

// PostgreSQL accepts a Parse whose text no longer references a parameter when
// that parameter's type is declared, and ParameterDescription still reports the
// client's count: the proxy's way to keep Bind and Describe as the client expects.
TEST_F(Databases, ParseWithDeclaredUnreferencedParameterKeepsCount) {
  PGconn* c = missing_.get();
  // $2 is gone from the text (its INSERT value was dropped) but declared as text.
  const Oid declared[] = {0, 25, 0};
  Result p(PQprepare(c, "", "SELECT $1::text AS a, $3::int AS b", 3, declared));
  ASSERT_EQ(PQresultStatus(p.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(p.get());
  Result d(PQdescribePrepared(c, ""));
  ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(PQnparams(d.get()), 3);
  EXPECT_EQ(PQparamtype(d.get(), 0), 25U);
  EXPECT_EQ(PQparamtype(d.get(), 1), 25U);
  EXPECT_EQ(PQparamtype(d.get(), 2), 23U);
  // The client's Bind still carries three values; the unreferenced one is ignored.
  const char* values[] = {"x", "ignored", "7"};
  Result e(PQexecPrepared(c, "", 3, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(e.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(e.get());
  EXPECT_STREQ(PQgetvalue(e.get(), 0, 0), "x");
  EXPECT_STREQ(PQgetvalue(e.get(), 0, 1), "7");

  // Undeclared, the same Parse fails: the declaration is what makes it work.
  const Oid undeclared[] = {0, 0, 0};
  Result bad(PQprepare(c, "", "SELECT $1::text AS a, $3::int AS b", 3, undeclared));
  EXPECT_EQ(PQresultStatus(bad.get()), PGRES_FATAL_ERROR);
  EXPECT_STREQ(PQresultErrorField(bad.get(), PG_DIAG_SQLSTATE), "42P18");
}

// The original statements really fail on the database as it is (42703), which
// is the incident the rewriter exists for.
TEST_F(Databases, OriginalFailsWithoutTheColumn) {
  Result r(PQprepare(missing_.get(), "", "SELECT \"public\".\"environments\".\"last_error\" FROM \"public\".\"environments\"", 0, nullptr));
  EXPECT_STREQ(PQresultErrorField(r.get(), PG_DIAG_SQLSTATE), "42703");
}

}  // namespace

namespace testing {
// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.file << ":" << c.line << " " << c.name; }
}  // namespace testing

namespace {

class CorpusOnServer : public Databases, public ::testing::WithParamInterface<CorpusCase> {};

// Each rewritten corpus statement prepares on the database lacking the column
// with the client's parameter count, runs, and returns the original's command
// tag, column names and rows (the original run where the column exists).
TEST_P(CorpusOnServer, RewrittenRunsAndMatchesOriginal) {
  const CorpusCase& c = GetParam();
  SCOPED_TRACE(c.file + ":" + std::to_string(c.line) + " " + c.name);
  const MissingSet missing = c.missing();
  const CatalogFacts facts = c.catalog_facts();
  const RewriteResult r = rewrite(c.input, missing, c.no_facts ? nullptr : &facts);
  ASSERT_TRUE(r.rewritten()) << to_string(r.reason) << ": " << r.detail;

  // The original, where the columns exist: only this case's pending columns
  // (other cases' are dropped inside the rolled-back transaction).
  std::string setup;
  for (const auto& [key, pc] : all_pending_) {
    const bool mine = std::any_of(c.pending.begin(), c.pending.end(), [&](const PendingColumn& p) {
      return p.schema == pc.schema && p.table == pc.table && p.column == pc.column;
    });
    if (!mine) setup += "ALTER TABLE \"" + pc.schema + "\".\"" + pc.table + "\" DROP COLUMN \"" + pc.column + "\";";
  }
  // A renamed column: the original ran before the rename, when the new column
  // still had its old name.
  for (const PendingColumn& pc : c.pending) {
    if (pc.kind != ColumnKind::Renamed) continue;
    setup += "ALTER TABLE \"" + pc.schema + "\".\"" + pc.table + "\" RENAME COLUMN \"" + pc.renamed_to + "\" TO \"" +
             pc.column + "\";";
  }
  const Outcome want = run(full_.get(), setup, c.input, {}, c.args);
  ASSERT_TRUE(want.prepared) << "original: " << want.error;
  const int nparams = want.nparams;

  // The rewrite, with the dropped parameters declared as the result says.
  std::vector<Oid> types(static_cast<std::size_t>(nparams), 0);
  for (const DroppedParameter& p : r.dropped_parameters) {
    ASSERT_GE(p.number, 1);
    ASSERT_LE(p.number, nparams);
    types[static_cast<std::size_t>(p.number - 1)] = type_oid(missing_.get(), p.type);
  }
  const Outcome got = run(missing_.get(), "", r.sql, types, c.args);
  ASSERT_TRUE(got.prepared) << "rewritten: " << got.error << "\n" << r.sql;
  ASSERT_EQ(got.nparams, nparams) << "ParameterDescription must keep the client's count";
  EXPECT_EQ(got.param_types, want.param_types);
  ASSERT_TRUE(want.ok) << "original failed: " << want.error;
  ASSERT_TRUE(got.ok) << "rewritten failed: " << got.error << "\n" << r.sql;
  if (c.compare == "runs") return;
  EXPECT_EQ(got.command, want.command);
  EXPECT_EQ(got.columns, want.columns);
  if (c.compare == "shape") return;
  // A write returns what it wrote: the rewrite could not write the pending
  // column, so for INSERT/UPDATE the pending columns' output values are not compared.
  const bool write = want.command.rfind("INSERT", 0) == 0 || want.command.rfind("UPDATE", 0) == 0;
  std::vector<std::size_t> compared;
  for (std::size_t k = 0; k < want.columns.size(); ++k) {
    const bool pending_output = std::any_of(c.pending.begin(), c.pending.end(),
                                            [&](const PendingColumn& pc) { return pc.column == want.columns[k]; });
    if (!(write && pending_output)) compared.push_back(k);
  }
  auto project = [&](const Outcome& o) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : o.rows) {
      std::vector<std::string> p;
      for (std::size_t k : compared) p.push_back(k < row.size() ? row[k] : "<missing>");
      rows.push_back(std::move(p));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  EXPECT_EQ(project(got), project(want));
}

std::vector<CorpusCase> executable_cases() {
  std::vector<CorpusCase> out;
  for (CorpusCase& c : testing::load_corpus(PGSHIM_SQL_CORPUS_DIR)) {
    if (c.expect_rewritten && c.exec) out.push_back(std::move(c));
  }
  return out;
}

std::string case_name(const ::testing::TestParamInfo<CorpusCase>& info) {
  std::string n = info.param.name;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusOnServer, ::testing::ValuesIn(executable_cases()), case_name);

}  // namespace
}  // namespace pgshim::sql
