// Stripping fields from COPY FROM STDIN data (PostgreSQL docs, "COPY", File
// Formats: Text Format and CSV Format). The scanner below is a byte-at-a-time
// state machine whose state survives between feed() calls, so a row split
// across CopyData messages is scanned exactly once and split exactly as it
// would be whole. It mirrors the server's copyfromparse.c: CopyReadLineText for
// where a line ends, CopyReadAttributesText/CSV for where fields end.
#include "pgshim/wire/copy_rows.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace pgshim::wire {
namespace {

class CopyCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "pgshim.wire.copy"; }

  [[nodiscard]] std::string message(int value) const override {
    // No default: a new CopyErrc without a message fails the build under -Wswitch-enum.
    switch (static_cast<CopyErrc>(value)) {
      case CopyErrc::InvalidSpec:
        return "the COPY options cannot be filtered";
      case CopyErrc::WrongFieldCount:
        return "a COPY row has a different number of fields than the column list";
      case CopyErrc::RowTooLong:
        return "a COPY row is longer than the allowed maximum";
      case CopyErrc::UnterminatedQuote:
        return "unterminated CSV quoted field";
      case CopyErrc::BadLineEnding:
        return "a COPY line ending differs from the first line's";
      case CopyErrc::MisplacedEndMarker:
        return "the end-of-copy marker is not alone on its line";
      case CopyErrc::EndMarkerCollision:
        return "stripping a field would turn a COPY row into the end-of-copy marker";
    }
    return "unknown copy error " + std::to_string(value);
  }
};

constexpr bool is_octal(char c) noexcept { return c >= '0' && c <= '7'; }

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<bool> index_mask(const std::vector<std::size_t>& indices, std::size_t size) {
  std::vector<bool> mask(size, false);
  for (const std::size_t i : indices) {
    if (i < size) mask[i] = true;
  }
  return mask;
}

std::string shown(char c) {
  switch (c) {
    case '\t': return "'\\t'";
    case '\r': return "'\\r'";
    case '\n': return "'\\n'";
    default: return std::string("'") + c + "'";
  }
}

}  // namespace

const std::error_category& copy_category() noexcept {
  static const CopyCategory category;
  return category;
}

std::error_code validate_copy_row_spec(const CopyRowSpec& spec, std::string& why) {
  const auto bad = [&why](std::string reason) {
    why = std::move(reason);
    return make_error_code(CopyErrc::InvalidSpec);
  };
  const bool csv = spec.format == CopyFormat::Csv;
  const char delimiter = spec.delimiter.value_or(csv ? ',' : '\t');
  const char quote = spec.quote.value_or('"');
  const char escape = spec.escape.value_or(quote);
  const std::string null_string = spec.null_string.value_or(csv ? "" : "\\N");

  // ProcessCopyOptions' rules: these would make the server reject the COPY
  // anyway, and several would make line or field ends ambiguous here.
  if (delimiter == '\r' || delimiter == '\n') return bad("the COPY delimiter cannot be newline or carriage return");
  if (!csv && std::string_view("\\.abcdefghijklmnopqrstuvwxyz0123456789").find(delimiter) != std::string_view::npos) {
    return bad("the COPY delimiter cannot be " + shown(delimiter));
  }
  if (!csv && (spec.quote || spec.escape)) return bad("QUOTE and ESCAPE are available only in CSV mode");
  if (!csv && (!spec.force_not_null.empty() || !spec.force_null.empty())) {
    return bad("FORCE_NOT_NULL and FORCE_NULL are available only in CSV mode");
  }
  if (csv) {
    if (delimiter == quote) return bad("the COPY delimiter and quote must be different");
    // '\\' and '.' as the quote would let "\." open a quoted section, which the
    // server's end-of-data check ignores; no real client does this.
    if (quote == '\r' || quote == '\n' || quote == '\\' || quote == '.') {
      return bad("the CSV quote cannot be " + shown(quote));
    }
    if (escape == '\r' || escape == '\n') return bad("the CSV escape cannot be " + shown(escape));
    if (null_string.find(quote) != std::string::npos) return bad("the CSV quote must not appear in the NULL string");
  }
  if (null_string.find_first_of("\r\n") != std::string::npos) {
    return bad("the COPY NULL string cannot contain newline or carriage return");
  }
  if (null_string.find(delimiter) != std::string::npos) {
    return bad("the COPY delimiter must not appear in the NULL string");
  }

  if (spec.field_count < 2) return bad("the column list must have at least two fields to strip one");
  if (spec.drop.empty()) return bad("no field to strip");
  for (const std::size_t i : spec.drop) {
    if (i >= spec.field_count) return bad("field " + std::to_string(i) + " to strip is beyond the column list");
  }
  const std::vector<bool> dropped = index_mask(spec.drop, spec.field_count);
  if (std::find(dropped.begin(), dropped.end(), false) == dropped.end()) return bad("cannot strip every field");
  for (const auto* list : {&spec.force_not_null, &spec.force_null}) {
    for (const std::size_t i : *list) {
      if (i >= spec.field_count) return bad("FORCE_* field " + std::to_string(i) + " is beyond the column list");
    }
  }
  if (spec.max_row_length == 0) return bad("max_row_length must be positive");
  return {};
}

std::optional<std::string> decode_text_field(std::string_view raw, std::string_view null_string) {
  // CopyReadAttributesText compares the raw bytes, before de-escaping.
  if (raw == null_string) return std::nullopt;
  std::string v;
  v.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    char c = raw[i++];
    if (c != '\\') {
      v.push_back(c);
      continue;
    }
    if (i >= raw.size()) break;  // a lone trailing backslash is dropped, as the server does
    c = raw[i++];
    switch (c) {
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        int value = c - '0';
        for (int more = 0; more < 2 && i < raw.size() && is_octal(raw[i]); ++more) value = value * 8 + (raw[i++] - '0');
        c = static_cast<char>(value & 0xff);
        break;
      }
      case 'x':
        // \x with no hex digit after it is a plain 'x'.
        if (i < raw.size() && hex_value(raw[i]) >= 0) {
          int value = hex_value(raw[i++]);
          if (i < raw.size() && hex_value(raw[i]) >= 0) value = value * 16 + hex_value(raw[i++]);
          c = static_cast<char>(value);
        }
        break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'v': c = '\v'; break;
      default: break;  // any other char after a backslash is taken literally (\\, \N, \<delimiter>, ...)
    }
    v.push_back(c);
  }
  return v;
}

std::optional<std::string> decode_csv_field(std::string_view raw, char quote, char escape,
                                            std::string_view null_string) {
  // A field with any quote char had a quoted section (saw_quote in the server),
  // which makes it a value even when it reads like the NULL string.
  if (raw.find(quote) == std::string_view::npos && raw == null_string) return std::nullopt;
  std::string v;
  v.reserve(raw.size());
  bool in_quote = false;
  std::size_t i = 0;
  while (i < raw.size()) {
    const char c = raw[i++];
    if (!in_quote) {
      if (c == quote) {
        in_quote = true;
      } else {
        v.push_back(c);
      }
      continue;
    }
    // The escape test comes first so that with escape == quote a doubled quote
    // is one literal quote rather than a close and a reopen.
    if (c == escape && i < raw.size() && (raw[i] == escape || raw[i] == quote)) {
      v.push_back(raw[i++]);
    } else if (c == quote) {
      in_quote = false;
    } else {
      v.push_back(c);
    }
  }
  return v;
}

CopyRowFilter::CopyRowFilter(CopyRowSpec spec)
    : format_(spec.format),
      delimiter_(spec.delimiter.value_or(spec.format == CopyFormat::Csv ? ',' : '\t')),
      quote_(spec.quote.value_or('"')),
      escape_(spec.escape.value_or(quote_)),
      null_string_(spec.null_string.value_or(spec.format == CopyFormat::Csv ? "" : "\\N")),
      field_count_(spec.field_count),
      max_row_length_(spec.max_row_length),
      csv_end_marker_(spec.csv_end_marker),
      dropped_(index_mask(spec.drop, spec.field_count)),
      force_not_null_(index_mask(spec.force_not_null, spec.field_count)),
      force_null_(index_mask(spec.force_null, spec.field_count)),
      phase_(spec.header ? Phase::Header : Phase::Data) {
  std::string why;
  if (const std::error_code ec = validate_copy_row_spec(spec, why)) {
    error_ = ec;
    message_ = "COPY options cannot be filtered: " + why;
    return;
  }
  // The bytes that can end a run of ordinary field bytes: everything else is
  // copied through the fast loop without a look at the state.
  for (const char c : {delimiter_, '\r', '\n', format_ == CopyFormat::Text ? '\\' : quote_}) {
    special_[static_cast<unsigned char>(c)] = true;
  }
  field_starts_.reserve(field_count_);
  start_row();
}

void CopyRowFilter::start_row() noexcept {
  scan_ = Scan::Field;
  pos_ = 0;
  content_len_ = 0;
  fields_ = 1;
  field_starts_.clear();
  field_starts_.push_back(0);
}

std::error_code CopyRowFilter::fail(CopyErrc code, std::string message) {
  error_ = make_error_code(code);
  message_ = std::move(message);
  pending_.clear();
  pending_.shrink_to_fit();
  return error_;
}

std::string_view CopyRowFilter::field(std::string_view row, std::size_t k) const noexcept {
  // Field k ends at the delimiter before field k + 1, the last at the line ending.
  const std::size_t begin = field_starts_[k];
  const std::size_t end = k + 1 < field_count_ ? field_starts_[k + 1] - 1 : content_len_;
  return row.substr(begin, end - begin);
}

std::optional<std::string> CopyRowFilter::decode(std::string_view raw, std::size_t k) const {
  switch (format_) {
    case CopyFormat::Text:
      return decode_text_field(raw, null_string_);
    case CopyFormat::Csv:
      // NextCopyFrom: FORCE_NOT_NULL turns NULL into the NULL string's value;
      // FORCE_NULL turns a (necessarily quoted) match of the NULL string into NULL.
      if (std::optional<std::string> v = decode_csv_field(raw, quote_, escape_, null_string_)) {
        if (force_null_[k] && *v == null_string_) return std::nullopt;
        return v;
      }
      if (force_not_null_[k]) return null_string_;
      return std::nullopt;
  }
  return std::nullopt;
}

// A whole row is in `row`: its content up to content_len_, then its line
// ending (empty for a final row at finish()). Precondition: `row` may view
// pending_, which is cleared last.
std::error_code CopyRowFilter::complete_row(std::string_view row, std::string& out, std::vector<CopyRowValues>* rows) {
  const std::string_view content = row.substr(0, content_len_);
  const std::uint64_t line = current_line();
  // "\." is the end-of-data marker only alone on a line with its line ending:
  // at the end of the data without one, text-format servers reject it ("end-
  // of-copy marker corrupt"), and CSV reads it as a value (NO_END_OF_COPY).
  const bool has_eol = row.size() > content_len_;
  const bool marker_ends_data = format_ == CopyFormat::Text || csv_end_marker_;

  if (content == "\\." && marker_ends_data) {
    if (!has_eol && format_ == CopyFormat::Text) {
      return fail(CopyErrc::MisplacedEndMarker, "COPY data line " + std::to_string(line) +
                                                    ": end-of-copy marker \\. has no line ending");
    }
    if (has_eol) {
      // It passes through unchanged; the server ignores everything after it
      // until CopyDone, so the filter stops splitting.
      out.append(row);
      ++lines_;
      phase_ = Phase::Ended;
      start_row();
      pending_.clear();
      return {};
    }
  }

  if (fields_ != field_count_) {
    if (phase_ != Phase::Header) {
      return fail(CopyErrc::WrongFieldCount, "COPY data line " + std::to_string(line) + " has " +
                                                 std::to_string(fields_) + " fields, expected " +
                                                 std::to_string(field_count_));
    }
    // HEADER is skipped unread and HEADER MATCH fails on a count mismatch by
    // itself, so a header of another width goes to the server as it came.
    out.append(row);
  } else {
    // The kept fields joined by the delimiter are exactly the row minus each
    // stripped field and one delimiter next to it.
    const std::size_t mark = out.size();
    bool first = true;
    for (std::size_t k = 0; k < field_count_; ++k) {
      if (dropped_[k]) continue;
      if (!first) out.push_back(delimiter_);
      first = false;
      out.append(field(row, k));
    }
    // In CSV "a,\." minus its first field would read as the end of the data and
    // silently end the COPY there.
    if (marker_ends_data && has_eol && std::string_view(out).substr(mark) == "\\.") {
      out.resize(mark);
      return fail(CopyErrc::EndMarkerCollision,
                  "COPY data line " + std::to_string(line) +
                      " would become the end-of-copy marker \\. once the pending column is stripped");
    }
    out.append(row.substr(content_len_));
    if (phase_ == Phase::Data) {
      ++data_rows_;
      if (rows != nullptr) {
        CopyRowValues values{data_rows_, line, {}};
        values.fields.reserve(field_count_);
        for (std::size_t k = 0; k < field_count_; ++k) values.fields.push_back(decode(field(row, k), k));
        rows->push_back(std::move(values));
      }
    }
  }
  if (phase_ == Phase::Header) phase_ = Phase::Data;
  ++lines_;
  start_row();
  pending_.clear();
  return {};
}

// A row that starts and ends inside `in` is emitted straight from `in`; only a
// row that a chunk boundary cuts is copied, into pending_, until its line
// ending arrives. The scanner never looks at a byte twice: its state (scan_,
// pos_, fields_, field_starts_) carries over between calls, so where the
// chunks are cut cannot change where rows and fields end.
std::error_code CopyRowFilter::feed(std::string_view in, std::string& out, std::vector<CopyRowValues>* rows) {
  if (error_) return error_;
  const bool csv = format_ == CopyFormat::Csv;
  const std::size_t n = in.size();
  std::size_t i = 0;          // next byte of `in` to scan
  std::size_t row_begin = 0;  // first byte of `in` that belongs to the current row

  const auto too_long = [this] {
    return fail(CopyErrc::RowTooLong, "COPY data line " + std::to_string(current_line()) + " is longer than " +
                                          std::to_string(max_row_length_) + " bytes");
  };
  // The first line ending fixes the style; CopyReadLineText rejects another later.
  const auto stray = [this, csv](const char* what) {
    return fail(CopyErrc::BadLineEnding, "COPY data line " + std::to_string(current_line()) + ": " +
                                             (csv ? "unquoted " : "literal ") + what + " found in data");
  };

  while (i < n) {
    if (phase_ == Phase::Ended) {
      out.append(in.substr(i));
      return {};
    }
    bool row_done = false;
    std::size_t row_end = 0;  // one past the row's last byte in `in` (0: all of it was in pending_)
    switch (scan_) {
      case Scan::Field: {
        std::size_t j = i;
        while (j < n && !special_[static_cast<unsigned char>(in[j])]) ++j;
        pos_ += j - i;
        i = j;
        if (pos_ > max_row_length_) return too_long();
        if (i == n) break;
        const char c = in[i++];
        const std::size_t p = pos_++;
        if (pos_ > max_row_length_) return too_long();
        if (c == delimiter_) {
          ++fields_;
          if (field_starts_.size() < field_count_) field_starts_.push_back(p + 1);
        } else if (c == '\n') {
          if (eol_ == Eol::Cr || eol_ == Eol::CrNl) return stray("newline");
          eol_ = Eol::Nl;
          content_len_ = p;
          row_done = true;
          row_end = i;
        } else if (c == '\r') {
          if (eol_ == Eol::Nl) return stray("carriage return");
          content_len_ = p;
          if (eol_ == Eol::Cr) {
            row_done = true;
            row_end = i;
          } else {
            scan_ = Scan::AfterCr;  // \r\n or \r: the next byte decides
          }
        } else if (csv) {
          scan_ = Scan::CsvQuoted;  // c == quote_
        } else {
          scan_ = Scan::TextEscape;  // c == '\\'
        }
        break;
      }
      case Scan::TextEscape: {
        // The escaped byte is data even when it is the delimiter, \r or \n.
        // "\." is the end-of-data marker: only at the start of a line, where
        // pos_ is 2 after the '.'; elsewhere the server (up to 17) would end
        // the data mid-line, 18 rejects it, so refuse to guess.
        const char c = in[i++];
        if (++pos_ > max_row_length_) return too_long();
        if (c != '.') {
          scan_ = Scan::Field;
        } else if (pos_ == 2) {
          scan_ = Scan::TextEndMarker;
        } else {
          return fail(CopyErrc::MisplacedEndMarker, "COPY data line " + std::to_string(current_line()) +
                                                        ": end-of-copy marker \\. is not alone on its line");
        }
        break;
      }
      case Scan::TextEndMarker:
        // Only a line ending may follow "\." (else "end-of-copy marker corrupt").
        if (in[i] != '\n' && in[i] != '\r') {
          return fail(CopyErrc::MisplacedEndMarker, "COPY data line " + std::to_string(current_line()) +
                                                        ": end-of-copy marker \\. is not alone on its line");
        }
        scan_ = Scan::Field;  // the Field case ends the line
        break;
      case Scan::CsvQuoted: {
        // Inside quotes the delimiter, \r and \n are data; only the quote (and
        // a distinct escape) matter.
        std::size_t j = i;
        while (j < n && in[j] != quote_ && in[j] != escape_) ++j;
        pos_ += j - i;
        i = j;
        if (pos_ > max_row_length_) return too_long();
        if (i == n) break;
        const char c = in[i++];
        if (++pos_ > max_row_length_) return too_long();
        // With escape == quote the quote just toggles: a doubled quote closes
        // and reopens, which splits the same as the server's literal quote.
        scan_ = c == quote_ ? Scan::Field : Scan::CsvQuotedEscape;
        break;
      }
      case Scan::CsvQuotedEscape:
        // The escape makes a following quote or escape literal; any other byte
        // is data inside the quotes as well, so every byte goes back to CsvQuoted.
        ++i;
        if (++pos_ > max_row_length_) return too_long();
        scan_ = Scan::CsvQuoted;
        break;
      case Scan::AfterCr:
        if (in[i] == '\n') {
          ++i;
          if (++pos_ > max_row_length_) return too_long();
          eol_ = Eol::CrNl;
        } else {
          if (eol_ == Eol::CrNl) return stray("carriage return");
          eol_ = Eol::Cr;  // a bare \r ended the line; the byte starts the next one
        }
        row_done = true;
        row_end = i;
        break;
    }
    if (!row_done) continue;
    std::string_view row = in.substr(row_begin, row_end - row_begin);
    if (!pending_.empty()) {
      pending_.append(row);
      row = pending_;
    }
    if (const std::error_code ec = complete_row(row, out, rows)) return ec;
    row_begin = row_end;
  }
  if (phase_ != Phase::Ended) pending_.append(in.substr(row_begin));
  return {};
}

std::error_code CopyRowFilter::finish(std::string& out, std::vector<CopyRowValues>* rows) {
  if (error_) return error_;
  if (phase_ == Phase::Ended) return {};
  switch (scan_) {
    case Scan::Field:
    case Scan::TextEscape:     // a trailing backslash: the server ends the line at EOF too
    case Scan::TextEndMarker:  // "\." at the very end
      if (pos_ > 0) {
        content_len_ = pos_;
        if (const std::error_code ec = complete_row(pending_, out, rows)) return ec;
      }
      break;
    case Scan::CsvQuoted:
    case Scan::CsvQuotedEscape:
      return fail(CopyErrc::UnterminatedQuote, "unterminated CSV quoted field at the end of COPY data (line " +
                                                   std::to_string(current_line()) + ")");
    case Scan::AfterCr:
      if (eol_ == Eol::CrNl) {
        return fail(CopyErrc::BadLineEnding, "COPY data line " + std::to_string(current_line()) + ": " +
                                                 (format_ == CopyFormat::Csv ? "unquoted" : "literal") +
                                                 " carriage return found in data");
      }
      eol_ = Eol::Cr;
      if (const std::error_code ec = complete_row(pending_, out, rows)) return ec;
      break;
  }
  phase_ = Phase::Ended;
  return {};
}

}  // namespace pgshim::wire
