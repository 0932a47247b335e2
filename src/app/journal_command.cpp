// `pgshim journal` (see journal_command.hpp).
#include "journal_command.hpp"

#include <iostream>
#include <string>

#include "pgshim/journal/pg_journal.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 2;

constexpr const char* kUsage = R"(Usage: pgshim journal init --upstream URL [--schema NAME]
       pgshim journal show --upstream URL [--schema NAME]

The journal table of `journal: postgres` (--journal postgres:[SCHEMA]): every
replica inserts the values it dropped into NAME.journal of the upstream
database, and `pgshim backfill --journal postgres:` applies them.
  init    create the schema and the table when missing (idempotent; the proxy
          never creates them). The monitor login then needs INSERT on it
          (and UPDATE on the tables for backfill)
  show    how many records the table holds, per replica and per column
  --upstream URL   the database (postgres:// URL or libpq conninfo)
  --schema NAME    the journal's schema (default pgshim)
Exit status: 0 done, 2 error.
)";

int init(migrations::PgDatabase& db, const std::string& schema) {
  const auto result = journal::init_table(db, schema);
  const std::string table = journal::table_name(schema);
  std::cout << "pgshim journal init: schema " << schema << (result.created_schema ? " created" : " already there")
            << "; table " << table << (result.created_table ? " created" : " already there") << "\n";
  return kExitOk;
}

int show(migrations::PgDatabase& db, const std::string& schema) {
  const std::string table = journal::table_name(schema);
  if (!journal::table_exists(db, schema)) {
    std::cout << "pgshim journal: " << table << " does not exist (run `pgshim journal init`)\n";
    return kExitError;
  }
  const auto total = db.query("SELECT count(*), count(DISTINCT replica) FROM " + table, std::vector<std::string>{});
  std::cout << "pgshim journal " << table << ": " << total[0][0].value_or("0") << " record(s) from "
            << total[0][1].value_or("0") << " replica(s)\n";
  const auto replicas = db.query(
      "SELECT replica, count(*), count(DISTINCT boot), to_char(to_timestamp(max(time_unix_ms) / 1000.0) AT TIME ZONE "
      "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM " + table + " GROUP BY replica ORDER BY replica",
      std::vector<std::string>{});
  for (const auto& r : replicas) {
    std::cout << "  replica " << r[0].value_or("") << ": " << r[1].value_or("0") << " record(s), "
              << r[2].value_or("0") << " boot(s), last " << r[3].value_or("") << "\n";
  }
  const auto columns = db.query("SELECT table_schema || '.' || table_name || '.' || column_name, count(*), "
                                "count(*) FILTER (WHERE observed) FROM " + table + " GROUP BY 1 ORDER BY 1",
                                std::vector<std::string>{});
  for (const auto& c : columns) {
    std::cout << "  column " << c[0].value_or("") << ": " << c[1].value_or("0") << " record(s), "
              << c[2].value_or("0") << " observed\n";
  }
  return kExitOk;
}

}  // namespace

int run_journal_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    (args.empty() ? std::cerr : std::cout) << kUsage;
    return args.empty() ? kExitError : kExitOk;
  }
  const std::string& action = args[0];
  if (action != "init" && action != "show") {
    std::cerr << "pgshim journal: unknown command " << action << "\n" << kUsage;
    return kExitError;
  }
  std::string upstream;
  std::string schema(journal::kDefaultJournalSchema);
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if ((a != "--upstream" && a != "--schema") || i + 1 >= args.size()) {
      std::cerr << "pgshim journal: " << (a == "--upstream" || a == "--schema" ? "missing value for " : "unknown argument ")
                << a << "\n" << kUsage;
      return kExitError;
    }
    (a == "--upstream" ? upstream : schema) = args[++i];
  }
  if (upstream.empty()) {
    std::cerr << "pgshim journal: --upstream is required\n" << kUsage;
    return kExitError;
  }
  if (const auto error = journal::schema_name_error(schema)) {
    std::cerr << "pgshim journal: " << *error << "\n";
    return kExitError;
  }
  try {
    migrations::PgDatabase db(upstream, std::chrono::seconds(30), "pgshim-journal");
    return action == "init" ? init(db, schema) : show(db, schema);
  } catch (const std::exception& e) {
    std::cerr << "pgshim journal " << action << ": " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace pgshim::app
