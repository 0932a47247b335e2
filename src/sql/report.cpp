// Human-readable rewrite reports (see report.hpp).
#include "pgshim/sql/report.hpp"

namespace pgshim::sql {
namespace {

void append_column(std::string& out, const std::string& schema, const std::string& table, const std::string& column) {
  out += schema;
  out += '.';
  out += table;
  out += '.';
  out += column;
}

}  // namespace

std::string render_report(const RewriteResult& result) {
  std::string out;
  switch (result.outcome) {
    case Outcome::Untouched:
      out += "untouched (";
      out += to_string(result.reason);
      out += ")";
      if (!result.detail.empty()) {
        out += ": ";
        out += result.detail;
      }
      out += '\n';
      return out;
    case Outcome::Rewritten:
      break;
  }
  out += "rewritten:\n  ";
  for (char c : result.sql) {
    out += c;
    if (c == '\n') out += "  ";
  }
  out += "\nedits (" + std::to_string(result.edits.size()) + "):\n";
  for (const Edit& e : result.edits) {
    out += "  ";
    out += to_string(e.kind);
    out += ' ';
    append_column(out, e.schema, e.table, e.column);
    out += " at offset " + std::to_string(e.offset) + "\n";
  }
  if (!result.dropped_parameters.empty()) {
    out += "dropped parameters (declare them in Parse to keep the client's parameter count):\n";
    for (const DroppedParameter& p : result.dropped_parameters) {
      out += "  $" + std::to_string(p.number) + " " + p.type + "\n";
    }
  }
  if (!result.dropped_values.empty()) {
    out += "dropped values:\n";
    for (const DroppedValue& v : result.dropped_values) {
      out += "  ";
      out += to_string(v.kind);
      out += ' ';
      append_column(out, v.schema, v.table, v.column);
      out += " = " + v.value.expression;
      out += " (statement " + std::to_string(v.statement + 1) + ", row " + std::to_string(v.row + 1) + ")";
      if (!v.key.empty()) {
        out += " where";
        for (std::size_t i = 0; i < v.key.size(); ++i) {
          out += i == 0 ? " " : ", ";
          out += v.key[i].column + " = " + v.key[i].expression;
        }
      }
      out += '\n';
    }
  }
  if (result.copy_from) {
    const CopyFromFilter& f = *result.copy_from;
    out += "COPY data (";
    out += f.csv ? "csv" : "text";
    if (f.header) out += ", header";
    out += "): every row loses field";
    out += f.drop.size() > 1 ? "s" : "";
    for (std::size_t i = 0; i < f.drop.size(); ++i) {
      out += i == 0 ? " " : ", ";
      out += std::to_string(f.drop[i] + 1) + " (" + f.columns[f.drop[i]] + ")";
    }
    out += " of " + std::to_string(f.columns.size()) + "; the values are journaled\n";
  }
  return out;
}

}  // namespace pgshim::sql
