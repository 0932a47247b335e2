// Fuzzes CopyRowFilter. The first three input bytes pick the spec (format,
// header, width, stripped fields, delimiter, quote, escape, NULL string, row
// limit, CSV end marker, cut points); the rest is the COPY data. Checks the contract, not just
// the absence of crashes:
//   - split invariance: fed whole, cut at two fuzzer-chosen points, and one
//     byte at a time, the output bytes, error, message and rows are identical;
//   - the internal buffer never exceeds max_row_length;
//   - on success the output is no longer than the input, every journaled row
//     has field_count fields, and the output re-filtered as a stream of the
//     kept columns splits into exactly the kept fields of the journaled rows
//     (so no stripped row changed meaning or boundaries).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pgshim/wire/copy_rows.hpp"

namespace {

using namespace pgshim::wire;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Run {
  std::string out;
  std::error_code error;
  std::string message;
  std::vector<CopyRowValues> rows;
  std::uint64_t data_rows = 0;
};

bool same(const Run& a, const Run& b) {
  if (a.out != b.out || a.error != b.error || a.message != b.message || a.data_rows != b.data_rows) return false;
  if (a.rows.size() != b.rows.size()) return false;
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    if (a.rows[i].row_number != b.rows[i].row_number || a.rows[i].line != b.rows[i].line ||
        a.rows[i].fields != b.rows[i].fields) {
      return false;
    }
  }
  return true;
}

// Feeds `input` in pieces ending at each of `cuts` (ascending), then the rest.
Run run(const CopyRowSpec& spec, std::string_view input, const std::vector<std::size_t>& cuts) {
  CopyRowFilter filter(spec);
  Run r;
  std::size_t at = 0;
  const auto feed = [&](std::size_t to) {
    const std::error_code ec = filter.feed(input.substr(at, to - at), r.out, &r.rows);
    if (!r.error) r.error = ec;
    check(filter.buffered() <= spec.max_row_length);
    at = to;
  };
  for (const std::size_t cut : cuts) feed(cut);
  feed(input.size());
  const std::error_code ec = filter.finish(r.out, &r.rows);
  if (!r.error) r.error = ec;
  check(ec == r.error);  // errors are sticky
  r.message = filter.error_message();
  r.data_rows = filter.data_rows();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t b0 = data[0], b1 = data[1], b2 = data[2];
  std::string_view input(reinterpret_cast<const char*>(data) + 3, size - 3);

  CopyRowSpec spec;
  spec.format = (b0 & 1) != 0 ? CopyFormat::Csv : CopyFormat::Text;
  const bool csv = spec.format == CopyFormat::Csv;
  spec.header = (b0 & 2) != 0;
  spec.field_count = 2 + ((b0 >> 2) & 3);
  const unsigned all = (1U << spec.field_count) - 1;
  unsigned mask = (b0 >> 4) & all;
  if (mask == 0) mask = 1;
  if (mask == all) mask &= ~1U;
  for (std::size_t k = 0; k < spec.field_count; ++k) {
    if ((mask >> k) & 1U) spec.drop.push_back(k);
  }
  static constexpr char kDelimiters[] = {'\t', ',', '|', ';'};
  spec.delimiter = kDelimiters[b1 & 3];
  if (csv) {
    spec.quote = (b1 & 4) != 0 ? '\'' : '"';
    if ((b1 & 8) != 0) spec.escape = '\\';
    if ((b1 & 16) != 0) {
      spec.force_null = {0};
      spec.force_not_null = {spec.field_count - 1};
    }
  }
  static const char* const kNulls[] = {nullptr, "", "NULL", "\\N"};
  if (const char* null = kNulls[(b1 >> 6) & 3]) spec.null_string = null;
  spec.max_row_length = (b2 & 1) != 0 ? 16 + (b2 >> 1) : kDefaultMaxRowLength;
  spec.csv_end_marker = (b2 & 0x80) == 0;

  // A well-formed header line, for the re-split check below: a header of
  // another width passes the first filter unchanged, and the second one (with
  // fewer columns) might then take it for one it should strip.
  const bool own_header = spec.header && (b1 & 32) != 0;
  std::string with_header;
  if (own_header) {
    for (std::size_t k = 0; k < spec.field_count; ++k) {
      if (k) with_header += *spec.delimiter;
      with_header += "c" + std::to_string(k);
    }
    with_header += "\n";
    with_header.append(input);
    input = with_header;
  }

  std::string why;
  if (validate_copy_row_spec(spec, why)) {
    const Run r = run(spec, input, {});
    check(r.error == CopyErrc::InvalidSpec && r.out.empty() && !why.empty());
    return 0;
  }

  const Run whole = run(spec, input, {});
  // Two cuts derived from the data, so the fuzzer can steer them.
  const std::size_t a = input.empty() ? 0 : (std::size_t{b2} * 131 + size) % (input.size() + 1);
  const std::size_t b = input.empty() ? 0 : a + (std::size_t{b1} * 7 + b2) % (input.size() - a + 1);
  check(same(whole, run(spec, input, {a, b})));
  std::vector<std::size_t> bytes;
  for (std::size_t s = 1; s < input.size(); ++s) bytes.push_back(s);
  check(same(whole, run(spec, input, bytes)));

  if (whole.error) {
    check(!whole.message.empty());
    return 0;
  }
  check(whole.message.empty());
  check(whole.out.size() <= input.size());
  check(whole.rows.size() == whole.data_rows);
  for (std::size_t i = 0; i < whole.rows.size(); ++i) {
    check(whole.rows[i].row_number == i + 1 && whole.rows[i].fields.size() == spec.field_count);
  }

  // The output as the server sees it: a stream of the kept columns. Strip its
  // last column again to get at its rows, which must be the kept fields.
  const std::size_t kept = spec.field_count - spec.drop.size();
  if (kept < 2 || (spec.header && !own_header)) return 0;
  CopyRowSpec again = spec;
  again.field_count = kept;
  again.drop = {kept - 1};
  again.force_null.clear();
  again.force_not_null.clear();
  again.max_row_length = kDefaultMaxRowLength;
  const Run second = run(again, whole.out, {});
  // Stripping again may itself turn "\.;x" into "\." (EndMarkerCollision):
  // then the rows up to there must still match.
  check(!second.error || second.error == CopyErrc::EndMarkerCollision);
  check(second.error ? second.rows.size() < whole.rows.size() || spec.header : second.rows.size() == whole.rows.size());
  for (std::size_t i = 0; i < second.rows.size(); ++i) {
    std::size_t j = 0;
    for (std::size_t k = 0; k < spec.field_count; ++k) {
      if ((mask >> k) & 1U) continue;
      // FORCE_* changes decoding of its own column only; compare the others.
      const bool forced = (k == 0 && !spec.force_null.empty()) ||
                          (k == spec.field_count - 1 && !spec.force_not_null.empty());
      if (!forced) check(second.rows[i].fields[j] == whole.rows[i].fields[k]);
      ++j;
    }
  }
  return 0;
}
