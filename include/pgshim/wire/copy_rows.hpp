#pragma once
// CopyRowFilter: strips fields from the rows of a COPY ... FROM STDIN data
// stream, for when the client's column list names a pending column that the
// server does not have. pgshim sends the server the column list without it and
// feeds every CopyData payload the client sends through a filter; the filter
// removes the field (and one adjacent delimiter) from every row and leaves every
// other byte as it was.
//
// CopyData boundaries do not align with rows (psql sends 8 KiB chunks, and a
// row, even one quoted CSV field, may span messages), so the filter is a
// streaming transformer: feed() emits each row once its line ending has arrived
// and keeps only the incomplete tail, bounded by max_row_length.
//
// Formats implemented (PostgreSQL docs, "COPY", File Formats): Text Format and
// CSV Format. The line and field splitting follows the server's own
// (src/backend/commands/copyfromparse.c: CopyReadLineText,
// CopyReadAttributesText, CopyReadAttributesCSV): the first line ending fixes
// the style (\n, \r\n or \r) and a different one later is an error there and
// here. Binary format is not supported: the caller never builds a filter for it.
//
// Whenever pgshim cannot split a row with certainty (a row whose field count
// differs from the column list, a line ending the server would reject, a row
// longer than the limit, an unterminated quote at the end) the filter fails:
// feed()/finish() return a CopyErrc and error_message() says which line and
// why. The caller then fails the COPY (CopyFail to the server, an
// ErrorResponse with SQLSTATE 22P04 bad_copy_file_format to the client) rather
// than send data it may have cut wrongly. Lines the server would reject as
// malformed (a stray \r or \n, a misplaced \.) are refused here too; a header
// line of another width passes unchanged (HEADER skips it unread, HEADER
// MATCH rejects it itself).
// Nothing here throws, logs or does I/O.
//
// Precondition: the data's encoding (client_encoding, or the COPY's ENCODING
// option) is ASCII-safe: every byte of a multibyte character has the high bit
// set (UTF8, SQL_ASCII, LATIN*, EUC_*, ...). The server converts to the
// database encoding before it splits; the filter sees the client's bytes, and
// in SJIS, BIG5, GBK, UHC or GB18030 a character may contain the byte of '\\'
// or of the delimiter. The caller must not build a filter for those.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace pgshim::wire {

// Why a COPY data stream cannot be filtered. Reported through std::error_code
// (category "pgshim.wire.copy"); CopyRowFilter::error_message() adds the line.
enum class CopyErrc {
  InvalidSpec = 1,     // the CopyRowSpec is unusable (see validate_copy_row_spec)
  WrongFieldCount,     // a data row has more or fewer fields than the column list
  RowTooLong,          // a row (line ending included) is longer than max_row_length
  UnterminatedQuote,   // CSV: the data ends inside a quoted field
  BadLineEnding,       // a line ending differs from the first line's, as the server rejects
  MisplacedEndMarker,  // text: \. anywhere but alone on a line with its line ending
  EndMarkerCollision,  // CSV: stripping would turn a row into the \. end-of-data line
                       // (only where the server ends CSV data there: csv_end_marker)
};

[[nodiscard]] const std::error_category& copy_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(CopyErrc e) noexcept {
  return {static_cast<int>(e), copy_category()};
}

// The SQLSTATE the server uses for malformed COPY data; the caller's
// ErrorResponse for a filter failure should carry it.
inline constexpr std::string_view kSqlStateBadCopyFileFormat = "22P04";

enum class CopyFormat { Text, Csv };

// The default bound on one row: the bytes of a row not yet complete are held
// in memory, so this caps what one client can make pgshim buffer.
inline constexpr std::size_t kDefaultMaxRowLength = std::size_t{16} << 20;

// The COPY options that decide how rows split, as the lead derives them from
// the statement's parse tree, plus which fields to strip. Unset options take
// the format's default, as in PostgreSQL.
struct CopyRowSpec {
  CopyFormat format = CopyFormat::Text;
  std::optional<char> delimiter;            // DELIMITER; default '\t' (text), ',' (csv)
  std::optional<char> quote;                // QUOTE, csv only; default '"'
  std::optional<char> escape;               // ESCAPE, csv only; default the quote
  std::optional<std::string> null_string;   // NULL; default "\\N" (text), "" (csv)
  bool header = false;                      // HEADER or HEADER MATCH: line 1 names the columns
  std::size_t field_count = 0;              // fields per row: the client's column list
  std::vector<std::size_t> drop;            // 0-based fields to strip: >= 1, < field_count, not all
                                            // (duplicates are ignored)
  std::vector<std::size_t> force_not_null;  // FORCE_NOT_NULL fields (csv), for decoding only
  std::vector<std::size_t> force_null;      // FORCE_NULL fields (csv), for decoding only
  std::size_t max_row_length = kDefaultMaxRowLength;
  // Whether the server ends CSV data at a line "\." (PostgreSQL up to 17; 18
  // reads it as a value, only psql still treats it as the end). The lead sets
  // it from the server_version ParameterStatus. Text format always ends there.
  bool csv_end_marker = true;
};

// Checks a spec against PostgreSQL's own option rules (copy.c,
// ProcessCopyOptions) and the filter's: a delimiter that is not \r or \n (and
// in text not '\\', '.', a-z or 0-9), a CSV quote distinct from the delimiter
// and not \r, \n, '\\' or '.', a NULL string without \r, \n, the delimiter or
// the quote, drop indices in range and not all of them, max_row_length > 0.
// Returns {} or InvalidSpec with the reason in `why`.
[[nodiscard]] std::error_code validate_copy_row_spec(const CopyRowSpec& spec, std::string& why);

// One data row whose fields were stripped, decoded so the caller can journal
// the stripped values with the row's key columns.
struct CopyRowValues {
  std::uint64_t row_number;  // 1-based among data rows; the header line is not counted
  // 1-based logical line of the stream, header included. The server's CONTEXT
  // line also counts newlines inside CSV quotes, so it can be larger there.
  std::uint64_t line;
  // Every field of the row in the client's column order, decoded as the server
  // would (text: escapes resolved; CSV: unquoted and undoubled; FORCE_* applied);
  // std::nullopt is SQL NULL. The stripped ones are at the indices of spec.drop.
  std::vector<std::optional<std::string>> fields;
};

// Neither decoder knows the DEFAULT marker (PostgreSQL 16): a field equal to
// it decodes as that string.
//
// Decodes one raw text-format field as CopyReadAttributesText does: the raw
// bytes equal to `null_string` are NULL; otherwise \b \f \n \r \t \v, octal
// \o \oo \ooo, hex \xh \xhh, and \c -> c for any other c; a lone backslash at
// the very end is dropped.
[[nodiscard]] std::optional<std::string> decode_text_field(std::string_view raw, std::string_view null_string);

// Decodes one raw CSV field as CopyReadAttributesCSV does: unquoted bytes
// equal to `null_string` are NULL (a field with any quote is never NULL);
// quoted sections lose their quotes, and inside them `escape` before `escape`
// or `quote` yields that char (the doubled quote when escape == quote).
[[nodiscard]] std::optional<std::string> decode_csv_field(std::string_view raw, char quote, char escape,
                                                          std::string_view null_string);

// The streaming filter. Feed it every CopyData payload in order, then call
// finish() at CopyDone. Not thread-safe; one per COPY.
class CopyRowFilter {
 public:
  // A spec that fails validate_copy_row_spec yields a filter that is failed from
  // the start: error() is InvalidSpec and every feed()/finish() returns it.
  explicit CopyRowFilter(CopyRowSpec spec);

  // Appends to `out` the filtered bytes of every row that `bytes` completes
  // (never part of a row: `out` may stay empty, and the caller need not send
  // an empty CopyData), and to `rows` (when not null; appended, not cleared)
  // the decoded values of each such data row. A stripped row is the original
  // minus each stripped field and one delimiter next to it, line ending kept.
  // After the end-of-data line (\.) all bytes pass through unchanged: the
  // server ignores them. Returns {} or the failure; on failure `out` may hold
  // the rows completed before the failing one, and the filter stays failed
  // (later calls return the same error and append nothing).
  [[nodiscard]] std::error_code feed(std::string_view bytes, std::string& out,
                                     std::vector<CopyRowValues>* rows = nullptr);

  // At CopyDone: flushes a final row that has no line ending. Fails with
  // UnterminatedQuote when the data ends inside a CSV quoted field (and with
  // the row errors of feed() for that final row, or MisplacedEndMarker for a
  // text "\." without its line ending). Afterwards further bytes pass through.
  [[nodiscard]] std::error_code finish(std::string& out, std::vector<CopyRowValues>* rows = nullptr);

  [[nodiscard]] std::error_code error() const noexcept { return error_; }
  // "" or a sentence naming the line, e.g. "COPY data line 3 has 4 fields, expected 3".
  [[nodiscard]] const std::string& error_message() const noexcept { return message_; }
  // True once the end-of-data line was seen or finish() was called.
  [[nodiscard]] bool ended() const noexcept { return phase_ == Phase::Ended; }
  // Data rows emitted so far (the header and \. not counted).
  [[nodiscard]] std::uint64_t data_rows() const noexcept { return data_rows_; }
  // Bytes of the incomplete row held internally (at most max_row_length).
  [[nodiscard]] std::size_t buffered() const noexcept { return pending_.size(); }

 private:
  enum class Phase : std::uint8_t { Header, Data, Ended };
  // Where the scanner is inside the current row.
  enum class Scan : std::uint8_t {
    Field,          // ordinary bytes (CSV: outside quotes)
    TextEscape,     // text: after a backslash; the next byte is data, whatever it is
    TextEndMarker,  // text: "\." opened the row; only a line ending may follow
    CsvQuoted,      // CSV: inside a quoted section
    CsvQuotedEscape,// CSV: inside quotes, after an escape char distinct from the quote
    AfterCr,        // a \r ended the content; a \n next makes the ending \r\n
  };
  enum class Eol : std::uint8_t { Unknown, Nl, CrNl, Cr };

  [[nodiscard]] std::error_code fail(CopyErrc code, std::string message);
  [[nodiscard]] std::error_code complete_row(std::string_view row, std::string& out,
                                             std::vector<CopyRowValues>* rows);
  [[nodiscard]] std::string_view field(std::string_view row, std::size_t k) const noexcept;
  [[nodiscard]] std::optional<std::string> decode(std::string_view raw, std::size_t k) const;
  void start_row() noexcept;
  [[nodiscard]] std::uint64_t current_line() const noexcept { return lines_ + 1; }

  // The spec, defaults resolved.
  CopyFormat format_;
  char delimiter_;
  char quote_;
  char escape_;
  std::string null_string_;
  std::size_t field_count_;
  std::size_t max_row_length_;
  bool csv_end_marker_;
  std::vector<bool> dropped_;         // by field index
  std::vector<bool> force_not_null_;  // by field index
  std::vector<bool> force_null_;      // by field index
  bool special_[256] = {};            // bytes that end a run of ordinary field bytes

  Phase phase_;
  Eol eol_ = Eol::Unknown;
  std::error_code error_;
  std::string message_;
  std::uint64_t lines_ = 0;      // lines completed, header included
  std::uint64_t data_rows_ = 0;

  // The current row. Offsets are relative to its first byte.
  Scan scan_ = Scan::Field;
  std::size_t pos_ = 0;          // bytes of the row scanned so far
  std::size_t content_len_ = 0;  // where the line ending starts, once seen
  std::size_t fields_ = 1;       // fields seen so far
  std::vector<std::size_t> field_starts_;  // starts of the first field_count_ fields
  std::string pending_;          // the row's bytes from earlier feeds
};

}  // namespace pgshim::wire

template <>
struct std::is_error_code_enum<pgshim::wire::CopyErrc> : std::true_type {};
