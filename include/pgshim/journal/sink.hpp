#pragma once
// Where the proxy's dropped values go: the file journal (writer.hpp) or the
// table in the upstream database (pg_writer.hpp). The proxy calls append on a
// session's thread, so an implementation must never fail the client's
// statement: failures are returned or reported, never thrown.
#include <string>

#include "pgshim/journal/record.hpp"

namespace pgshim::journal {

class Sink {
 public:
  virtual ~Sink() = default;
  // Fills in replica, boot, seq and (when 0) time_unix_ms, then journals the
  // record. False when it was not journaled (the reason: last_error()).
  virtual bool append(Record record) = 0;
  [[nodiscard]] virtual const std::string& replica() const noexcept = 0;
  [[nodiscard]] virtual std::string last_error() const = 0;
  // Makes what was appended durable before pgshim exits (bounded); append
  // after close journals nothing. Idempotent.
  virtual void close() {}
};

}  // namespace pgshim::journal
