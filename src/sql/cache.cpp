// Bounded LRU cache of rewrite results (see cache.hpp).
#include "pgshim/sql/cache.hpp"

#include <functional>

namespace pgshim::sql {

std::size_t RewriteCache::Hash::operator()(const KeyView& k) const noexcept {
  std::size_t h = std::hash<std::string_view>{}(k.sql);
  // Mix the versions in (boost::hash_combine's constant).
  h ^= std::hash<std::uint64_t>{}(k.missing_version) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= std::hash<std::uint64_t>{}(k.facts_version) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  if (!k.path.empty()) h ^= std::hash<std::string_view>{}(k.path) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

RewriteCache::RewriteCache(std::size_t capacity, bool hide_written_rows)
    : capacity_(capacity == 0 ? 1 : capacity), hide_written_rows_(hide_written_rows) {
  index_.reserve(capacity_);
  prefilter_miss_.reason = UntouchedReason::PrefilterMiss;
}

const RewriteResult* RewriteCache::find(std::string_view sql, std::uint64_t missing_version,
                                        std::uint64_t facts_version, std::string_view path) noexcept {
  auto it = index_.find(KeyView{sql, missing_version, facts_version, path});
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  if (it->second != entries_.begin()) entries_.splice(entries_.begin(), entries_, it->second);
  return &it->second->result;
}

const RewriteResult& RewriteCache::insert(std::string_view sql, std::uint64_t missing_version,
                                          std::uint64_t facts_version, RewriteResult result, std::string_view path) {
  auto it = index_.find(KeyView{sql, missing_version, facts_version, path});
  if (it != index_.end()) {
    it->second->result = std::move(result);
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->result;
  }
  if (entries_.size() >= capacity_) {
    const Entry& victim = entries_.back();
    index_.erase(KeyView{victim.key.sql, victim.key.missing_version, victim.key.facts_version, victim.key.path});
    entries_.pop_back();
  }
  entries_.push_front(Entry{Key{std::string(sql), missing_version, facts_version, std::string(path)}, std::move(result)});
  const Entry& e = entries_.front();
  index_.emplace(KeyView{e.key.sql, e.key.missing_version, e.key.facts_version, e.key.path}, entries_.begin());
  return e.result;
}

const RewriteResult& RewriteCache::get_or_rewrite(std::string_view sql, const MissingSet& missing,
                                                  const CatalogFacts* facts, const SearchPath* path) {
  if (missing.empty() || !missing.prefilter().may_reference(sql)) return prefilter_miss_;
  const std::uint64_t facts_version = facts != nullptr ? facts->version() : 0;
  // A path is keyed by its text with a marker, so no path equals "no path".
  std::string_view path_key;
  if (path != nullptr) path_key = path->key.empty() ? std::string_view("()") : std::string_view(path->key);
  if (const RewriteResult* hit = find(sql, missing.version(), facts_version, path_key)) return *hit;
  return insert(sql, missing.version(), facts_version, rewrite(sql, missing, facts, path, hide_written_rows_), path_key);
}

void RewriteCache::clear() noexcept {
  index_.clear();
  entries_.clear();
}

}  // namespace pgshim::sql
