// The catalog check's query and the pure reading of its rows (see catalog.hpp).
#include "pgshim/schema/catalog.hpp"

#include <algorithm>
#include <charconv>

namespace pgshim::schema {

// Everything is schema-qualified with pg_catalog so that neither the monitor
// role's search_path nor objects it could shadow change the answer. The text[]
// parameters are compared with `name` columns through explicit ::text casts.
const char* const kCatalogQuery = R"SQL(
SELECT 'c'::text AS kind,
       w.ord::text AS ordinal,
       w.nsp AS schema,
       w.rel AS "table",
       w.att AS "column",
       (r.oid IS NOT NULL)::text AS table_exists,
       (EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = r.oid
                   AND a.attname::text = w.att
                   AND a.attnum > 0
                   AND NOT a.attisdropped))::text AS column_exists
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w(nsp, rel, att, ord)
  LEFT JOIN LATERAL (
       SELECT pg_catalog.to_regclass(pg_catalog.quote_ident(w.nsp) OPERATOR(pg_catalog.||) '.'
                                     OPERATOR(pg_catalog.||) pg_catalog.quote_ident(w.rel))::oid AS oid) r
    ON true
UNION ALL
SELECT 'f'::text, NULL::text, n.nspname::text, c.relname::text, a.attname::text, 'true', 'true'
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE a.attname::text = ANY (pg_catalog.array_cat($3::text[], $4::text[]))
   AND a.attnum > 0
   AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND n.nspname <> 'information_schema'
   AND n.nspname::text NOT LIKE 'pg\_%'
UNION ALL
SELECT 't'::text, NULL::text, n.nspname::text, c.relname::text, ''::text, 'true', 'true'
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname::text = ANY ($2::text[])
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND n.nspname <> 'information_schema'
   AND n.nspname::text NOT LIKE 'pg\_%'
)SQL";

namespace {

// Boolean text output: `bool::text` gives "true"/"false", while a bool column
// in text format gives "t"/"f"; accept both so the query may use either.
[[nodiscard]] std::optional<bool> parse_bool(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  if (*value == "t" || *value == "true") return true;
  if (*value == "f" || *value == "false") return false;
  return std::nullopt;
}

[[nodiscard]] std::string qualified_table(const sql::PendingColumn& column) {
  // Render schema.table exactly as qualified_name() quotes it: give the column a
  // name that never needs quotes and cut it off again.
  sql::PendingColumn table_only = column;
  table_only.column = "x";
  std::string name = sql::qualified_name(table_only);
  name.resize(name.size() - 2);
  return name;
}

}  // namespace

std::string to_text_array_literal(std::span<const std::string> values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (const char ch : values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::array<std::string, kCatalogQueryParams> catalog_query_params(std::span<const sql::PendingColumn> columns) {
  std::vector<std::string> schemas;
  std::vector<std::string> tables;
  std::vector<std::string> names;
  std::vector<std::string> new_names;
  for (const sql::PendingColumn& column : columns) {
    schemas.push_back(column.schema);
    tables.push_back(column.table);
    names.push_back(column.column);
    if (column.kind == sql::ColumnKind::Renamed) new_names.push_back(column.renamed_to);
  }
  return {to_text_array_literal(schemas), to_text_array_literal(tables), to_text_array_literal(names),
          to_text_array_literal(new_names)};
}

std::optional<CatalogReading> read_catalog(std::span<const sql::PendingColumn> columns,
                                           std::span<const CatalogRow> rows, std::string& error) {
  CatalogReading reading;
  reading.states.assign(columns.size(), ColumnState::Unknown);
  reading.reasons.assign(columns.size(), std::string());
  std::vector<bool> seen(columns.size(), false);

  for (std::size_t r = 0; r < rows.size(); ++r) {
    const CatalogRow& row = rows[r];
    const std::string where = "catalog row " + std::to_string(r + 1);
    if (!row.kind || !row.schema || !row.table || !row.column) {
      error = where + ": a NULL where a name was expected";
      return std::nullopt;
    }
    if (*row.kind == "f") {
      reading.facts.push_back(CatalogFact{*row.column, *row.schema, *row.table});
      continue;
    }
    if (*row.kind == "t") {
      // A relation named like a pending table (in any schema): for search_path.
      reading.facts.push_back(CatalogFact{std::string(), *row.schema, *row.table});
      continue;
    }
    if (*row.kind != "c") {
      error = where + ": unexpected kind '" + *row.kind + "'";
      return std::nullopt;
    }
    std::size_t ordinal = 0;
    const std::string& text = row.ordinal.value_or(std::string());
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ordinal);
    if (ec != std::errc() || end != text.data() + text.size() || ordinal == 0 || ordinal > columns.size()) {
      error = where + ": ordinal '" + text + "' out of range";
      return std::nullopt;
    }
    const std::size_t index = ordinal - 1;
    const sql::PendingColumn& configured = columns[index];
    if (seen[index]) {
      error = where + ": ordinal " + text + " repeated";
      return std::nullopt;
    }
    // The row must echo the parameters it answers; anything else means the
    // parameters and the configuration went out of step.
    if (*row.schema != configured.schema || *row.table != configured.table || *row.column != configured.column) {
      error = where + ": answers " + *row.schema + "." + *row.table + "." + *row.column + ", expected " +
              sql::qualified_name(configured);
      return std::nullopt;
    }
    const std::optional<bool> table_exists = parse_bool(row.table_exists);
    const std::optional<bool> column_exists = parse_bool(row.column_exists);
    if (!table_exists || !column_exists) {
      error = where + ": table_exists/column_exists are not booleans";
      return std::nullopt;
    }
    seen[index] = true;
    if (!*table_exists) {
      // The rewriter cannot help: statements naming the table fail upstream
      // with 42P01 whatever pgshim does. Unknown keeps them untouched.
      reading.states[index] = ColumnState::Unknown;
      reading.reasons[index] = "table " + qualified_table(configured) + " does not exist";
    } else {
      reading.states[index] = *column_exists ? ColumnState::Present : ColumnState::Missing;
    }
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (!seen[i]) {
      error = "the catalog query returned no row for " + sql::qualified_name(columns[i]);
      return std::nullopt;
    }
  }
  std::sort(reading.facts.begin(), reading.facts.end());
  reading.facts.erase(std::unique(reading.facts.begin(), reading.facts.end()), reading.facts.end());
  // A renamed column is rewritten only while its new name exists: with both
  // names gone, sending the new one would only change the client's error.
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const sql::PendingColumn& c = columns[i];
    if (c.kind != sql::ColumnKind::Renamed || reading.states[i] != ColumnState::Missing) continue;
    const CatalogFact renamed{c.renamed_to, c.schema, c.table};
    if (!std::binary_search(reading.facts.begin(), reading.facts.end(), renamed)) {
      reading.states[i] = ColumnState::Unknown;
      reading.reasons[i] = "neither " + c.column + " nor " + c.renamed_to + " exists in " + qualified_table(c);
    }
  }
  return reading;
}

std::shared_ptr<const sql::CatalogFacts> build_catalog_facts(std::span<const CatalogFact> facts,
                                                            std::uint64_t version) {
  auto built = std::make_shared<sql::CatalogFacts>(version);
  for (const CatalogFact& fact : facts) {
    if (fact.column.empty()) {
      built->add_relation(fact.schema, fact.table);
    } else {
      built->add(fact.column, fact.schema, fact.table);
    }
  }
  return built;
}

}  // namespace pgshim::schema
