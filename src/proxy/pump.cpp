#include "pump.hpp"

#include <algorithm>
#include <cstring>
#include <variant>
#include <vector>

namespace pgshim::proxy {
namespace {

// Read buffers of the common size are recycled per thread: an idle session
// holds none (it waits for readability first), and a busy one does not pay for
// malloc on every read. Only the standard size is pooled; buffers grown for a
// large inspected message are freed when released.
constexpr std::size_t kBufferSize = 16 * 1024;
// Kept small: every pooled buffer is memory an idle proxy still holds. A few
// per thread absorb the churn of busy sessions; the rest go back to malloc.
constexpr std::size_t kPoolLimit = 8;

struct BufferPool {
  std::vector<std::unique_ptr<char[]>> free;
};
thread_local BufferPool t_pool;

}  // namespace

Pump::~Pump() { release_buffer(); }

void Pump::acquire_buffer() {
  if (buffer_) return;
  if (!t_pool.free.empty()) {
    buffer_ = std::move(t_pool.free.back());
    t_pool.free.pop_back();
  } else {
    buffer_ = std::make_unique_for_overwrite<char[]>(kBufferSize);
  }
  capacity_ = kBufferSize;
  begin_ = end_ = 0;
}

void Pump::release_buffer() noexcept {
  if (!buffer_) return;
  if (capacity_ == kBufferSize && t_pool.free.size() < kPoolLimit) {
    t_pool.free.push_back(std::move(buffer_));
  }
  buffer_.reset();
  capacity_ = begin_ = end_ = 0;
}

// Makes room for a whole frame of `frame_size` bytes starting at begin_.
void Pump::reserve_for(std::size_t frame_size) {
  const std::size_t pending = end_ - begin_;
  if (frame_size > capacity_) {
    auto bigger = std::make_unique_for_overwrite<char[]>(frame_size);
    std::memcpy(bigger.get(), buffer_.get() + begin_, pending);
    release_buffer();
    buffer_ = std::move(bigger);
    capacity_ = frame_size;
    begin_ = 0;
    end_ = pending;
  } else if (begin_ + frame_size > capacity_) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, pending);
    begin_ = 0;
    end_ = pending;
  }
}

void Pump::preload(std::string_view bytes) {
  if (bytes.empty()) return;
  acquire_buffer();
  reserve_for(bytes.size());
  std::memcpy(buffer_.get() + end_, bytes.data(), bytes.size());
  end_ += bytes.size();
  bytes_read_ += bytes.size();
}

awaitable<PumpEnd> Pump::run() {
  // What to write, as pieces of the read buffer or of `replaced` (the filters'
  // replacement bytes, appended back to back). Buffers are made from the
  // pieces only after the walk, when `replaced` no longer moves.
  struct Piece {
    bool replaced;
    std::size_t offset;
    std::size_t size;
  };
  std::vector<Piece> pieces;
  std::string replaced;
  std::vector<asio::const_buffer> out;
  bool have_input = end_ > begin_;  // preloaded bytes are processed before the first read

  for (;;) {
    if (!have_input) {
      if (begin_ == end_) {
        // Nothing buffered: give the buffer back while waiting for the peer.
        release_buffer();
        if (auto ec = co_await from_.wait_readable()) {
          co_return ec == asio::error::operation_aborted ? PumpEnd::Cancelled : PumpEnd::SourceError;
        }
        acquire_buffer();
      } else if (end_ == capacity_) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      auto [ec, n] = co_await from_.read_some(asio::buffer(buffer_.get() + end_, capacity_ - end_));
      if (ec) {
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated) co_return PumpEnd::SourceClosed;
        co_return ec == asio::error::operation_aborted ? PumpEnd::Cancelled : PumpEnd::SourceError;
      }
      end_ += n;
      bytes_read_ += n;
    }
    have_input = false;

    // Walk the complete and partial messages in [begin_, end_), collecting what
    // to write: runs of unchanged bytes as views into the buffer, and the
    // filter's replacements.
    pieces.clear();
    replaced.clear();
    out.clear();
    std::size_t pos = begin_;
    std::size_t run_start = pos;
    std::size_t need_frame = 0;  // an inspected message needs this many bytes buffered
    bool stop = false;
    bool malformed = false;
    auto close_run = [&](std::size_t upto) {
      if (upto > run_start) pieces.push_back({false, run_start, upto - run_start});
    };

    while (pos < end_) {
      if (streaming_ > 0) {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(streaming_, end_ - pos));
        pos += take;
        streaming_ -= take;
        continue;
      }
      const std::string_view rest(buffer_.get() + pos, end_ - pos);
      const auto decoded = wire::decode_header(rest, max_message_length_);
      if (std::holds_alternative<wire::NeedMore>(decoded)) break;
      if (const auto* bad = std::get_if<wire::Malformed>(&decoded)) {
        malformed_ = bad->error;
        malformed = true;
        break;
      }
      const wire::Header header = std::get<wire::Complete<wire::Header>>(decoded).value;
      const std::size_t frame = header.frame_size();
      const Handling handling = filter_.classify(header.type);
      if (handling == Handling::Reject) {
        stop = true;
        break;
      }
      if (handling == Handling::Relay) {
        const std::size_t take = std::min(frame, end_ - pos);
        pos += take;
        streaming_ = frame - take;
        continue;
      }
      if (rest.size() < frame) {
        need_frame = frame;
        break;
      }
      const wire::MessageView message{header.type, rest.substr(wire::kHeaderSize, header.body_size()),
                                      rest.substr(0, frame)};
      std::string replacement;
      switch (filter_.on_message(message, replacement)) {
        case FilterAction::Forward:
          pos += frame;
          break;
        case FilterAction::Replace:
          close_run(pos);
          if (!replacement.empty()) {
            pieces.push_back({true, replaced.size(), replacement.size()});
            replaced += replacement;
          }
          pos += frame;
          run_start = pos;
          break;
        case FilterAction::Stop:
          stop = true;
          break;
      }
      if (stop) break;
    }
    close_run(pos);
    for (const Piece& p : pieces) {
      out.emplace_back(p.replaced ? replaced.data() + p.offset : buffer_.get() + p.offset, p.size);
    }

    if (!out.empty()) {
      at_boundary_ = false;
      if (auto ec = co_await to_.write(out)) {
        co_return ec == asio::error::operation_aborted ? PumpEnd::Cancelled : PumpEnd::DestinationError;
      }
      for (const auto& b : out) bytes_written_ += b.size();
    }
    at_boundary_ = streaming_ == 0;
    if (std::string back = filter_.take_injection(); !back.empty()) {
      if (auto ec = co_await from_.write(back)) {
        co_return ec == asio::error::operation_aborted ? PumpEnd::Cancelled : PumpEnd::SourceError;
      }
    }
    begin_ = pos;
    if (begin_ == end_) begin_ = end_ = 0;
    if (stop) co_return PumpEnd::Stopped;
    if (malformed) co_return PumpEnd::Malformed;
    if (need_frame > 0) reserve_for(need_frame);
  }
}

}  // namespace pgshim::proxy
