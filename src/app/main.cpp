// pgshim's entry point: parse the command line, then run the proxy or a
// one-shot command. Exit status: 0 clean stop, 1 runtime failure, 2 bad
// configuration or usage.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "auto_backfill.hpp"
#include "logging.hpp"
#include "mitigation.hpp"
#include "observability.hpp"
#include "backfill_command.hpp"
#include "check_command.hpp"
#include "journal_command.hpp"
#include "rewrite_command.hpp"
#include "pgshim/config/config.hpp"
#include "pgshim/proxy/server.hpp"

#ifndef PGSHIM_VERSION
#define PGSHIM_VERSION "0.0.0"
#endif

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;

int run_proxy(const std::vector<std::string>& args) {
  pgshim::config::CommandLine cli;
  try {
    cli = pgshim::config::parse_command_line(args);
    if (cli.command == pgshim::config::Command::Help) {
      std::cout << pgshim::config::usage();
      return 0;
    }
    if (cli.command == pgshim::config::Command::Version) {
      std::cout << "pgshim " << PGSHIM_VERSION << "\n";
      return 0;
    }
    pgshim::config::validate(cli.config);
  } catch (const pgshim::config::ConfigError& e) {
    std::cerr << "pgshim: " << e.what() << "\n";
    return kExitConfig;
  }
  if (cli.command == pgshim::config::Command::CheckConfig) {
    std::cout << "pgshim: configuration OK (upstream " << cli.config.upstream->display << ")\n";
    return 0;
  }

  pgshim::app::setup_logging(cli.config);
  try {
    std::unique_ptr<pgshim::app::Mitigation> mitigation;
    std::unique_ptr<pgshim::app::AutoBackfill> backfill;
    pgshim::proxy::Server server(cli.config, [args] { return pgshim::config::reload(args); });
    pgshim::app::Observability observability(cli.config, server.stats());
    pgshim::config::Config effective = cli.config;
    {
      auto report = pgshim::app::apply_migrations(effective);
      observability.set_not_mitigated(std::move(report.not_mitigated));
      observability.set_failed_migrations(std::move(report.failed_migrations));
    }
    if (!effective.pending_columns.empty() || !effective.migrations_dir.empty()) {
      mitigation = std::make_unique<pgshim::app::Mitigation>(effective, &observability.metrics());
      if (effective.auto_backfill) {
        pgshim::app::AutoBackfill::Options options;
        options.journal_path = effective.journal_file;
        if (effective.journal_postgres) options.journal_schema = effective.journal_schema;
        options.conninfo = effective.monitor_conninfo.empty() ? effective.upstream->conninfo : effective.monitor_conninfo;
        // After a run the alerts see the columns as they are (resolved).
        backfill = std::make_unique<pgshim::app::AutoBackfill>(std::move(options), &observability.metrics(),
                                                               [&observability, &mitigation] {
                                                                 observability.update(mitigation->current());
                                                               });
        observability.set_backfill(backfill.get());
        mitigation->set_on_journaled([&backfill, &mitigation](const pgshim::sql::DroppedValue& v) {
          // Committed after its column appeared: the run that already went missed it.
          const auto* c = mitigation->current()->find(v.schema, v.table, v.column);
          if (c && c->state == pgshim::schema::ColumnState::Present) backfill->request();
        });
        spdlog::info("backfill: auto: when a pending column appears, its journaled values are applied before the "
                     "alert resolves");
      }
      const bool follow_migrations = !effective.migrations_dir.empty();
      mitigation->set_on_change([&observability, &mitigation, &server, &backfill, follow_migrations](
                                    const auto& previous, const auto& next) {
        const bool appeared = pgshim::app::some_column_appeared(previous, next);
        if (appeared && backfill) backfill->request();  // first: the alert below waits for it
        observability.update(mitigation->current());
        // A column that appeared means a migration was applied: re-read which
        // are still pending (off this thread: the reload replaces the watcher).
        if (follow_migrations && appeared) server.request_reload();
      });
      mitigation->set_on_retired_use([&observability](const auto& column, const auto& who) {
        observability.retired_used(column, who);
      });
      for (const auto& c : effective.pending_columns) {
        if (c.kind == pgshim::sql::ColumnKind::Renamed) {
          spdlog::info("renamed column {}.{}.{} -> {} (migration {})", c.schema, c.table, c.column, c.renamed_to,
                       c.migration.empty() ? "unnamed" : c.migration);
          continue;
        }
        spdlog::info("{} column {}.{}.{} {} (migration {})", pgshim::sql::to_string(c.kind), c.schema, c.table,
                     c.column, c.type, c.migration.empty() ? "unnamed" : c.migration);
      }
      mitigation->start(effective.first_check_wait);
      server.set_pending(mitigation.get(), mitigation.get());
    }
    server.set_reload_hook([&mitigation, &observability](const pgshim::config::Config& reloaded) {
      pgshim::config::Config next = reloaded;
      auto report = pgshim::app::apply_migrations(next);
      observability.set_not_mitigated(std::move(report.not_mitigated));
      observability.set_failed_migrations(std::move(report.failed_migrations));
      if (!mitigation) {
        if (!next.pending_columns.empty()) {
          spdlog::warn("reload: pending columns given, but pgshim started without any: restart pgshim to use them");
        }
        return;
      }
      try {
        mitigation->reconfigure(next);
      } catch (const std::exception& e) {
        spdlog::error("reload: pending columns refused, keeping the running ones: {}", e.what());
      }
    });
    observability.start(mitigation.get());
    const int status = server.run();
    if (backfill) backfill->stop();
    observability.stop();
    if (mitigation) mitigation->stop();
    return status;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return kExitRuntime;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "rewrite") {
    return pgshim::app::run_rewrite_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "backfill") {
    return pgshim::app::run_backfill_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "journal") {
    return pgshim::app::run_journal_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "check") {
    return pgshim::app::run_check_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  return run_proxy(args);
}
