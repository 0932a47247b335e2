#pragma once
// A bounded LRU cache of rewrite results keyed by (statement text, missing-set
// version, catalog-facts version, search_path). Applications send the same few hundred
// statement texts over and over, so a hit skips parsing entirely.
//
// NOT thread-safe, by design: the proxy keeps one cache per thread, so a lookup
// takes no lock and touches no shared cache line. A change of the missing set or
// the facts makes old entries unreachable (different version); they age out.
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pgshim/sql/rewriter.hpp"

namespace pgshim::sql {

class RewriteCache {
 public:
  // `capacity` entries at most (at least 1).
  // `hide_written_rows`: every rewrite asks for the written row (rewriter.hpp,
  // HiddenReturning); the proxy sets it when it journals.
  explicit RewriteCache(std::size_t capacity, bool hide_written_rows = false);
  [[nodiscard]] bool hides_written_rows() const noexcept { return hide_written_rows_; }
  RewriteCache(const RewriteCache&) = delete;
  RewriteCache& operator=(const RewriteCache&) = delete;

  // The cached result, marked most recently used; nullptr on a miss. No
  // allocation. The pointer stays valid until the next insert/get_or_rewrite.
  [[nodiscard]] const RewriteResult* find(std::string_view sql, std::uint64_t missing_version,
                                          std::uint64_t facts_version = 0, std::string_view path = {}) noexcept;

  // Stores `result` (replacing an entry with the same key), evicting the least
  // recently used entry when full. Returns the stored result.
  const RewriteResult& insert(std::string_view sql, std::uint64_t missing_version,
                              std::uint64_t facts_version, RewriteResult result, std::string_view path = {});

  // find(), else rewrite() and insert(). Prefilter misses are answered without
  // touching the cache: recomputing them is cheaper than the entry they would
  // evict. The reference stays valid until the next insert/get_or_rewrite.
  const RewriteResult& get_or_rewrite(std::string_view sql, const MissingSet& missing,
                                      const CatalogFacts* facts = nullptr, const SearchPath* path = nullptr);

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint64_t hits() const noexcept { return hits_; }
  [[nodiscard]] std::uint64_t misses() const noexcept { return misses_; }
  void clear() noexcept;

 private:
  struct Key {
    std::string sql;
    std::uint64_t missing_version;
    std::uint64_t facts_version;
    std::string path;  // SearchPath::key; empty: the default schema
  };
  struct KeyView {
    std::string_view sql;
    std::uint64_t missing_version;
    std::uint64_t facts_version;
    std::string_view path;
  };
  struct Entry {
    Key key;
    RewriteResult result;
  };
  using List = std::list<Entry>;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(const KeyView& k) const noexcept;
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(const KeyView& a, const KeyView& b) const noexcept {
      return a.missing_version == b.missing_version && a.facts_version == b.facts_version &&
             a.sql == b.sql && a.path == b.path;
    }
  };

  std::size_t capacity_;
  bool hide_written_rows_ = false;
  List entries_;  // most recently used first
  // Keys are views into the list's own strings: list nodes never move.
  std::unordered_map<KeyView, List::iterator, Hash, Equal> index_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
  RewriteResult prefilter_miss_;
};

}  // namespace pgshim::sql
