// Start-up entry points (see load.hpp).
#include "pgshim/migrations/load.hpp"

#include <algorithm>
#include <set>

#include "files.hpp"

#include "pgshim/migrations/detect.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::migrations {

namespace {

// A migration the reader lists without SQL (goose's Go files).
[[nodiscard]] bool not_sql(const Migration& m) { return m.sql.empty() && !m.path.ends_with(".sql"); }

// PendingFromMigrations::drift and its notes: the applied migrations up to the
// last one within the window are read in order (the earlier ones for the
// columns' types only); nothing is parsed when none is recent.
void load_drift(const MigrationSource& source, Database& db, const std::vector<Migration>& all,
                const std::set<std::string>& unapplied, PendingFromMigrations& out) {
  if (out.drift_window.count() <= 0) return;
  MigrationSource::AppliedTimes times;
  std::chrono::system_clock::time_point now;
  try {
    auto recorded = source.applied_at(db);
    if (!recorded) {
      out.drift_unavailable = std::string(source.tool()) +
                              " records no time of applying a migration: retired and renamed columns are not derived "
                              "(give them with --retired and --renamed)";
      return;
    }
    times = std::move(*recorded);
    if (times.empty()) return;
    // The database's clock, as the history table's times are: no skew with pgshim's.
    const auto rows = db.query("SELECT extract(epoch FROM now())::text AS database_now", {});
    const auto at = rows.empty() || rows[0].empty() ? std::nullopt : detail::epoch_time(rows[0][0]);
    if (!at) throw MigrationError("the database's now() did not read as a time");
    now = *at;
  } catch (const MigrationError& e) {
    out.drift_unavailable = std::string("cannot read when migrations were applied: ") + e.what();
    return;
  }
  const auto recent = [&](const Migration& m) -> std::optional<std::chrono::system_clock::time_point> {
    const auto it = times.find(m.name);
    if (it == times.end() || unapplied.count(m.name) != 0 || now - it->second > out.drift_window) return std::nullopt;
    return it->second;
  };
  std::size_t end = 0;  // one past the last recent migration
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (recent(all[i])) end = i + 1;
  }
  DriftDeriver deriver;
  for (std::size_t i = 0; i < end; ++i) {
    const Migration& m = all[i];
    if (unapplied.count(m.name) != 0) continue;
    const bool drift = recent(m).has_value();
    if (not_sql(m)) {
      if (drift) {
        out.drift_notes.push_back(m.name + ": not SQL (" + m.path +
                                  "): what it dropped or renamed is not known, so none of it is served to old code");
      }
      continue;
    }
    try {
      deriver.add(m.name, m.sql, drift);
    } catch (const MigrationParseError& e) {
      // An older migration that does not parse only costs the types it declared.
      if (drift) out.drift_notes.push_back(std::string(e.what()) + ": its drops and renames are not derived");
    }
  }
  out.drift = deriver.result();
  for (auto& d : out.drift) {
    for (const auto& m : all) {
      if (m.name != d.column.migration) continue;
      d.path = m.path;
      d.applied_at = recent(m);
    }
  }
}

}  // namespace

PendingFromMigrations load_pending(const MigrationSource& source, Database& db,
                                   std::chrono::milliseconds drift_window) {
  PendingFromMigrations out;
  // list() runs inside unapplied_migrations too; the count needs the full list.
  const std::vector<Migration> all = source.list();
  out.total = all.size();
  out.unapplied = unapplied_migrations(source, db);
  PendingDeriver deriver;
  std::vector<Unmitigated> unreadable;
  std::set<std::string> unapplied_names;
  for (const auto& u : out.unapplied) {
    unapplied_names.insert(u.migration.name);
    // Only a reader that lists migrations without SQL (goose's Go files) leaves
    // sql empty for a file that is not `.sql`; an empty .sql file does nothing.
    if (not_sql(u.migration)) {
      unreadable.push_back(Unmitigated{u.migration.name, "",
                                       "not SQL (" + u.migration.path +
                                           "): pgshim cannot tell what it changes, so nothing of it is mitigated",
                                       Impact::Breaking, 0});
      continue;
    }
    deriver.add(u.migration.name, u.migration.sql);
  }
  Derived derived = deriver.take();
  out.columns = std::move(derived.columns);
  out.column_statements = std::move(derived.column_statements);
  out.not_mitigated = std::move(derived.not_mitigated);
  for (auto& u : unreadable) out.not_mitigated.push_back(std::move(u));
  out.drift_window = drift_window;
  load_drift(source, db, all, unapplied_names, out);
  return out;
}

PendingFromMigrations load_pending_from_migrations(const std::string& dir, const std::string& conninfo,
                                                   std::optional<Tool> tool) {
  LoadOptions options;
  options.tool = tool;
  return load_pending_from_migrations(dir, conninfo, options);
}

PendingFromMigrations load_pending_from_migrations(const std::string& dir, const std::string& conninfo,
                                                   const LoadOptions& options) {
  const auto source = make_source(options.tool ? *options.tool : resolve_tool(dir), dir, options.history_table);
  // A bad directory is reported before the database is tried.
  (void)source->list();
  PgDatabase db(conninfo);
  return load_pending(*source, db, options.drift_window);
}

std::vector<sql::PendingColumn> merge_pending(std::vector<sql::PendingColumn> configured,
                                              const std::vector<sql::PendingColumn>& derived,
                                              std::vector<std::string>* overridden) {
  const std::size_t n_configured = configured.size();
  for (const auto& d : derived) {
    const auto end = configured.begin() + static_cast<std::ptrdiff_t>(n_configured);
    const bool taken = std::any_of(configured.begin(), end, [&](const sql::PendingColumn& c) {
      return c.schema == d.schema && c.table == d.table && c.column == d.column;
    });
    if (taken) {
      if (overridden != nullptr) overridden->push_back(sql::qualified_name(d));
    } else {
      configured.push_back(d);
    }
  }
  return configured;
}

std::vector<sql::PendingColumn> drift_columns(const std::vector<DriftColumn>& drift) {
  std::vector<sql::PendingColumn> out;
  out.reserve(drift.size());
  for (const auto& d : drift) out.push_back(d.column);
  return out;
}

std::string drift_action(const DriftColumn& drift) {
  switch (drift.column.kind) {
    case sql::ColumnKind::Renamed:
      return "old code's references are rewritten to " + drift.column.renamed_to + " (reads and writes)";
    case sql::ColumnKind::Retired:
    case sql::ColumnKind::Pending:
      break;
  }
  return "old code reads NULL; its writes to it are dropped";
}

std::string log_line(const Unmitigated& item) {
  std::string statement;
  bool space = false;
  for (char c : item.statement) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !statement.empty();
      continue;
    }
    if (space) statement += ' ';
    space = false;
    statement += c;
  }
  return item.migration + ": " + std::string(to_string(item.impact)) + ": " + item.reason + ": " + statement;
}

}  // namespace pgshim::migrations
