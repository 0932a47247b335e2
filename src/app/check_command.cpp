// `pgshim check` (see check_command.hpp).
#include "check_command.hpp"

#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "pgshim/alert/json_writer.hpp"
#include "pgshim/migrations/detect.hpp"
#include "pgshim/migrations/load.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::app {
namespace {

constexpr int kExitNothingPending = 0;
constexpr int kExitPending = 1;
constexpr int kExitError = 2;

constexpr const char* kUsage = R"(Usage: pgshim check --migrations DIR --upstream URL [--migrations-tool NAME] [--format text|json]

Lists the migrations in DIR that the database at URL has not applied, what
pgshim would mitigate while they are pending and what it could not.
  --migrations DIR        the migrations directory (prisma/migrations,
                          db/migration, migrations, ...)
  --upstream URL          the database (postgres:// URL or libpq conninfo)
  --migrations-tool NAME  prisma, flyway, golang-migrate, goose, dbmate,
                          drizzle, liquibase, atlas or sqitch (default:
                          detected from DIR's layout); also --tool
  --format FORMAT         text (default) or json
Exit status: 0 nothing pending, 1 something pending, 2 error.
)";

enum class Format { Text, Json };

// Indents every line of `text` by `prefix` (statements span lines).
[[nodiscard]] std::string indent(const std::string& text, const std::string& prefix) {
  std::string out = prefix;
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}

[[nodiscard]] std::string reads_as(const sql::PendingColumn& c) {
  return c.default_expr.empty() ? "reads NULL" : "reads " + c.default_expr;
}

void print_text(const migrations::PendingFromMigrations& loaded, const std::string& tool, const std::string& dir) {
  std::ostream& out = std::cout;
  if (loaded.unapplied.empty()) {
    out << "pgshim check: all " << loaded.total << " " << tool << " migrations in " << dir << " are applied\n";
    return;
  }
  out << "pgshim check: " << loaded.unapplied.size() << " of " << loaded.total << " " << tool << " migrations in "
      << dir << " are not applied\n";
  std::size_t partial = 0;
  std::size_t breaking = 0;
  std::size_t harmless = 0;
  for (const auto& u : loaded.unapplied) {
    out << "\n" << u.migration.name;
    switch (u.state) {
      case migrations::MigrationState::Failed:
        out << " (FAILED: recorded as failed or unfinished; it may be half applied)";
        break;
      case migrations::MigrationState::Pending:
      case migrations::MigrationState::Applied:
        break;
    }
    out << "\n";
    bool any = false;
    for (const auto& c : loaded.columns) {
      if (c.migration != u.migration.name) continue;
      out << "  mitigated      " << sql::qualified_name(c) << " " << c.type << " (" << reads_as(c) << ")\n";
      any = true;
    }
    for (const auto& n : loaded.not_mitigated) {
      if (n.migration != u.migration.name) continue;
      any = true;
      switch (n.impact) {
        case migrations::Impact::Harmless:
          out << "  harmless       ";
          ++harmless;
          break;
        case migrations::Impact::Partial:
          out << "  PARTIAL        ";
          ++partial;
          break;
        case migrations::Impact::Breaking:
          out << "  NOT MITIGATED  ";
          ++breaking;
          break;
      }
      out << n.reason << "\n" << indent(n.statement, "                   ") << "\n";
    }
    if (!any) out << "  (no statements)\n";
  }
  out << "\nSummary: " << loaded.unapplied.size() << " pending migration(s); " << loaded.columns.size()
      << " column(s) mitigated; " << partial << " partially; " << breaking << " change(s) NOT mitigated that break "
      << "queries; " << harmless << " harmless to leave pending.\n";
}

void print_json(const migrations::PendingFromMigrations& loaded, const std::string& tool, const std::string& dir) {
  alert::JsonWriter w;
  w.begin_object();
  w.member("tool", tool);
  w.member("migrations_dir", dir);
  w.member("total", static_cast<std::uint64_t>(loaded.total));
  w.member("pending_count", static_cast<std::uint64_t>(loaded.unapplied.size()));
  w.key("pending").begin_array();
  for (const auto& u : loaded.unapplied) {
    w.begin_object();
    w.member("name", u.migration.name);
    w.member("state", migrations::to_string(u.state));
    w.key("mitigated").begin_array();
    for (const auto& c : loaded.columns) {
      if (c.migration != u.migration.name) continue;
      w.begin_object();
      w.member("schema", c.schema).member("table", c.table).member("column", c.column).member("type", c.type);
      w.key("default");
      if (c.default_expr.empty()) {
        w.null();
      } else {
        w.value(c.default_expr);
      }
      w.end_object();
    }
    w.end_array();
    w.key("not_mitigated").begin_array();
    for (const auto& n : loaded.not_mitigated) {
      if (n.migration != u.migration.name) continue;
      w.begin_object();
      w.member("impact", migrations::to_string(n.impact)).member("reason", n.reason).member("statement", n.statement);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  std::cout << w.str() << "\n";
}

void print_error(Format format, const std::string& message) {
  std::cerr << "pgshim check: " << message << "\n";
  switch (format) {
    case Format::Json: {
      // A deploy gate that parses stdout gets a document either way.
      alert::JsonWriter w;
      w.begin_object().member("error", message).end_object();
      std::cout << w.str() << "\n";
      break;
    }
    case Format::Text:
      break;
  }
}

}  // namespace

int run_check_command(const std::vector<std::string>& args) {
  std::string dir;
  std::string upstream;
  std::string tool_name;  // empty: detected from the directory
  Format format = Format::Text;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return kExitNothingPending;
    }
    const bool takes_value =
        a == "--migrations" || a == "--upstream" || a == "--format" || a == "--tool" || a == "--migrations-tool";
    if (!takes_value || i + 1 >= args.size()) {
      std::cerr << "pgshim check: " << (takes_value ? "missing value for " : "unknown argument ") << a << "\n"
                << kUsage;
      return kExitError;
    }
    const std::string& value = args[++i];
    if (a == "--migrations") {
      dir = value;
    } else if (a == "--upstream") {
      upstream = value;
    } else if (a == "--tool" || a == "--migrations-tool") {
      tool_name = value;
    } else if (value == "text" || value == "json") {
      format = value == "json" ? Format::Json : Format::Text;
    } else {
      std::cerr << "pgshim check: --format must be text or json\n";
      return kExitError;
    }
  }
  if (dir.empty() || upstream.empty()) {
    std::cerr << "pgshim check: --migrations and --upstream are required\n" << kUsage;
    return kExitError;
  }
  try {
    // An unknown name, an ambiguous or unrecognised directory: reported
    // before any connection is tried.
    const migrations::Tool tool = migrations::resolve_tool(dir, tool_name);
    const auto loaded = migrations::load_pending_from_migrations(dir, upstream, tool);
    const std::string name(migrations::to_string(tool));
    switch (format) {
      case Format::Text:
        print_text(loaded, name, dir);
        break;
      case Format::Json:
        print_json(loaded, name, dir);
        break;
    }
    return loaded.unapplied.empty() ? kExitNothingPending : kExitPending;
  } catch (const std::exception& e) {
    print_error(format, e.what());
    return kExitError;
  }
}

}  // namespace pgshim::app
