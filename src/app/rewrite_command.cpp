#include "rewrite_command.hpp"

#include <iostream>
#include <iterator>
#include <stdexcept>

#include "pgshim/sql/missing_set.hpp"
#include "pgshim/sql/pending_column.hpp"
#include "pgshim/sql/report.hpp"
#include "pgshim/sql/rewriter.hpp"

namespace pgshim::app {
namespace {

constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(Usage: pgshim rewrite --pending [SCHEMA.]TABLE.COLUMN:TYPE[:MIGRATION] ... [--has SCHEMA.TABLE.COLUMN ...] 'SQL' | -

Prints the statement as pgshim would send it while the pending columns are
missing, with every edit made, or the reason it would pass through untouched.
  --pending SPEC   a pending column (repeatable), e.g. environments.last_error:text
  --retired SPEC   a dropped column old code still uses (same spelling, repeatable)
  --renamed SPEC   [SCHEMA.]TABLE.OLD:NEW, a renamed column old code still uses
  --has S.T.C      a catalog fact: table S.T really has a column C (repeatable);
                   lets an unqualified name be resolved when several tables are in scope
  SQL              the statement(s); - reads them from standard input
)";

}  // namespace

int run_rewrite_command(const std::vector<std::string>& args) {
  std::vector<sql::PendingColumn> pending;
  sql::CatalogFacts facts(1);
  std::string text;
  bool have_sql = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if ((a == "--pending" || a == "--retired" || a == "--renamed" || a == "--has") && i + 1 < args.size()) {
      const std::string& value = args[++i];
      if (a != "--has") {
        sql::PendingColumn column;
        std::string error;
        const bool ok = a == "--renamed" ? sql::parse_renamed_spec(value, column, error)
                                         : sql::parse_pending_spec(value, column, error);
        if (!ok) {
          std::cerr << "pgshim rewrite: " << a << " " << value << ": " << error << "\n";
          return kExitUsage;
        }
        if (a == "--retired") column.kind = sql::ColumnKind::Retired;
        pending.push_back(std::move(column));
      } else {
        const auto last = value.rfind('.');
        const auto first = value.find('.');
        if (first == std::string::npos || first == last) {
          std::cerr << "pgshim rewrite: --has " << value << ": expected SCHEMA.TABLE.COLUMN\n";
          return kExitUsage;
        }
        facts.add(value.substr(last + 1), value.substr(0, first), value.substr(first + 1, last - first - 1));
      }
    } else if (a == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      have_sql = true;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "pgshim rewrite: " << a << ": unknown option or missing value\n" << kUsage;
      return kExitUsage;
    } else {
      text = a;
      have_sql = true;
    }
  }
  if (pending.empty() || !have_sql) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  try {
    const sql::MissingSet missing(std::move(pending), 1);
    std::cout << sql::render_report(sql::rewrite(text, missing, &facts));
  } catch (const std::invalid_argument& e) {
    std::cerr << "pgshim rewrite: " << e.what() << "\n";
    return kExitUsage;
  }
  return 0;
}

}  // namespace pgshim::app
