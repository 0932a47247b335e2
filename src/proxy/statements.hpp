#pragma once
// A session's statement-level protocol state, and the two message filters the
// relay pumps run with it:
//   - the frontend filter (client -> server) rewrites Query and Parse messages
//     that mention a missing pending column, declares the parameters a rewrite
//     left unreferenced, remembers which prepared statements were rewritten,
//     re-prepares them once their column is present, and records a statement
//     that may fail with 42703 so it can be replayed;
//   - the backend filter (server -> client) tracks ReadyForQuery, intercepts
//     42703 errors naming a configured column, and swallows the responses to
//     messages pgshim injected.
// With no pending column configured, neither filter inspects anything beyond
// Terminate, ReadyForQuery and ErrorResponse: the relay stays a byte pump.
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pgshim/proxy/pending.hpp"
#include "pgshim/sql/cache.hpp"
#include "pgshim/sql/savepoints.hpp"
#include "pgshim/sql/search_path.hpp"
#include "pgshim/wire/copy_rows.hpp"
#include "pgshim/wire/messages.hpp"
#include "pump.hpp"

namespace pgshim::proxy {

class StatementState {
 public:
  struct Options {
    PendingSource* source = nullptr;      // null: no pending columns configured
    SessionObserver* observer = nullptr;  // required when source is set
    sql::RewriteCache* cache = nullptr;   // the thread's cache
    bool notice_on_rewrite = false;
    std::size_t max_replay_bytes = 1 << 20;
    SessionInfo session;  // who this is, for the observer
  };
  explicit StatementState(Options options);
  ~StatementState();
  StatementState(const StatementState&) = delete;
  StatementState& operator=(const StatementState&) = delete;

  [[nodiscard]] MessageFilter& frontend() noexcept { return frontend_; }
  [[nodiscard]] MessageFilter& backend() noexcept { return backend_; }

  // The session's search_path when its relay starts (its SHOW search_path;
  // nullopt: unknown) and its user (for `$user`): from then on unqualified
  // tables resolve through the path the session really has.
  void start_search_path(std::optional<std::string> shown, std::string user);
  // What the login's ParameterStatus said: COPY data is split on the client's
  // bytes, which is safe only in encodings where no multibyte character holds
  // an ASCII byte; server_version decides where CSV data may end.
  void set_server_parameters(std::string client_encoding, int server_major);

  [[nodiscard]] bool terminated() const noexcept { return terminated_; }
  [[nodiscard]] bool server_fatal() const noexcept { return server_fatal_; }
  [[nodiscard]] wire::TransactionStatus status() const noexcept { return status_; }

 private:
  // A prepared statement pgshim sent rewritten.
  struct Prepared {
    std::string original_sql;
    std::vector<std::uint32_t> original_types;
    std::vector<sql::Edit> edits;
    std::vector<sql::DroppedValue> dropped_values;
    std::uint64_t version = 0;  // the snapshot it was rewritten under
    bool hidden_returning = false;  // its RETURNING ends in pgshim's columns (sql::HiddenReturning)
  };

  // Replay of a statement that may fail with 42703 (see statements.cpp).
  enum class Replay {
    Off,        // nothing recorded
    Recording,  // the batch is being sent and copied
    Sent,       // the batch is complete; waiting for its first response
    Holding,    // its first response was a 42703 for a configured column: held back
  };

  class Frontend final : public MessageFilter {
   public:
    explicit Frontend(StatementState& s) : s_(s) {}
    [[nodiscard]] Handling classify(char type) noexcept override;
    [[nodiscard]] FilterAction on_message(const wire::MessageView& message, std::string& replacement) override;
    [[nodiscard]] std::string take_injection() override;

   private:
    StatementState& s_;
  };
  class Backend final : public MessageFilter {
   public:
    explicit Backend(StatementState& s) : s_(s) {}
    [[nodiscard]] Handling classify(char type) noexcept override;
    [[nodiscard]] FilterAction on_message(const wire::MessageView& message, std::string& replacement) override;
    [[nodiscard]] std::string take_injection() override;

   private:
    StatementState& s_;
  };

  [[nodiscard]] bool active() const noexcept { return options_.source != nullptr; }
  // With a journal, rewrites ask for written rows (sql::HiddenReturning).
  [[nodiscard]] bool hides_written_rows() const noexcept {
    return active() && options_.cache != nullptr && options_.cache->hides_written_rows();
  }
  FilterAction on_query(const wire::MessageView& message, std::string& replacement);
  FilterAction on_parse(const wire::MessageView& message, std::string& replacement);
  FilterAction on_bind(const wire::MessageView& message, std::string& replacement);
  void on_close(const wire::MessageView& message);
  FilterAction on_error(const wire::MessageView& message, std::string& replacement);
  FilterAction on_ready(const wire::MessageView& message, std::string& replacement);

  // The rewrite of `sql` under the current snapshot (cached), or nullptr when
  // nothing is missing or the prefilter misses.
  const sql::RewriteResult* rewrite(std::string_view sql, const schema::Snapshot& snapshot);
  // Follows a statement's effect on search_path (SET, RESET, set_config, ...).
  void note_search_path(std::string_view sql);
  // Builds a Parse for `name` from the client's SQL and types under the current
  // snapshot; registers or forgets the statement. False: send it as it came.
  bool build_parse(std::string_view name, std::string_view sql, const std::vector<std::uint32_t>& types,
                   std::string& out);
  // Dropped values of a simple Query's statements, or of one Bind (whose
  // Execute is the unit's `command`-th), held until their unit says (below).
  void journal_literals(const sql::RewriteResult& result, std::uint64_t unit, bool observed = false);
  void journal_bind(const Prepared& prepared, const wire::Bind& bind, std::uint64_t unit, std::size_t command);
  void journal_bound(const std::vector<sql::DroppedValue>& values, const wire::Bind& bind, std::uint64_t unit,
                     std::size_t command, bool observed);
  // The writes of recently appeared columns in `sql` (PendingSource::Observed).
  [[nodiscard]] std::optional<sql::RewriteResult> observe(std::string_view sql) const;
  // Prepared statements that write a recently appeared column: their values.
  std::unordered_map<std::string, std::vector<sql::DroppedValue>> observed_statements_;
  void forget_statements_named_in(std::string_view sql);
  [[nodiscard]] bool still_valid(const Prepared& prepared, const schema::Snapshot& snapshot) const;
  [[nodiscard]] bool may_fail_on_pending(std::string_view sql, const schema::Snapshot& snapshot) const;

  Options options_;
  Frontend frontend_;
  Backend backend_;

  std::unordered_map<std::string, Prepared> prepared_;
  // Responses the server owes for messages pgshim injected (CloseComplete,
  // ParseComplete), to be dropped in order.
  std::string swallow_;  // a short queue of message types, front first
  // Query and Sync messages sent whose ReadyForQuery has not come back yet.
  int outstanding_ = 0;
  wire::TransactionStatus status_ = wire::TransactionStatus::Idle;
  bool terminated_ = false;
  bool server_fatal_ = false;

  sql::SearchPathTracker search_path_;
  bool search_path_tracked_ = false;

  // A COPY ... FROM STDIN sent without pending columns (statements.cpp, "COPY
  // FROM"): each data row the client sends loses their fields on the way.
  struct CopyIn {
    sql::CopyFromFilter what;
    wire::CopyRowSpec spec;
    std::unique_ptr<wire::CopyRowFilter> filter;  // from the server's CopyInResponse on
    std::string failure;  // set once pgshim failed the COPY: the client gets this (22P04)
    std::vector<wire::CopyRowValues> rows;  // one message's rows, for the journal (reused)
  };
  std::optional<CopyIn> copy_in_;
  std::string client_encoding_ = "UTF8";
  int server_major_ = 15;
  FilterAction on_copy_data(const wire::MessageView& message, std::string& replacement);
  FilterAction on_copy_end(const wire::MessageView& message, std::string& replacement);
  FilterAction on_copy_in_response(const wire::MessageView& message, std::string& replacement);
  // After feed()/finish() of a CopyData or CopyDone: journals its rows, and
  // fails the COPY (CopyFail appended to `replacement`) when `ec` is set.
  void after_copy_rows(std::error_code ec, std::string& replacement);
  void journal_copy_rows(const std::vector<wire::CopyRowValues>& rows);
  // Whether a rewrite's COPY FROM can be filtered here (encoding, options).
  bool accept_copy_from(const sql::CopyFromFilter& what);

  // Dropped writes wait here until it is known that they took effect
  // (statements.cpp, "Dropped writes"): a unit is one Query or one Sync's
  // batch, ended by its ReadyForQuery; a command is one CommandComplete in it.
  struct HeldWrite {
    sql::DroppedValue what;  // a copy: the rewrite it came from may be gone by then
    DroppedWrite write;      // its `what` points at the copy when released
    std::uint64_t unit = 0;
    std::size_t command = 0;
    // Instead of a write: a savepoint command in its place among them, acted
    // on when the server completes it (ROLLBACK TO discards the writes held
    // since its SAVEPOINT, RELEASE forgets the SAVEPOINT).
    std::optional<sql::SavepointStep> step;
    bool confirmed = false;  // a SAVEPOINT the server ran
  };
  static constexpr std::size_t kMaxHeldWrites = 100'000;  // a transaction longer than this is written early

  // Where pgshim's RETURNING columns come back in one unit (statements.cpp,
  // "Hidden RETURNING"): simple Query statements by index, or the unit's
  // Describe answers and Executes in order.
  struct HiddenPlan {
    bool simple = false;
    std::vector<std::size_t> statements;  // simple: statements whose RETURNING was extended
    std::vector<bool> describes;          // extended: each Describe's answer
    std::vector<bool> executes;           // extended: each Execute
  };
  HiddenPlan& hidden_plan(std::uint64_t unit);
  // The plan of the unit being answered, or nullptr.
  [[nodiscard]] const HiddenPlan* answering_plan() const;
  [[nodiscard]] bool answer_hidden(bool describe) const;
  FilterAction on_row_description(const wire::MessageView& message, std::string& replacement);
  FilterAction on_data_row(const wire::MessageView& message, std::string& replacement);
  // A hidden row came back for the held writes of (unit, command).
  void learn_row(std::uint64_t unit, std::size_t command, std::optional<std::string_view> row,
                 std::optional<std::string_view> inserted);
  // A Describe or Execute sent as the unit's `index`-th of its kind: whether
  // its answer carries pgshim's columns goes into the unit's plan.
  void note_hidden_answer(const wire::MessageView& message, std::uint64_t unit, std::size_t index);
  bool bind_hidden(const wire::Bind& bind, std::string& out);
  std::unordered_map<std::uint64_t, HiddenPlan> hidden_plans_;  // by unit
  std::unordered_set<std::string> portal_hidden_;  // portals of statements with hidden_returning
  std::size_t describes_sent_in_unit_ = 0;
  std::size_t describes_in_unit_ = 0;  // backend: RowDescription/NoData answers seen in the unit
  void hold(DroppedWrite write, std::uint64_t unit, std::size_t command);
  void hold_step(sql::SavepointStep step, std::uint64_t unit, std::size_t command);
  // Acts on the savepoint step completed as (unit, command); true when it was
  // a ROLLBACK TO whose SAVEPOINT pgshim saw (its writes since are discarded).
  bool complete_step(std::uint64_t unit, std::size_t command);
  std::unordered_map<std::string, sql::SavepointStep> savepoint_statements_;  // extended: prepared name -> step
  std::unordered_map<std::string, sql::SavepointStep> savepoint_portals_;     // extended: portal -> step
  bool unit_recovered_ = false;  // a ROLLBACK TO SAVEPOINT pgshim could follow
  void on_command_result(std::string_view tag);
  void end_unit(wire::TransactionStatus status);
  void reset_unit() noexcept;
  // Releases (journals) or discards every held write of units up to `unit`.
  void settle(std::uint64_t unit, bool took_effect, std::string_view why);
  std::deque<HeldWrite> held_writes_;
  std::uint64_t units_sent_ = 0;      // Query and Sync messages the client sent
  std::uint64_t units_done_ = 0;      // ReadyForQuery messages relayed to the client
  std::size_t executes_in_unit_ = 0;  // Execute messages sent since the last Query/Sync
  std::size_t commands_in_unit_ = 0;  // command results of the unit being answered
  bool unit_failed_ = false;          // an ErrorResponse in the unit being answered
  bool unit_rolled_back_ = false;     // a ROLLBACK tag: ROLLBACK [TO SAVEPOINT], a failed COMMIT
  bool unit_prepared_ = false;        // PREPARE TRANSACTION
  bool transaction_failed_ = false;   // a ReadyForQuery said 'E' since the last 'I'
  bool warned_long_transaction_ = false;

  Replay replay_ = Replay::Off;
  bool replay_blocked_ = false;  // the client sent more while a batch awaited its answer
  std::string replay_batch_;  // the recorded client messages, as sent
  std::string held_;          // the held-back ErrorResponse and what followed it
  std::string held_message_;  // the 42703's message text
  std::string to_client_;     // notices for the client (frontend injection)
  std::string to_server_;     // a replay for the server (backend injection)
};

}  // namespace pgshim::proxy
