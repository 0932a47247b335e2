#include "pgshim/config/config.hpp"

#include <getopt.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>

#include "pgshim/journal/pg_journal.hpp"
#include "pgshim/migrations/detect.hpp"
#include "pgshim/sql/missing_set.hpp"
#include "pgshim/util/ascii.hpp"

namespace pgshim::config {
namespace {

using namespace std::chrono_literals;

// "FILE:LINE: option: message" (lines are 1-based as editors show them).
[[noreturn]] void fail_at(const std::string& file, const YAML::Node& node, std::string_view option,
                          std::string_view message) {
  std::string where = file;
  if (node.IsDefined() && node.Mark().line >= 0) where += ":" + std::to_string(node.Mark().line + 1);
  throw ConfigError(where + ": " + std::string(option) + ": " + std::string(message));
}

[[noreturn]] void fail_flag(std::string_view flag, std::string_view message) {
  throw ConfigError("command line: " + std::string(flag) + ": " + std::string(message));
}

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

// The journal's backend (the last one given wins, like any option): a file,
// or the upstream's table. "postgres:" and "postgres:SCHEMA" name the table
// (a file cannot be mistaken for it); in YAML bare "postgres" too.
bool postgres_journal(std::string_view text, bool bare_allowed, Config& config) {
  const bool bare = bare_allowed && text == "postgres";
  if (!bare && !text.starts_with("postgres:")) return false;
  config.journal_postgres = true;
  config.journal_file.clear();
  if (!bare && text.size() > 9) config.journal_schema = std::string(text.substr(9));
  return true;
}

void set_journal_file(std::string path, Config& config) {
  config.journal_postgres = false;
  config.journal_file = std::move(path);
}

// Sizes: "1048576", "512KiB", "64MiB", "1GiB" (K, M, G, KB, MB, GB read as
// the same binary multiples: nobody sizes a journal in powers of ten).
bool parse_size(std::string_view text, std::uint64_t& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::uint64_t n = 0;
  if (digits == 0 || !parse_int(text.substr(0, digits), n)) return false;
  const std::string unit = util::ascii_lower(text.substr(digits));
  std::uint64_t scale = 1;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") scale = 1ULL << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") scale = 1ULL << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") scale = 1ULL << 30;
  else return false;
  if (n > (~0ULL) / scale) return false;
  out = n * scale;
  return true;
}

}  // namespace

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  std::uint64_t n = 0;
  if (!parse_int(text.substr(0, digits), n) || n > 10'000'000) return false;
  std::string_view unit = text.substr(digits);
  if (unit.empty() || unit == "s") {
    out = std::chrono::seconds(n);
  } else if (unit == "ms") {
    out = std::chrono::milliseconds(n);
  } else if (unit == "m" || unit == "min") {
    out = std::chrono::minutes(n);
  } else if (unit == "h") {
    out = std::chrono::hours(n);
  } else {
    return false;
  }
  return true;
}

namespace {

bool parse_log_level(std::string_view level) {
  return level == "trace" || level == "debug" || level == "info" || level == "warn" ||
         level == "error" || level == "critical" || level == "off";
}

// libpq's URI parse errors quote the whole URI, password included: mask it
// (postgres://user:secret@host becomes postgres://user:***@host) wherever the
// URI appears in `message`.
std::string redact_password(std::string message, const std::string& conninfo) {
  const auto scheme = conninfo.find("://");
  if (scheme == std::string::npos) return message;
  const auto authority = scheme + 3;
  const auto authority_end = conninfo.find_first_of("/?", authority);
  const auto at = conninfo.rfind('@', authority_end == std::string::npos ? std::string::npos : authority_end - 1);
  if (at == std::string::npos || at < authority) return message;
  const auto colon = conninfo.find(':', authority);
  if (colon == std::string::npos || colon > at) return message;
  const std::string masked = conninfo.substr(0, colon + 1) + "***" + conninfo.substr(at);
  for (auto pos = message.find(conninfo); pos != std::string::npos; pos = message.find(conninfo, pos + masked.size())) {
    message.replace(pos, conninfo.size(), masked);
  }
  return message;
}

struct PQconninfoOptionDeleter {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

// ---- YAML ----------------------------------------------------------------------

class YamlLoader {
 public:
  explicit YamlLoader(std::string file) : file_(std::move(file)) {}

  void load_into(Config& config) {
    // A directory opens as a stream and reads as nothing (or throws
    // std::ios_base::failure from inside yaml-cpp): refuse anything but a file.
    struct stat st {};
    if (::stat(file_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      throw ConfigError(file_ + ": cannot read the configuration file: not a regular file");
    }
    YAML::Node root;
    try {
      root = YAML::LoadFile(file_);
    } catch (const YAML::BadFile&) {
      throw ConfigError(file_ + ": cannot read the configuration file");
    } catch (const YAML::ParserException& e) {
      throw ConfigError(file_ + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
    } catch (const std::exception& e) {
      throw ConfigError(file_ + ": cannot read the configuration file: " + e.what());
    }
    if (root.IsNull()) return;  // an empty file is a valid, default configuration
    if (!root.IsMap()) fail_at(file_, root, "(top level)", "expected a mapping of options");

    std::set<std::string, std::less<>> seen;
    for (const auto& entry : root) {
      const std::string key = key_of(entry.first, "");
      if (!seen.insert(key).second) fail_at(file_, entry.first, key, "given twice");
      const YAML::Node& value = entry.second;
      // `threads:` with nothing after it: yaml-cpp marks the null on the next
      // line, so scalar() and expect_map() name the key's line instead.
      key_line_ = entry.first.Mark().line;
      if (key == "listen") {
        config.listen = wrap(value, key, [&] { return parse_listen(scalar(value, key)); });
      } else if (key == "upstream") {
        config.upstream = wrap(value, key, [&] { return parse_upstream(scalar(value, key)); });
      } else if (key == "tls") {
        expect_map(value, key, {"cert", "key"});
        if (value["cert"]) config.tls_cert_file = scalar(value["cert"], "tls.cert");
        if (value["key"]) config.tls_key_file = scalar(value["key"], "tls.key");
      } else if (key == "threads") {
        unsigned n = 0;
        if (!parse_int(scalar(value, key), n) || n > 1024) fail_at(file_, value, key, "expected a number from 0 to 1024");
        config.threads = n;
      } else if (key == "log") {
        expect_map(value, key, {"level", "format"});
        if (value["level"]) {
          config.log_level = scalar(value["level"], "log.level");
          if (!parse_log_level(config.log_level))
            fail_at(file_, value["level"], "log.level", "expected trace, debug, info, warn, error, critical or off");
        }
        if (value["format"]) {
          const std::string f = scalar(value["format"], "log.format");
          if (f == "text") config.log_format = LogFormat::Text;
          else if (f == "json") config.log_format = LogFormat::Json;
          else fail_at(file_, value["format"], "log.format", "expected text or json");
        }
      } else if (key == "timeouts") {
        expect_map(value, key, {"startup", "drain"});
        if (value["startup"]) config.startup_timeout = duration(value["startup"], "timeouts.startup");
        if (value["drain"]) config.drain_timeout = duration(value["drain"], "timeouts.drain");
      } else if (key == "limits") {
        expect_map(value, key, {"max_message_length"});
        if (value["max_message_length"]) {
          std::uint32_t n = 0;
          if (!parse_int(scalar(value["max_message_length"], "limits.max_message_length"), n) || n < 1024 ||
              n > 0x3fffffff)
            fail_at(file_, value["max_message_length"], "limits.max_message_length",
                    "expected a number of bytes from 1024 to 1073741823");
          config.max_message_length = n;
        }
      } else if (key == "ready_file") {
        config.ready_file = scalar(value, key);
      } else if (key == "pending_columns") {
        if (!value.IsSequence()) fail_at(file_, value, key, "expected a list of columns");
        for (const auto& item : value) config.pending_columns.push_back(pending_column(item));
      } else if (key == "retired") {
        if (!value.IsSequence()) fail_at(file_, value, key, "expected a list of columns");
        for (const auto& item : value) {
          sql::PendingColumn c = pending_column(item, "retired");
          c.kind = sql::ColumnKind::Retired;
          config.pending_columns.push_back(std::move(c));
        }
      } else if (key == "renamed") {
        if (!value.IsSequence()) fail_at(file_, value, key, "expected a list of columns");
        for (const auto& item : value) config.pending_columns.push_back(renamed_column(item));
      } else if (key == "monitor") {
        config.monitor_conninfo = wrap(value, key, [&] {
          const std::string url = scalar(value, key);
          (void)parse_upstream(url);  // the same syntax checks as the upstream
          return url;
        });
      } else if (key == "schema_poll_interval") {
        config.schema_poll_interval = duration(value, key);
        if (config.schema_poll_interval.count() < 100) fail_at(file_, value, key, "must be at least 100ms");
      } else if (key == "first_check_wait") {
        config.first_check_wait = duration(value, key);
      } else if (key == "journal") {
        if (!value.IsMap()) {
          // `postgres` (or `postgres:SCHEMA`) is the table; a file of that name is `./postgres`.
          const std::string text = scalar(value, key);
          if (!postgres_journal(text, true, config)) set_journal_file(text, config);
          continue;
        }
        expect_map(value, key, {"path", "fsync", "max_size", "replica", "observe", "backend", "schema"});
        if (value["observe"]) config.journal_observe = duration(value["observe"], "journal.observe");
        if (value["path"]) set_journal_file(scalar(value["path"], "journal.path"), config);
        if (value["backend"]) {
          const std::string backend = scalar(value["backend"], "journal.backend");
          if (backend != "file" && backend != "postgres") {
            fail_at(file_, value["backend"], "journal.backend", "expected file or postgres");
          }
          if (backend == "postgres" && value["path"]) {
            fail_at(file_, value["path"], "journal.path", "the postgres journal is a table, not a file");
          }
          if (backend == "postgres") (void)postgres_journal("postgres", true, config);
        }
        if (value["schema"]) config.journal_schema = scalar(value["schema"], "journal.schema");
        if (value["fsync"]) {
          const auto policy = journal::parse_fsync_policy(scalar(value["fsync"], "journal.fsync"));
          if (!policy) fail_at(file_, value["fsync"], "journal.fsync", "expected every-write, interval or none");
          config.journal_fsync = *policy;
        }
        if (value["max_size"] && !parse_size(scalar(value["max_size"], "journal.max_size"), config.journal_max_bytes)) {
          fail_at(file_, value["max_size"], "journal.max_size", "expected a size such as 64MiB (0: never rotate)");
        }
        if (value["replica"]) config.replica_id = scalar(value["replica"], "journal.replica");
      } else if (key == "backfill") {
        const std::string mode = scalar(value, key);
        if (mode != "auto" && mode != "off") fail_at(file_, value, key, "expected auto or off");
        config.auto_backfill = mode == "auto";
      } else if (key == "notice_on_rewrite") {
        config.notice_on_rewrite = boolean(value, key);
      } else if (key == "migrations") {
        expect_map(value, key, {"dir", "tool", "history_table", "drift_window"});
        if (value["dir"]) config.migrations_dir = scalar(value["dir"], "migrations.dir");
        if (value["drift_window"]) {
          config.migrations_drift_window = duration(value["drift_window"], "migrations.drift_window");
        }
        if (value["history_table"]) {
          config.migrations_history_table = scalar(value["history_table"], "migrations.history_table");
          // The tool-independent part here, for file:line; the tool's own rule in validate().
          if (const auto error = migrations::history_table_syntax_error(config.migrations_history_table)) {
            fail_at(file_, value["history_table"], "migrations.history_table", *error);
          }
        }
        if (value["tool"]) {
          config.migrations_tool = scalar(value["tool"], "migrations.tool");
          if (!migrations::parse_tool(config.migrations_tool)) {
            fail_at(file_, value["tool"], "migrations.tool", "expected one of " + migrations::supported_tools());
          }
        }
      } else if (key == "auth") {
        expect_map(value, key, {"mode", "file", "query"});
        if (value["mode"]) {
          const std::string mode = scalar(value["mode"], "auth.mode");
          if (mode == "passthrough") config.auth_mode = AuthMode::Passthrough;
          else if (mode == "proxy") config.auth_mode = AuthMode::Proxy;
          else fail_at(file_, value["mode"], "auth.mode", "expected passthrough or proxy");
        }
        if (value["file"]) config.auth_file = scalar(value["file"], "auth.file");
        if (value["query"]) config.auth_query = scalar(value["query"], "auth.query");
      } else if (key == "metrics_listen") {
        config.metrics_listen = wrap(value, key, [&] { return parse_listen(scalar(value, key)); });
      } else if (key == "alerts") {
        expect_map(value, key, {"alertmanager", "webhook", "interval", "severity", "labels", "ca_file",
                                "retired_quiet_period"});
        if (const auto am = value["alertmanager"]) {
          if (am.IsSequence()) {
            for (const auto& u : am) config.alertmanager_urls.push_back(scalar(u, "alerts.alertmanager"));
          } else {
            config.alertmanager_urls.push_back(scalar(am, "alerts.alertmanager"));
          }
        }
        if (value["webhook"]) config.webhook_url = scalar(value["webhook"], "alerts.webhook");
        if (value["interval"]) {
          config.alert_interval = duration(value["interval"], "alerts.interval");
          if (config.alert_interval.count() < 100) {
            fail_at(file_, value["interval"], "alerts.interval", "must be at least 100ms");
          }
        }
        if (value["retired_quiet_period"]) {
          config.retired_quiet_period = duration(value["retired_quiet_period"], "alerts.retired_quiet_period");
        }
        if (value["severity"]) config.alert_severity = scalar(value["severity"], "alerts.severity");
        if (value["ca_file"]) config.alert_ca_file = scalar(value["ca_file"], "alerts.ca_file");
        if (const auto labels = value["labels"]) {
          if (!labels.IsMap()) fail_at(file_, labels, "alerts.labels", "expected a mapping of label names to values");
          for (const auto& l : labels) {
            config.alert_labels[key_of(l.first, "alerts.labels.")] = scalar(l.second, "alerts.labels");
          }
        }
      } else if (key == "rewrite_cache_entries") {
        if (!parse_int(scalar(value, key), config.rewrite_cache_entries) || config.rewrite_cache_entries == 0)
          fail_at(file_, value, key, "expected a positive number");
      } else {
        fail_at(file_, entry.first, key, "unknown option");
      }
    }
  }

 private:
  std::string scalar(const YAML::Node& node, std::string_view option) const {
    if (node.IsNull()) no_value(option);
    if (!node.IsScalar()) fail_at(file_, node, option, "expected a single value");
    return node.Scalar();
  }

  bool boolean(const YAML::Node& node, std::string_view option) const {
    const std::string v = scalar(node, option);
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    fail_at(file_, node, option, "expected true or false");
  }

  // One entry of `pending_columns:`, checked on its own so an error names its line.
  sql::PendingColumn pending_column(const YAML::Node& node, std::string_view kOption = "pending_columns") const {
    expect_map(node, kOption, {"schema", "table", "column", "type", "default", "migration", "star"});
    sql::PendingColumn c;
    auto text = [&](const char* name, std::string& out, bool required) {
      if (node[name]) out = scalar(node[name], std::string(kOption) + "." + name);
      else if (required) fail_at(file_, node, kOption, std::string("missing `") + name + "`");
    };
    text("schema", c.schema, false);
    text("table", c.table, true);
    text("column", c.column, true);
    text("type", c.type, true);
    text("default", c.default_expr, false);
    text("migration", c.migration, false);
    if (node["star"] && !sql::parse_star_mode(scalar(node["star"], std::string(kOption) + ".star"), c.star)) {
      fail_at(file_, node["star"], std::string(kOption) + ".star", "expected expand or leave");
    }
    try {
      (void)sql::MissingSet({c}, 0);  // the rewriter's own checks: type and default must parse
    } catch (const std::invalid_argument& e) {
      fail_at(file_, node, kOption, e.what());
    }
    return c;
  }

  // One entry of `renamed:` ({schema, table, from, to, migration}).
  sql::PendingColumn renamed_column(const YAML::Node& node) const {
    constexpr std::string_view kOption = "renamed";
    expect_map(node, kOption, {"schema", "table", "from", "to", "migration"});
    sql::PendingColumn c;
    c.kind = sql::ColumnKind::Renamed;
    auto text = [&](const char* name, std::string& out, bool required) {
      if (node[name]) out = scalar(node[name], std::string(kOption) + "." + name);
      else if (required) fail_at(file_, node, kOption, std::string("missing `") + name + "`");
    };
    text("schema", c.schema, false);
    text("table", c.table, true);
    text("from", c.column, true);
    text("to", c.renamed_to, true);
    text("migration", c.migration, false);
    try {
      (void)sql::MissingSet({c}, 0);
    } catch (const std::invalid_argument& e) {
      fail_at(file_, node, kOption, e.what());
    }
    return c;
  }

  std::chrono::milliseconds duration(const YAML::Node& node, std::string_view option) const {
    std::chrono::milliseconds d{};
    if (!parse_duration(scalar(node, option), d))
      fail_at(file_, node, option, "expected a duration such as 500ms, 30s or 5m");
    return d;
  }

  void expect_map(const YAML::Node& node, std::string_view option, std::initializer_list<std::string_view> keys) const {
    if (node.IsNull()) no_value(option);
    if (!node.IsMap()) fail_at(file_, node, option, "expected a mapping");
    std::set<std::string, std::less<>> seen;
    for (const auto& entry : node) {
      const std::string key = key_of(entry.first, option);
      const std::string name = std::string(option) + "." + key;
      bool known = false;
      for (std::string_view k : keys) known = known || k == key;
      if (!known) fail_at(file_, entry.first, name, "unknown option");
      if (!seen.insert(key).second) fail_at(file_, entry.first, name, "given twice");
      if (entry.second.IsNull()) fail_at(file_, entry.first, name, "no value given");
    }
  }

  // A top-level option without a value (nested ones are caught in expect_map).
  [[noreturn]] void no_value(std::string_view option) const {
    throw ConfigError(file_ + ":" + std::to_string(key_line_ + 1) + ": " + std::string(option) + ": no value given");
  }

  // A mapping key as text; `? [a, b] : 1` is YAML but never an option name
  // (yaml-cpp's as<std::string>() would throw its own exception type).
  std::string key_of(const YAML::Node& key, std::string_view parent) const {
    if (key.IsNull()) return "null";
    if (!key.IsScalar()) fail_at(file_, key, parent.empty() ? "(top level)" : parent, "option names must be plain words");
    return key.Scalar();
  }

  // Runs a value parser and turns its ConfigError into one that names file:line.
  template <class F>
  auto wrap(const YAML::Node& node, std::string_view option, F&& parse) const -> std::invoke_result_t<F> {
    try {
      return parse();
    } catch (const ConfigError& e) {
      fail_at(file_, node, option, e.what());
    }
  }

  std::string file_;
  int key_line_ = 0;  // 0-based line of the top-level key being loaded
};

// ---- Command line ----------------------------------------------------------------

enum OptionId : int {
  kOptConfig = 'c',
  kOptHelp = 'h',
  kOptListen = 'l',
  kOptUpstream = 'u',
  kOptVersion = 'V',
  kOptTlsCert = 1000,
  kOptTlsKey,
  kOptThreads,
  kOptLogLevel,
  kOptLogFormat,
  kOptReadyFile,
  kOptDrainTimeout,
  kOptStartupTimeout,
  kOptMaxMessageLength,
  kOptCheckConfig,
  kOptPending,
  kOptRetired,
  kOptRenamed,
  kOptMonitor,
  kOptSchemaPollInterval,
  kOptJournal,
  kOptJournalFsync,
  kOptJournalMaxSize,
  kOptReplicaId,
  kOptAutoBackfill,
  kOptJournalObserve,
  kOptNoticeOnRewrite,
  kOptMetricsListen,
  kOptAuthMode,
  kOptMigrations,
  kOptMigrationsTool,
  kOptMigrationsHistoryTable,
  kOptMigrationsDriftWindow,
  kOptAuthQuery,
  kOptAuthFile,
  kOptAlertmanager,
  kOptWebhook,
  kOptAlertInterval,
  kOptRetiredQuietPeriod,
};

const option kLongOptions[] = {
    {"config", required_argument, nullptr, kOptConfig},
    {"help", no_argument, nullptr, kOptHelp},
    {"listen", required_argument, nullptr, kOptListen},
    {"upstream", required_argument, nullptr, kOptUpstream},
    {"version", no_argument, nullptr, kOptVersion},
    {"tls-cert", required_argument, nullptr, kOptTlsCert},
    {"tls-key", required_argument, nullptr, kOptTlsKey},
    {"threads", required_argument, nullptr, kOptThreads},
    {"log-level", required_argument, nullptr, kOptLogLevel},
    {"log-format", required_argument, nullptr, kOptLogFormat},
    {"ready-file", required_argument, nullptr, kOptReadyFile},
    {"drain-timeout", required_argument, nullptr, kOptDrainTimeout},
    {"startup-timeout", required_argument, nullptr, kOptStartupTimeout},
    {"max-message-length", required_argument, nullptr, kOptMaxMessageLength},
    {"check-config", no_argument, nullptr, kOptCheckConfig},
    {"pending", required_argument, nullptr, kOptPending},
    {"retired", required_argument, nullptr, kOptRetired},
    {"renamed", required_argument, nullptr, kOptRenamed},
    {"monitor", required_argument, nullptr, kOptMonitor},
    {"schema-poll-interval", required_argument, nullptr, kOptSchemaPollInterval},
    {"journal", required_argument, nullptr, kOptJournal},
    {"journal-fsync", required_argument, nullptr, kOptJournalFsync},
    {"journal-max-size", required_argument, nullptr, kOptJournalMaxSize},
    {"replica-id", required_argument, nullptr, kOptReplicaId},
    {"auto-backfill", no_argument, nullptr, kOptAutoBackfill},
    {"journal-observe", required_argument, nullptr, kOptJournalObserve},
    {"notice-on-rewrite", no_argument, nullptr, kOptNoticeOnRewrite},
    {"metrics-listen", required_argument, nullptr, kOptMetricsListen},
    {"auth-mode", required_argument, nullptr, kOptAuthMode},
    {"migrations", required_argument, nullptr, kOptMigrations},
    {"migrations-tool", required_argument, nullptr, kOptMigrationsTool},
    {"migrations-history-table", required_argument, nullptr, kOptMigrationsHistoryTable},
    {"migrations-drift-window", required_argument, nullptr, kOptMigrationsDriftWindow},
    {"auth-query", required_argument, nullptr, kOptAuthQuery},
    {"auth-file", required_argument, nullptr, kOptAuthFile},
    {"alertmanager", required_argument, nullptr, kOptAlertmanager},
    {"webhook", required_argument, nullptr, kOptWebhook},
    {"alert-interval", required_argument, nullptr, kOptAlertInterval},
    {"retired-quiet-period", required_argument, nullptr, kOptRetiredQuietPeriod},
    {nullptr, 0, nullptr, 0},
};

struct ParsedFlags {
  Command command = Command::Run;
  std::string config_file;
  std::vector<std::pair<int, std::string>> overrides;  // in command-line order
};

ParsedFlags scan_flags(const std::vector<std::string>& args) {
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.emplace_back("pgshim");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  ParsedFlags flags;
  optind = 0;  // reset getopt's state: this may run more than once (reloads, tests)
  opterr = 0;
  for (;;) {
    int index = 0;
    // With "+" getopt never permutes, so the argument being scanned is the one
    // at optind before the call (getopt only moves on after a short-option
    // cluster's last letter). optind 0 means "start over" and is argument 1.
    const int scanned = std::max(optind, 1);
    // "+": stop at the first non-option; ":": report a missing value as ':'.
    const int c = getopt_long(static_cast<int>(storage.size()), argv.data(), "+:c:hl:u:V", kLongOptions, &index);
    if (c == -1) break;
    switch (c) {
      case kOptHelp: flags.command = Command::Help; break;
      case kOptVersion: flags.command = Command::Version; break;
      case kOptCheckConfig: flags.command = Command::CheckConfig; break;
      case kOptConfig: flags.config_file = optarg; break;
      case '?':
      case ':': {
        // A long option is named as typed (without any "=value"); a short one
        // by its letter, which may sit inside a cluster such as -Vx.
        std::string bad = scanned < static_cast<int>(storage.size()) ? storage[scanned] : "?";
        if (bad.starts_with("--")) {
          bad = bad.substr(0, bad.find('='));
        } else if (optopt > 0 && optopt < 128) {
          bad = std::string("-") + static_cast<char>(optopt);
        }
        fail_flag(bad, c == ':' ? "needs a value" : "unknown option (see --help)");
      }
      default: flags.overrides.emplace_back(c, optarg ? optarg : ""); break;
    }
  }
  if (optind < static_cast<int>(storage.size())) {
    fail_flag(storage[optind], "unexpected argument (see --help)");
  }
  return flags;
}

void apply_flag(Config& config, int id, const std::string& value) {
  auto flag_name = [id] {
    for (const option& o : kLongOptions) {
      if (o.val == id) return std::string("--") + o.name;
    }
    return std::string("?");
  };
  try {
    switch (id) {
      case kOptListen: config.listen = parse_listen(value); break;
      case kOptUpstream: config.upstream = parse_upstream(value); break;
      case kOptTlsCert: config.tls_cert_file = value; break;
      case kOptTlsKey: config.tls_key_file = value; break;
      case kOptThreads:
        if (!parse_int(value, config.threads) || config.threads > 1024)
          throw ConfigError("expected a number from 0 to 1024");
        break;
      case kOptLogLevel:
        if (!parse_log_level(value)) throw ConfigError("expected trace, debug, info, warn, error, critical or off");
        config.log_level = value;
        break;
      case kOptLogFormat:
        if (value == "text") config.log_format = LogFormat::Text;
        else if (value == "json") config.log_format = LogFormat::Json;
        else throw ConfigError("expected text or json");
        break;
      case kOptReadyFile: config.ready_file = value; break;
      case kOptDrainTimeout:
        if (!parse_duration(value, config.drain_timeout)) throw ConfigError("expected a duration such as 30s");
        break;
      case kOptStartupTimeout:
        if (!parse_duration(value, config.startup_timeout)) throw ConfigError("expected a duration such as 60s");
        break;
      case kOptMaxMessageLength:
        if (!parse_int(value, config.max_message_length) || config.max_message_length < 1024 ||
            config.max_message_length > 0x3fffffff)
          throw ConfigError("expected a number of bytes from 1024 to 1073741823");
        break;
      case kOptPending:
      case kOptRetired:
      case kOptRenamed: {
        sql::PendingColumn column;
        std::string error;
        const bool ok = id == kOptRenamed ? sql::parse_renamed_spec(value, column, error)
                                           : sql::parse_pending_spec(value, column, error);
        if (!ok) throw ConfigError(error);
        if (id == kOptRetired) column.kind = sql::ColumnKind::Retired;
        try {
          (void)sql::MissingSet({column}, 0);
        } catch (const std::invalid_argument& e) {
          throw ConfigError(e.what());
        }
        config.pending_columns.push_back(std::move(column));
        break;
      }
      case kOptMonitor:
        (void)parse_upstream(value);
        config.monitor_conninfo = value;
        break;
      case kOptSchemaPollInterval:
        if (!parse_duration(value, config.schema_poll_interval) || config.schema_poll_interval.count() < 100)
          throw ConfigError("expected a duration of at least 100ms, such as 10s");
        break;
      case kOptJournal:
        if (!postgres_journal(value, false, config)) set_journal_file(value, config);
        break;
      case kOptJournalFsync: {
        const auto policy = journal::parse_fsync_policy(value);
        if (!policy) throw ConfigError("expected every-write, interval or none");
        config.journal_fsync = *policy;
        break;
      }
      case kOptJournalMaxSize:
        if (!parse_size(value, config.journal_max_bytes))
          throw ConfigError("expected a size such as 64MiB (0: never rotate)");
        break;
      case kOptReplicaId: config.replica_id = value; break;
      case kOptAutoBackfill: config.auto_backfill = true; break;
      case kOptJournalObserve:
        if (!parse_duration(value, config.journal_observe)) throw ConfigError("expected a duration such as 1h (0: off)");
        break;
      case kOptNoticeOnRewrite: config.notice_on_rewrite = true; break;
      case kOptMetricsListen: config.metrics_listen = parse_listen(value); break;
      case kOptAuthMode:
        if (value == "passthrough") config.auth_mode = AuthMode::Passthrough;
        else if (value == "proxy") config.auth_mode = AuthMode::Proxy;
        else throw ConfigError("expected passthrough or proxy");
        break;
      case kOptAuthFile: config.auth_file = value; break;
      case kOptMigrations: config.migrations_dir = value; break;
      case kOptMigrationsTool:
        if (!migrations::parse_tool(value)) throw ConfigError("expected one of " + migrations::supported_tools());
        config.migrations_tool = value;
        break;
      case kOptMigrationsHistoryTable: config.migrations_history_table = value; break;
      case kOptMigrationsDriftWindow:
        if (!parse_duration(value, config.migrations_drift_window))
          throw ConfigError("expected a duration such as 24h (0: off)");
        break;
      case kOptAuthQuery: config.auth_query = value; break;
      case kOptAlertmanager: config.alertmanager_urls.push_back(value); break;
      case kOptWebhook: config.webhook_url = value; break;
      case kOptAlertInterval:
        if (!parse_duration(value, config.alert_interval) || config.alert_interval.count() < 100)
          throw ConfigError("expected a duration of at least 100ms, such as 5m");
        break;
      case kOptRetiredQuietPeriod:
        if (!parse_duration(value, config.retired_quiet_period)) throw ConfigError("expected a duration such as 15m");
        break;
      default: throw ConfigError("unhandled option");
    }
  } catch (const ConfigError& e) {
    fail_flag(flag_name(), e.what());
  }
}

Config build(const ParsedFlags& flags) {
  Config config;
  if (const char* env = std::getenv("PGSHIM_UPSTREAM"); env && *env) {
    try {
      config.upstream = parse_upstream(env);
    } catch (const ConfigError& e) {
      throw ConfigError(std::string("environment: PGSHIM_UPSTREAM: ") + e.what());
    }
  }
  if (!flags.config_file.empty()) {
    config.config_file = flags.config_file;
    YamlLoader(flags.config_file).load_into(config);
  }
  for (const auto& [id, value] : flags.overrides) apply_flag(config, id, value);
  return config;
}

}  // namespace

const char* to_string(SslMode mode) noexcept {
  switch (mode) {
    case SslMode::Disable: return "disable";
    case SslMode::Allow: return "allow";
    case SslMode::Prefer: return "prefer";
    case SslMode::Require: return "require";
    case SslMode::VerifyCa: return "verify-ca";
    case SslMode::VerifyFull: return "verify-full";
  }
  return "?";
}

Upstream parse_upstream(const std::string& conninfo) {
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, PQconninfoOptionDeleter> options(PQconninfoParse(conninfo.c_str(), &err));
  if (!options) {
    std::string message = err ? err : "invalid connection string";
    if (err) PQfreemem(err);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    throw ConfigError("invalid upstream: " + redact_password(std::move(message), conninfo));
  }
  Upstream up;
  std::string display_parts;
  for (PQconninfoOption* o = options.get(); o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view key = o->keyword;
    const std::string value = o->val;
    if (key == "host") {
      if (value.find(',') != std::string::npos) throw ConfigError("invalid upstream: several hosts are not supported");
      up.host = value;
    } else if (key == "hostaddr") {
      up.host = value;
    } else if (key == "port") {
      if (value.find(',') != std::string::npos) throw ConfigError("invalid upstream: several ports are not supported");
      if (!parse_int(value, up.port) || up.port == 0) throw ConfigError("invalid upstream: bad port \"" + value + "\"");
    } else if (key == "dbname") {
      up.dbname = value;
    } else if (key == "user") {
      up.user = value;
    } else if (key == "password") {
      up.password = value;
    } else if (key == "sslmode") {
      if (value == "disable") up.sslmode = SslMode::Disable;
      else if (value == "allow") up.sslmode = SslMode::Allow;
      else if (value == "prefer") up.sslmode = SslMode::Prefer;
      else if (value == "require") up.sslmode = SslMode::Require;
      else if (value == "verify-ca") up.sslmode = SslMode::VerifyCa;
      else if (value == "verify-full") up.sslmode = SslMode::VerifyFull;
      else throw ConfigError("invalid upstream: bad sslmode \"" + value + "\"");
    } else if (key == "sslrootcert") {
      up.sslrootcert = value;
    } else if (key == "sslcert") {
      up.sslcert = value;
    } else if (key == "sslkey") {
      up.sslkey = value;
    } else if (key == "connect_timeout") {
      int seconds = 0;
      if (!parse_int(value, seconds) || seconds < 0) throw ConfigError("invalid upstream: bad connect_timeout");
      if (seconds > 0) up.connect_timeout = std::chrono::seconds(std::max(seconds, 2));
    }
  }
  if ((up.sslmode == SslMode::VerifyCa || up.sslmode == SslMode::VerifyFull) && up.sslrootcert.empty()) {
    throw ConfigError(std::string("invalid upstream: sslmode=") + to_string(up.sslmode) +
                      " needs sslrootcert=<CA file>");
  }
  up.conninfo = conninfo;
  up.display = "postgres://" + (up.user.empty() ? "" : up.user + "@") +
               (up.host.find(':') != std::string::npos ? "[" + up.host + "]" : up.host) + ":" +
               std::to_string(up.port) + (up.dbname.empty() ? "" : "/" + up.dbname) +
               "?sslmode=" + to_string(up.sslmode);
  return up;
}

ListenAddress parse_listen(const std::string& text) {
  ListenAddress out;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw ConfigError("expected [ADDRESS]:PORT");
    out.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    out.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  } else {
    out.host = "127.0.0.1";
    port_text = text;
  }
  if (out.host.empty() && text.starts_with('[')) throw ConfigError("expected [ADDRESS]:PORT, got \"" + text + "\"");
  if (out.host.empty()) out.host = "0.0.0.0";
  // "::1:6432" is ambiguous (and "1:2:3" a typo): an IPv6 address needs brackets.
  if (!text.starts_with('[') && out.host.find(':') != std::string::npos)
    throw ConfigError("an IPv6 address needs brackets: [ADDRESS]:PORT, got \"" + text + "\"");
  if (!parse_int(port_text, out.port)) throw ConfigError("expected HOST:PORT with a port from 0 to 65535, got \"" + text + "\"");
  return out;
}

void validate(const Config& config) {
  if (!config.upstream) {
    throw ConfigError("no upstream: give --upstream URL, `upstream:` in the configuration file, or PGSHIM_UPSTREAM");
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    throw ConfigError("tls: the certificate and the key must be given together");
  }
  for (const std::string* f : {&config.tls_cert_file, &config.tls_key_file}) {
    if (!f->empty() && ::access(f->c_str(), R_OK) != 0) throw ConfigError("tls: cannot read " + *f);
  }
  if (config.auth_mode == AuthMode::Proxy && config.auth_file.empty() && config.auth_query.empty()) {
    throw ConfigError("auth: mode proxy needs an auth file (auth.file, --auth-file) or an auth query (auth.query)");
  }
  if (config.auto_backfill && !config.journal_enabled()) {
    throw ConfigError("backfill: auto needs the journal it applies (--journal FILE, `journal:`)");
  }
  if (config.journal_postgres) {
    if (const auto error = journal::schema_name_error(config.journal_schema)) throw ConfigError("journal.schema: " + *error);
  }
  if (!config.migrations_dir.empty()) {
    // Checked here so that a missing, ambiguous or unrecognisable directory is
    // a configuration error at start-up, not a log line once running.
    try {
      const auto tool = migrations::resolve_tool(config.migrations_dir, config.migrations_tool);
      if (!config.migrations_history_table.empty()) {
        if (const auto error = migrations::history_table_error(tool, config.migrations_history_table)) {
          throw ConfigError("migrations.history_table: " + *error);
        }
      }
    } catch (const migrations::MigrationError& e) {
      throw ConfigError(std::string("migrations: ") + e.what());
    }
  } else if (!config.migrations_history_table.empty()) {
    throw ConfigError("migrations.history_table: needs a migrations directory (--migrations, migrations.dir)");
  }
  try {
    (void)sql::MissingSet(config.pending_columns, 0);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("pending columns: ") + e.what());
  }
  const auto& up = *config.upstream;
  if (!up.sslrootcert.empty() && ::access(up.sslrootcert.c_str(), R_OK) != 0) {
    throw ConfigError("upstream: cannot read sslrootcert " + up.sslrootcert);
  }
}

CommandLine parse_command_line(const std::vector<std::string>& args) {
  ParsedFlags flags = scan_flags(args);
  CommandLine out;
  out.command = flags.command;
  if (out.command == Command::Help || out.command == Command::Version) return out;
  out.config = build(flags);
  return out;
}

Config reload(const std::vector<std::string>& args) { return build(scan_flags(args)); }

std::string usage() {
  return R"(pgshim - a PostgreSQL wire-protocol proxy that keeps applications working
while a schema migration is pending.

Usage:
  pgshim --upstream URL [--listen HOST:PORT] [options]
  pgshim --config FILE [options]
  pgshim rewrite --pending [SCHEMA.]TABLE.COLUMN:TYPE[:MIGRATION] ... 'SQL'
  pgshim check --migrations DIR --upstream URL      the deploy gate (--help)
  pgshim backfill --journal PATH... --upstream URL  after the migration (--help)
  pgshim journal init --upstream URL                the journal table (--help)

Point the application's DATABASE_URL at pgshim's listen address instead of
the database; everything else in the URL (user, password, database, sslmode)
stays as it is: clients authenticate to the real server through pgshim.

Options:
  -u, --upstream URL          the real server, as a libpq URL or conninfo
                              (postgres://db:5432/app?sslmode=require); also
                              PGSHIM_UPSTREAM. Credentials in it are not used
                              for relayed sessions.
  -l, --listen HOST:PORT      where clients connect (default 127.0.0.1:6432;
                              port 0 lets the kernel choose, see --ready-file)
  -c, --config FILE           YAML configuration (config/pgshim.example.yaml);
                              command-line flags override it
      --tls-cert FILE         certificate and key for TLS with clients
      --tls-key FILE          (SSLRequest is answered 'N' without them)
      --threads N             I/O threads (default: one per core)
      --log-level LEVEL       trace, debug, info (default), warn, error
      --log-format FORMAT     text (default) or json
      --startup-timeout DUR   time a client has to finish start-up (60s)
      --drain-timeout DUR     on SIGTERM/SIGINT, time sessions get to finish (30s)
      --max-message-length N  largest message accepted from a client
                              (default 1073741823, as PostgreSQL)
      --ready-file FILE       write HOST:PORT there once accepting connections
      --check-config          validate the configuration and exit

Pending columns:
      --pending SPEC          [SCHEMA.]TABLE.COLUMN:TYPE[:MIGRATION], repeatable,
                              e.g. environments.last_error:text:20250804020810_add_last_error
      --retired SPEC          a column a migration dropped that old code still
                              uses: [SCHEMA.]TABLE.COLUMN:TYPE[:MIGRATION]; read as
                              NULL, writes dropped, alerted until unused
      --renamed SPEC          [SCHEMA.]TABLE.OLD:NEW, a renamed column old code
                              still uses by its old name: rewritten to NEW
      --monitor URL           pgshim's own connection for the schema watcher
                              (default: the upstream URL with its credentials)
      --schema-poll-interval DUR  how often the catalog is checked (10s)
      --journal FILE          append dropped writes (values included) as JSON lines,
                              mode 0600, for `pgshim backfill` after the migration
      --journal postgres:[SCHEMA]
                              journal into the table SCHEMA.journal (default
                              pgshim) of the upstream database instead, through
                              the monitor login, batched off the client path;
                              `pgshim journal init` creates it (YAML: journal: postgres)
      --journal-fsync POLICY  interval (default: at most once a second), every-write
                              (one fdatasync per record, on the session's thread)
                              or none (the kernel's writeback)
      --journal-max-size SIZE rotate the journal past SIZE (e.g. 64MiB) to
                              FILE.<boot>-<n>; rotated files are kept
      --replica-id NAME       this pgshim's name in journal records (default:
                              the host name); give each replica its own
      --journal-observe DUR   after a pending column appears, journal the
                              application's writes of it for DUR (1h): backfill
                              then never restores over them, NULLs included
      --auto-backfill         when a pending column appears, apply the journal's
                              values to it (as `pgshim backfill` does, through
                              the monitor login, which needs UPDATE) before the
                              alert resolves; YAML `backfill: auto`
      --notice-on-rewrite     tell clients (NoticeResponse) when pgshim rewrote a statement
      --migrations DIR        a migrations directory: the unapplied migrations'
                              ADD COLUMNs become pending columns (see `pgshim check`),
                              and recently applied ones' DROP COLUMNs and RENAME
                              COLUMNs retired and renamed columns.
                              The tool is detected from its layout: prisma, flyway,
                              golang-migrate, goose, dbmate, drizzle, liquibase,
                              atlas or sqitch
      --migrations-tool NAME  read DIR as this tool's (when detection is ambiguous)
      --migrations-history-table NAME
                              the tool's history table when it is not the
                              default ([schema.]table; Atlas: its schema;
                              sqitch: the registry; not for Prisma)
      --migrations-drift-window DUR
                              how long after a migration was applied (its
                              history table's time) old code is served its
                              dropped and renamed columns (24h; 0: off; not
                              for golang-migrate, dbmate, drizzle: no times)

Authentication:
      --auth-mode MODE        passthrough (default: the server authenticates
                              clients through pgshim) or proxy (pgshim does, from
                              --auth-file, and logs in upstream without passwords)
      --auth-file FILE        PgBouncer-style userlist: "user" "SCRAM-SHA-256$..."
      --auth-query SQL        look secrets up through the monitor login instead
                              ($1 = user; the last column is the secret)

Observability:
      --metrics-listen HOST:PORT  serve /metrics (Prometheus), /healthz and /status
      --alertmanager URL      an Alertmanager to alert while a column is missing (repeatable)
      --webhook URL           a JSON webhook with the same alert lifecycle
      --alert-interval DUR    re-send alerts and the WARN reminder this often (5m)
      --retired-quiet-period DUR  a retired column's alert resolves once no
                              statement used it for this long (15m)
  -h, --help                  this text
  -V, --version               the version

Signals: SIGTERM/SIGINT stop accepting and let sessions finish (up to the drain
timeout); SIGHUP reloads the configuration file (an invalid file is refused and
the running configuration kept).

Exit status: 0 on a clean stop, 1 on a runtime failure, 2 on a configuration error.
)";
}

}  // namespace pgshim::config
