// The journal table's SQL and its mapping to records (pg_journal.hpp).
#include "pgshim/journal/pg_journal.hpp"

#include <boost/json.hpp>

#include <charconv>

#include "pgshim/util/identifier.hpp"

namespace pgshim::journal {
namespace json = boost::json;
namespace {

using migrations::PgDatabase;

constexpr std::uint32_t kTextOid = 25;
constexpr std::uint32_t kInt8Oid = 20;
constexpr std::uint32_t kByteaOid = 17;
constexpr std::uint32_t kJsonbOid = 3802;
constexpr std::uint32_t kBoolOid = 16;

// The columns in the order row_params fills them and select_statement reads them.
constexpr const char* kColumns =
    "replica, boot, seq, time_unix_ms, execution, row_index, table_schema, table_name, column_name, kind, "
    "value_form, value_text, value_bytes, key, observed";

std::string to_hex(std::string_view bytes) { return to_hex_digits(bytes); }
std::optional<std::string> from_hex(std::string_view text) { return from_hex_digits(text); }

PgDatabase::Param text_param(std::string value) { return PgDatabase::Param{std::move(value), kTextOid, false}; }
PgDatabase::Param int_param(std::int64_t value) { return PgDatabase::Param{std::to_string(value), kInt8Oid, false}; }
PgDatabase::Param null_param(std::uint32_t type) { return PgDatabase::Param{std::nullopt, type, false}; }

template <class Int>
bool read_int(const std::optional<std::string>& text, Int& out) {
  if (!text) return false;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return false;
  out = static_cast<Int>(v);
  return true;
}

bool read_text(const std::optional<std::string>& text, std::string& out) {
  if (!text) return false;
  out = *text;
  return true;
}

}  // namespace

std::optional<std::string> schema_name_error(std::string_view schema) {
  if (schema.empty()) return "the journal's schema name is empty";
  if (schema.size() > 63) return "the journal's schema name is longer than PostgreSQL's 63 bytes";
  if (schema.find('\0') != std::string_view::npos) return "the journal's schema name holds a NUL";
  return std::nullopt;
}

std::string table_name(std::string_view schema) {
  return util::quote_identifier(schema) + "." + std::string(kJournalTable);
}

std::vector<std::string> init_statements(std::string_view schema) {
  const std::string table = table_name(schema);
  return {
      "CREATE SCHEMA IF NOT EXISTS " + util::quote_identifier(schema),
      "CREATE TABLE IF NOT EXISTS " + table +
          " (replica text NOT NULL, boot bigint NOT NULL, seq bigint NOT NULL, time_unix_ms bigint NOT NULL, "
          "execution bigint NOT NULL, row_index bigint NOT NULL, table_schema text NOT NULL, "
          "table_name text NOT NULL, column_name text NOT NULL, kind text NOT NULL, "
          "value_form text NOT NULL CHECK (value_form IN ('null', 'text', 'binary', 'expression', 'unknown')), "
          "value_text text, value_bytes bytea, key jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(key) = 'array'), "
          "observed boolean NOT NULL DEFAULT false, inserted_at timestamptz NOT NULL DEFAULT now(), "
          "PRIMARY KEY (replica, boot, seq))",
      "COMMENT ON TABLE " + table +
          " IS 'pgshim: values dropped while a pending column was missing, for pgshim backfill (created by pgshim "
          "journal init)'",
  };
}

std::string insert_statement(std::string_view schema, std::size_t rows) {
  std::string sql = "INSERT INTO " + table_name(schema) + " (" + kColumns + ") VALUES ";
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 0; c < kColumnsPerRow; ++c) {
      if (c > 0) sql += ", ";
      sql += "$" + std::to_string(++n);
    }
    sql += ")";
  }
  return sql + " ON CONFLICT (replica, boot, seq) DO NOTHING";
}

std::vector<PgDatabase::Param> row_params(const Record& r) {
  std::vector<PgDatabase::Param> p;
  p.reserve(kColumnsPerRow);
  p.push_back(text_param(r.replica));
  p.push_back(int_param(static_cast<std::int64_t>(r.boot)));
  p.push_back(int_param(static_cast<std::int64_t>(r.seq)));
  p.push_back(int_param(r.time_unix_ms));
  p.push_back(int_param(static_cast<std::int64_t>(r.execution)));
  p.push_back(int_param(static_cast<std::int64_t>(r.row)));
  p.push_back(text_param(r.schema));
  p.push_back(text_param(r.table));
  p.push_back(text_param(r.column));
  p.push_back(text_param(r.kind));
  p.push_back(text_param(std::string(to_string(r.value.form))));
  const bool textual = r.value.form == Form::Text || r.value.form == Form::Expression;
  p.push_back(textual ? text_param(r.value.bytes) : null_param(kTextOid));
  // The client's bytes as they are: a binary parameter of type bytea.
  p.push_back(r.value.form == Form::Binary ? PgDatabase::Param{r.value.bytes, kByteaOid, true} : null_param(kByteaOid));
  p.push_back(PgDatabase::Param{key_json(r.key), kJsonbOid, false});
  p.push_back(PgDatabase::Param{r.observed ? "true" : "false", kBoolOid, false});
  return p;
}

std::string key_json(const std::vector<std::pair<std::string, Value>>& key) {
  json::array a;
  for (const auto& [column, v] : key) {
    json::array triple;
    triple.emplace_back(column);
    switch (v.form) {
      case Form::Null:
      case Form::Unknown: triple.emplace_back(nullptr); break;
      case Form::Binary: triple.emplace_back("\\x" + to_hex(v.bytes)); break;
      case Form::Text:
      case Form::Expression: triple.emplace_back(v.bytes); break;
    }
    triple.emplace_back(to_string(v.form));
    a.emplace_back(std::move(triple));
  }
  return json::serialize(a);
}

std::optional<std::vector<std::pair<std::string, Value>>> parse_key_json(std::string_view text, std::string& error) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_array()) {
    error = "key: not a JSON array";
    return std::nullopt;
  }
  std::vector<std::pair<std::string, Value>> key;
  for (const auto& item : parsed.get_array()) {
    const json::array* triple = item.if_array();
    if (!triple || triple->size() != 3 || !(*triple)[0].is_string() || !(*triple)[2].is_string()) {
      error = "key: expected [column, value, form] triples";
      return std::nullopt;
    }
    const std::string column((*triple)[0].get_string());
    const json::value& value = (*triple)[1];
    const auto form = parse_form((*triple)[2].get_string());
    if (!form) {
      error = "key " + column + ": unknown form";
      return std::nullopt;
    }
    Value v;
    v.form = *form;
    switch (*form) {
      case Form::Null:
      case Form::Unknown:
        if (!value.is_null()) {
          error = "key " + column + ": a " + std::string(to_string(*form)) + " value must be null";
          return std::nullopt;
        }
        break;
      case Form::Text:
      case Form::Expression:
        if (!value.is_string()) {
          error = "key " + column + ": a value must be a string";
          return std::nullopt;
        }
        v.bytes = std::string(value.get_string());
        break;
      case Form::Binary: {
        const std::string_view hex = value.is_string() ? std::string_view(value.get_string()) : std::string_view();
        auto bytes = hex.starts_with("\\x") ? from_hex(hex.substr(2)) : std::nullopt;
        if (!bytes) {
          error = "key " + column + ": a binary value must be a \\x hex string";
          return std::nullopt;
        }
        v.bytes = std::move(*bytes);
        break;
      }
    }
    key.emplace_back(column, std::move(v));
  }
  return key;
}

std::string select_statement(std::string_view schema) {
  return "SELECT replica, boot, seq, time_unix_ms, execution, row_index, table_schema, table_name, column_name, kind, "
         "value_form, value_text, encode(value_bytes, 'hex'), key::text, observed FROM " +
         table_name(schema) + " ORDER BY replica, boot, seq";
}

std::optional<Record> record_from_row(const migrations::Row& row, std::string& error) {
  if (row.size() != kColumnsPerRow) {
    error = "expected " + std::to_string(kColumnsPerRow) + " columns";
    return std::nullopt;
  }
  Record r;
  if (!read_text(row[0], r.replica) || !read_int(row[1], r.boot) || !read_int(row[2], r.seq) ||
      !read_int(row[3], r.time_unix_ms) || !read_int(row[4], r.execution) || !read_int(row[5], r.row) ||
      !read_text(row[6], r.schema) || !read_text(row[7], r.table) || !read_text(row[8], r.column) ||
      !read_text(row[9], r.kind)) {
    error = "a column is NULL or not a number";
    return std::nullopt;
  }
  const auto form = row[10] ? parse_form(*row[10]) : std::nullopt;
  if (!form) {
    error = "value_form: unknown form";
    return std::nullopt;
  }
  r.value.form = *form;
  switch (*form) {
    case Form::Null:
    case Form::Unknown: break;
    case Form::Text:
    case Form::Expression:
      if (!row[11]) {
        error = "value_text is NULL for a " + std::string(to_string(*form)) + " value";
        return std::nullopt;
      }
      r.value.bytes = *row[11];
      break;
    case Form::Binary: {
      auto bytes = row[12] ? from_hex(*row[12]) : std::nullopt;
      if (!bytes) {
        error = "value_bytes is NULL for a binary value";
        return std::nullopt;
      }
      r.value.bytes = std::move(*bytes);
      break;
    }
  }
  auto key = row[13] ? parse_key_json(*row[13], error) : std::nullopt;
  if (!key) {
    if (!row[13]) error = "key is NULL";
    return std::nullopt;
  }
  r.key = std::move(*key);
  if (!row[14] || (*row[14] != "t" && *row[14] != "f")) {
    error = "observed is not a boolean";
    return std::nullopt;
  }
  r.observed = *row[14] == "t";
  return r;
}

InitResult init_table(PgDatabase& db, std::string_view schema) {
  InitResult result;
  const auto before = db.query("SELECT to_regnamespace($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
                               std::vector<std::string>{util::quote_identifier(schema), table_name(schema)});
  const bool had_schema = !before.empty() && before[0][0] == "t";
  const bool had_table = !before.empty() && before[0][1] == "t";
  for (const auto& sql : init_statements(schema)) {
    // The comment only on a table this run created: an operator's own stays.
    if (had_table && sql.starts_with("COMMENT")) continue;
    (void)db.query(sql, std::vector<std::string>{});
  }
  result.created_schema = !had_schema;
  result.created_table = !had_table;
  return result;
}

bool table_exists(PgDatabase& db, std::string_view schema) {
  const auto rows = db.query("SELECT to_regclass($1) IS NOT NULL", std::vector<std::string>{table_name(schema)});
  return !rows.empty() && rows[0][0] == "t";
}

void read_table(PgDatabase& db, std::string_view schema, ReadResult& out) {
  if (!table_exists(db, schema)) {
    throw migrations::MigrationError("the journal table " + table_name(schema) +
                                     " does not exist: run `pgshim journal init`");
  }
  const std::string source = std::string(schema) + "." + std::string(kJournalTable);
  out.files.push_back(source);
  const auto rows = db.query(select_statement(schema), std::vector<std::string>{});
  for (const auto& row : rows) {
    std::string error;
    auto record = record_from_row(row, error);
    // Where a row is, for reports: the replica and boot, then the seq as the "line".
    const std::string place = source + "/" + row[0].value_or("") + "/" + row[1].value_or("");
    std::uint64_t seq = 0;
    (void)read_int(row.size() > 2 ? row[2] : std::nullopt, seq);
    if (!record) {
      out.bad.push_back(BadLine{place, seq, false, std::move(error)});
      continue;
    }
    out.records.push_back(std::move(*record));
    out.where.push_back(Location{place, seq});
  }
}

}  // namespace pgshim::journal
