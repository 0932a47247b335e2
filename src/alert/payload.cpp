#include "pgshim/alert/payload.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include "pgshim/util/identifier.hpp"

namespace pgshim::alert {

const char* to_string(AlertStatus status) noexcept {
  switch (status) {
    case AlertStatus::Firing:
      return "firing";
    case AlertStatus::Resolved:
      return "resolved";
  }
  return "firing";
}

bool is_prisma_migration(std::string_view migration) noexcept {
  constexpr std::size_t kTimestampDigits = 14;  // YYYYMMDDHHMMSS
  if (migration.size() <= kTimestampDigits + 1 || migration[kTimestampDigits] != '_') return false;
  return std::all_of(migration.begin(), migration.begin() + kTimestampDigits,
                     [](char c) { return c >= '0' && c <= '9'; });
}

std::string quote_identifier(std::string_view name) { return util::quote_identifier(name); }

std::string remedy(const sql::PendingColumn& column) {
  if (column.kind == sql::ColumnKind::Retired) {
    return "finish the rollout: the clients named here still run code from before the migration that dropped " +
           column.table + "." + column.column;
  }
  if (is_prisma_migration(column.migration)) return "prisma migrate deploy";
  return "ALTER TABLE " + quote_identifier(column.schema) + "." + quote_identifier(column.table) + " ADD COLUMN " +
         quote_identifier(column.column) + " " + column.type + ";";
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms_total / 1000);
  auto ms = static_cast<int>(ms_total % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 40> buf{};
  const auto n = std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return std::string(buf.data(), static_cast<std::size_t>(std::max(n, 0)));
}

namespace {

constexpr std::array<std::string_view, 6> kReservedLabels = {"alertname", "severity", "schema",
                                                             "table",     "column",   "migration"};

std::string display_name(const sql::PendingColumn& c) { return c.schema + "." + c.table + "." + c.column; }

std::string users_text(const AlertEvent& e) {
  std::string out;
  for (const auto& u : e.users) {
    if (!out.empty()) out += "; ";
    out += u;
  }
  return out.empty() ? "unknown clients" : out;
}

std::string summary(const AlertEvent& e) {
  const std::string migration = e.column.migration.empty() ? "" : " (migration " + e.column.migration + ")";
  if (e.column.kind == sql::ColumnKind::Retired) {
    switch (e.status) {
      case AlertStatus::Firing:
        return "Old code still uses dropped column " + display_name(e.column) + migration + ": " + users_text(e);
      case AlertStatus::Resolved:
        return "Dropped column " + display_name(e.column) + " has not been used for " +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(e.quiet).count()) + "s" + migration;
    }
  }
  switch (e.status) {
    case AlertStatus::Firing:
      return "Pending column " + display_name(e.column) + " is missing from the database" + migration;
    case AlertStatus::Resolved:
      return "Pending column " + display_name(e.column) + " is present now" + migration;
  }
  return {};
}

std::string description(const AlertEvent& e) {
  const std::string counts = "Since the last notification: " + std::to_string(e.rewrites) +
                             " statements rewritten, " + std::to_string(e.dropped_writes) + " written values dropped.";
  if (e.column.kind == sql::ColumnKind::Retired) {
    switch (e.status) {
      case AlertStatus::Firing:
        return "A migration dropped " + display_name(e.column) +
               " while clients running older code still read and write it. pgshim rewrites their statements "
               "(reads give NULL, writes of it are dropped and journaled). Clients: " +
               users_text(e) + ". " + counts;
      case AlertStatus::Resolved:
        return "No statement has used the dropped column for the quiet period. " + counts;
    }
  }
  switch (e.status) {
    case AlertStatus::Firing:
      return "pgshim rewrites statements that reference " + display_name(e.column) +
             " (reads give NULL or the configured default; writes of it are dropped) until the migration is "
             "applied. " +
             counts;
    case AlertStatus::Resolved:
      return "The column exists now; pgshim relays statements that reference it untouched. " + counts;
  }
  return {};
}

}  // namespace

void write_alert(JsonWriter& w, const AlertEvent& event, const AlertConfig& config) {
  w.begin_object();
  w.key("labels").begin_object();
  w.member("alertname", event.column.kind == sql::ColumnKind::Retired ? kRetiredAlertName : kAlertName);
  w.member("severity", config.severity);
  w.member("schema", event.column.schema);
  w.member("table", event.column.table);
  w.member("column", event.column.column);
  // An empty label value means "no label" to Prometheus and Alertmanager.
  if (!event.column.migration.empty()) w.member("migration", event.column.migration);
  for (const auto& [name, value] : config.extra_labels) {
    if (std::find(kReservedLabels.begin(), kReservedLabels.end(), name) != kReservedLabels.end()) continue;
    w.member(name, value);
  }
  w.end_object();
  w.key("annotations").begin_object();
  w.member("summary", summary(event));
  w.member("description", description(event));
  w.member("remedy", remedy(event.column));
  w.end_object();
  w.member("startsAt", format_rfc3339(event.starts_at));
  w.member("endsAt", format_rfc3339(event.ends_at));
  if (!config.generator_url.empty()) w.member("generatorURL", config.generator_url);
  w.end_object();
}

std::string alertmanager_payload(std::span<const AlertEvent> events, const AlertConfig& config) {
  JsonWriter w;
  w.begin_array();
  for (const auto& e : events) write_alert(w, e, config);
  w.end_array();
  return w.take();
}

std::string webhook_payload(AlertStatus status, std::span<const AlertEvent> events, const AlertConfig& config) {
  JsonWriter w;
  w.begin_object();
  w.member("status", to_string(status));
  w.key("alerts").begin_array();
  for (const auto& e : events) write_alert(w, e, config);
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace pgshim::alert
