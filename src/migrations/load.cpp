// Start-up entry points (see load.hpp).
#include "pgshim/migrations/load.hpp"

#include <algorithm>

#include "pgshim/migrations/detect.hpp"
#include "pgshim/migrations/pg_database.hpp"

namespace pgshim::migrations {

PendingFromMigrations load_pending(const MigrationSource& source, Database& db) {
  PendingFromMigrations out;
  // list() runs inside unapplied_migrations too; the count needs the full list.
  out.total = source.list().size();
  out.unapplied = unapplied_migrations(source, db);
  PendingDeriver deriver;
  std::vector<Unmitigated> unreadable;
  for (const auto& u : out.unapplied) {
    // Only a reader that lists migrations without SQL (goose's Go files) leaves
    // sql empty for a file that is not `.sql`; an empty .sql file does nothing.
    if (u.migration.sql.empty() && !u.migration.path.ends_with(".sql")) {
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
  return load_pending(*source, db);
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
