// `pgshim check` (see check_command.hpp).
//
// The report is built once (Report: per unapplied migration, each change with
// its verdict, statement and line) and printed by one of three writers: text
// for people, json for scripts (the fields of earlier versions kept as they
// were), github for GitHub Actions (workflow commands that annotate the
// migration file at the statement's line).
#include "check_command.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "pgshim/alert/json_writer.hpp"
#include "pgshim/config/config.hpp"
#include "pgshim/migrations/apply_command.hpp"
#include "pgshim/migrations/detect.hpp"
#include "pgshim/migrations/load.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::app {
namespace {

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitError = 2;

constexpr const char* kUsage = R"(Usage: pgshim check --migrations DIR --upstream URL [--migrations-tool NAME]
                    [--history-table NAME] [--fail-on pending|unmitigated]
                    [--drift-window DUR] [--format text|json|github]

Lists the migrations in DIR that the database at URL has not applied and, for
each change they make, whether pgshim mitigates it while it is pending (reads
of a new column return NULL or its DEFAULT, writes to it are dropped and
journaled) or not and why (new table, type change, unique constraint, ...),
with the statement that lands it (file:line) and the tool's command to apply.
Then the drift: the columns that migrations applied within the drift window
dropped (retired: old code reads NULL, its writes are dropped) or renamed
(old code's references are rewritten to the new name), which the proxy
serves to old code still running during a rolling deploy.
  --migrations DIR        the migrations directory (prisma/migrations,
                          db/migration, migrations, ...)
  --upstream URL          the database (postgres:// URL or libpq conninfo)
  --migrations-tool NAME  prisma, flyway, golang-migrate, goose, dbmate,
                          drizzle, liquibase, atlas or sqitch (default:
                          detected from DIR's layout); also --tool
  --history-table NAME    the tool's history table when it is not the
                          default ([schema.]table; Atlas: its schema; sqitch:
                          the registry; Prisma: not configurable); also
                          --migrations-history-table
  --fail-on WHEN          pending (default): exit 1 when anything is not
                          applied; unmitigated: exit 1 only when a pending
                          change is not mitigated (breaks queries) or a
                          migration failed (drift never fails the gate)
  --drift-window DUR      how recently applied a migration must be for its
                          drops and renames to be listed (24h; 0: off; the
                          history table's time; none for golang-migrate,
                          dbmate, drizzle); also --migrations-drift-window
  --format FORMAT         text (default), json, or github (GitHub Actions
                          ::error/::warning annotations on the migration files)
Exit status: 0 passes, 1 fails (see --fail-on), 2 error.
)";

enum class Format { Text, Json, Github };
enum class FailOn { Pending, Unmitigated };

[[nodiscard]] std::string_view to_string(FailOn f) noexcept {
  switch (f) {
    case FailOn::Pending:
      return "pending";
    case FailOn::Unmitigated:
      return "unmitigated";
  }
  return "pending";
}

// What pgshim does about one change while its migration is pending.
enum class Verdict {
  Mitigated,     // an added column: typed value on reads, writes dropped
  Partial,       // mitigated, not exactly as the migration would (Impact::Partial)
  Harmless,      // not mitigated, and nothing breaks meanwhile (Impact::Harmless)
  NotMitigated,  // queries or writes break until it is applied (Impact::Breaking)
};

[[nodiscard]] std::string_view label(Verdict v) noexcept {
  switch (v) {
    case Verdict::Mitigated:
      return "mitigated";
    case Verdict::Partial:
      return "partial";
    case Verdict::Harmless:
      return "harmless";
    case Verdict::NotMitigated:
      return "not mitigated";
  }
  return "not mitigated";
}

[[nodiscard]] Verdict verdict_of(migrations::Impact impact) noexcept {
  switch (impact) {
    case migrations::Impact::Harmless:
      return Verdict::Harmless;
    case migrations::Impact::Partial:
      return Verdict::Partial;
    case migrations::Impact::Breaking:
      return Verdict::NotMitigated;
  }
  return Verdict::NotMitigated;
}

// What the proxy does with a pending column while it is missing.
[[nodiscard]] std::string column_action(const sql::PendingColumn& c) {
  return (c.default_expr.empty() ? "reads NULL" : "reads " + c.default_expr) +
         "; writes to it are dropped (journaled with --journal)";
}

struct Change {
  Verdict verdict = Verdict::NotMitigated;
  std::string message;    // what it is and what pgshim does or why not
  std::string statement;  // the statement that lands it
  std::size_t line = 0;   // in the migration's file; 0 unknown
  const sql::PendingColumn* column = nullptr;       // Mitigated: the column
  const migrations::Unmitigated* item = nullptr;    // otherwise: the derived item
};

struct MigrationReport {
  const migrations::UnappliedMigration* migration = nullptr;
  std::vector<Change> changes;  // in file order (unknown lines last)
  // Something here keeps `--fail-on unmitigated` failing: a change that is
  // not mitigated, or the migration failed (possibly half applied).
  bool blocking = false;
};

struct Report {
  const migrations::PendingFromMigrations* loaded = nullptr;
  std::string tool;
  std::string dir;
  std::string apply_command;
  FailOn fail_on = FailOn::Pending;
  std::vector<MigrationReport> migrations;
  std::size_t mitigated = 0, partial = 0, harmless = 0, not_mitigated = 0, failed = 0;
  bool fails = false;
};

[[nodiscard]] Report build_report(const migrations::PendingFromMigrations& loaded, FailOn fail_on) {
  Report r;
  r.loaded = &loaded;
  r.fail_on = fail_on;
  for (const auto& u : loaded.unapplied) {
    MigrationReport m;
    m.migration = &u;
    const std::string& name = u.migration.name;
    for (std::size_t i = 0; i < loaded.columns.size(); ++i) {
      const auto& c = loaded.columns[i];
      if (c.migration != name) continue;
      Change ch;
      ch.verdict = Verdict::Mitigated;
      ch.message = sql::qualified_name(c) + " " + c.type + ": " + column_action(c);
      if (i < loaded.column_statements.size()) {
        ch.statement = loaded.column_statements[i].statement;
        ch.line = loaded.column_statements[i].line;
      }
      ch.column = &c;
      m.changes.push_back(std::move(ch));
      ++r.mitigated;
    }
    for (const auto& n : loaded.not_mitigated) {
      if (n.migration != name) continue;
      Change ch;
      ch.verdict = verdict_of(n.impact);
      ch.message = n.reason;
      ch.statement = n.statement;
      ch.line = n.line;
      ch.item = &n;
      switch (ch.verdict) {
        case Verdict::Mitigated:
          break;
        case Verdict::Partial:
          ++r.partial;
          break;
        case Verdict::Harmless:
          ++r.harmless;
          break;
        case Verdict::NotMitigated:
          ++r.not_mitigated;
          m.blocking = true;
          break;
      }
      m.changes.push_back(std::move(ch));
    }
    std::stable_sort(m.changes.begin(), m.changes.end(), [](const Change& a, const Change& b) {
      return (a.line == 0 ? SIZE_MAX : a.line) < (b.line == 0 ? SIZE_MAX : b.line);
    });
    switch (u.state) {
      case migrations::MigrationState::Failed:
        m.blocking = true;
        ++r.failed;
        break;
      case migrations::MigrationState::Pending:
      case migrations::MigrationState::Applied:
        break;
    }
    r.migrations.push_back(std::move(m));
  }
  switch (fail_on) {
    case FailOn::Pending:
      r.fails = !loaded.unapplied.empty();
      break;
    case FailOn::Unmitigated:
      r.fails = r.not_mitigated > 0 || r.failed > 0;
      break;
  }
  return r;
}

// Indents every line of `text` by `prefix` (statements span lines).
[[nodiscard]] std::string indent(const std::string& text, const std::string& prefix) {
  std::string out = prefix;
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}

[[nodiscard]] std::string location(const std::string& path, std::size_t line) {
  return line == 0 ? path : path + ":" + std::to_string(line);
}

// "24h", "90m", "30s", "500ms": the window as the option would spell it.
[[nodiscard]] std::string format_window(std::chrono::milliseconds window) {
  const auto ms = window.count();
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

// 2025-09-01T10:00:00Z (seconds; UTC).
[[nodiscard]] std::string iso_utc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

// `public.t.c TYPE` or `public.t.old -> new`, then what the proxy does.
[[nodiscard]] std::string drift_message(const migrations::DriftColumn& d) {
  const auto& c = d.column;
  std::string what = sql::qualified_name(c);
  switch (c.kind) {
    case sql::ColumnKind::Renamed:
      what += " -> " + c.renamed_to;
      break;
    case sql::ColumnKind::Retired:
    case sql::ColumnKind::Pending:
      what += " " + c.type + (d.type_from.empty() ? "" : " (type from " + d.type_from + ")");
      break;
  }
  return what + ": " + migrations::drift_action(d);
}

// The drift section of the text report (after the pending migrations).
void print_drift_text(std::ostream& out, const migrations::PendingFromMigrations& loaded) {
  if (loaded.drift_window.count() <= 0) return;
  const std::string window = format_window(loaded.drift_window);
  if (loaded.drift_unavailable) {
    out << "\nDrift: " << *loaded.drift_unavailable << "\n";
    return;
  }
  if (loaded.drift.empty()) {
    out << "\nDrift: no column dropped or renamed by a migration applied within " << window
        << (loaded.drift_notes.empty() ? "" : " that pgshim can read") << "\n";
  } else {
    out << "\nDrift: columns dropped or renamed by migrations applied within " << window
        << " (old code may still use them)\n";
  }
  constexpr std::string_view kPad = "               ";
  for (const auto& d : loaded.drift) {
    std::string tag(sql::to_string(d.column.kind));
    tag.resize(kPad.size(), ' ');
    out << "  " << tag << drift_message(d) << "\n";
    if (!d.type_note.empty()) out << "  " << kPad << "type: " << d.type_note << "\n";
    out << "  " << kPad << "from " << d.column.migration
        << (d.applied_at ? ", applied " + iso_utc(*d.applied_at) : std::string()) << "\n";
    out << "  " << kPad << "at " << location(d.path, d.statement.line) << "\n";
    if (!d.statement.statement.empty()) {
      out << indent(d.statement.statement + ";", "  " + std::string(kPad) + "  ") << "\n";
    }
  }
  for (const auto& note : loaded.drift_notes) out << "  not read       " << note << "\n";
}

void print_text(const Report& r) {
  std::ostream& out = std::cout;
  const auto& loaded = *r.loaded;
  if (loaded.unapplied.empty()) {
    out << "pgshim check: all " << loaded.total << " " << r.tool << " migrations in " << r.dir << " are applied\n";
    print_drift_text(out, loaded);
    return;
  }
  out << "pgshim check: " << loaded.unapplied.size() << " of " << loaded.total << " " << r.tool << " migrations in "
      << r.dir << " are not applied\n";
  constexpr std::string_view kPad = "               ";  // the width of "not mitigated  "
  for (const auto& m : r.migrations) {
    const auto& u = *m.migration;
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
    if (!u.failure.empty()) {
      out << "  the tool recorded: " << indent(u.failure, std::string(kPad)).substr(kPad.size()) << "\n";
    }
    if (m.changes.empty()) out << "  (no statements)  " << u.migration.path << "\n";
    for (const auto& ch : m.changes) {
      std::string tag(label(ch.verdict));
      tag.resize(kPad.size(), ' ');
      out << "  " << tag << ch.message << "\n";
      out << "  " << kPad << "at " << location(u.migration.path, ch.line) << "\n";
      if (!ch.statement.empty()) out << indent(ch.statement + ";", "  " + std::string(kPad) + "  ") << "\n";
    }
  }
  print_drift_text(out, loaded);
  out << "\nSummary: " << loaded.unapplied.size() << " pending migration(s), " << r.failed << " failed; "
      << r.mitigated << " column(s) mitigated; " << r.partial << " partially; " << r.not_mitigated
      << " change(s) not mitigated that break queries; " << r.harmless << " harmless to leave pending.\n";
  out << "Apply with: " << r.apply_command << "\n";
  out << "Gate (--fail-on " << to_string(r.fail_on) << "): " << (r.fails ? "fails" : "passes") << "\n";
}

void write_json(const Report& r, const std::string& history_table) {
  const auto& loaded = *r.loaded;
  alert::JsonWriter w;
  w.begin_object();
  w.member("tool", r.tool);
  w.member("migrations_dir", r.dir);
  w.member("total", static_cast<std::uint64_t>(loaded.total));
  w.member("pending_count", static_cast<std::uint64_t>(loaded.unapplied.size()));
  w.key("history_table");
  if (history_table.empty()) {
    w.null();
  } else {
    w.value(history_table);
  }
  w.member("apply_command", r.apply_command);
  w.member("fail_on", to_string(r.fail_on));
  w.member("fails", r.fails);
  w.member("unmitigated_count", static_cast<std::uint64_t>(r.not_mitigated));
  w.member("failed_count", static_cast<std::uint64_t>(r.failed));
  w.key("pending").begin_array();
  for (const auto& m : r.migrations) {
    const auto& u = *m.migration;
    w.begin_object();
    w.member("name", u.migration.name);
    w.member("state", migrations::to_string(u.state));
    if (!u.failure.empty()) w.member("failure", u.failure);
    w.member("path", u.migration.path);
    w.member("blocking", m.blocking);
    // Earlier fields first, in the order earlier versions wrote them.
    w.key("mitigated").begin_array();
    for (const auto& ch : m.changes) {
      if (ch.column == nullptr) continue;
      const auto& c = *ch.column;
      w.begin_object();
      w.member("schema", c.schema).member("table", c.table).member("column", c.column).member("type", c.type);
      w.key("default");
      if (c.default_expr.empty()) {
        w.null();
      } else {
        w.value(c.default_expr);
      }
      w.member("action", column_action(c));
      w.member("statement", ch.statement);
      w.member("line", static_cast<std::uint64_t>(ch.line));
      w.end_object();
    }
    w.end_array();
    w.key("not_mitigated").begin_array();
    for (const auto& ch : m.changes) {
      if (ch.item == nullptr) continue;
      const auto& n = *ch.item;
      w.begin_object();
      w.member("impact", migrations::to_string(n.impact)).member("reason", n.reason).member("statement", n.statement);
      w.member("line", static_cast<std::uint64_t>(n.line));
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  // Added after the fields of earlier versions.
  const auto optional_string = [&](std::string_view key, const std::string& value) {
    w.key(key);
    if (value.empty()) {
      w.null();
    } else {
      w.value(value);
    }
  };
  w.member("drift_window_seconds",
           static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(loaded.drift_window).count()));
  optional_string("drift_unavailable", loaded.drift_unavailable.value_or(""));
  w.key("drift").begin_array();
  for (const auto& d : loaded.drift) {
    const auto& c = d.column;
    const bool renamed = c.kind == sql::ColumnKind::Renamed;
    w.begin_object();
    w.member("kind", sql::to_string(c.kind));
    w.member("schema", c.schema).member("table", c.table).member("column", c.column);
    optional_string("type", renamed ? std::string() : c.type);
    optional_string("renamed_to", renamed ? c.renamed_to : std::string());
    optional_string("type_from", d.type_from);
    optional_string("type_note", d.type_note);
    w.member("migration", c.migration);
    optional_string("applied_at", d.applied_at ? iso_utc(*d.applied_at) : std::string());
    w.member("action", migrations::drift_action(d));
    w.member("path", d.path);
    w.member("statement", d.statement.statement);
    w.member("line", static_cast<std::uint64_t>(d.statement.line));
    w.end_object();
  }
  w.end_array();
  w.key("drift_notes").begin_array();
  for (const auto& note : loaded.drift_notes) w.value(note);
  w.end_array();
  w.end_object();
  std::cout << w.str() << "\n";
}

// GitHub's workflow-command escaping: the message escapes % CR LF, a
// property value also : and , (actions/toolkit, command.ts).
[[nodiscard]] std::string gh_escape(std::string_view s, bool property) {
  std::string out;
  for (const char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else if (property && c == ':') {
      out += "%3A";
    } else if (property && c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

// Annotations attach to a file named relative to the workspace (the checkout,
// normally the working directory): an absolute path below it is made relative.
[[nodiscard]] std::string annotation_path(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  if (!p.is_absolute()) return path;
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (ec) return path;
  const fs::path rel = fs::weakly_canonical(p, ec).lexically_relative(fs::weakly_canonical(cwd, ec));
  if (ec || rel.empty() || *rel.begin() == "..") return path;
  return rel.string();
}

void gh_command(std::string_view level, const std::string& path, std::size_t line, std::string_view title,
                const std::string& message) {
  std::cout << "::" << level << " file=" << gh_escape(annotation_path(path), true)
            << ",line=" << (line == 0 ? 1 : line) << ",title=" << gh_escape(title, true)
            << "::" << gh_escape(message, false) << "\n";
}

void print_github(const Report& r) {
  const auto& loaded = *r.loaded;
  for (const auto& m : r.migrations) {
    const auto& u = *m.migration;
    const std::string& path = u.migration.path;
    switch (u.state) {
      case migrations::MigrationState::Failed: {
        const std::size_t line = m.changes.empty() ? 1 : m.changes.front().line;
        gh_command("error", path, line, "pgshim check: migration failed",
                   u.migration.name + " is recorded as failed or unfinished; it may be half applied" +
                       (u.failure.empty() ? std::string() : " (" + u.failure + ")") +
                       ". Fix it, then apply with: " + r.apply_command);
        break;
      }
      case migrations::MigrationState::Pending:
      case migrations::MigrationState::Applied:
        break;
    }
    for (const auto& ch : m.changes) {
      const std::string body = u.migration.name + ": " + std::string(label(ch.verdict)) + ": " + ch.message +
                               (ch.statement.empty() ? "" : "\n\n" + ch.statement + ";") +
                               "\n\nApply with: " + r.apply_command;
      switch (ch.verdict) {
        case Verdict::Mitigated:
        case Verdict::Partial:
          gh_command("warning", path, ch.line, "pgshim check: pending, mitigated", body);
          break;
        case Verdict::Harmless:
          gh_command("notice", path, ch.line, "pgshim check: pending, harmless", body);
          break;
        case Verdict::NotMitigated:
          gh_command("error", path, ch.line, "pgshim check: pending, not mitigated", body);
          break;
      }
    }
  }
  for (const auto& d : loaded.drift) {
    gh_command("notice", d.path, d.statement.line,
               "pgshim check: " + std::string(sql::to_string(d.column.kind)) + " column served to old code",
               d.column.migration + ": " + drift_message(d) +
                   (d.statement.statement.empty() ? "" : "\n\n" + d.statement.statement + ";"));
  }
  // A plain line for the log, after the annotations.
  std::cout << "pgshim check: " << loaded.unapplied.size() << " of " << loaded.total << " " << r.tool
            << " migrations not applied; " << r.mitigated << " column(s) mitigated, " << r.not_mitigated
            << " change(s) not mitigated, " << r.failed << " failed; --fail-on " << to_string(r.fail_on) << ": "
            << (r.fails ? "fails" : "passes") << "\n";
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
    case Format::Github:
      std::cout << "::error title=pgshim check::" << gh_escape(message, false) << "\n";
      break;
    case Format::Text:
      break;
  }
}

}  // namespace

int run_check_command(const std::vector<std::string>& args) {
  std::string dir;
  std::string upstream;
  std::string tool_name;  // empty: detected from the directory
  std::string history_table;
  Format format = Format::Text;
  FailOn fail_on = FailOn::Pending;
  std::chrono::milliseconds drift_window = migrations::kDefaultDriftWindow;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return kExitPass;
    }
    const bool takes_value = a == "--migrations" || a == "--upstream" || a == "--format" || a == "--tool" ||
                             a == "--migrations-tool" || a == "--fail-on" || a == "--history-table" ||
                             a == "--migrations-history-table" || a == "--drift-window" ||
                             a == "--migrations-drift-window";
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
    } else if (a == "--history-table" || a == "--migrations-history-table") {
      history_table = value;
    } else if (a == "--drift-window" || a == "--migrations-drift-window") {
      if (!config::parse_duration(value, drift_window)) {
        std::cerr << "pgshim check: " << a << " must be a duration such as 24h (0: off)\n";
        return kExitError;
      }
    } else if (a == "--fail-on") {
      if (value == "pending") {
        fail_on = FailOn::Pending;
      } else if (value == "unmitigated") {
        fail_on = FailOn::Unmitigated;
      } else {
        std::cerr << "pgshim check: --fail-on must be pending or unmitigated\n";
        return kExitError;
      }
    } else if (value == "text") {
      format = Format::Text;
    } else if (value == "json") {
      format = Format::Json;
    } else if (value == "github") {
      format = Format::Github;
    } else {
      std::cerr << "pgshim check: --format must be text, json or github\n";
      return kExitError;
    }
  }
  if (dir.empty() || upstream.empty()) {
    std::cerr << "pgshim check: --migrations and --upstream are required\n" << kUsage;
    return kExitError;
  }
  try {
    // An unknown name, an ambiguous or unrecognised directory, a history
    // table the tool cannot have: reported before any connection is tried.
    const migrations::Tool tool = migrations::resolve_tool(dir, tool_name);
    if (!history_table.empty()) {
      if (const auto error = migrations::history_table_error(tool, history_table)) {
        throw migrations::MigrationError("--history-table: " + *error);
      }
    }
    migrations::LoadOptions options;
    options.tool = tool;
    options.history_table = history_table;
    options.drift_window = drift_window;
    const auto loaded = migrations::load_pending_from_migrations(dir, upstream, options);
    Report report = build_report(loaded, fail_on);
    report.tool = std::string(migrations::to_string(tool));
    report.dir = dir;
    report.apply_command = migrations::apply_command(tool, dir, history_table);
    switch (format) {
      case Format::Text:
        print_text(report);
        break;
      case Format::Json:
        write_json(report, history_table);
        break;
      case Format::Github:
        print_github(report);
        break;
    }
    return report.fails ? kExitFail : kExitPass;
  } catch (const std::exception& e) {
    print_error(format, e.what());
    return kExitError;
  }
}

}  // namespace pgshim::app
