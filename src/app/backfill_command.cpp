// `pgshim backfill` (see backfill_command.hpp).
#include "backfill_command.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>

#include "pgshim/alert/json_writer.hpp"
#include "pgshim/journal/backfill_pg.hpp"
#include "pgshim/journal/pg_journal.hpp"
#include "pgshim/journal/reader.hpp"

namespace pgshim::app {
namespace {

constexpr int kExitComplete = 0;
constexpr int kExitIncomplete = 1;
constexpr int kExitError = 2;

constexpr const char* kUsage = R"(Usage: pgshim backfill --journal PATH|postgres:[SCHEMA]... --upstream URL
                       [--dry-run] [--format text|json] [--batch-size N] [--show-values]

Applies the values pgshim dropped while a column was missing (its --journal
files) to the rows they belong to, once the migration has added the column.
A row is updated only while the column still holds what the migration put
there (NULL or its default): a value the application wrote since is kept.
Last write wins per row and column. Running it again changes nothing.
  --journal PATH...   journal files or directories (every file in them); give
                      every replica's journal, rotated files included.
                      postgres: (or postgres:SCHEMA) reads the journal table
                      pgshim.journal (SCHEMA.journal) of --upstream instead
  --upstream URL      the database (postgres:// URL or libpq conninfo)
  --dry-run           say what would be applied; change nothing
  --format FORMAT     text (default) or json
  --batch-size N      values per transaction (default 500)
  --show-values       print the values in --dry-run's list (hidden by default:
                      they are what clients wrote)
Exit status: 0 every record accounted for, 1 some could not be applied
(unrecoverable, torn, missing column, refused by the server), 2 error.
)";

enum class Format { Text, Json };

struct Options {
  std::vector<std::string> journals;
  std::string upstream;
  bool dry_run = false;
  bool show_values = false;
  Format format = Format::Text;
  std::size_t batch_size = 500;
};

std::string label(const journal::Target& t) { return t.schema + "." + t.table + "." + t.column; }

std::string where(const journal::ReadResult& read, const journal::Record* r) {
  const auto i = static_cast<std::size_t>(r - read.records.data());
  return read.where[i].file + ":" + std::to_string(read.where[i].line);
}

std::string shown(const journal::Value& v, bool show_values) {
  switch (v.form) {
    case journal::Form::Null: return "NULL";
    case journal::Form::Text: return show_values ? "'" + v.bytes + "'" : "(" + std::to_string(v.bytes.size()) + " bytes)";
    case journal::Form::Binary: return "(binary, " + std::to_string(v.bytes.size()) + " bytes)";
    case journal::Form::Expression:
    case journal::Form::Unknown: return std::string(journal::to_string(v.form));
  }
  return "";
}

// `id = 'e1', name = 'prod'`: keys identify rows; they are shown (ids, not payloads).
std::string row_key(const journal::Planned& p) {
  std::string out;
  for (std::size_t i = 0; i < p.key->columns.size(); ++i) {
    if (i > 0) out += ", ";
    const auto& v = p.key_values[i];
    out += p.key->columns[i] + " = " + (v.form == journal::Form::Text ? "'" + v.bytes + "'" : shown(v, false));
  }
  return out;
}

int parse_args(const std::vector<std::string>& args, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return kExitComplete;
    }
    if (a == "--dry-run") {
      o.dry_run = true;
      continue;
    }
    if (a == "--show-values") {
      o.show_values = true;
      continue;
    }
    if (a == "--journal") {
      // Several paths may follow (a shell glob): up to the next option.
      const std::size_t first = i + 1;
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) o.journals.push_back(args[++i]);
      if (i + 1 == first) {
        std::cerr << "pgshim backfill: missing value for --journal\n" << kUsage;
        return kExitError;
      }
      continue;
    }
    const bool takes_value = a == "--upstream" || a == "--format" || a == "--batch-size";
    if (!takes_value || i + 1 >= args.size()) {
      std::cerr << "pgshim backfill: " << (takes_value ? "missing value for " : "unknown argument ") << a << "\n"
                << kUsage;
      return kExitError;
    }
    const std::string& value = args[++i];
    if (a == "--upstream") {
      o.upstream = value;
    } else if (a == "--format") {
      if (value != "text" && value != "json") {
        std::cerr << "pgshim backfill: --format must be text or json\n";
        return kExitError;
      }
      o.format = value == "json" ? Format::Json : Format::Text;
    } else {
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), o.batch_size);
      if (ec != std::errc() || end != value.data() + value.size() || o.batch_size == 0) {
        std::cerr << "pgshim backfill: --batch-size must be a positive number\n";
        return kExitError;
      }
    }
  }
  if (o.journals.empty() || o.upstream.empty()) {
    std::cerr << "pgshim backfill: --journal and --upstream are required\n" << kUsage;
    return kExitError;
  }
  return -1;
}

void print_text(const Options& o, const journal::Run& run) {
  const journal::ReadResult& read = run.read;
  const journal::Plan& plan = run.plan;
  const journal::Summary& c = run.summary;
  std::ostream& out = std::cout;
  std::set<std::string> replicas;
  for (const auto& r : read.records) replicas.insert(r.replica);
  std::string replica_list;
  for (const auto& r : replicas) replica_list += (replica_list.empty() ? "" : ", ") + r;
  out << "pgshim backfill" << (o.dry_run ? " (dry run: nothing changed)" : "") << ": " << read.records.size()
      << " record(s) from " << read.files.size() << " file(s)"
      << (replicas.empty() ? "" : ", replicas " + replica_list) << "\n";
  for (const auto& t : plan.missing_columns) {
    out << "  column " << label(t) << " does not exist yet: run the migration, then backfill again "
        << "(its records are kept)\n";
  }
  if (o.dry_run) {
    for (const auto& outcome : run.outcomes) {
      const auto& p = *outcome.planned;
      out << "  " << (outcome.result == journal::Result::Applied ? "would apply" : journal::to_string(outcome.result))
          << "  " << label(p.target) << " = " << shown(p.value, o.show_values) << " where " << row_key(p) << "\n";
    }
  }
  for (const auto& u : plan.unrecoverable) {
    out << "  unrecoverable  " << where(read, u.record) << "  " << u.record->schema << "." << u.record->table << "."
        << u.record->column << ": " << u.reason << "\n";
  }
  for (const auto& b : read.bad) {
    out << "  " << (b.torn ? "torn" : "invalid") << "  " << b.file << ":" << b.line << ": " << b.error << "\n";
  }
  for (const auto& outcome : run.outcomes) {
    if (outcome.result != journal::Result::Error) continue;
    out << "  error  " << where(read, outcome.planned->record) << "  " << label(outcome.planned->target) << " where "
        << row_key(*outcome.planned) << ": " << (o.show_values ? outcome.detail : outcome.error) << "\n";
  }
  out << "Summary: " << c.applied << (o.dry_run ? " to apply" : " applied") << ", " << c.already
      << " already there, " << c.superseded << " superseded by a later write, " << c.newer
      << " kept (written since), " << c.gone << " row gone, " << c.unrecoverable << " unrecoverable, " << c.torn
      << " torn, " << c.invalid << " invalid, " << c.errors << " refused by the server"
      << (c.observed > 0 ? "; " + std::to_string(c.observed) + " write(s) the application made after the migration" : "")
      << "\n";
}

void print_json(const Options& o, const journal::Run& run) {
  const journal::ReadResult& read = run.read;
  const journal::Plan& plan = run.plan;
  const journal::Summary& c = run.summary;
  alert::JsonWriter w;
  w.begin_object();
  w.member("dry_run", o.dry_run);
  w.member("records", static_cast<std::uint64_t>(read.records.size()));
  w.key("files").begin_array();
  for (const auto& f : read.files) w.value(f);
  w.end_array();
  w.member("applied", c.applied).member("already", c.already).member("superseded", c.superseded);
  w.member("newer", c.newer).member("gone", c.gone).member("unrecoverable", c.unrecoverable);
  w.member("torn", c.torn).member("invalid", c.invalid).member("errors", c.errors);
  w.member("observed", c.observed);
  w.key("missing_columns").begin_array();
  for (const auto& t : plan.missing_columns) w.value(label(t));
  w.end_array();
  w.key("problems").begin_array();
  for (const auto& u : plan.unrecoverable) {
    w.begin_object().member("kind", "unrecoverable").member("at", where(read, u.record));
    w.member("column", u.record->schema + "." + u.record->table + "." + u.record->column);
    w.member("reason", u.reason).end_object();
  }
  for (const auto& b : read.bad) {
    w.begin_object().member("kind", b.torn ? "torn" : "invalid");
    w.member("at", b.file + ":" + std::to_string(b.line)).member("reason", b.error).end_object();
  }
  for (const auto& outcome : run.outcomes) {
    if (outcome.result != journal::Result::Error) continue;
    w.begin_object().member("kind", "error").member("at", where(read, outcome.planned->record));
    w.member("column", label(outcome.planned->target));
    w.member("reason", o.show_values ? outcome.detail : outcome.error).end_object();
  }
  w.end_array();
  w.end_object();
  std::cout << w.str() << "\n";
}

}  // namespace

int run_backfill_command(const std::vector<std::string>& args) {
  Options o;
  if (const int status = parse_args(args, o); status >= 0) return status;
  try {
    // The journals first: a wrong path is said before any connection is tried.
    // `postgres:[SCHEMA]` names the journal table; anything else is a path.
    std::vector<std::string> paths;
    std::vector<std::string> tables;
    for (const auto& j : o.journals) {
      if (!j.starts_with("postgres:")) {
        paths.push_back(j);
        continue;
      }
      tables.push_back(j.size() > 9 ? j.substr(9) : std::string(journal::kDefaultJournalSchema));
      if (const auto error = journal::schema_name_error(tables.back())) throw std::invalid_argument(*error);
    }
    journal::ReadResult read = journal::read_journals(paths);
    migrations::PgDatabase db(o.upstream, std::chrono::seconds(30), "pgshim-backfill");
    for (const auto& schema : tables) journal::read_table(db, schema, read);
    journal::ApplyOptions apply_options;
    apply_options.dry_run = o.dry_run;
    apply_options.batch_size = o.batch_size;
    // Progress for journals longer than one batch (stderr: stdout is the report).
    apply_options.progress = [batch = o.batch_size](std::size_t done, std::size_t total) {
      if (total > batch) std::cerr << "pgshim backfill: " << done << "/" << total << " values\n";
    };
    const auto run = journal::run_backfill(db, std::move(read), apply_options);
    switch (o.format) {
      case Format::Text: print_text(o, *run); break;
      case Format::Json: print_json(o, *run); break;
    }
    return run->summary.complete() ? kExitComplete : kExitIncomplete;
  } catch (const std::exception& e) {
    std::cerr << "pgshim backfill: " << e.what() << "\n";
    if (o.format == Format::Json) {
      alert::JsonWriter w;
      w.begin_object().member("error", e.what()).end_object();
      std::cout << w.str() << "\n";
    }
    return kExitError;
  }
}

}  // namespace pgshim::app
