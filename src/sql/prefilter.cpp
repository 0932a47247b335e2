// Case-insensitive substring search for the pending column names (see prefilter.hpp).
//
// The SIMD paths (AVX2 when the CPU has it, else SSE2) are the "generic SIMD" substring search (W. Muła): compare the
// needle's first and last bytes against 16 candidate positions at once, and verify
// the whole needle only where both match. Column names are short and their first
// and last characters together are rare in SQL text, so almost every 16-byte block
// costs a handful of instructions.
#include "pgshim/sql/prefilter.hpp"

#include <cstring>

#include "pgshim/util/ascii.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace pgshim::sql {
namespace {

[[nodiscard]] constexpr bool is_ascii_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

[[nodiscard]] bool equal_icase_at(const char* h, std::string_view needle) noexcept {
  for (std::size_t k = 0; k < needle.size(); ++k) {
    if (util::ascii_lower(h[k]) != util::ascii_lower(needle[k])) return false;
  }
  return true;
}

[[nodiscard]] bool scalar_search(const char* h, std::size_t n, std::size_t from, std::string_view needle) noexcept {
  const std::size_t m = needle.size();
  const char first = util::ascii_lower(needle[0]);
  for (std::size_t i = from; i + m <= n; ++i) {
    if (util::ascii_lower(h[i]) == first && equal_icase_at(h + i, needle)) return true;
  }
  return false;
}

#if defined(__x86_64__)
// The same search 32 bytes at a time, for CPUs with AVX2 (chosen at run time:
// the build targets baseline x86-64). Returns the offset it stopped at when it
// found nothing, so the caller finishes the tail.
__attribute__((target("avx2"))) bool avx2_search(const char* h, std::size_t n, std::string_view needle,
                                                 std::size_t& i) noexcept {
  const std::size_t m = needle.size();
  const char f = util::ascii_lower(needle.front());
  const char l = util::ascii_lower(needle.back());
  const __m256i fold_f = _mm256_set1_epi8(is_ascii_letter(f) ? 0x20 : 0);
  const __m256i fold_l = _mm256_set1_epi8(is_ascii_letter(l) ? 0x20 : 0);
  const __m256i want_f = _mm256_set1_epi8(f);
  const __m256i want_l = _mm256_set1_epi8(l);
  for (; i + m - 1 + 32 <= n; i += 32) {
    const __m256i bf = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
    const __m256i bl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + m - 1));
    const __m256i eq = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_or_si256(bf, fold_f), want_f),
                                        _mm256_cmpeq_epi8(_mm256_or_si256(bl, fold_l), want_l));
    auto mask = static_cast<unsigned>(_mm256_movemask_epi8(eq));
    while (mask != 0) {
      const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
      if (equal_icase_at(h + i + bit, needle)) return true;
      mask &= mask - 1;
    }
  }
  return false;
}

[[nodiscard]] bool have_avx2() noexcept {
  static const bool yes = __builtin_cpu_supports("avx2") != 0;
  return yes;
}
#endif

}  // namespace

bool contains_ascii_icase(std::string_view haystack, std::string_view needle) noexcept {
  const std::size_t n = haystack.size();
  const std::size_t m = needle.size();
  if (m == 0 || m > n) return m == 0;
  const char* h = haystack.data();
  std::size_t i = 0;
#if defined(__x86_64__)
  if (have_avx2()) {
    if (avx2_search(h, n, needle, i)) return true;
    return scalar_search(h, n, i, needle);
  }
#endif
#if defined(__SSE2__)
  const char f = util::ascii_lower(needle.front());
  const char l = util::ascii_lower(needle.back());
  // Letters compare after OR-ing 0x20 (ASCII lower-casing of letters, and no
  // non-letter byte becomes a letter); other bytes compare exactly.
  const __m128i fold_f = _mm_set1_epi8(is_ascii_letter(f) ? 0x20 : 0);
  const __m128i fold_l = _mm_set1_epi8(is_ascii_letter(l) ? 0x20 : 0);
  const __m128i want_f = _mm_set1_epi8(f);
  const __m128i want_l = _mm_set1_epi8(l);
  for (; i + m - 1 + 16 <= n; i += 16) {
    const __m128i block_f = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
    const __m128i block_l = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + m - 1));
    const __m128i eq = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(block_f, fold_f), want_f),
                                      _mm_cmpeq_epi8(_mm_or_si128(block_l, fold_l), want_l));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(eq));
    while (mask != 0) {
      const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
      if (equal_icase_at(h + i + bit, needle)) return true;
      mask &= mask - 1;
    }
  }
#endif
  return scalar_search(h, n, i, needle);
}

Prefilter::Prefilter(std::vector<std::string> names, std::vector<std::string> star_tables) {
  for (auto& name : names) {
    if (!name.empty()) names_.push_back(std::move(name));
  }
  for (auto& name : star_tables) {
    if (!name.empty()) star_tables_.push_back(std::move(name));
  }
}

bool Prefilter::may_reference(std::string_view text) const noexcept {
  for (const std::string& name : names_) {
    if (contains_ascii_icase(text, name)) return true;
  }
  if (star_tables_.empty()) return false;
  if (text.find('*') == std::string_view::npos && !contains_ascii_icase(text, "json") &&
      !contains_ascii_icase(text, "hstore")) {
    return false;
  }
  for (const std::string& name : star_tables_) {
    if (contains_ascii_icase(text, name)) return true;
  }
  return false;
}

}  // namespace pgshim::sql
