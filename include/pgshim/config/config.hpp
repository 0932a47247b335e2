#pragma once
// pgshim's configuration: what the YAML file, the command line and the
// environment say, merged (flags override the file, the file overrides
// defaults) and validated. Loading throws ConfigError, whose message names the
// file, line and option; the caller exits with status 2.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/journal/writer.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// libpq's sslmode values, with libpq's meaning (allow is treated as prefer's
// weaker sibling: try plain first is not something a proxy should do, so it
// behaves as prefer).
enum class SslMode { Disable, Allow, Prefer, Require, VerifyCa, VerifyFull };

[[nodiscard]] const char* to_string(SslMode mode) noexcept;

// Where relayed sessions connect to. Parsed from a libpq URL or conninfo
// string with libpq's own parser (PQconninfoParse).
struct Upstream {
  std::string host = "localhost";  // a host name, an IP address, or a socket directory
  std::uint16_t port = 5432;
  std::string dbname;    // for pgshim's own monitoring connection only
  std::string user;      // idem: relayed sessions authenticate as the client says
  std::string password;  // idem; never logged
  SslMode sslmode = SslMode::Prefer;
  std::string sslrootcert;  // CA file for verify-ca / verify-full
  std::string sslcert;      // client certificate pgshim presents upstream (optional)
  std::string sslkey;
  std::chrono::seconds connect_timeout{10};

  // The URL with any password removed: what logs and errors may show.
  std::string display;
  // The string as given, secrets included: only pgshim's own monitoring
  // connection uses it (relayed sessions authenticate as their clients).
  std::string conninfo;
};

// Parses a postgres:// URL or a key=value conninfo string.
[[nodiscard]] Upstream parse_upstream(const std::string& conninfo);

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;  // 0: the kernel picks one (see ready_file)
};

// Parses HOST:PORT, [V6]:PORT or PORT (host 127.0.0.1).
[[nodiscard]] ListenAddress parse_listen(const std::string& text);

// Durations as the configuration spells them: "250ms", "10s", "5m", "1h", or
// a bare number of seconds. False for anything else.
[[nodiscard]] bool parse_duration(std::string_view text, std::chrono::milliseconds& out);

enum class LogFormat { Text, Json };

// Who authenticates clients: the server, with pgshim relaying the exchange
// (passthrough), or pgshim itself from an auth file, logging in upstream with
// what the client proved (proxy; needed for SCRAM with TLS on both legs).
enum class AuthMode { Passthrough, Proxy };

struct Config {
  ListenAddress listen{"127.0.0.1", 6432};
  std::optional<Upstream> upstream;

  // TLS on the client leg: answer SSLRequest with 'S' when both are set.
  std::string tls_cert_file;
  std::string tls_key_file;

  unsigned threads = 0;  // 0: one per core
  std::string log_level = "info";
  LogFormat log_format = LogFormat::Text;

  std::chrono::milliseconds startup_timeout{std::chrono::seconds{60}};
  std::chrono::milliseconds drain_timeout{std::chrono::seconds{30}};
  std::uint32_t max_message_length = 0x3fffffff;  // PostgreSQL's 1 GiB - 1

  // Written with the bound address once pgshim accepts connections (tests and
  // supervisors use it with port 0).
  std::string ready_file;

  // The file this came from, for SIGHUP reloads; empty without --config.
  std::string config_file;

  // ---- Pending columns ----
  // Columns the application expects and the database may lack; repeatable
  // --pending [SCHEMA.]TABLE.COLUMN:TYPE[:MIGRATION] or `pending_columns:`.
  std::vector<sql::PendingColumn> pending_columns;
  // pgshim's own connection for the schema watcher: `monitor:` (a libpq URL or
  // conninfo with credentials), else the upstream URL as given.
  std::string monitor_conninfo;
  std::chrono::milliseconds schema_poll_interval{std::chrono::seconds{10}};
  // How long the listener waits for the watcher's first check before accepting.
  std::chrono::milliseconds first_check_wait{std::chrono::seconds{5}};
  // Append-only JSON-lines file of dropped writes (values included); off when
  // empty. `journal:` is a path or {path, fsync, max_size, replica}.
  std::string journal_file;
  journal::FsyncPolicy journal_fsync = journal::FsyncPolicy::Interval;
  std::uint64_t journal_max_bytes = 0;  // rotate past this size; 0: never
  // `journal: postgres`, `journal: {backend: postgres, schema: NAME}` or
  // `--journal postgres:[NAME]`: the journal is the table NAME.journal of the
  // upstream database (default schema pgshim, created by `pgshim journal
  // init`, never by the proxy), written through the monitor login off the
  // client path (journal/pg_writer.hpp). journal_file is empty then.
  bool journal_postgres = false;
  std::string journal_schema = "pgshim";
  [[nodiscard]] bool journal_enabled() const noexcept { return journal_postgres || !journal_file.empty(); }
  // After a pending column appears, its writes are journaled as observed for
  // this long (`--journal-observe`, `journal.observe`): backfill then knows
  // which rows the application wrote since. 0: not at all.
  std::chrono::milliseconds journal_observe{std::chrono::hours(1)};
  // `backfill: auto` / --auto-backfill: when a pending column appears, apply
  // the journal's values to it (pgshim backfill's rules) before the alert is
  // resolved. Needs the journal.
  bool auto_backfill = false;
  // Names this pgshim in the journal's records (`--replica-id`); default the host name.
  std::string replica_id;
  // Send the client a NoticeResponse when one of its statements was rewritten.
  bool notice_on_rewrite = false;
  std::size_t rewrite_cache_entries = 4096;  // per I/O thread
  // A migrations directory (`--migrations DIR`, `migrations: {dir, tool}`):
  // the unapplied migrations' ADD COLUMNs become pending columns (configured
  // ones win). The tool (`--migrations-tool`, `migrations.tool`) is one of
  // migrations::parse_tool's names; empty means detected from the directory's
  // layout (validate() refuses a directory no tool, or several, match).
  std::string migrations_dir;
  std::string migrations_tool;
  // The tool's history table when it is not the tool's default
  // (`--migrations-history-table`, `migrations.history_table`; what each tool
  // accepts: migrations::history_table_error). Empty: the default.
  std::string migrations_history_table;
  // Migrations applied this recently have their DROP COLUMNs and RENAME
  // COLUMNs served to old code as retired and renamed columns
  // (`--migrations-drift-window`, `migrations.drift_window`; 0: off).
  std::chrono::milliseconds migrations_drift_window{std::chrono::hours(24)};

  // ---- Authentication ----
  AuthMode auth_mode = AuthMode::Passthrough;
  // PgBouncer's userlist.txt format: "user" "SCRAM-SHA-256$...", "md5...", or a
  // plain password. Required with auth_mode proxy; reloaded on SIGHUP.
  std::string auth_file;
  // Or/and: a query run through the monitor login to find a user's secret
  // ($1 = user name; the last column of the first row is the secret). Users
  // in the auth file are not looked up. Answers are cached for 30 s.
  std::string auth_query;

  // ---- Observability ----
  // HTTP endpoint for /metrics, /healthz and /status; off when unset.
  std::optional<ListenAddress> metrics_listen;
  // Alert receivers: Alertmanager base URLs (POST <url>/api/v2/alerts) and a
  // generic JSON webhook; alerts fire while a pending column is missing.
  std::vector<std::string> alertmanager_urls;
  std::string webhook_url;
  std::chrono::milliseconds alert_interval{std::chrono::minutes{5}};
  std::string alert_severity = "critical";
  // A retired column's alert resolves when no statement used it for this long.
  std::chrono::milliseconds retired_quiet_period{std::chrono::minutes{15}};
  std::map<std::string, std::string> alert_labels;
  std::string alert_ca_file;  // CA bundle for https receivers; empty: system default
};

// What the command line asked for besides a Config.
enum class Command { Run, Help, Version, CheckConfig };

struct CommandLine {
  Command command = Command::Run;
  Config config;
};

// Builds the configuration from argv (without the program name), the
// environment (PGSHIM_UPSTREAM) and the --config file. Throws ConfigError.
[[nodiscard]] CommandLine parse_command_line(const std::vector<std::string>& args);

// Re-reads `base.config_file` with the command-line overrides that produced
// `base` applied again. Throws ConfigError; `base` is untouched then.
[[nodiscard]] Config reload(const std::vector<std::string>& args);

// Checks the merged configuration as a whole (an upstream is given, the TLS
// certificate and key come together and are readable...). Throws ConfigError.
void validate(const Config& config);

// The --help text.
[[nodiscard]] std::string usage();

}  // namespace pgshim::config
