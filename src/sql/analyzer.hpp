#pragma once
// The scope-aware half of the rewriter (internal to pgshim_sql): walks one parse
// tree the way PostgreSQL's parse analysis resolves names (FROM items, JOINs,
// subqueries, CTEs, LATERAL, correlated subqueries, EXCLUDED), decides which
// column references are pending columns, and collects the text edits that make
// the statement run. It does not apply them: rewriter.cpp sorts, checks and
// applies the edits and re-parses the result.
//
// Every protobuf string it keeps is a view into the ParseTree, which must outlive
// the Analyzer.
#include <pg_query/pg_query.pb-c.h>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgshim/sql/rewriter.hpp"
#include "tokens.hpp"

namespace pgshim::sql::detail {

// Replace the bytes [begin, end) of the original text with `text`.
struct TextEdit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string text;
};

// Whether a FROM item (or something it exposes) has a column of a given name.
enum class Has { No, Real, Pending, Unknown };

struct Columns;

// One FROM item as name resolution sees it.
struct RangeEntry {
  enum class Kind {
    Relation,  // a table (or view) by name: its columns are known only through facts
    Derived,   // subquery, CTE, VALUES, function with a column list: known columns
    Join,      // an aliased JOIN: the columns of its children
    Opaque,    // a function or XMLTABLE without column names: anything
  };
  Kind kind = Kind::Opaque;
  std::string_view refname;     // alias, or the relation / CTE name
  bool aliased = false;
  bool qualified_only = false;  // EXCLUDED: never matches an unqualified name
  std::string_view schema;      // Relation (the default schema when unqualified)
  std::string_view relname;     // Relation
  const Columns* columns = nullptr;         // Derived
  std::vector<const RangeEntry*> children;  // Join
};

// The output columns of a subquery/CTE: named ones, and `*` / `t.*` expansions.
struct OutColumn {
  std::string name;
  const RangeEntry* star_of = nullptr;
};
struct Columns {
  std::vector<OutColumn> cols;
  bool unknown = false;  // positions or names could not be worked out
};

// One query level's name space: its FROM entries and the CTEs it declares.
struct Scope {
  const Scope* parent = nullptr;
  std::vector<const RangeEntry*> entries;
  std::vector<std::pair<std::string_view, const Columns*>> ctes;
  // A JOIN ... USING / NATURAL JOIN at this level: `*` then starts with the
  // merged join columns, so it is not the concatenation of the entries' `*`s.
  bool merged_columns = false;
};

class Analyzer {
 public:
  Analyzer(std::string_view sql, const TokenStream& tokens, const MissingSet& missing,
           const CatalogFacts* facts, const SearchPath* search_path = nullptr);

  // Analyzes statement `index` of the input; stops early once blocked().
  void statement(const PgQuery__RawStmt& raw, std::size_t index);

  [[nodiscard]] bool blocked() const noexcept { return reason_ != UntouchedReason::None; }
  [[nodiscard]] UntouchedReason reason() const noexcept { return reason_; }
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  // The statement analyzed last (the blocking one, once blocked()).
  [[nodiscard]] std::size_t statement_index() const noexcept { return stmt_index_; }

  [[nodiscard]] std::vector<TextEdit>& text_edits() noexcept { return text_edits_; }
  [[nodiscard]] std::vector<Edit>& edits() noexcept { return edits_; }
  [[nodiscard]] std::vector<DroppedValue>& dropped_values() noexcept { return dropped_values_; }
  [[nodiscard]] std::vector<HiddenReturning>& hidden_returning() noexcept { return hidden_returning_; }
  void set_hide_written_rows(bool on) noexcept { hide_written_rows_ = on; }
  [[nodiscard]] std::optional<CopyFromFilter>& copy_from() noexcept { return copy_from_; }
  // Parameters no longer referenced once the text edits are applied.
  [[nodiscard]] std::vector<DroppedParameter> dropped_parameters() const;

 private:
  struct Resolved {
    Has has = Has::No;
    const PendingColumn* pending = nullptr;
    const RangeEntry* entry = nullptr;
    std::string why;  // for Unknown: what made it ambiguous
  };
  struct Figure {
    std::string_view name;
    int strength = 0;
    const PgQuery__ColumnRef* source = nullptr;
  };
  enum class Form { Paren, Bare };

  void block(UntouchedReason reason, std::string detail);

  // Statements. Each returns the columns its output list exposes (for CTEs).
  const Columns* select(const PgQuery__SelectStmt& s, const Scope* parent, bool client_visible,
                        const std::vector<bool>* removed_targets = nullptr);
  void hide_row_in_returning(const PgQuery__InsertStmt& s, const RangeEntry& target, bool single_row,
                             std::size_t values_before, bool top);
  const Columns* insert(const PgQuery__InsertStmt& s, const Scope* parent, bool client_visible);
  const Columns* update(const PgQuery__UpdateStmt& s, const Scope* parent, bool client_visible);
  const Columns* remove(const PgQuery__DeleteStmt& s, const Scope* parent, bool client_visible);
  const Columns* merge(const PgQuery__MergeStmt& s, const Scope* parent);
  void merge_update(const PgQuery__MergeWhenClause& w, const RangeEntry& target, const Scope& scope,
                    const PgQuery__Node* join_condition, std::size_t limit);
  void merge_insert(const PgQuery__MergeWhenClause& w, const RangeEntry& target, const Scope& source,
                    std::size_t first, std::size_t limit);
  // A top-level SELECT/INSERT/UPDATE/DELETE/MERGE (also the query a DECLARE,
  // EXPLAIN, PREPARE or COPY carries); false, untouched, for anything else.
  bool query_statement(const PgQuery__Node* n, bool client_visible);
  // Statements that carry a query (analyzer_utility.cpp); any other utility
  // statement blocks. `begin`: the statement's first byte.
  void utility(const PgQuery__Node* n, std::size_t begin);
  void explain(const PgQuery__ExplainStmt& e);
  void prepare(const PgQuery__PrepareStmt& p, std::size_t begin);
  void copy(const PgQuery__CopyStmt& c);
  // COPY t (cols) FROM STDIN with pending columns in cols: the options that
  // split its data; false (and blocked) for data pgshim cannot split.
  bool copy_from_filter(const PgQuery__CopyStmt& c, const RangeEntry& target, CopyFromFilter& out);
  const Columns* any_statement(const PgQuery__Node* n, const Scope* parent);
  void with_clause(const PgQuery__WithClause* w, Scope& cte_scope);

  // FROM items: appends entries to `from`, returns how many it appended.
  std::size_t from_item(const PgQuery__Node* n, Scope& from, const Scope* cte_scope);
  const RangeEntry* relation_entry(const PgQuery__RangeVar& rv, const Scope* cte_scope);

  // Output lists (SELECT targets, RETURNING).
  [[nodiscard]] RangeEntry& dml_target(const PgQuery__RangeVar& rv);
  [[nodiscard]] const Scope* with_scope(const PgQuery__WithClause* w, Scope& cte_scope, const Scope* parent);
  // A SET list (UPDATE, or ON CONFLICT DO UPDATE): which assignments write a
  // pending column of `target`; every other value is walked in `scope`. False
  // (and blocked) for shapes the rewriter does not handle; `what` names the
  // list in the reason.
  struct SetList {
    std::vector<const PendingColumn*> pending;  // per assignment; nullptr: kept
    std::vector<int> starts;                    // each assignment's location
    std::size_t dropped = 0;
    // Values removed from inside a `(a, b) = (x, y)` group (already edited;
    // the group itself stays an assignment): the caller reports them.
    struct GroupDrop {
      const PendingColumn* pending = nullptr;
      const PgQuery__Node* value = nullptr;
      Extent extent;
    };
    std::vector<GroupDrop> group_drops;
  };
  bool set_list(PgQuery__Node** items, std::size_t n, const RangeEntry& target, const Scope& scope,
                std::string_view what, SetList& out);
  // The group `(c1, ..., cn) = source` whose first item is items[first].
  bool multi_assign(PgQuery__Node** items, std::size_t first, std::size_t n, const RangeEntry& target,
                    const Scope& scope, SetList& out);
  // The items of the parenthesized list opened by token `open`: nullopt unless
  // it is closed before the statement ends.
  [[nodiscard]] std::optional<std::vector<Extent>> paren_items(std::size_t open) const;
  const Columns* target_list(PgQuery__Node** items, std::size_t n, const Scope& scope, EditKind kind,
                             bool client_visible, const std::vector<bool>* removed);
  // A client-visible `*` / `t.*` output item over `expanded` (the entries it
  // expands, in order): appends the pending columns it would show once migrated.
  void expand_star(const PgQuery__ColumnRef& ref, const std::vector<const RangeEntry*>& expanded, const Scope& scope,
                   EditKind kind, Extent item);

  // Expressions.
  void walk(const PgQuery__Node* n, const Scope& scope, EditKind kind);
  // `row_to_json(e)`, `to_jsonb(e)`, `json_agg(e)`, ...: a whole-row reference
  // passed to a function is the row as if migrated (pending columns last).
  void whole_row_args(const PgQuery__FuncCall& call, const Scope& scope, EditKind kind);
  void walk_message(const ProtobufCMessage* m, const Scope& scope, EditKind kind);
  void column_ref(const PgQuery__ColumnRef& ref, const Scope& scope, EditKind kind);
  void replace_ref(const PgQuery__ColumnRef& ref, const Resolved& r, EditKind kind, Form form);

  // Name resolution.
  Resolved resolve(const PgQuery__ColumnRef& ref, const Scope& scope) const;
  Resolved resolve_unqualified(std::string_view col, const Scope& scope) const;
  const RangeEntry* find_entry(std::string_view refname, const Scope& scope, bool& ambiguous) const;
  const RangeEntry* find_relation(std::string_view schema, std::string_view relname, const Scope& scope) const;
  Resolved lookup(const RangeEntry& e, std::string_view col) const;
  bool expands_pending(const RangeEntry& e) const;
  const Columns* find_cte(std::string_view name, const Scope* scope) const;

  Figure figure(const PgQuery__Node* n) const;
  std::string typed_value(const PendingColumn& pc) const;
  [[nodiscard]] bool replaced(const PgQuery__ColumnRef* ref) const;

  // Edits.
  void add_edit(std::size_t begin, std::size_t end, std::string text);
  // A renamed column's old name, the one-token name at `location`, becomes
  // its new name. False (and blocked) when the token is not there.
  bool rename_at(int location, const PendingColumn& pc, EditKind kind);
  void record(EditKind kind, const PendingColumn& pc, std::size_t offset);
  // Removes the items flagged in `removed` from a comma list; false if all are.
  bool remove_items(const std::vector<Extent>& items, const std::vector<bool>& removed);
  void note_dropped_value(EditKind kind, const PendingColumn& pc, std::size_t row, const PgQuery__Node* value,
                          Extent value_extent, std::vector<StatedValue> key);
  [[nodiscard]] std::string_view text(Extent e) const { return sql_.substr(e.begin, e.end - e.begin); }
  [[nodiscard]] std::string type_name_text(const PgQuery__TypeName& t) const;
  void collect_params(const PgQuery__Node* n, std::vector<std::pair<int, int>>& out) const;
  void collect_params_message(const ProtobufCMessage* m, std::vector<std::pair<int, int>>& out) const;
  // The parameters of dropped values (dropped_param_types_) that no occurrence
  // in all_params_ outside an edited range still references, by number.
  [[nodiscard]] std::vector<DroppedParameter> unreferenced_parameters() const;

  // The schema an unqualified table name resolves to (see rewrite()).
  [[nodiscard]] std::string_view schema_of(std::string_view relname) const noexcept;

  RangeEntry& new_entry() { return entries_.emplace_back(); }
  Columns& new_columns() { return columns_.emplace_back(); }

  std::string_view sql_;
  const TokenStream& tokens_;
  const MissingSet& missing_;
  const CatalogFacts* facts_;
  const SearchPath* search_path_;

  std::size_t stmt_index_ = 0;
  std::size_t stmt_end_tok_ = 0;

  std::deque<RangeEntry> entries_;  // stable addresses for Scope/Columns pointers
  std::deque<Columns> columns_;
  std::vector<const PgQuery__ColumnRef*> replaced_;

  UntouchedReason reason_ = UntouchedReason::None;
  std::string detail_;
  std::vector<TextEdit> text_edits_;
  std::vector<Edit> edits_;
  std::vector<DroppedValue> dropped_values_;
  std::vector<HiddenReturning> hidden_returning_;
  // Set while the statement being analyzed is a top-level DML statement whose
  // RETURNING goes to the client as is (not PREPARE, EXPLAIN, a CTE, DECLARE).
  bool top_level_dml_ = false;
  bool hide_written_rows_ = false;
  std::optional<CopyFromFilter> copy_from_;
  std::vector<std::pair<int, std::string>> dropped_param_types_;  // $n -> type, first seen wins
  std::vector<std::pair<int, int>> all_params_;                   // ($n, location) in the input
  bool removed_anything_ = false;
};

// `"name"` with embedded quotes doubled: always quoted, so the output name is
// exactly `name` whatever its case or characters.
[[nodiscard]] std::string quote_ident(std::string_view name);

}  // namespace pgshim::sql::detail
