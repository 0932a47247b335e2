#pragma once
// A one-way message pump: reads from one leg, writes to the other, message by
// message. It decides from each 5-byte header: messages the filter inspects are
// gathered whole and handed to it (it may forward, replace or drop them);
// everything else is forwarded in bulk straight from the read buffer, and a
// message larger than the buffer (a big DataRow or CopyData) is streamed
// through in pieces, never held whole. A read is issued only after the
// previous write completed, so a peer that does not read stalls the pump
// instead of growing memory (backpressure).
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "asio.hpp"
#include "pgshim/wire/framing.hpp"
#include "stream.hpp"

namespace pgshim::proxy {

// What a filter decides for one inspected message.
enum class FilterAction {
  Forward,  // send the message as it came
  Replace,  // send the filter's replacement bytes instead (zero or more whole messages)
  Stop,     // stop the pump after what came before this message (a protocol violation)
};

// How the pump treats a message type, decided from the header alone.
enum class Handling {
  Relay,    // forward in bulk, streamed if larger than the buffer
  Inspect,  // gather the whole message and pass it to on_message
  Reject,   // a protocol violation: stop before the message, without waiting for its body
};

class MessageFilter {
 public:
  virtual ~MessageFilter() = default;
  // Called once per message header, in stream order (a filter may count on it).
  [[nodiscard]] virtual Handling classify(char type) noexcept = 0;
  // `message` views the pump's buffer and is valid during the call only.
  // For Replace, the filter appends the bytes to send to `replacement`.
  [[nodiscard]] virtual FilterAction on_message(const wire::MessageView& message, std::string& replacement) = 0;
  // Bytes to send back to the leg the pump reads from, after the pump has
  // written what it read (e.g. a statement replayed to the server, decided
  // while reading the server's answer). Whole messages only.
  [[nodiscard]] virtual std::string take_injection() { return {}; }
};

// Why a pump stopped.
enum class PumpEnd {
  SourceClosed,      // the reading side closed cleanly (EOF)
  SourceError,       // reading failed
  DestinationError,  // writing failed
  Malformed,         // a header with an impossible length
  Stopped,           // the filter said Stop or Reject
  Cancelled,         // the other direction ended first
};

class Pump {
 public:
  Pump(Stream& from, Stream& to, MessageFilter& filter, std::uint32_t max_message_length) noexcept
      : from_(from), to_(to), filter_(filter), max_message_length_(max_message_length) {}
  Pump(const Pump&) = delete;
  Pump& operator=(const Pump&) = delete;
  ~Pump();

  // Bytes already read from the source (e.g. during start-up) to process first.
  void preload(std::string_view bytes);

  [[nodiscard]] awaitable<PumpEnd> run();

  // True while no message has been partly written to the destination: only then
  // may pgshim put a message of its own (an ErrorResponse) on that leg.
  [[nodiscard]] bool at_boundary() const noexcept { return at_boundary_; }
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_; }
  [[nodiscard]] std::error_code malformed_reason() const noexcept { return malformed_; }

 private:
  void acquire_buffer();
  void release_buffer() noexcept;
  void reserve_for(std::size_t frame_size);

  Stream& from_;
  Stream& to_;
  MessageFilter& filter_;
  std::uint32_t max_message_length_;

  // Read buffer: bytes [begin_, end_) are read and not yet written.
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  // Bytes of a forwarded message still to arrive and be passed through.
  std::uint64_t streaming_ = 0;
  bool at_boundary_ = true;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;
  std::error_code malformed_;
};

}  // namespace pgshim::proxy
