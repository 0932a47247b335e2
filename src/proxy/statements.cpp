#include "statements.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>

#include "pgshim/journal/backfill.hpp"
#include "pgshim/journal/record.hpp"
#include "pgshim/util/ascii.hpp"
#include "pgshim/wire/reader.hpp"

namespace pgshim::proxy {
namespace {

constexpr char kQuery = static_cast<char>(wire::FrontendType::Query);
constexpr char kParse = static_cast<char>(wire::FrontendType::Parse);
constexpr char kBind = static_cast<char>(wire::FrontendType::Bind);
constexpr char kClose = static_cast<char>(wire::FrontendType::Close);
constexpr char kSync = static_cast<char>(wire::FrontendType::Sync);
constexpr char kTerminate = static_cast<char>(wire::FrontendType::Terminate);
constexpr char kReady = static_cast<char>(wire::BackendType::ReadyForQuery);
constexpr char kError = static_cast<char>(wire::BackendType::ErrorResponse);
constexpr char kParseComplete = static_cast<char>(wire::BackendType::ParseComplete);
constexpr char kCloseComplete = static_cast<char>(wire::BackendType::CloseComplete);
constexpr char kCommandComplete = static_cast<char>(wire::BackendType::CommandComplete);
constexpr char kCopyData = static_cast<char>(wire::FrontendType::CopyData);
constexpr char kCopyDone = static_cast<char>(wire::FrontendType::CopyDone);
constexpr char kCopyFail = static_cast<char>(wire::FrontendType::CopyFail);
constexpr char kCopyInResponse = static_cast<char>(wire::BackendType::CopyInResponse);
constexpr char kExecute = static_cast<char>(wire::FrontendType::Execute);
constexpr char kDescribe = static_cast<char>(wire::FrontendType::Describe);
constexpr char kRowDescription = static_cast<char>(wire::BackendType::RowDescription);
constexpr char kNoData = static_cast<char>(wire::BackendType::NoData);
constexpr char kDataRow = static_cast<char>(wire::BackendType::DataRow);
constexpr char kEmptyQuery = static_cast<char>(wire::BackendType::EmptyQueryResponse);
constexpr char kPortalSuspended = static_cast<char>(wire::BackendType::PortalSuspended);

constexpr std::string_view kUndefinedColumn = "42703";

// A Bind parameter as the journal records it: text as sent, binary as the
// raw bytes (the journal says which).
journal::Value bind_value(const wire::Bind& bind, int number) {
  if (number < 1 || static_cast<std::size_t>(number) > bind.values.size()) return {journal::Form::Unknown, {}};
  const auto& v = bind.values[static_cast<std::size_t>(number - 1)];
  if (!v) return journal::Value::null();
  const bool binary = bind.parameter_format(static_cast<std::size_t>(number - 1)) == wire::kFormatBinary;
  return {binary ? journal::Form::Binary : journal::Form::Text, std::string(*v)};
}

// Whether `s` is a bare numeric or boolean constant, which PostgreSQL's input
// functions read as written (`42`, `-1.5e3`, `true`).
bool bare_constant(std::string_view s) {
  if (util::iequals(s, "true") || util::iequals(s, "false")) return true;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '.')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
  });
}

// A value the statement wrote as SQL text, as the journal records it: a
// quoted literal unquoted ('it''s' -> it's, a trailing ::cast dropped) and
// bare numbers and booleans as text, NULL as null, anything else (function
// calls, operators, E'' strings) as an expression pgshim does not evaluate.
journal::Value literal_value(std::string_view expression) {
  while (!expression.empty() && expression.front() == ' ') expression.remove_prefix(1);
  while (!expression.empty() && expression.back() == ' ') expression.remove_suffix(1);
  if (util::iequals(expression, "null")) return journal::Value::null();
  if (bare_constant(expression)) return journal::Value::text(std::string(expression));
  if (expression.size() >= 2 && expression.front() == '\'') {
    std::string out;
    std::size_t i = 1;
    for (; i < expression.size(); ++i) {
      if (expression[i] != '\'') {
        out.push_back(expression[i]);
      } else if (i + 1 < expression.size() && expression[i + 1] == '\'') {
        out.push_back('\'');
        ++i;
      } else {
        break;  // the closing quote
      }
    }
    const std::string_view rest = expression.substr(std::min(i + 1, expression.size()));
    if (i < expression.size() && (rest.empty() || rest.substr(0, 2) == "::")) return journal::Value::text(std::move(out));
  }
  return {journal::Form::Expression, std::string(expression)};
}

journal::Value stated_value(const sql::StatedValue& v, const wire::Bind* bind) {
  if (v.parameter != 0) return bind ? bind_value(*bind, v.parameter) : journal::Value{journal::Form::Unknown, {}};
  return literal_value(v.expression);
}

// Executions are numbered process-wide: records of one execution share it.
std::uint64_t next_execution() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

StatementState::StatementState(Options options) : options_(options), frontend_(*this), backend_(*this) {}

StatementState::~StatementState() {
  // The session ended with writes whose fate it never learned: an open
  // transaction the server rolls back, or answers that never came.
  const auto writes = std::count_if(held_writes_.begin(), held_writes_.end(), [](const HeldWrite& h) { return !h.step; });
  if (writes > 0) options_.observer->on_discarded_writes(static_cast<std::size_t>(writes), "unfinished");
}

// ---- Frontend (client -> server) ---------------------------------------------------

Handling StatementState::Frontend::classify(char type) noexcept {
  if (type == '\0') return Handling::Reject;  // a start-up packet after authentication
  if (type == kTerminate) return Handling::Inspect;
  if (!s_.active()) return Handling::Relay;
  if (s_.copy_in_ && s_.copy_in_->filter && (type == kCopyData || type == kCopyDone || type == kCopyFail)) {
    return Handling::Inspect;  // rows lose the pending fields on their way
  }
  if (s_.replay_ == Replay::Recording) return Handling::Inspect;  // every message of the batch is copied
  if (s_.replay_ == Replay::Sent || s_.replay_ == Replay::Holding) {
    // The client sent more before the batch's answer: the server will have run
    // it by the time a replay could go out, so no replay is possible. (A held
    // error is still released at ReadyForQuery.)
    s_.replay_blocked_ = true;
  }
  switch (type) {
    case kQuery:
    case kParse:
    case kSync:
    case kExecute:  // counted: a dropped write's Execute is matched to its CommandComplete
      return Handling::Inspect;
    case kDescribe:  // counted: its answer may carry pgshim's RETURNING columns (with a journal)
      return s_.hides_written_rows() ? Handling::Inspect : Handling::Relay;
    case kBind:
    case kClose:
      return s_.prepared_.empty() && s_.portal_hidden_.empty() && s_.savepoint_statements_.empty() &&
                     s_.observed_statements_.empty()
                 ? Handling::Relay
                 : Handling::Inspect;
    default:
      return Handling::Relay;
  }
}

FilterAction StatementState::Frontend::on_message(const wire::MessageView& message, std::string& replacement) {
  FilterAction action = FilterAction::Forward;
  switch (message.type) {
    case kTerminate:
      s_.terminated_ = true;
      break;
    case kQuery:
      ++s_.outstanding_;
      action = s_.on_query(message, replacement);
      ++s_.units_sent_;
      s_.executes_in_unit_ = 0;
      s_.describes_sent_in_unit_ = 0;
      break;
    case kParse:
      action = s_.on_parse(message, replacement);
      break;
    case kBind:
      action = s_.on_bind(message, replacement);
      break;
    case kClose:
      s_.on_close(message);
      break;
    case kSync:
      ++s_.outstanding_;
      ++s_.units_sent_;
      s_.executes_in_unit_ = 0;
      s_.describes_sent_in_unit_ = 0;
      break;
    case kExecute: {
      wire::Execute execute;
      if (!s_.savepoint_portals_.empty() && !wire::parse_execute(message.body, execute)) {
        const auto step = s_.savepoint_portals_.find(std::string(execute.portal));
        if (step != s_.savepoint_portals_.end()) s_.hold_step(step->second, s_.units_sent_ + 1, s_.executes_in_unit_);
      }
      s_.note_hidden_answer(message, s_.units_sent_ + 1, s_.executes_in_unit_++);
      break;
    }
    case kDescribe:
      s_.note_hidden_answer(message, s_.units_sent_ + 1, s_.describes_sent_in_unit_++);
      break;
    case kCopyData:
      if (s_.copy_in_ && s_.copy_in_->filter) action = s_.on_copy_data(message, replacement);
      break;
    case kCopyDone:
    case kCopyFail:
      if (s_.copy_in_ && s_.copy_in_->filter) action = s_.on_copy_end(message, replacement);
      break;
    default:
      break;
  }
  if (s_.replay_ == Replay::Recording) {
    if (s_.replay_batch_.size() + message.frame.size() > s_.options_.max_replay_bytes) {
      s_.replay_ = Replay::Off;
      s_.replay_batch_.clear();
    } else {
      s_.replay_batch_.append(message.frame);
      if (message.type == kSync || message.type == kQuery) {
        s_.replay_ = Replay::Sent;
        s_.replay_blocked_ = false;
      }
    }
  }
  return action;
}

std::string StatementState::Frontend::take_injection() { return std::exchange(s_.to_client_, {}); }

void StatementState::start_search_path(std::optional<std::string> shown, std::string user) {
  search_path_.start(std::move(shown), std::move(user));
  search_path_tracked_ = true;
}

void StatementState::note_search_path(std::string_view sql) {
  if (!search_path_tracked_ || !sql::may_change_search_path(sql)) return;
  const auto effects = sql::search_path_effects(sql);
  if (!effects.empty()) search_path_.sent(effects, status_ != wire::TransactionStatus::Idle);
}

const sql::RewriteResult* StatementState::rewrite(std::string_view sql, const schema::Snapshot& snapshot) {
  if (!snapshot.missing || snapshot.missing->empty()) return nullptr;
  if (!snapshot.missing->prefilter().may_reference(sql)) return nullptr;
  const auto started = std::chrono::steady_clock::now();
  const auto hits_before = options_.cache->hits();
  const sql::SearchPath* path = search_path_tracked_ ? &search_path_.current() : nullptr;
  const sql::RewriteResult& result = options_.cache->get_or_rewrite(sql, *snapshot.missing, snapshot.facts.get(), path);
  const bool hit = options_.cache->hits() != hits_before;
  options_.observer->on_cache(hit);
  if (result.rewritten()) {
    options_.observer->on_rewritten(result, hit, std::chrono::steady_clock::now() - started, options_.session);
    if (options_.notice_on_rewrite && !result.edits.empty()) {
      const auto& e = result.edits.front();
      to_client_ += wire::build_notice_response(
          {"NOTICE", "01000",
           "pgshim rewrote this statement: column " + e.table + "." + e.column + " is pending a migration",
           "", ""});
    }
  } else if (result.reason != sql::UntouchedReason::PrefilterMiss) {
    options_.observer->on_untouched(result.reason, result.detail);
  }
  return &result;
}

// Whether `sql` mentions a configured column the snapshot does not say is
// missing: such a statement may fail with 42703 if the column is in fact
// missing and the watcher has not seen it yet (the reactive path).
bool StatementState::may_fail_on_pending(std::string_view sql, const schema::Snapshot& snapshot) const {
  // The state check first: in the incident every column is known missing, and
  // then the statement's text need not be scanned a second time.
  const bool any_unconfirmed = std::any_of(snapshot.columns.begin(), snapshot.columns.end(), [](const auto& c) {
    return c.state != schema::ColumnState::Missing;
  });
  return any_unconfirmed && options_.source->configured_names().may_reference(sql);
}

FilterAction StatementState::on_query(const wire::MessageView& message, std::string& replacement) {
  wire::Query query;
  if (wire::parse_query(message.body, query)) return FilterAction::Forward;  // the server will say what is wrong
  if (!prepared_.empty()) forget_statements_named_in(query.sql);
  note_search_path(query.sql);
  if (sql::may_hold_savepoint_step(query.sql)) {
    for (auto& step : sql::savepoint_steps(query.sql)) hold_step(step, units_sent_ + 1, step.statement);
  }
  const auto snapshot = options_.source->current();
  if (!snapshot) return FilterAction::Forward;

  // A simple Query starts a batch of its own when nothing else is in flight.
  if (replay_ == Replay::Off && outstanding_ == 1 && status_ == wire::TransactionStatus::Idle &&
      may_fail_on_pending(query.sql, *snapshot)) {
    replay_ = Replay::Recording;
    replay_batch_.clear();
  }
  const sql::RewriteResult* result = rewrite(query.sql, *snapshot);
  if (!result || !result->rewritten()) {
    if (const auto seen = observe(query.sql)) journal_literals(*seen, units_sent_ + 1, true);
    return FilterAction::Forward;
  }
  if (result->copy_from && !accept_copy_from(*result->copy_from)) return FilterAction::Forward;
  journal_literals(*result, units_sent_ + 1);  // this Query's unit
  if (!result->hidden_returning.empty()) {
    HiddenPlan& plan = hidden_plan(units_sent_ + 1);
    plan.simple = true;
    for (const auto& h : result->hidden_returning) plan.statements.push_back(h.statement);
  }
  replacement = wire::build_query(result->sql);
  return FilterAction::Replace;
}

void StatementState::set_server_parameters(std::string client_encoding, int server_major) {
  if (!client_encoding.empty()) client_encoding_ = std::move(client_encoding);
  if (server_major > 0) server_major_ = server_major;
}

// ---- COPY FROM ---------------------------------------------------------------------
//
// The rewritten COPY lists the client's columns less the pending ones. When the
// server answers CopyInResponse, a CopyRowFilter starts stripping those fields
// from the CopyData stream (rows span messages; the filter keeps the partial
// tail), and the CopyInResponse is given the client's own column count. Data
// pgshim cannot split with certainty fails the COPY: CopyFail to the server,
// and the server's answer replaced by a 22P04 ErrorResponse that says why;
// the client's remaining CopyData is dropped (the server would drop it too).

namespace {

// Encodings in which a multibyte character may contain the byte of '\\' or a
// delimiter (PostgreSQL's client-only encodings): the rows cannot be split on bytes.
bool ascii_unsafe_encoding(std::string_view encoding) {
  std::string e = util::ascii_lower(encoding);
  std::erase_if(e, [](char c) { return c == '_' || c == '-'; });
  return e == "sjis" || e == "shiftjis" || e == "shiftjis2004" || e == "big5" || e == "gbk" || e == "uhc" ||
         e == "gb18030" || e == "johab" || e == "win932" || e == "win936" || e == "win949" || e == "win950" ||
         e == "cp932" || e == "cp936" || e == "cp949" || e == "cp950";
}

}  // namespace

bool StatementState::accept_copy_from(const sql::CopyFromFilter& what) {
  const std::string& encoding = what.encoding.empty() ? client_encoding_ : what.encoding;
  std::string why;
  if (ascii_unsafe_encoding(encoding)) {
    why = "client encoding " + encoding + " cannot be split byte by byte";
  } else {
    CopyIn in;
    in.what = what;
    in.spec.format = what.csv ? wire::CopyFormat::Csv : wire::CopyFormat::Text;
    in.spec.delimiter = what.delimiter;
    in.spec.quote = what.quote;
    in.spec.escape = what.escape;
    in.spec.null_string = what.null_string;
    in.spec.header = what.header;
    in.spec.field_count = what.columns.size();
    in.spec.drop = what.drop;
    in.spec.force_not_null = what.force_not_null;
    in.spec.force_null = what.force_null;
    in.spec.csv_end_marker = server_major_ < 18;
    if (!wire::validate_copy_row_spec(in.spec, why)) {
      copy_in_ = std::move(in);
      return true;
    }
  }
  options_.observer->on_untouched(sql::UntouchedReason::Copy, "COPY FROM with a pending column relayed as sent: " + why);
  return false;
}

FilterAction StatementState::on_copy_in_response(const wire::MessageView& message, std::string& replacement) {
  wire::CopyResponse response;
  if (wire::parse_copy_response(message.body, response) || response.format != 0) {
    copy_in_.reset();  // not the text/CSV COPY pgshim rewrote: leave it alone
    return FilterAction::Forward;
  }
  copy_in_->filter = std::make_unique<wire::CopyRowFilter>(copy_in_->spec);
  // The client asked for its own column list: tell it that many columns.
  response.column_formats.assign(copy_in_->what.columns.size(), 0);
  replacement = wire::build_copy_in_response(response);
  return FilterAction::Replace;
}

FilterAction StatementState::on_copy_data(const wire::MessageView& message, std::string& replacement) {
  CopyIn& in = *copy_in_;
  if (!in.failure.empty()) return FilterAction::Replace;  // the COPY already failed: dropped
  const std::size_t frame = wire::begin_copy_data(replacement);
  const std::error_code ec = in.filter->feed(message.body, replacement, &in.rows);
  wire::end_copy_data(replacement, frame);
  after_copy_rows(ec, replacement);
  return FilterAction::Replace;
}

FilterAction StatementState::on_copy_end(const wire::MessageView& message, std::string& replacement) {
  CopyIn& in = *copy_in_;
  if (!in.failure.empty()) return FilterAction::Replace;  // pgshim's CopyFail already went
  if (message.type == kCopyFail) return FilterAction::Forward;
  const std::size_t frame = wire::begin_copy_data(replacement);
  const std::error_code ec = in.filter->finish(replacement, &in.rows);
  wire::end_copy_data(replacement, frame);
  after_copy_rows(ec, replacement);
  if (!ec) replacement.append(message.frame);
  return FilterAction::Replace;
}

void StatementState::after_copy_rows(std::error_code ec, std::string& replacement) {
  CopyIn& in = *copy_in_;
  journal_copy_rows(in.rows);
  in.rows.clear();  // keeps its capacity for the next CopyData
  if (ec) {
    in.failure = "pgshim: cannot strip the pending column from the COPY data: " + in.filter->error_message();
    replacement += wire::build_copy_fail(in.failure);
  }
}

void StatementState::journal_copy_rows(const std::vector<wire::CopyRowValues>& rows) {
  const CopyIn& in = *copy_in_;
  const auto value = [](const std::optional<std::string>& field) {
    return field ? journal::Value::text(*field) : journal::Value::null();
  };
  for (const auto& row : rows) {
    const std::uint64_t execution = next_execution();  // each row is an INSERT of its own
    for (std::size_t d = 0; d < in.what.drop.size() && d < in.what.dropped.size(); ++d) {
      const std::size_t index = in.what.drop[d];
      DroppedWrite write{&in.what.dropped[d],
                         index < row.fields.size() ? value(row.fields[index]) : journal::Value{journal::Form::Unknown, {}},
                         {}, execution};
      for (std::size_t k = 0; k < row.fields.size() && k < in.what.columns.size(); ++k) {
        if (std::find(in.what.drop.begin(), in.what.drop.end(), k) == in.what.drop.end()) {
          write.key.emplace_back(in.what.columns[k], value(row.fields[k]));
        }
      }
      hold(std::move(write), units_sent_, in.what.dropped[d].statement);  // the COPY's Query was counted
    }
  }
}

bool StatementState::build_parse(std::string_view name, std::string_view sql, const std::vector<std::uint32_t>& types,
                                 std::string& out) {
  prepared_.erase(std::string(name));
  note_search_path(sql);
  const auto snapshot = options_.source->current();
  if (!snapshot) return false;
  const sql::RewriteResult* result = rewrite(sql, *snapshot);
  if (!result || !result->rewritten()) return false;

  // Keep the client's parameter count: every $n the rewrite no longer
  // references is declared with the type PostgreSQL would have inferred, so
  // Bind and ParameterDescription stay exactly as the client expects.
  std::vector<std::uint32_t> declared = types;
  for (const auto& dropped : result->dropped_parameters) {
    const auto index = static_cast<std::size_t>(dropped.number - 1);
    if (declared.size() <= index) declared.resize(index + 1, 0);
    if (declared[index] != 0) continue;
    const std::uint32_t oid = options_.source->type_oid(dropped.type);
    if (oid == 0) {
      // Undeclared and unreferenced, the server could not type the parameter:
      // the rewrite would fail where the original fails anyway. Send the original.
      options_.observer->on_untouched(sql::UntouchedReason::Unsupported,
                                      "the type of a dropped parameter is unknown: " + dropped.type);
      return false;
    }
    declared[index] = oid;
  }
  // Parameters the client left untyped stay 0 up to the highest one it typed.
  out = wire::build_parse(name, result->sql, declared);
  if (out.empty()) return false;
  Prepared prepared;
  prepared.original_sql = sql;
  prepared.original_types = types;
  prepared.edits = result->edits;
  prepared.dropped_values = result->dropped_values;
  prepared.version = snapshot->version;
  prepared.hidden_returning = !result->hidden_returning.empty();
  prepared_.emplace(std::string(name), std::move(prepared));
  return true;
}

FilterAction StatementState::on_parse(const wire::MessageView& message, std::string& replacement) {
  wire::Parse parse;
  if (wire::parse_parse(message.body, parse)) return FilterAction::Forward;
  if (!savepoint_statements_.empty()) savepoint_statements_.erase(std::string(parse.statement));
  if (!observed_statements_.empty()) observed_statements_.erase(std::string(parse.statement));
  if (sql::may_hold_savepoint_step(parse.sql)) {
    auto steps = sql::savepoint_steps(parse.sql);
    if (steps.size() == 1) savepoint_statements_.emplace(std::string(parse.statement), std::move(steps[0]));
  }
  // An extended-protocol batch that starts with this Parse may be replayed.
  if (replay_ == Replay::Off && outstanding_ == 0 && status_ == wire::TransactionStatus::Idle) {
    const auto snapshot = options_.source->current();
    if (snapshot && may_fail_on_pending(parse.sql, *snapshot)) {
      replay_ = Replay::Recording;
      replay_batch_.clear();
    }
  }
  if (!build_parse(parse.statement, parse.sql, parse.parameter_types, replacement)) {
    if (auto seen = observe(parse.sql)) observed_statements_[std::string(parse.statement)] = std::move(seen->dropped_values);
    return FilterAction::Forward;
  }
  return FilterAction::Replace;
}

bool StatementState::still_valid(const Prepared& prepared, const schema::Snapshot& snapshot) const {
  if (prepared.version == snapshot.version) return true;
  if (!snapshot.missing) return false;
  return std::all_of(prepared.edits.begin(), prepared.edits.end(), [&](const sql::Edit& e) {
    return snapshot.missing->find(e.schema, e.table, e.column) != nullptr;
  });
}

FilterAction StatementState::on_bind(const wire::MessageView& message, std::string& replacement) {
  wire::Bind bind;
  if (wire::parse_bind(message.body, bind)) return FilterAction::Forward;
  // A Bind replaces its portal: what pgshim knew of the old one goes.
  if (!portal_hidden_.empty()) portal_hidden_.erase(std::string(bind.portal));
  if (!savepoint_portals_.empty()) savepoint_portals_.erase(std::string(bind.portal));
  if (!observed_statements_.empty()) {
    const auto seen = observed_statements_.find(std::string(bind.statement));
    if (seen != observed_statements_.end()) journal_bound(seen->second, bind, units_sent_ + 1, executes_in_unit_, true);
  }
  if (!savepoint_statements_.empty()) {
    const auto step = savepoint_statements_.find(std::string(bind.statement));
    if (step != savepoint_statements_.end()) savepoint_portals_[std::string(bind.portal)] = step->second;
  }
  const auto it = prepared_.find(std::string(bind.statement));
  if (it == prepared_.end()) return FilterAction::Forward;
  const auto snapshot = options_.source->current();
  if (snapshot && !still_valid(it->second, *snapshot)) {
    // The statement was prepared rewritten and a column it dropped has since
    // appeared: prepare it again from the client's SQL under today's state,
    // ahead of this Bind, and drop the server's answers to what we injected.
    const std::string name(bind.statement);
    const Prepared previous = std::move(it->second);
    prepared_.erase(it);
    std::string parse;
    if (!build_parse(name, previous.original_sql, previous.original_types, parse)) {
      parse = wire::build_parse(name, previous.original_sql, previous.original_types);
    }
    replacement = wire::build_close({wire::kTargetStatement, name}) + parse;
    replacement.append(message.frame);
    swallow_.push_back(kCloseComplete);
    swallow_.push_back(kParseComplete);
    const auto again = prepared_.find(name);
    if (again != prepared_.end()) {
      journal_bind(again->second, bind, units_sent_ + 1, executes_in_unit_);
      if (again->second.hidden_returning) {
        // The Bind itself may need pgshim's columns' formats (below).
        std::string bound;
        if (bind_hidden(bind, bound)) {
          replacement.resize(replacement.size() - message.frame.size());  // the client's Bind, replaced
          replacement += bound;
        }
      }
    }
    return FilterAction::Replace;
  }
  journal_bind(it->second, bind, units_sent_ + 1, executes_in_unit_);
  if (!it->second.hidden_returning) return FilterAction::Forward;
  return bind_hidden(bind, replacement) ? FilterAction::Replace : FilterAction::Forward;
}

// A Bind of a statement whose RETURNING pgshim extended: its portal's rows
// carry the hidden columns, and one result format per column (the client's
// count) would no longer match: pgshim's two are added as text.
bool StatementState::bind_hidden(const wire::Bind& bind, std::string& out) {
  portal_hidden_.insert(std::string(bind.portal));
  if (bind.result_formats.size() <= 1) return false;
  wire::Bind extended = bind;
  extended.result_formats.resize(bind.result_formats.size() + sql::HiddenReturning::kColumns, 0);
  out = wire::build_bind(extended);
  return !out.empty();
}

void StatementState::on_close(const wire::MessageView& message) {
  wire::Target target{};
  if (wire::parse_target(message.body, target)) return;
  if (target.kind == wire::kTargetStatement) {
    prepared_.erase(std::string(target.name));
    savepoint_statements_.erase(std::string(target.name));
    observed_statements_.erase(std::string(target.name));
  } else {
    portal_hidden_.erase(std::string(target.name));
    savepoint_portals_.erase(std::string(target.name));
  }
}

// DEALLOCATE and DISCARD in a simple Query drop server-side statements the
// registry must forget too. Rough but safe: forgetting too much only means a
// later Bind is not journaled or re-prepared.
void StatementState::forget_statements_named_in(std::string_view sql) {
  if (sql::contains_ascii_icase(sql, "discard")) {
    prepared_.clear();
    return;
  }
  if (!sql::contains_ascii_icase(sql, "deallocate")) return;
  for (auto it = prepared_.begin(); it != prepared_.end();) {
    if (it->first.empty() || sql::contains_ascii_icase(sql, it->first) || sql::contains_ascii_icase(sql, " all")) {
      it = prepared_.erase(it);
    } else {
      ++it;
    }
  }
}

// A column that appeared a short while ago (PendingSource::Observed): the
// writes of it are found as if it were still missing, to be journaled as the
// application's own (observed), while the statement goes out as sent.
std::optional<sql::RewriteResult> StatementState::observe(std::string_view sql) const {
  const auto observed = options_.source->observed();
  if (!observed || std::chrono::steady_clock::now() >= observed->until) return std::nullopt;
  if (!observed->columns.prefilter().may_reference(sql)) return std::nullopt;
  const sql::SearchPath* path = search_path_tracked_ ? &search_path_.current() : nullptr;
  sql::RewriteResult r = sql::rewrite(sql, observed->columns, nullptr, path);
  if (!r.rewritten() || r.dropped_values.empty()) return std::nullopt;
  return r;
}

void StatementState::journal_literals(const sql::RewriteResult& result, std::uint64_t unit, bool observed) {
  // One execution per statement of the string.
  std::vector<std::uint64_t> executions;
  for (const auto& dropped : result.dropped_values) {
    if (executions.size() <= dropped.statement) executions.resize(dropped.statement + 1, 0);
    if (executions[dropped.statement] == 0) executions[dropped.statement] = next_execution();
    DroppedWrite write{&dropped, stated_value(dropped.value, nullptr), {}, executions[dropped.statement], observed};
    for (const auto& k : dropped.key) write.key.emplace_back(k.column, stated_value(k, nullptr));
    hold(std::move(write), unit, dropped.statement);
  }
}

void StatementState::journal_bind(const Prepared& prepared, const wire::Bind& bind, std::uint64_t unit,
                                  std::size_t command) {
  journal_bound(prepared.dropped_values, bind, unit, command, false);
}

void StatementState::journal_bound(const std::vector<sql::DroppedValue>& values, const wire::Bind& bind,
                                   std::uint64_t unit, std::size_t command, bool observed) {
  const std::uint64_t execution = values.empty() ? 0 : next_execution();
  for (const auto& dropped : values) {
    DroppedWrite write{&dropped, stated_value(dropped.value, &bind), {}, execution, observed};
    for (const auto& k : dropped.key) write.key.emplace_back(k.column, stated_value(k, &bind));
    hold(std::move(write), unit, command);
  }
}

// ---- Backend (server -> client) ----------------------------------------------------

Handling StatementState::Backend::classify(char type) noexcept {
  if (type == kReady || type == kError) return Handling::Inspect;
  // Command results are counted: a dropped write whose statement changed no
  // row is never journaled, and a ROLLBACK tag discards the transaction's.
  if (s_.active() && (type == kCommandComplete || type == kEmptyQuery || type == kPortalSuspended)) {
    return Handling::Inspect;
  }
  // Describe answers are counted only where pgshim's RETURNING columns can be.
  if ((type == kRowDescription || type == kNoData) && s_.hides_written_rows()) return Handling::Inspect;
  if (type == kDataRow && s_.answering_plan() != nullptr && s_.answer_hidden(false)) return Handling::Inspect;
  // A SET search_path waits for its transaction's COMMIT or ROLLBACK tag.
  if (type == kCommandComplete && s_.search_path_.watching_tags()) return Handling::Inspect;
  if (type == kCopyInResponse && s_.copy_in_ && !s_.copy_in_->filter) return Handling::Inspect;
  if (!s_.swallow_.empty()) return Handling::Inspect;
  if (s_.replay_ == Replay::Holding) return Handling::Inspect;  // held back until ReadyForQuery
  if (s_.replay_ == Replay::Sent) {
    // The batch's first answer is not an error: it ran, no replay.
    s_.replay_ = Replay::Off;
    s_.replay_batch_.clear();
  }
  return Handling::Relay;
}

FilterAction StatementState::Backend::on_message(const wire::MessageView& message, std::string& replacement) {
  if (!s_.swallow_.empty()) {
    if (message.type == s_.swallow_.front()) {
      s_.swallow_.erase(0, 1);
      return FilterAction::Replace;  // with nothing
    }
    // An injected message failed (its error comes instead) or the batch ended:
    // the server skips to Sync, so nothing more is owed.
    if (message.type == kError || message.type == kReady) s_.swallow_.clear();
  }
  if (message.type == kError) {
    s_.unit_failed_ = true;
    return s_.on_error(message, replacement);
  }
  if (message.type == kReady) return s_.on_ready(message, replacement);
  if (message.type == kCopyInResponse && s_.copy_in_ && !s_.copy_in_->filter) {
    return s_.on_copy_in_response(message, replacement);
  }
  if (message.type == kCommandComplete) {
    wire::CommandComplete done;
    if (!wire::parse_command_complete(message.body, done)) {
      s_.search_path_.command_complete(done.tag);
      s_.on_command_result(done.tag);
    }
  } else if (message.type == kEmptyQuery || message.type == kPortalSuspended) {
    s_.on_command_result({});
  } else if (message.type == kRowDescription || message.type == kNoData || message.type == kDataRow) {
    std::string stripped;
    const FilterAction action = message.type == kDataRow ? s_.on_data_row(message, stripped)
                                                         : s_.on_row_description(message, stripped);
    if (action == FilterAction::Replace) {
      if (s_.replay_ == Replay::Holding) {
        s_.held_.append(stripped);
      } else {
        replacement = std::move(stripped);
      }
      return FilterAction::Replace;
    }
  }
  if (s_.replay_ == Replay::Holding) {
    s_.held_.append(message.frame);
    return FilterAction::Replace;
  }
  return FilterAction::Forward;
}

std::string StatementState::Backend::take_injection() { return std::exchange(s_.to_server_, {}); }

FilterAction StatementState::on_error(const wire::MessageView& message, std::string& replacement) {
  if (copy_in_ && !copy_in_->failure.empty()) {
    // The server's answer to pgshim's CopyFail: the client learns why, as a
    // COPY data error, not as a cancellation it never asked for.
    replacement = wire::build_error_response({"ERROR", std::string(wire::kSqlStateBadCopyFileFormat), copy_in_->failure,
                                              "", "The COPY was not applied: no row was written."});
    copy_in_->failure.clear();
    copy_in_->filter.reset();
    return FilterAction::Replace;
  }
  wire::ErrorFields fields;
  if (wire::parse_error_fields(message.body, fields)) return FilterAction::Forward;
  const auto severity = fields.severity();
  server_fatal_ = severity == "FATAL" || severity == "PANIC";
  if (!active() || fields.sqlstate() != kUndefinedColumn) {
    if (replay_ == Replay::Sent) {
      replay_ = Replay::Off;
      replay_batch_.clear();
    }
    if (replay_ == Replay::Holding) {
      held_.append(message.frame);
      return FilterAction::Replace;
    }
    return FilterAction::Forward;
  }
  // 42703: does it name a configured column? The watcher decides and marks it.
  const bool newly_missing = options_.source->report_undefined_column(fields.message());
  if (replay_ == Replay::Sent) {
    replay_ = Replay::Holding;
    held_.assign(message.frame);
    held_message_ = fields.message();
    (void)newly_missing;
    return FilterAction::Replace;
  }
  const bool in_block = status_ != wire::TransactionStatus::Idle;
  options_.observer->on_intercepted_error(false, in_block ? "inside a transaction block"
                                                          : "other messages were already answered");
  return FilterAction::Forward;
}

FilterAction StatementState::on_ready(const wire::MessageView& message, std::string& replacement) {
  wire::ReadyForQuery ready{};
  if (!wire::parse_ready_for_query(message.body, ready)) {
    status_ = ready.status;
    search_path_.ready(static_cast<char>(ready.status));
  }
  copy_in_.reset();  // the COPY, if any, is over
  if (outstanding_ > 0) --outstanding_;
  if (replay_ == Replay::Sent) {
    replay_ = Replay::Off;  // answered without an error
    replay_batch_.clear();
  }
  if (replay_ != Replay::Holding) {
    end_unit(status_);
    return FilterAction::Forward;
  }

  // The recorded batch failed with 42703 on a configured column, outside any
  // transaction block, before anything reached the client: replay it with the
  // column now known missing. The server rolled the failed batch back, so
  // running it again is what the client asked for, once.
  replay_ = Replay::Off;
  std::string batch = std::exchange(replay_batch_, {});
  if (replay_blocked_) {
    options_.observer->on_intercepted_error(false, "the client sent more before the answer");
    replacement = std::exchange(held_, {});
    replacement.append(message.frame);
    end_unit(status_);
    return FilterAction::Replace;
  }
  // The replay answers the same unit: what the failed attempt said is void,
  // and where pgshim's RETURNING columns come back is worked out again.
  reset_unit();
  const std::uint64_t unit = units_done_ + 1;
  hidden_plans_.erase(unit);
  std::size_t executes = 0;
  std::size_t describes = 0;
  std::string replayed;
  bool rewritten = false;
  std::string_view rest(batch);
  while (!rest.empty()) {
    const auto decoded = wire::decode_message(rest);
    const auto* done = std::get_if<wire::Complete<wire::MessageView>>(&decoded);
    if (!done) break;
    const wire::MessageView m = done->value;
    std::string out;
    if (m.type == kQuery) {
      wire::Query q;
      const auto snapshot = options_.source->current();
      const sql::RewriteResult* r = (!wire::parse_query(m.body, q) && snapshot) ? rewrite(q.sql, *snapshot) : nullptr;
      if (r && r->rewritten()) {
        journal_literals(*r, unit);
        out = wire::build_query(r->sql);
        rewritten = true;
        if (!r->hidden_returning.empty()) {
          HiddenPlan& plan = hidden_plan(unit);
          plan.simple = true;
          for (const auto& h : r->hidden_returning) plan.statements.push_back(h.statement);
        }
      }
    } else if (m.type == kParse) {
      wire::Parse p;
      if (!wire::parse_parse(m.body, p) && build_parse(p.statement, p.sql, p.parameter_types, out)) rewritten = true;
    } else if (m.type == kBind) {
      // Its statement was sent unrewritten the first time: journaled now.
      wire::Bind b;
      if (!wire::parse_bind(m.body, b)) {
        portal_hidden_.erase(std::string(b.portal));
        const auto it = prepared_.find(std::string(b.statement));
        if (it != prepared_.end()) {
          journal_bind(it->second, b, unit, executes);
          if (it->second.hidden_returning) (void)bind_hidden(b, out);
        }
      }
    } else if (m.type == kDescribe) {
      note_hidden_answer(m, unit, describes++);
    } else if (m.type == kExecute) {
      note_hidden_answer(m, unit, executes++);
    }
    replayed += out.empty() ? std::string(m.frame) : out;
    rest.remove_prefix(done->consumed);
  }
  if (!rewritten) {
    // Nothing to rewrite after all (the error named something else): the
    // client gets the server's answer as it was.
    options_.observer->on_intercepted_error(false, "the statement could not be rewritten");
    replacement = std::exchange(held_, {});
    replacement.append(message.frame);
    end_unit(status_);
    return FilterAction::Replace;
  }
  options_.observer->on_intercepted_error(true, "");
  held_.clear();
  to_server_ = std::move(replayed);
  ++outstanding_;  // the replayed batch ends in a Sync or is a Query
  return FilterAction::Replace;  // the ReadyForQuery of the failed attempt is not the client's
}

// ---- Dropped writes -----------------------------------------------------------------
//
// A dropped value is journaled only once its statement took effect, so that
// backfill never applies a write the database never kept. Each is held with
// its unit (the Query, or the batch up to a Sync, whose ReadyForQuery ends it)
// and its command (which CommandComplete of the unit reports its statement).
// - A command reporting 0 rows (UPDATE 0, INSERT 0 0, MERGE 0, DELETE 0):
//   its writes changed nothing: discarded ("no_row").
// - At a ReadyForQuery relayed to the client, the held writes of every unit
//   up to it are settled by the transaction status it carries:
//     'I' committed unless the unit failed, said ROLLBACK (ROLLBACK, a failed
//         COMMIT) or PREPARE TRANSACTION, or the transaction failed earlier;
//     'T' still open: kept, except that ROLLBACK TO SAVEPOINT discards the
//         transaction's writes so far (which survived is not known);
//     'E' failed: kept until the ROLLBACK that ends it.
// Units whose answers are still to come stay held (pipelining).

void StatementState::hold(DroppedWrite write, std::uint64_t unit, std::size_t command) {
  if (held_writes_.size() >= kMaxHeldWrites) {
    // A transaction this long is written as it goes rather than held in memory.
    if (!warned_long_transaction_) {
      warned_long_transaction_ = true;
      options_.observer->on_written_early(kMaxHeldWrites);
    }
    HeldWrite& oldest = held_writes_.front();
    if (!oldest.step) {
      oldest.write.what = &oldest.what;
      options_.observer->on_dropped_write(oldest.write);
    }
    held_writes_.pop_front();
  }
  // Only what names the column and row is kept of the rewrite's DroppedValue
  // (the stated values are already in `write`): a COPY holds one per row.
  const sql::DroppedValue& v = *write.what;
  HeldWrite held;
  held.what.kind = v.kind;
  held.what.schema = v.schema;
  held.what.table = v.table;
  held.what.column = v.column;
  held.what.statement = v.statement;
  held.what.row = v.row;
  held.write = std::move(write);
  held.unit = unit;
  held.command = command;
  held_writes_.push_back(std::move(held));
}

void StatementState::hold_step(sql::SavepointStep step, std::uint64_t unit, std::size_t command) {
  HeldWrite held;
  held.unit = unit;
  held.command = command;
  held.step = std::move(step);
  held_writes_.push_back(std::move(held));
}

bool StatementState::complete_step(std::uint64_t unit, std::size_t command) {
  const auto at = std::find_if(held_writes_.begin(), held_writes_.end(), [&](const HeldWrite& h) {
    return h.step && h.unit == unit && h.command == command;
  });
  if (at == held_writes_.end()) return false;
  const sql::SavepointStep step = *at->step;
  // The SAVEPOINT of that name most recently run before it (names may repeat:
  // the latest one is the one PostgreSQL rolls back or releases to).
  auto savepoint = held_writes_.end();
  for (auto it = at; it != held_writes_.begin();) {
    --it;
    if (it->step && it->confirmed && it->step->kind == sql::SavepointStep::Kind::Savepoint &&
        it->step->name == step.name) {
      savepoint = it;
      break;
    }
  }
  switch (step.kind) {
    case sql::SavepointStep::Kind::Savepoint:
      at->confirmed = true;
      return false;
    case sql::SavepointStep::Kind::Release: {
      // The savepoint (and any taken after it) is gone; its writes stay.
      const auto first = static_cast<std::size_t>(
          std::distance(held_writes_.begin(), savepoint == held_writes_.end() ? at : savepoint));
      const auto last = static_cast<std::size_t>(std::distance(held_writes_.begin(), at));
      for (std::size_t i = last + 1; i-- > first;) {
        if (held_writes_[i].step) held_writes_.erase(held_writes_.begin() + static_cast<std::ptrdiff_t>(i));
      }
      return false;
    }
    case sql::SavepointStep::Kind::RollbackTo: {
      if (savepoint == held_writes_.end()) {
        held_writes_.erase(at);
        return false;  // its SAVEPOINT was not seen: the caller discards the transaction's writes
      }
      // Everything after the savepoint up to this step is undone; the
      // savepoint itself remains (PostgreSQL keeps it after ROLLBACK TO).
      std::size_t discarded = 0;
      const auto first = std::next(savepoint);
      for (auto it = first; it != at; ++it) discarded += it->step ? 0 : 1;
      held_writes_.erase(first, std::next(at));
      if (discarded > 0) options_.observer->on_discarded_writes(discarded, "rolled_back");
      unit_recovered_ = true;
      return true;
    }
  }
  return false;
}

void StatementState::on_command_result(std::string_view tag) {
  const std::size_t command = commands_in_unit_++;
  if (tag.empty()) return;
  wire::CommandComplete done{tag};
  const std::string_view verb = done.command();
  const bool followed = !held_writes_.empty() && complete_step(units_done_ + 1, command);
  // ROLLBACK, a failed COMMIT, or a ROLLBACK TO SAVEPOINT pgshim could not follow.
  if (verb == "ROLLBACK" && !followed) unit_rolled_back_ = true;
  if (tag == "PREPARE TRANSACTION") unit_prepared_ = true;
  const auto rows = done.rows();
  const bool writes = verb == "INSERT" || verb == "UPDATE" || verb == "MERGE" || verb == "COPY";
  if (!writes || !rows || *rows != 0 || held_writes_.empty()) return;
  const std::uint64_t unit = units_done_ + 1;
  const auto before = held_writes_.size();
  std::erase_if(held_writes_, [&](const HeldWrite& h) { return h.unit == unit && h.command == command; });
  if (held_writes_.size() != before) options_.observer->on_discarded_writes(before - held_writes_.size(), "no_row");
}

void StatementState::end_unit(wire::TransactionStatus status) {
  const std::uint64_t unit = ++units_done_;
  if (!hidden_plans_.empty()) hidden_plans_.erase(unit);
  switch (status) {
    case wire::TransactionStatus::Idle: {
      const bool took_effect = !unit_failed_ && !unit_rolled_back_ && !unit_prepared_ && !transaction_failed_;
      settle(unit, took_effect, unit_prepared_ ? "prepared_transaction" : "rolled_back");
      transaction_failed_ = false;
      break;
    }
    case wire::TransactionStatus::InBlock:
      if (unit_rolled_back_) {
        settle(unit, false, "savepoint");
        transaction_failed_ = false;
      } else if (unit_recovered_) {
        transaction_failed_ = false;  // rolled back to a savepoint: the transaction goes on
      }
      break;
    case wire::TransactionStatus::Failed:
      transaction_failed_ = true;
      break;
  }
  reset_unit();
}

void StatementState::reset_unit() noexcept {
  commands_in_unit_ = 0;
  describes_in_unit_ = 0;
  unit_failed_ = false;
  unit_rolled_back_ = false;
  unit_prepared_ = false;
  unit_recovered_ = false;
}

void StatementState::settle(std::uint64_t unit, bool took_effect, std::string_view why) {
  std::size_t discarded = 0;
  while (!held_writes_.empty() && held_writes_.front().unit <= unit) {
    HeldWrite& h = held_writes_.front();
    if (h.step) {
      // A savepoint ends with its transaction.
    } else if (took_effect) {
      h.write.what = &h.what;
      options_.observer->on_dropped_write(h.write);
    } else {
      ++discarded;
    }
    held_writes_.pop_front();
  }
  if (discarded > 0) options_.observer->on_discarded_writes(discarded, why);
}

// ---- Hidden RETURNING ---------------------------------------------------------------
//
// With a journal, an INSERT that drops a value asks for the written row in
// two extra RETURNING columns (sql::HiddenReturning): the row's JSON and
// whether it was inserted (not updated by ON CONFLICT). They are stripped
// from what the client receives — the trailing fields of its RowDescription
// and of every DataRow — and read into the held writes of that statement,
// which so learn their row's key (a generated id too) and which branch of an
// upsert ran. Where they come back is planned per unit as messages go out:
// a simple Query's statements by index (answers counted by CommandComplete),
// an extended batch's Describes and Executes in order (its RowDescription /
// NoData answers, and its DataRows before each command result).

StatementState::HiddenPlan& StatementState::hidden_plan(std::uint64_t unit) {
  HiddenPlan& plan = hidden_plans_[unit];
  // Describes sent earlier in this unit answer first: they are not hidden.
  if (unit == units_sent_ + 1 && plan.describes.size() < describes_sent_in_unit_) {
    plan.describes.resize(describes_sent_in_unit_, false);
  }
  return plan;
}

const StatementState::HiddenPlan* StatementState::answering_plan() const {
  if (hidden_plans_.empty()) return nullptr;
  const auto it = hidden_plans_.find(units_done_ + 1);
  return it == hidden_plans_.end() ? nullptr : &it->second;
}

bool StatementState::answer_hidden(bool describe) const {
  const HiddenPlan* plan = answering_plan();
  if (plan == nullptr) return false;
  if (plan->simple) {
    return std::find(plan->statements.begin(), plan->statements.end(), commands_in_unit_) != plan->statements.end();
  }
  const std::vector<bool>& events = describe ? plan->describes : plan->executes;
  const std::size_t index = describe ? describes_in_unit_ : commands_in_unit_;
  return index < events.size() && events[index];
}

void StatementState::note_hidden_answer(const wire::MessageView& message, std::uint64_t unit, std::size_t index) {
  if (portal_hidden_.empty() && (message.type == kExecute || prepared_.empty())) return;  // nothing can be hidden
  bool hidden = false;
  if (message.type == kDescribe) {
    wire::Target target{};
    if (wire::parse_target(message.body, target)) return;
    if (target.kind == wire::kTargetStatement) {
      const auto it = prepared_.find(std::string(target.name));
      hidden = it != prepared_.end() && it->second.hidden_returning;
    } else {
      hidden = portal_hidden_.contains(std::string(target.name));
    }
  } else {
    wire::Execute execute;
    if (wire::parse_execute(message.body, execute)) return;
    hidden = portal_hidden_.contains(std::string(execute.portal));
  }
  if (!hidden) return;
  HiddenPlan& plan = hidden_plan(unit);
  std::vector<bool>& answers = message.type == kDescribe ? plan.describes : plan.executes;
  if (answers.size() <= index) answers.resize(index + 1, false);
  answers[index] = true;
}

FilterAction StatementState::on_row_description(const wire::MessageView& message, std::string& replacement) {
  const HiddenPlan* plan = answering_plan();
  // A simple Query's RowDescription belongs to its statement (counted by
  // command results); an extended batch's answers a Describe (counted here).
  const bool simple = plan != nullptr && plan->simple;
  const bool hidden = answer_hidden(!simple);
  if (!simple) ++describes_in_unit_;
  if (!hidden || message.type != kRowDescription) return FilterAction::Forward;
  wire::RowDescription rd;
  if (wire::parse_row_description(message.body, rd) || rd.fields.size() < sql::HiddenReturning::kColumns) {
    return FilterAction::Forward;
  }
  if (rd.fields.size() == sql::HiddenReturning::kColumns) {
    // Only pgshim's: the client asked for no RETURNING. A Describe gets the
    // NoData it would have got; a simple Query's statement sends nothing.
    replacement = simple ? std::string() : wire::build_no_data();
    return FilterAction::Replace;
  }
  rd.fields.resize(rd.fields.size() - sql::HiddenReturning::kColumns);
  replacement = wire::build_row_description(rd.fields);
  return FilterAction::Replace;
}

FilterAction StatementState::on_data_row(const wire::MessageView& message, std::string& replacement) {
  if (!answer_hidden(false)) return FilterAction::Forward;
  wire::DataRow row;
  if (wire::parse_data_row(message.body, row) || row.values.size() < sql::HiddenReturning::kColumns) {
    return FilterAction::Forward;
  }
  const std::size_t n = row.values.size();
  // The hidden columns are text unless the Bind asked binary for all: a
  // boolean's binary form is one byte, its text form t or f; the row's JSON
  // text reads the same either way.
  learn_row(units_done_ + 1, commands_in_unit_, row.values[n - 2], row.values[n - 1]);
  row.values.resize(n - sql::HiddenReturning::kColumns);
  // Only pgshim's columns: the client asked for no rows.
  replacement = row.values.empty() ? std::string() : wire::build_data_row(row.values);
  return FilterAction::Replace;
}

void StatementState::learn_row(std::uint64_t unit, std::size_t command, std::optional<std::string_view> row,
                               std::optional<std::string_view> inserted) {
  if (!row) return;
  auto columns = journal::row_from_json(*row);
  if (!columns) return;
  std::optional<bool> was_inserted;
  if (inserted && inserted->size() == 1) {
    const char c = (*inserted)[0];
    if (c == 't' || c == '\x01') was_inserted = true;
    else if (c == 'f' || c == '\0') was_inserted = false;
  }
  const auto in_statement = [&](const HeldWrite& h) { return h.unit == unit && h.command == command; };
  // The insert's value of each column, for an upsert's `col = EXCLUDED.col`.
  std::vector<std::pair<std::string, journal::Value>> inserted_values;
  for (const HeldWrite& h : held_writes_) {
    if (in_statement(h) && h.what.kind == sql::EditKind::InsertValue) inserted_values.emplace_back(h.what.column, h.write.value);
  }
  for (auto it = held_writes_.begin(); it != held_writes_.end();) {
    if (!in_statement(*it)) {
      ++it;
      continue;
    }
    const bool upsert_update = it->what.kind == sql::EditKind::OnConflictAssignment;
    if (was_inserted && (*was_inserted == upsert_update)) {
      it = held_writes_.erase(it);  // the branch that did not run
      continue;
    }
    it->write.key = *columns;
    if (upsert_update && it->write.value.form == journal::Form::Expression &&
        journal::is_excluded_reference(it->write.value.bytes, it->what.column)) {
      for (const auto& [column, value] : inserted_values) {
        if (column == it->what.column) it->write.value = value;
      }
    }
    ++it;
  }
}

}  // namespace pgshim::proxy
