// The tool-independent parts of migration_source.hpp and the Prisma source.
#include "pgshim/migrations/migration_source.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "files.hpp"
#include "pgshim/migrations/atlas_source.hpp"
#include "pgshim/migrations/dbmate_source.hpp"
#include "pgshim/migrations/drizzle_source.hpp"
#include "pgshim/migrations/flyway_source.hpp"
#include "pgshim/migrations/golang_migrate_source.hpp"
#include "pgshim/migrations/goose_source.hpp"
#include "pgshim/migrations/liquibase_source.hpp"
#include "pgshim/migrations/prisma_source.hpp"
#include "pgshim/migrations/sqitch_source.hpp"

namespace pgshim::migrations {

std::string_view to_string(MigrationState state) noexcept {
  switch (state) {
    case MigrationState::Applied:
      return "applied";
    case MigrationState::Pending:
      return "pending";
    case MigrationState::Failed:
      return "failed";
  }
  return "pending";
}

std::optional<Tool> parse_tool(std::string_view name) noexcept {
  for (const Tool tool : kAllTools) {
    if (name == to_string(tool)) return tool;
  }
  return std::nullopt;
}

std::string_view to_string(Tool tool) noexcept {
  switch (tool) {
    case Tool::Prisma:
      return "prisma";
    case Tool::Flyway:
      return "flyway";
    case Tool::GolangMigrate:
      return "golang-migrate";
    case Tool::Goose:
      return "goose";
    case Tool::Dbmate:
      return "dbmate";
    case Tool::Drizzle:
      return "drizzle";
    case Tool::Liquibase:
      return "liquibase";
    case Tool::Atlas:
      return "atlas";
    case Tool::Sqitch:
      return "sqitch";
  }
  return "prisma";
}

std::string supported_tools() {
  std::string out;
  for (const Tool tool : kAllTools) {
    if (!out.empty()) out += ", ";
    out += to_string(tool);
  }
  return out;
}

namespace {

// PostgreSQL's NAMEDATALEN - 1: a longer name is truncated by the server, so
// it would not name the table the tool writes.
constexpr std::size_t kMaxIdentifierBytes = 63;

// `[schema.]name` split at its one dot; nullopt when it has more, an empty
// part, a part too long or a control character.
[[nodiscard]] std::optional<std::pair<std::string_view, std::string_view>> split_table(std::string_view table) {
  const auto dot = table.find('.');
  const std::string_view schema = dot == std::string_view::npos ? std::string_view() : table.substr(0, dot);
  const std::string_view name = dot == std::string_view::npos ? table : table.substr(dot + 1);
  if (name.find('.') != std::string_view::npos || name.empty() || (dot != std::string_view::npos && schema.empty())) {
    return std::nullopt;
  }
  for (const std::string_view part : {schema, name}) {
    if (part.size() > kMaxIdentifierBytes) return std::nullopt;
    for (const char c : part) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    }
  }
  return std::pair{schema, name};
}

}  // namespace

std::optional<std::string> history_table_syntax_error(std::string_view table) {
  if (split_table(table)) return std::nullopt;
  return "\"" + std::string(table) + "\" is not [schema.]table (one dot at most, no empty part, at most " +
         std::to_string(kMaxIdentifierBytes) + " bytes per part)";
}

std::optional<std::string> history_table_error(Tool tool, std::string_view table) {
  if (auto error = history_table_syntax_error(table)) return error;
  const auto parts = split_table(table);
  switch (tool) {
    case Tool::Prisma:
      return std::string("prisma's history table is always _prisma_migrations");
    case Tool::Atlas:
      if (!parts->first.empty() && parts->second != AtlasSource::kSchemaBoundTable) {
        return "atlas only moves the schema of atlas_schema_revisions (--revisions-schema): give SCHEMA or "
               "SCHEMA.atlas_schema_revisions";
      }
      return std::nullopt;
    case Tool::Sqitch:
      if (!parts->first.empty()) return std::string("sqitch's registry is one schema name (--registry), without a dot");
      return std::nullopt;
    case Tool::Flyway:
    case Tool::GolangMigrate:
    case Tool::Goose:
    case Tool::Dbmate:
    case Tool::Drizzle:
    case Tool::Liquibase:
      return std::nullopt;
  }
  return std::nullopt;
}

std::unique_ptr<MigrationSource> make_source(Tool tool, std::string dir, const std::string& history_table) {
  if (!history_table.empty()) {
    if (const auto error = history_table_error(tool, history_table)) {
      throw MigrationError("history table: " + *error);
    }
  }
  // Each tool's default when none is given; the name as the source reads it otherwise.
  const auto table = [&](std::string_view fallback) {
    return history_table.empty() ? std::string(fallback) : history_table;
  };
  const bool qualified = history_table.find('.') != std::string::npos;
  switch (tool) {
    case Tool::Prisma:
      return std::make_unique<PrismaSource>(std::move(dir));
    case Tool::Flyway:
      return std::make_unique<FlywaySource>(std::move(dir), table(FlywaySource::kDefaultTable));
    case Tool::GolangMigrate:
      return std::make_unique<GolangMigrateSource>(std::move(dir), table(GolangMigrateSource::kDefaultTable));
    case Tool::Goose:
      return std::make_unique<GooseSource>(std::move(dir), table(GooseSource::kDefaultTable));
    case Tool::Dbmate:
      return std::make_unique<DbmateSource>(std::move(dir), table(DbmateSource::kDefaultTable));
    case Tool::Drizzle:
      // drizzle-orm's migrationsSchema defaults to `drizzle`, not the search_path.
      return std::make_unique<DrizzleSource>(
          std::move(dir), history_table.empty() || qualified ? table(DrizzleSource::kDefaultTable)
                                                             : "drizzle." + history_table);
    case Tool::Liquibase:
      return std::make_unique<LiquibaseSource>(std::move(dir), table(LiquibaseSource::kDefaultTable));
    case Tool::Atlas:
      return std::make_unique<AtlasSource>(
          std::move(dir), history_table.empty() || qualified
                              ? table(AtlasSource::kDefaultTable)
                              : history_table + "." + std::string(AtlasSource::kSchemaBoundTable));
    case Tool::Sqitch:
      return std::make_unique<SqitchSource>(std::move(dir), table(SqitchSource::kDefaultRegistry));
  }
  throw MigrationError("unknown migration tool");
}

std::vector<UnappliedMigration> unapplied_migrations(const MigrationSource& source, Database& db) {
  // Read the files first: a bad directory is reported before any connection work.
  std::vector<Migration> all = source.list();
  const auto states = source.recorded(db);
  const bool any_failed = std::any_of(states.begin(), states.end(),
                                      [](const auto& s) { return s.second == MigrationState::Failed; });
  const auto details = any_failed ? source.failure_details(db) : std::map<std::string, std::string>();
  std::vector<UnappliedMigration> out;
  for (auto& m : all) {
    const auto it = states.find(m.name);
    const MigrationState state = it == states.end() ? MigrationState::Pending : it->second;
    switch (state) {
      case MigrationState::Applied:
        break;
      case MigrationState::Pending:
        out.push_back(UnappliedMigration{std::move(m), state, {}});
        break;
      case MigrationState::Failed: {
        const auto d = details.find(m.name);
        std::string failure = d == details.end() ? std::string() : d->second;
        out.push_back(UnappliedMigration{std::move(m), state, std::move(failure)});
        break;
      }
    }
  }
  return out;
}

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrismaSqlFile = "migration.sql";
constexpr std::string_view kPrismaLockFile = "migration_lock.toml";

using detail::read_file;

// The `provider = "..."` value of migration_lock.toml, or "" when absent. A
// line-oriented read is enough: Prisma writes exactly this one key.
[[nodiscard]] std::string lock_provider(const std::string& toml) {
  std::istringstream lines(toml);
  std::string line;
  while (std::getline(lines, line)) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    key.erase(std::remove_if(key.begin(), key.end(), [](unsigned char c) { return std::isspace(c) != 0; }), key.end());
    if (key != "provider") continue;
    const auto open = line.find('"', eq);
    const auto close = open == std::string::npos ? open : line.find('"', open + 1);
    if (close != std::string::npos) return line.substr(open + 1, close - open - 1);
  }
  return "";
}

}  // namespace

std::vector<Migration> PrismaSource::list() const {
  std::error_code ec;
  const fs::path root(dir_);
  if (!fs::is_directory(root, ec)) throw MigrationError("migrations directory " + dir_ + " does not exist");
  const fs::path lock = root / kPrismaLockFile;
  if (fs::exists(lock, ec)) {
    const std::string provider = lock_provider(read_file(lock));
    if (!provider.empty() && provider != "postgresql") {
      throw MigrationError(lock.string() + ": provider is \"" + provider + "\", pgshim reads postgresql migrations");
    }
  }
  std::vector<fs::path> dirs;
  fs::directory_iterator it(root, ec);
  if (ec) throw MigrationError("cannot list " + dir_ + ": " + ec.message());
  for (const auto& entry : it) {
    if (entry.is_directory(ec)) dirs.push_back(entry.path());
  }
  // Prisma applies in lexical order of the directory names (timestamp first).
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  std::vector<Migration> out;
  for (const auto& d : dirs) {
    const fs::path file = d / kPrismaSqlFile;
    if (!fs::is_regular_file(file, ec)) {
      throw MigrationError("migration " + d.filename().string() + " has no " + std::string(kPrismaSqlFile) + " (" +
                           file.string() + ")");
    }
    out.push_back(Migration{d.filename().string(), read_file(file), file.string()});
  }
  return out;
}

std::map<std::string, MigrationState> PrismaSource::recorded(Database& db) const {
  // to_regclass follows the session's search_path, as Prisma's own lookup does;
  // NULL means the table is missing: Prisma has never run here.
  const auto exists = db.query("SELECT to_regclass($1) IS NOT NULL", {"_prisma_migrations"});
  if (exists.empty() || exists[0].empty() || exists[0][0].value_or("f") != "t") return {};
  // One row per attempt; a name is applied when any of its rows finished and
  // was not rolled back, failed when one is neither finished nor rolled back.
  const auto rows = db.query(
      "SELECT migration_name, bool_or(finished_at IS NOT NULL AND rolled_back_at IS NULL), "
      "bool_or(finished_at IS NULL AND rolled_back_at IS NULL) "
      "FROM _prisma_migrations GROUP BY migration_name",
      {});
  std::map<std::string, MigrationState> out;
  for (const auto& row : rows) {
    if (row.size() != 3 || !row[0]) continue;
    if (row[1].value_or("f") == "t") {
      out[*row[0]] = MigrationState::Applied;
    } else if (row[2].value_or("f") == "t") {
      out[*row[0]] = MigrationState::Failed;
    }
  }
  return out;
}

std::map<std::string, std::string> PrismaSource::failure_details(Database& db) const {
  const auto exists = db.query("SELECT to_regclass($1) IS NOT NULL", {"_prisma_migrations"});
  if (exists.empty() || exists[0].empty() || exists[0][0].value_or("f") != "t") return {};
  // Prisma writes the failed attempt's error (with the statement) into logs.
  const auto rows = db.query(
      "SELECT migration_name, logs FROM _prisma_migrations WHERE finished_at IS NULL AND rolled_back_at IS NULL "
      "AND coalesce(logs, '') <> '' ORDER BY started_at",
      {});
  std::map<std::string, std::string> out;
  for (const auto& row : rows) {
    if (row.size() == 2 && row[0] && row[1]) out[*row[0]] = *row[1];
  }
  return out;
}

std::optional<MigrationSource::AppliedTimes> PrismaSource::applied_at(Database& db) const {
  const auto exists = db.query("SELECT to_regclass($1) IS NOT NULL", {"_prisma_migrations"});
  if (exists.empty() || exists[0].empty() || exists[0][0].value_or("f") != "t") return AppliedTimes{};
  // The rows recorded() reads as applied; a retried migration's latest finish.
  const auto rows = db.query("SELECT migration_name, " + detail::epoch_sql("max(finished_at)") +
                                 " FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL "
                                 "GROUP BY migration_name",
                             {});
  AppliedTimes out;
  for (const auto& row : rows) {
    if (row.size() != 2 || !row[0]) continue;
    if (const auto t = detail::epoch_time(row[1])) out[*row[0]] = *t;
  }
  return out;
}

}  // namespace pgshim::migrations
