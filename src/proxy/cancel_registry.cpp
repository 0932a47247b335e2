#include "cancel_registry.hpp"

namespace pgshim::proxy {

void CancelRegistry::add(std::int32_t process_id, std::int32_t secret_key, const tcp::endpoint& upstream) {
  std::lock_guard lock(mutex_);
  owners_[key(process_id, secret_key)] = upstream;
}

void CancelRegistry::remove(std::int32_t process_id, std::int32_t secret_key) {
  std::lock_guard lock(mutex_);
  owners_.erase(key(process_id, secret_key));
}

std::optional<tcp::endpoint> CancelRegistry::find(std::int32_t process_id, std::int32_t secret_key) const {
  std::lock_guard lock(mutex_);
  if (auto it = owners_.find(key(process_id, secret_key)); it != owners_.end()) return it->second;
  return std::nullopt;
}

}  // namespace pgshim::proxy
