#pragma once
// The rewriter's golden corpus (tests/unit/sql/corpus/*.sql), shared by the unit
// test (exact expected output) and the integration test (the output runs on a
// real PostgreSQL and returns what the original returns with the column present).
//
// File format, one case after another:
//   -- case: <unique name>
//   -- pending: [schema.]table.column:type[:migration]   (repeatable; default:
//                environments.last_error:text)
//   -- default: <SQL expression>   (default_expr of the pending column above it)
//   -- renamed: [schema.]table.old:new   (a renamed column; the integration test
//                runs the original where `new` is renamed back to `old`)
//   -- retired: [schema.]table.column:type   (a retired column: as pending)
//   -- facts: none | column=schema.table[,column=schema.table...]
//                (default: last_error=public.jobs)
//   -- args: v1|v2|...    (text values for $1, $2... when executed; `NULL` = null)
//   -- exec: no           (the integration test only checks the rewrite)
//   -- compare: rows|shape|runs   (what the integration test compares with the
//                original; default rows. shape: command tag and column names
//                only, for writes whose output depends on the dropped value;
//                runs: only that it runs)
//   <input SQL, one or more lines>
//   -- expect: untouched <reason>            (reason as to_string() spells it)
// or
//   -- expect:
//   <expected rewritten SQL, one or more lines>
//   -- params: 6:text 7:pg_catalog.int4      (optional: the dropped parameters)
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "pgshim/sql/missing_set.hpp"
#include "pgshim/sql/pending_column.hpp"

namespace pgshim::sql::testing {

struct CorpusCase {
  std::string file;
  int line = 0;
  std::string name;
  std::vector<PendingColumn> pending;
  bool no_facts = false;
  std::vector<std::pair<std::string, std::string>> facts;  // column, "schema.table"
  std::vector<std::optional<std::string>> args;
  bool exec = true;
  std::string compare = "rows";
  std::string input;
  bool expect_rewritten = false;
  std::string expect_reason;  // when untouched
  std::string expect_sql;
  std::optional<std::string> expect_params;  // "6:text 7:int4"
  std::vector<std::string> header;           // the directive lines as written

  [[nodiscard]] MissingSet missing() const { return MissingSet(pending, 1); }
  [[nodiscard]] CatalogFacts catalog_facts() const {
    CatalogFacts f(1);
    for (const auto& [col, qualified] : facts) {
      const auto dot = qualified.find('.');
      f.add(col, qualified.substr(0, dot), qualified.substr(dot + 1));
    }
    return f;
  }
};

namespace detail {
inline std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}
inline bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
}  // namespace detail

inline std::vector<CorpusCase> load_corpus_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::vector<CorpusCase> out;
  std::string line;
  int lineno = 0;
  enum class Part { None, Header, Input, Expect, Done } part = Part::None;
  CorpusCase c;
  auto finish = [&] {
    if (part == Part::None) return;
    c.input = detail::trim_right(c.input);
    c.expect_sql = detail::trim_right(c.expect_sql);
    if (c.pending.empty()) {
      PendingColumn pc;
      std::string err;
      (void)parse_pending_spec("environments.last_error:text", pc, err);
      c.pending.push_back(pc);
    }
    if (!c.no_facts && c.facts.empty()) c.facts.emplace_back("last_error", "public.jobs");
    if (c.input.empty() || (!c.expect_rewritten && c.expect_reason.empty())) {
      throw std::runtime_error(path.string() + ":" + std::to_string(c.line) + ": incomplete case " + c.name);
    }
    out.push_back(std::move(c));
    c = CorpusCase{};
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (detail::starts_with(line, "-- case:")) {
      finish();
      c.file = path.filename().string();
      c.line = lineno;
      c.name = line.substr(8);
      c.name.erase(0, c.name.find_first_not_of(' '));
      part = Part::Header;
      continue;
    }
    if (part == Part::None) continue;
    if (part == Part::Header && detail::starts_with(line, "-- pending:")) {
      c.header.push_back(line);
      PendingColumn pc;
      std::string err;
      if (!parse_pending_spec(line.substr(11), pc, err)) throw std::runtime_error(path.string() + ":" + std::to_string(lineno) + ": " + err);
      c.pending.push_back(pc);
      continue;
    }
    if (part == Part::Header && (detail::starts_with(line, "-- renamed:") || detail::starts_with(line, "-- retired:"))) {
      c.header.push_back(line);
      PendingColumn pc;
      std::string err;
      const bool renamed = detail::starts_with(line, "-- renamed:");
      const bool ok = renamed ? parse_renamed_spec(line.substr(11), pc, err) : parse_pending_spec(line.substr(11), pc, err);
      if (!ok) throw std::runtime_error(path.string() + ":" + std::to_string(lineno) + ": " + err);
      if (!renamed) pc.kind = ColumnKind::Retired;
      c.pending.push_back(pc);
      continue;
    }
    if (part == Part::Header && detail::starts_with(line, "-- default:")) {
      c.header.push_back(line);
      std::string d = line.substr(11);
      d.erase(0, d.find_first_not_of(' '));
      if (c.pending.empty()) throw std::runtime_error(path.string() + ": -- default before -- pending");
      c.pending.back().default_expr = d;
      continue;
    }
    if (part == Part::Header && detail::starts_with(line, "-- facts:")) {
      c.header.push_back(line);
      std::string f = line.substr(9);
      f.erase(0, f.find_first_not_of(' '));
      if (f == "none") {
        c.no_facts = true;
        continue;
      }
      std::stringstream ss(f);
      std::string item;
      while (std::getline(ss, item, ',')) {
        const auto eq = item.find('=');
        c.facts.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      }
      continue;
    }
    if (part == Part::Header && detail::starts_with(line, "-- args:")) {
      c.header.push_back(line);
      std::string a = line.substr(8);
      a.erase(0, a.find_first_not_of(' '));
      std::stringstream ss(a);
      std::string item;
      while (std::getline(ss, item, '|')) {
        if (item == "NULL") {
          c.args.emplace_back(std::nullopt);
        } else {
          c.args.emplace_back(item);
        }
      }
      continue;
    }
    if (part == Part::Header && detail::starts_with(line, "-- compare:")) {
      c.header.push_back(line);
      c.compare = line.substr(11);
      c.compare.erase(0, c.compare.find_first_not_of(' '));
      continue;
    }
    if (part == Part::Header && detail::starts_with(line, "-- exec: no")) {
      c.header.push_back(line);
      c.exec = false;
      continue;
    }
    if (detail::starts_with(line, "-- expect:")) {
      std::string rest = line.substr(10);
      rest.erase(0, rest.find_first_not_of(' '));
      if (detail::starts_with(rest, "untouched ")) {
        c.expect_reason = rest.substr(10);
        part = Part::Done;
      } else {
        c.expect_rewritten = true;
        part = Part::Expect;
      }
      continue;
    }
    if (part == Part::Expect && detail::starts_with(line, "-- params:")) {
      std::string p = line.substr(10);
      p.erase(0, p.find_first_not_of(' '));
      c.expect_params = p;
      part = Part::Done;
      continue;
    }
    if (part == Part::Header) part = Part::Input;
    if (part == Part::Input) {
      c.input += line;
      c.input += '\n';
    } else if (part == Part::Expect) {
      c.expect_sql += line;
      c.expect_sql += '\n';
    }
  }
  finish();
  return out;
}

inline std::vector<CorpusCase> load_corpus(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".sql") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CorpusCase> all;
  for (const auto& f : files) {
    auto cases = load_corpus_file(f);
    all.insert(all.end(), std::make_move_iterator(cases.begin()), std::make_move_iterator(cases.end()));
  }
  return all;
}

}  // namespace pgshim::sql::testing
