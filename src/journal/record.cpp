#include "pgshim/journal/record.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace pgshim::journal {
namespace json = boost::json;
namespace {

// The journal's binary values: PostgreSQL's bytea text form, `\x` + hex.
std::string to_hex(std::string_view bytes) { return "\\x" + to_hex_digits(bytes); }

std::optional<std::string> from_hex(std::string_view text) {
  if (text.substr(0, 2) != "\\x") return std::nullopt;
  return from_hex_digits(text.substr(2));
}

json::value value_json(const Value& v) {
  switch (v.form) {
    case Form::Null:
    case Form::Unknown:
      return nullptr;
    case Form::Binary:
      return json::string(to_hex(v.bytes));
    case Form::Text:
    case Form::Expression:
      return json::string(v.bytes);
  }
  return nullptr;
}

// Reads member `name` of `o` as a value whose form `forms` may override.
// Returns an error message, empty on success.
std::string read_value(const json::value& j, std::string_view form_name, Value& out) {
  if (!form_name.empty()) {
    const auto form = parse_form(form_name);
    if (!form || *form == Form::Null || *form == Form::Text) return "unknown form \"" + std::string(form_name) + "\"";
    out.form = *form;
  } else {
    out.form = j.is_null() ? Form::Null : Form::Text;
  }
  switch (out.form) {
    case Form::Null:
      return {};
    case Form::Unknown:
      if (!j.is_null()) return "an unknown value must be null";
      return {};
    case Form::Text:
    case Form::Expression:
      if (!j.is_string()) return "a value must be a string or null";
      out.bytes = std::string(j.get_string());
      return {};
    case Form::Binary: {
      if (!j.is_string()) return "a binary value must be a \\x hex string";
      auto bytes = from_hex(j.get_string());
      if (!bytes) return "a binary value must be a \\x hex string";
      out.bytes = std::move(*bytes);
      return {};
    }
  }
  return {};
}

template <class Int>
bool read_int(const json::object& o, std::string_view name, Int& out) {
  const json::value* v = o.if_contains(name);
  if (!v) return false;
  if (v->is_uint64()) out = static_cast<Int>(v->get_uint64());
  else if (v->is_int64()) out = static_cast<Int>(v->get_int64());
  else return false;
  return true;
}

bool read_string(const json::object& o, std::string_view name, std::string& out) {
  const json::value* v = o.if_contains(name);
  if (!v || !v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

// A JSON number that is not an integer, in the shortest form that reads back
// the same ("1.5", not Boost.JSON's "1.5E0"). A numeric key with more digits
// than a double holds would not survive: keys are integers, text or uuids.
std::string shortest(double d) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

}  // namespace

std::string to_hex_digits(std::string_view bytes) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex_digits(std::string_view hex) {
  const auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<Form> parse_form(std::string_view name) noexcept {
  for (const Form f : {Form::Null, Form::Text, Form::Binary, Form::Expression, Form::Unknown}) {
    if (to_string(f) == name) return f;
  }
  return std::nullopt;
}

std::string_view to_string(Form form) noexcept {
  switch (form) {
    case Form::Null: return "null";
    case Form::Text: return "text";
    case Form::Binary: return "binary";
    case Form::Expression: return "expression";
    case Form::Unknown: return "unknown";
  }
  return "unknown";
}

std::optional<std::vector<std::pair<std::string, Value>>> row_from_json(std::string_view text) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  std::vector<std::pair<std::string, Value>> row;
  for (const auto& member : parsed.get_object()) {
    const json::value& v = member.value();
    Value value;
    if (v.is_null()) value = Value::null();
    else if (v.is_string()) value = Value::text(std::string(v.get_string()));
    else if (v.is_bool()) value = Value::text(v.get_bool() ? "true" : "false");
    else if (v.is_double()) value = Value::text(shortest(v.get_double()));
    else if (v.is_number()) value = Value::text(json::serialize(v));  // integers as printed
    else value = Value::text(json::serialize(v));                     // arrays and objects as JSON
    row.emplace_back(std::string(member.key()), std::move(value));
  }
  return row;
}

std::string format_line(const Record& r) {
  json::object o;
  o["v"] = kFormatVersion;
  o["replica"] = r.replica;
  o["boot"] = r.boot;
  o["seq"] = r.seq;
  o["time_unix_ms"] = r.time_unix_ms;
  o["execution"] = r.execution;
  o["row"] = r.row;
  o["schema"] = r.schema;
  o["table"] = r.table;
  o["column"] = r.column;
  o["kind"] = r.kind;
  o["value"] = value_json(r.value);
  json::object key;
  json::object forms;
  const auto note_form = [&forms](std::string_view name, const Value& v) {
    if (v.form != Form::Null && v.form != Form::Text) forms[name] = to_string(v.form);
  };
  note_form("value", r.value);
  for (const auto& [column, v] : r.key) {
    key[column] = value_json(v);
    if (v.form != Form::Null && v.form != Form::Text) {
      // Key forms live under "key.<column>": a column may be named "value".
      forms["key." + column] = to_string(v.form);
    }
  }
  o["key"] = std::move(key);
  if (!forms.empty()) o["forms"] = std::move(forms);
  if (r.observed) o["observed"] = true;
  return json::serialize(o);
}

ParsedLine parse_line(std::string_view line) {
  ParsedLine out;
  boost::system::error_code ec;
  const json::value parsed = json::parse(line, ec);
  if (ec) {
    out.truncated = ec == json::error::incomplete;
    out.error = out.truncated ? "cut short (torn)" : "not JSON (" + ec.message() + ")";
    return out;
  }
  if (!parsed.is_object()) {
    out.error = "not a JSON object";
    return out;
  }
  const json::object& o = parsed.get_object();
  int version = 0;
  if (!read_int(o, "v", version) || version != kFormatVersion) {
    out.error = "not a version " + std::to_string(kFormatVersion) + " journal record";
    return out;
  }
  Record r;
  if (!read_string(o, "replica", r.replica) || !read_int(o, "boot", r.boot) || !read_int(o, "seq", r.seq) ||
      !read_int(o, "time_unix_ms", r.time_unix_ms) || !read_int(o, "execution", r.execution) ||
      !read_int(o, "row", r.row) || !read_string(o, "schema", r.schema) || !read_string(o, "table", r.table) ||
      !read_string(o, "column", r.column) || !read_string(o, "kind", r.kind)) {
    out.error = "a member is missing or has the wrong type";
    return out;
  }
  const json::object* forms = nullptr;
  if (const json::value* f = o.if_contains("forms")) {
    if (!f->is_object()) {
      out.error = "\"forms\" is not an object";
      return out;
    }
    forms = &f->get_object();
  }
  const auto form_of = [forms](std::string_view name) -> std::string_view {
    if (!forms) return {};
    const json::value* f = forms->if_contains(name);
    return f && f->is_string() ? std::string_view(f->get_string()) : std::string_view();
  };
  const json::value* value = o.if_contains("value");
  if (!value) {
    out.error = "\"value\" is missing";
    return out;
  }
  if (std::string e = read_value(*value, form_of("value"), r.value); !e.empty()) {
    out.error = "value: " + e;
    return out;
  }
  const json::value* key = o.if_contains("key");
  if (!key || !key->is_object()) {
    out.error = "\"key\" is missing or not an object";
    return out;
  }
  for (const auto& member : key->get_object()) {
    Value v;
    const std::string column(member.key());
    if (std::string e = read_value(member.value(), form_of("key." + column), v); !e.empty()) {
      out.error = "key " + column + ": " + e;
      return out;
    }
    r.key.emplace_back(column, std::move(v));
  }
  if (const json::value* observed = o.if_contains("observed")) {
    if (!observed->is_bool()) {
      out.error = "\"observed\" is not a boolean";
      return out;
    }
    r.observed = observed->get_bool();
  }
  out.record = std::move(r);
  return out;
}

}  // namespace pgshim::journal
