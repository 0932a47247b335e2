#pragma once
// The alert documents pgshim sends, built without I/O so they can be checked
// byte for byte: Alertmanager's API v2 `postableAlerts` array
// (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml)
// and the generic webhook's
//   {"status":"firing"|"resolved","alerts":[<alert>...]}
// where each <alert> is exactly the Alertmanager alert object:
//   {"labels":{"alertname":"PgshimPendingColumnMissing","severity":..,"schema":..,
//              "table":..,"column":..,"migration":..,<extra labels>},
//    "annotations":{"summary":..,"description":..,"remedy":..},
//    "startsAt":"RFC 3339","endsAt":"RFC 3339"[,"generatorURL":..]}
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/alert/alert_config.hpp"
#include "pgshim/alert/json_writer.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::alert {

inline constexpr std::string_view kAlertName = "PgshimPendingColumnMissing";
// A retired column (dropped by a migration) that old code still uses.
inline constexpr std::string_view kRetiredAlertName = "PgshimRetiredColumnInUse";

enum class AlertStatus { Firing, Resolved };

[[nodiscard]] const char* to_string(AlertStatus status) noexcept;

// One column's alert at one notification.
struct AlertEvent {
  sql::PendingColumn column;
  AlertStatus status = AlertStatus::Firing;
  // When the column was first seen missing (stable across re-sends, so
  // Alertmanager keeps one alert).
  std::chrono::system_clock::time_point starts_at;
  // Firing: a little after the next re-send is due, so the alert stays active
  // between re-sends but expires on its own if pgshim dies. Resolved: now.
  std::chrono::system_clock::time_point ends_at;
  // Activity since the previous notification of this column.
  std::uint64_t rewrites = 0;
  std::uint64_t dropped_writes = 0;
  // Retired columns: the clients that used it lately ("application_name=... client=...").
  std::vector<std::string> users;
  // Retired columns, resolved: how long nothing used it.
  std::chrono::milliseconds quiet{0};
};

// Whether `migration` is named like a Prisma migration directory:
// a 14-digit timestamp, '_', and a name (`20240115103000_add_last_error`).
[[nodiscard]] bool is_prisma_migration(std::string_view migration) noexcept;

// How to make the alert go away: `prisma migrate deploy` for a Prisma
// migration, else the DDL `ALTER TABLE "schema"."table" ADD COLUMN "column" type;`.
[[nodiscard]] std::string remedy(const sql::PendingColumn& column);

// A double-quoted SQL identifier (embedded quotes doubled).
[[nodiscard]] std::string quote_identifier(std::string_view name);

// UTC, millisecond precision: `2024-01-15T10:30:00.123Z`.
[[nodiscard]] std::string format_rfc3339(std::chrono::system_clock::time_point t);

// Appends one alert object (see the file comment).
void write_alert(JsonWriter& w, const AlertEvent& event, const AlertConfig& config);

// The body of POST /api/v2/alerts: a JSON array of every event.
[[nodiscard]] std::string alertmanager_payload(std::span<const AlertEvent> events, const AlertConfig& config);

// The webhook body for events that all have `status`.
[[nodiscard]] std::string webhook_payload(AlertStatus status, std::span<const AlertEvent> events,
                                          const AlertConfig& config);

}  // namespace pgshim::alert
