#pragma once
// Which upstream server owns each cancel key. BackendKeyData passes through
// unchanged (pgshim does not mint keys of its own: with one upstream per
// session the server's keys are already unique), so a CancelRequest that
// reaches pgshim carries the server's key; pgshim forwards it to the server
// that issued it and drops unknown keys silently, as PostgreSQL does.
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "asio.hpp"

namespace pgshim::proxy {

class CancelRegistry {
 public:
  void add(std::int32_t process_id, std::int32_t secret_key, const tcp::endpoint& upstream);
  void remove(std::int32_t process_id, std::int32_t secret_key);
  // The upstream that issued this key, if a live session holds it.
  [[nodiscard]] std::optional<tcp::endpoint> find(std::int32_t process_id, std::int32_t secret_key) const;

 private:
  static std::uint64_t key(std::int32_t pid, std::int32_t secret) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32) | static_cast<std::uint32_t>(secret);
  }
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, tcp::endpoint> owners_;
};

}  // namespace pgshim::proxy
