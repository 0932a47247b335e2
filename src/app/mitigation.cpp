#include "mitigation.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "pgshim/alert/json_writer.hpp"
#include "pgshim/journal/pg_journal.hpp"
#include "pgshim/journal/pg_writer.hpp"
#include "pgshim/journal/writer.hpp"
#include "pgshim/migrations/load.hpp"
#include "pgshim/schema/undefined_column.hpp"
#include "pgshim/util/ascii.hpp"

namespace pgshim::app {
namespace {

std::string column_label(const sql::PendingColumn& c) { return c.schema + "." + c.table + "." + c.column; }

// The type's name without schema qualification, quotes or a type modifier,
// folded: "pg_catalog.int4" -> "int4", "timestamp(3) with time zone" ->
// "timestamp with time zone", "text[]" stays "text[]".
std::string normalize_type(std::string_view name) {
  std::string out;
  int depth = 0;
  for (char c : name) {
    if (c == '(') ++depth;
    else if (c == ')') --depth;
    else if (depth == 0 && c != '"') out.push_back(util::ascii_lower(c));
  }
  if (out.rfind("pg_catalog.", 0) == 0) out.erase(0, 11);
  // "timestamp  with time zone" after removing "(3)": collapse double spaces.
  std::string collapsed;
  for (char c : out) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed.push_back(c);
  }
  while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return collapsed;
}

// `journal: postgres`: the table's writer, whose failures are logged (once
// per streak: the error, then "writing again") and counted, never the
// client's. A missing table is said at start-up (the writer's first
// connection checks it); values then wait, queued, for `pgshim journal init`.
std::unique_ptr<journal::Sink> open_table_journal(const config::Config& config, metrics::PgshimMetrics* metrics) {
  journal::PgWriterOptions options;
  options.conninfo = config.monitor_conninfo.empty() ? config.upstream->conninfo : config.monitor_conninfo;
  options.schema = config.journal_schema;
  options.replica = config.replica_id;
  const std::string table = journal::table_name(config.journal_schema);
  options.on_report = [metrics, table](const journal::PgWriterReport& r) {
    switch (r.kind) {
      case journal::PgWriterReport::Kind::WriteFailed:
        if (r.streak == 1) {
          spdlog::error("journal {}: cannot write: {} ({} value(s) kept queued and retried; clients are not affected)",
                        table, r.error, r.records);
        }
        if (metrics) metrics->journal_failures.get().inc();
        break;
      case journal::PgWriterReport::Kind::Recovered:
        spdlog::info("journal {}: writing again (after {} failed attempt(s))", table, r.streak);
        break;
      case journal::PgWriterReport::Kind::Lost:
        spdlog::error("journal {}: {} dropped value(s) lost: the queue was full or pgshim stopped before they "
                      "were written", table, r.records);
        if (metrics) metrics->journal_failures.get().inc(r.records);
        break;
    }
  };
  auto writer = std::make_unique<journal::PgWriter>(std::move(options));
  spdlog::info("journal {}: dropped writes are inserted as replica {} through the monitor login, batched off the "
               "client path", table, writer->replica());
  return writer;
}

}  // namespace

std::uint32_t builtin_type_oid(std::string_view type_name) noexcept {
  // OIDs of built-in types are fixed (src/include/catalog/pg_type.dat).
  static const std::unordered_map<std::string, std::uint32_t> kOids = {
      {"bool", 16}, {"boolean", 16}, {"bytea", 17}, {"char", 18}, {"name", 19}, {"int8", 20}, {"bigint", 20},
      {"int2", 21}, {"smallint", 21}, {"int4", 23}, {"integer", 23}, {"int", 23}, {"text", 25}, {"oid", 26},
      {"json", 114}, {"xml", 142}, {"float4", 700}, {"real", 700}, {"float8", 701}, {"double precision", 701},
      {"money", 790}, {"inet", 869}, {"cidr", 650}, {"bpchar", 1042}, {"character", 1042}, {"varchar", 1043},
      {"character varying", 1043}, {"date", 1082}, {"time", 1083}, {"time without time zone", 1083},
      {"timestamp", 1114}, {"timestamp without time zone", 1114}, {"timestamptz", 1184},
      {"timestamp with time zone", 1184}, {"interval", 1186}, {"timetz", 1266}, {"time with time zone", 1266},
      {"numeric", 1700}, {"decimal", 1700}, {"uuid", 2950}, {"jsonb", 3802},
      {"bool[]", 1000}, {"boolean[]", 1000}, {"bytea[]", 1001}, {"int2[]", 1005}, {"smallint[]", 1005},
      {"int4[]", 1007}, {"integer[]", 1007}, {"int[]", 1007}, {"text[]", 1009}, {"varchar[]", 1015},
      {"character varying[]", 1015}, {"int8[]", 1016}, {"bigint[]", 1016}, {"float4[]", 1021}, {"real[]", 1021},
      {"float8[]", 1022}, {"double precision[]", 1022}, {"timestamp[]", 1115}, {"timestamptz[]", 1185},
      {"timestamp with time zone[]", 1185}, {"date[]", 1182}, {"numeric[]", 1231}, {"uuid[]", 2951},
      {"json[]", 199}, {"jsonb[]", 3807}, {"_text", 1009}, {"_int4", 1007}, {"_int8", 1016}, {"_bool", 1000},
      {"_uuid", 2951}, {"_jsonb", 3807}, {"_varchar", 1015}, {"_timestamptz", 1185}, {"_float8", 1022},
  };
  const auto it = kOids.find(normalize_type(type_name));
  return it == kOids.end() ? 0 : it->second;
}

MigrationsReport apply_migrations(config::Config& config) {
  MigrationsReport report;
  auto& not_mitigated = report.not_mitigated;
  if (config.migrations_dir.empty()) return report;
  const std::string conninfo = config.monitor_conninfo.empty() ? config.upstream->conninfo : config.monitor_conninfo;
  try {
    migrations::LoadOptions options;
    options.tool = migrations::parse_tool(config.migrations_tool);
    options.history_table = config.migrations_history_table;
    options.drift_window = config.migrations_drift_window;
    auto loaded = migrations::load_pending_from_migrations(config.migrations_dir, conninfo, options);
    std::vector<std::string> overridden;
    config.pending_columns = migrations::merge_pending(config.pending_columns, loaded.columns, &overridden);
    spdlog::info("migrations {}: {} of {} not applied; {} pending column(s) derived from them", config.migrations_dir,
                 loaded.unapplied.size(), loaded.total, loaded.columns.size());
    // Drift after the pending columns: configured and pending ones win.
    config.pending_columns =
        migrations::merge_pending(config.pending_columns, migrations::drift_columns(loaded.drift), &overridden);
    for (const auto& d : loaded.drift) {
      spdlog::info("migrations: {} {} from recently applied migration {}: {}", sql::to_string(d.column.kind),
                   sql::qualified_name(d.column), d.column.migration, migrations::drift_action(d));
    }
    if (loaded.drift_unavailable) spdlog::info("migrations: {}", *loaded.drift_unavailable);
    for (const auto& note : loaded.drift_notes) spdlog::warn("migrations: {}", note);
    for (const auto& name : overridden) spdlog::info("migrations: {} is configured explicitly, which wins", name);
    for (const auto& item : loaded.not_mitigated) {
      not_mitigated.push_back(migrations::log_line(item));
      spdlog::warn("NOT mitigated: {}", not_mitigated.back());
    }
    for (const auto& u : loaded.unapplied) {
      if (u.state != migrations::MigrationState::Failed) continue;
      report.failed_migrations.push_back(u.migration.name);
      spdlog::error("migration {} is recorded as FAILED by {} ({}): it may be half applied; its ADD COLUMNs are "
                    "mitigated like pending ones until it is resolved and applied (`pgshim check` says how){}{}",
                    u.migration.name, config.migrations_tool.empty() ? "its tool" : config.migrations_tool,
                    u.migration.path, u.failure.empty() ? "" : "; the tool recorded: ", u.failure);
    }
  } catch (const std::exception& e) {
    spdlog::error("migrations {}: cannot read which migrations are pending: {}", config.migrations_dir, e.what());
  }
  return report;
}

bool some_column_appeared(const schema::Snapshot& previous, const schema::Snapshot& next) {
  for (const auto& now : next.columns) {
    if (now.state != schema::ColumnState::Present) continue;
    const auto* before = previous.find(now.column.schema, now.column.table, now.column.column);
    if (!before || before->state != schema::ColumnState::Present) return true;
  }
  return false;
}

// ---- Mitigation ------------------------------------------------------------------

Mitigation::Mitigation(const config::Config& config, metrics::PgshimMetrics* metrics) : metrics_(metrics) {
  if (config.journal_postgres) {
    journal_ = open_table_journal(config, metrics);
    journal_observe_ = config.journal_observe;
  } else if (!config.journal_file.empty()) {
    journal::WriterOptions options;
    options.path = config.journal_file;
    options.replica = config.replica_id;
    options.fsync = config.journal_fsync;
    options.max_bytes = config.journal_max_bytes;
    journal_ = std::make_unique<journal::Writer>(std::move(options));
    journal_observe_ = config.journal_observe;
    spdlog::info("journal {}: dropped writes are appended as replica {} (fsync {}{})", config.journal_file,
                 journal_->replica(), journal::to_string(config.journal_fsync),
                 config.journal_max_bytes > 0 ? ", rotated past " + std::to_string(config.journal_max_bytes) + " bytes"
                                              : "");
  }
  generations_.push_back(make_generation(config));
  current_.store(generations_.back().get(), std::memory_order_release);
}

std::unique_ptr<Mitigation::Generation> Mitigation::make_generation(const config::Config& config) {
  auto g = std::make_unique<Generation>();
  std::vector<std::string> names;
  for (const auto& c : config.pending_columns) names.push_back(c.column);
  g->names = sql::Prefilter(std::move(names));
  g->monitor_conninfo = config.monitor_conninfo.empty() ? config.upstream->conninfo : config.monitor_conninfo;
  g->poll_interval = config.schema_poll_interval;
  schema::WatcherOptions options;
  options.conninfo = g->monitor_conninfo;
  options.columns = config.pending_columns;
  options.poll_interval = config.schema_poll_interval;
  g->watcher = std::make_unique<schema::SchemaWatcher>(
      std::move(options), [this, raw = g.get()](const schema::Snapshot& previous, const schema::Snapshot& next) {
        changed(raw, previous, next);
      });
  return g;
}

Mitigation::~Mitigation() { stop(); }

void Mitigation::start(std::chrono::milliseconds first_check_wait) {
  auto& watcher = *generation().watcher;
  watcher.start();
  if (!watcher.wait_first_check(first_check_wait)) {
    spdlog::warn("the schema watcher's first check did not finish within {} ms: accepting clients with the "
                 "pending columns' state unknown (a 42703 will still be caught)",
                 first_check_wait.count());
  }
  const auto snapshot = watcher.current();
  if (metrics_) metrics_->set_snapshot(snapshot);
  if (!snapshot->last_poll_ok) {
    spdlog::warn("schema watcher: cannot check the database: {}", snapshot->last_poll_error);
  }
}

void Mitigation::stop() {
  std::lock_guard lock(generations_mutex_);
  for (auto& g : generations_) g->watcher->stop();
}

void Mitigation::reconfigure(const config::Config& config) {
  const Generation& running = generation();
  const std::string monitor = config.monitor_conninfo.empty() ? config.upstream->conninfo : config.monitor_conninfo;
  const auto& columns = running.watcher->columns();
  const bool same_columns = std::equal(columns.begin(), columns.end(), config.pending_columns.begin(),
                                       config.pending_columns.end(), [](const auto& a, const auto& b) {
                                         return a.schema == b.schema && a.table == b.table && a.column == b.column &&
                                                a.type == b.type && a.default_expr == b.default_expr &&
                                                a.migration == b.migration && a.kind == b.kind &&
                                                a.renamed_to == b.renamed_to && a.star == b.star;
                                       });
  if (same_columns && monitor == running.monitor_conninfo && config.schema_poll_interval == running.poll_interval) {
    running.watcher->poll_now();
    return;
  }
  auto next = make_generation(config);  // throws on bad input: the running one stays
  std::lock_guard lock(generations_mutex_);
  const Generation* previous = current_.load();
  generations_.push_back(std::move(next));
  current_.store(generations_.back().get(), std::memory_order_release);
  previous->watcher->stop();
  generation().watcher->start();
  spdlog::info("reload: now watching {} pending column(s)", config.pending_columns.size());
  if (metrics_) metrics_->set_snapshot(generation().watcher->current());
}

void Mitigation::set_on_change(schema::OnChange callback) {
  std::lock_guard lock(on_change_mutex_);
  on_change_ = std::move(callback);
}

void Mitigation::changed(const void* from, const schema::Snapshot& previous, const schema::Snapshot& next) {
  // A watcher replaced by a reload may still finish a poll: only the current
  // one speaks for the pending columns.
  if (from != current_.load(std::memory_order_acquire)) return;
  if (metrics_) metrics_->set_snapshot(std::make_shared<const schema::Snapshot>(next));
  for (const auto& now : next.columns) {
    const auto before = std::find_if(previous.columns.begin(), previous.columns.end(), [&](const auto& p) {
      return p.column.schema == now.column.schema && p.column.table == now.column.table &&
             p.column.column == now.column.column;
    });
    const auto was = before == previous.columns.end() ? schema::ColumnState::Unknown : before->state;
    if (was == now.state) continue;
    const std::string name = column_label(now.column);
    const std::string migration = now.column.migration.empty() ? "(unnamed)" : now.column.migration;
    const char* what = now.column.kind == sql::ColumnKind::Pending ? "pending" : sql::to_string(now.column.kind).data();
    switch (now.state) {
      case schema::ColumnState::Missing:
        switch (now.column.kind) {
          case sql::ColumnKind::Pending:
            spdlog::warn("pending column {} is MISSING from the database ({}): rewriting statements that use it "
                         "until migration {} is applied",
                         name, now.detected_reactively ? "reported by the server" : "catalog check", migration);
            break;
          case sql::ColumnKind::Retired:
            spdlog::info("retired column {} is gone from the database (migration {}): statements of old code that "
                         "still use it are rewritten (reads NULL, writes dropped) and alerted",
                         name, migration);
            break;
          case sql::ColumnKind::Renamed:
            spdlog::info("renamed column {} is now {}.{}: statements of old code that use the old name are "
                         "rewritten to the new one",
                         name, now.column.table, now.column.renamed_to);
            break;
        }
        break;
      case schema::ColumnState::Present:
        spdlog::info("{} column {} is present{}: no longer rewriting it", what, name,
                     was == schema::ColumnState::Missing && now.column.kind == sql::ColumnKind::Pending
                         ? " (migration " + migration + " applied)"
                         : "");
        break;
      case schema::ColumnState::Unknown:
        spdlog::warn("{} column {}: state unknown{}{}", what, name, now.reason.empty() ? "" : ": ", now.reason);
        break;
    }
  }
  if (journal_ && journal_observe_.count() > 0) note_appeared(previous, next);
  if (!next.last_poll_ok && previous.last_poll_ok) {
    spdlog::warn("schema watcher: cannot check the database: {}", next.last_poll_error);
    if (metrics_) metrics_->schema_poll_failures.get().inc();
  }
  schema::OnChange callback;
  {
    std::lock_guard lock(on_change_mutex_);
    callback = on_change_;
  }
  if (callback) callback(previous, next);
}

void Mitigation::note_appeared(const schema::Snapshot& previous, const schema::Snapshot& next) {
  bool changed_set = false;
  for (const auto& now : next.columns) {
    if (now.column.kind != sql::ColumnKind::Pending) continue;
    const auto* before = previous.find(now.column.schema, now.column.table, now.column.column);
    const bool was_missing = before != nullptr && before->state == schema::ColumnState::Missing;
    const auto same = [&](const sql::PendingColumn& c) {
      return c.schema == now.column.schema && c.table == now.column.table && c.column == now.column.column;
    };
    if (was_missing && now.state == schema::ColumnState::Present) {
      if (std::none_of(appeared_.begin(), appeared_.end(), same)) appeared_.push_back(now.column);
      changed_set = true;
    } else if (now.state == schema::ColumnState::Missing && std::any_of(appeared_.begin(), appeared_.end(), same)) {
      std::erase_if(appeared_, same);  // gone again (the migration was rolled back)
      changed_set = true;
    }
  }
  if (!changed_set) return;
  if (appeared_.empty()) {
    observing_.store(false, std::memory_order_release);
    observed_.store(nullptr);
    return;
  }
  auto o = std::make_shared<Observed>();
  o->columns = sql::MissingSet(appeared_, next.version);
  o->until = std::chrono::steady_clock::now() + journal_observe_;
  spdlog::info("journal: writes of {} column(s) that appeared are journaled as the application's own for {} s "
               "(backfill never restores over them)",
               appeared_.size(), std::chrono::duration_cast<std::chrono::seconds>(journal_observe_).count());
  observed_.store(std::move(o));
  observing_.store(true, std::memory_order_release);
}

std::shared_ptr<const schema::Snapshot> Mitigation::current() const noexcept {
  return generation().watcher->current();
}

bool Mitigation::report_undefined_column(std::string_view message) {
  auto& watcher = *generation().watcher;
  const auto& columns = watcher.columns();
  const auto named = schema::columns_named_by_undefined_column(message, columns);
  const auto snapshot = watcher.current();
  bool changed_any = false;
  for (const std::size_t index : named) {
    // A column the watcher saw present is not what the server means: the 42703
    // is about another relation (or the schema changed): let the next poll say.
    if (index < snapshot->columns.size() && snapshot->columns[index].state == schema::ColumnState::Present) continue;
    const auto& c = columns[index];
    changed_any = watcher.mark_missing(c.schema, c.table, c.column) || changed_any;
  }
  if (!named.empty()) watcher.poll_now();
  return changed_any;
}

std::uint32_t Mitigation::type_oid(std::string_view type_name) const noexcept {
  return builtin_type_oid(type_name);
}

void Mitigation::set_on_retired_use(RetiredUse callback) { on_retired_use_ = std::move(callback); }

void Mitigation::on_rewritten(const sql::RewriteResult& result, bool cache_hit, std::chrono::nanoseconds took,
                              const proxy::SessionInfo& who) {
  if (on_retired_use_) {
    // Old code still using a column a migration dropped: the alert names who.
    for (const auto& c : generation().watcher->columns()) {
      if (c.kind != sql::ColumnKind::Retired) continue;
      const bool used = std::any_of(result.edits.begin(), result.edits.end(), [&](const sql::Edit& e) {
        return e.column == c.column && e.table == c.table && e.schema == c.schema;
      });
      if (used) on_retired_use_(c, who);
    }
  }
  if (!metrics_) return;
  // One count per statement and pending column, labelled with the first edit
  // made to it: the alert's "N statements rewritten" means statements.
  for (std::size_t i = 0; i < result.edits.size(); ++i) {
    const auto& e = result.edits[i];
    const bool first = std::none_of(result.edits.begin(), result.edits.begin() + static_cast<std::ptrdiff_t>(i),
                                    [&](const sql::Edit& p) {
                                      return p.schema == e.schema && p.table == e.table && p.column == e.column;
                                    });
    if (first) metrics_->rewrites.with({e.table, e.column, sql::to_string(e.kind)}).inc();
  }
  if (!cache_hit) metrics_->rewrite_duration.get().observe(std::chrono::duration<double>(took).count());
}

void Mitigation::on_untouched(sql::UntouchedReason reason, std::string_view detail) {
  if (metrics_) metrics_->passthrough.with({sql::to_string(reason)}).inc();
  spdlog::debug("statement relayed untouched ({}): {}", sql::to_string(reason), detail);
}

void Mitigation::on_dropped_write(const proxy::DroppedWrite& write) {
  if (metrics_ && !write.observed) metrics_->dropped_writes.with({write.what->table, write.what->column}).inc();
  if (!journal_) return;
  journal::Record r;
  r.execution = write.execution;
  r.row = write.what->row;
  r.schema = write.what->schema;
  r.table = write.what->table;
  r.column = write.what->column;
  r.kind = sql::to_string(write.what->kind);
  r.value = write.value;
  r.key = write.key;
  r.observed = write.observed;
  if (!journal_->append(std::move(r))) {
    // Never the client's problem; said once per failure streak, with no value in it.
    if (!journal_failing_.exchange(true)) {
      spdlog::error("journal: cannot write a dropped value: {} (the value is lost unless the write is repeated)",
                    journal_->last_error());
    }
    if (metrics_) metrics_->journal_failures.get().inc();
  } else {
    if (journal_failing_.exchange(false)) spdlog::info("journal: writing again");
    if (on_journaled_ && !write.observed) on_journaled_(*write.what);
  }
}

void Mitigation::on_discarded_writes(std::size_t count, std::string_view why) {
  if (metrics_) metrics_->journal_discarded.with({std::string(why)}).inc(count);
  // A rollback or a statement that matched nothing is the application's
  // ordinary business; the others lose a value whose fate is unknown.
  if (why == "rolled_back" || why == "no_row") {
    spdlog::debug("journal: {} dropped value(s) not journaled: their statement did not take effect ({})", count, why);
  } else {
    spdlog::warn("journal: {} dropped value(s) not journaled: whether their statement took effect is not known ({})",
                 count, why);
  }
}

void Mitigation::on_written_early(std::size_t held) {
  spdlog::warn("journal: a transaction dropped more than {} values: its oldest are journaled before it ends, so a "
               "rollback of it would leave them in the journal for backfill",
               held);
}

void Mitigation::on_intercepted_error(bool replayed, std::string_view why_not) {
  if (metrics_) {
    metrics_->intercepted_errors.with({"", "", replayed ? "replayed" : "relayed"}).inc();
    if (replayed) metrics_->replays.with({"succeeded"}).inc();
  }
  if (replayed) {
    spdlog::warn("a statement failed with 42703 on a pending column: replayed it rewritten; the client saw no error");
  } else {
    spdlog::warn("a statement failed with 42703 on a pending column and was relayed to the client: {}", why_not);
  }
}

void Mitigation::on_cache(bool hit) {
  if (!metrics_) return;
  if (hit) metrics_->rewrite_cache_hits.get().inc();
  else metrics_->rewrite_cache_misses.get().inc();
}

}  // namespace pgshim::app
