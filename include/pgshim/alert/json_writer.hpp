#pragma once
// A minimal JSON writer for the payloads pgshim builds (alerts, /status): keys
// in the order written, no whitespace, strings escaped per RFC 8259. Writing
// only, so nothing heavier (Boost.JSON) has to be compiled into the program.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pgshim::alert {

class JsonWriter {
 public:
  // Structure. The caller pairs begin/end; `key` precedes every member value
  // inside an object. Commas are inserted automatically.
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(double d);  // non-finite values are written as null
  JsonWriter& value(bool b);
  JsonWriter& null();

  // key + value in one call.
  template <class T>
  JsonWriter& member(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  [[nodiscard]] const std::string& str() const noexcept { return out_; }
  [[nodiscard]] std::string take() noexcept { return std::move(out_); }

 private:
  void before_value();

  std::string out_;
  // One entry per open container: whether it already holds an element.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// `s` as a JSON string literal, quotes included.
[[nodiscard]] std::string json_quote(std::string_view s);

}  // namespace pgshim::alert
