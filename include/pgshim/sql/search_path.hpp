#pragma once
// A session's search_path, followed through what the session sends (pure: the
// proxy feeds it). PostgreSQL resolves an unqualified table name through the
// search_path of the session that sent it, so a pending column's table is only
// the one the rewriter thinks it is if pgshim knows that path. Where it cannot
// be known (a SET from a parameter, a savepoint rolled back over a SET), the
// path is unknown and no unqualified name resolves to a pending table: those
// statements pass through untouched, as the principle wants.
//
// search_path is not a GUC_REPORT setting in PostgreSQL 15 (no ParameterStatus
// tells the client), so the proxy asks once (SHOW search_path) when the session
// starts, and follows the session's own SET / RESET / set_config / DISCARD ALL,
// the transaction's fate (COMMIT keeps a SET, ROLLBACK undoes it, SET LOCAL
// ends with the transaction) from the server's command tags and ReadyForQuery.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/sql/missing_set.hpp"

namespace pgshim::sql {

// What one statement does to search_path.
struct SearchPathEffect {
  enum class Kind {
    Set,          // SET [SESSION] search_path ..., set_config(.., false)
    SetLocal,     // SET LOCAL search_path ..., set_config(.., true)
    Reset,        // RESET search_path / RESET ALL / SET ... TO DEFAULT / DISCARD ALL
    Unknown,      // changes it in a way pgshim cannot evaluate (a parameter, FROM CURRENT)
    Transaction,  // a transaction-control statement (BEGIN, COMMIT, SAVEPOINT, ...)
  };
  Kind kind = Kind::Unknown;
  std::string value;  // Set/SetLocal: the value as SHOW would print it
};

// Whether `sql` may change search_path at all (a case-insensitive search for
// "search_path", "reset" and "discard"): the cheap test before parsing.
[[nodiscard]] bool may_change_search_path(std::string_view sql) noexcept;

// The effects of the statements in `sql`, in order. Transaction statements are
// reported only when the text also changes search_path. Statements that do not
// parse change nothing (the server rejects them too).
[[nodiscard]] std::vector<SearchPathEffect> search_path_effects(std::string_view sql);

class SearchPathTracker {
 public:
  // The session's path when it started (its SHOW search_path), `user` for
  // `$user`; nullopt: unknown from the start.
  void start(std::optional<std::string> shown, std::string user);

  // The client sent statements with these effects; `in_block`: the server's
  // last ReadyForQuery said a transaction block is open.
  void sent(const std::vector<SearchPathEffect>& effects, bool in_block);
  // Whether the proxy should pass CommandComplete tags (a SET waits for its
  // transaction's end).
  [[nodiscard]] bool watching_tags() const noexcept { return tx_ || local_; }
  void command_complete(std::string_view tag);
  // ReadyForQuery: 'I' idle, 'T' in a block, 'E' in a failed block.
  void ready(char status);

  // The path in effect now. When unknown, a path of no schemas: no unqualified
  // name resolves to a pending table, so such references stay untouched.
  [[nodiscard]] const SearchPath& current() const noexcept;
  [[nodiscard]] bool known() const noexcept;

 private:
  // A path, or unknown (nullopt).
  using Value = std::optional<SearchPath>;
  [[nodiscard]] Value parse(const std::string& text) const;

  std::string user_;
  Value initial_;  // what RESET returns to
  Value session_;  // committed (or set outside any block)
  std::optional<Value> tx_;     // a SET inside the open block, not yet committed
  std::optional<Value> local_;  // a SET LOCAL of the open block
  enum class Ending { None, Commit, Rollback, Other } ending_ = Ending::None;
};

}  // namespace pgshim::sql
