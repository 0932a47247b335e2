// Rewriter microbenchmarks. Targets (issue #3): prefilter miss on a 1 KB
// statement < 200 ns, cache hit < 1 us, cold rewrite of a 20-column Prisma
// INSERT/SELECT/UPDATE < 100 us.
#include <benchmark/benchmark.h>

#include <string>

#include "pgshim/sql/cache.hpp"
#include "pgshim/sql/rewriter.hpp"

namespace {

using namespace pgshim::sql;

const MissingSet& missing() {
  static const MissingSet set = [] {
    PendingColumn pc;
    pc.table = "environments";
    pc.column = "last_error";
    pc.type = "text";
    return MissingSet({pc}, 1);
  }();
  return set;
}

// 20 columns, Prisma style; the pending column is one of them.
std::string columns(const char* sep, bool qualified) {
  std::string out;
  for (int i = 0; i < 20; ++i) {
    if (i > 0) out += sep;
    if (qualified) out += "\"public\".\"environments\".";
    if (i == 13) {
      out += "\"last_error\"";
    } else {
      out.append("\"column_").append(std::to_string(i)).append("\"");
    }
  }
  return out;
}

std::string prisma_select() {
  return "SELECT " + columns(", ", true) +
         " FROM \"public\".\"environments\" WHERE (\"public\".\"environments\".\"id\" = $1 AND 1=1) LIMIT $2 OFFSET $3";
}

std::string prisma_insert() {
  std::string values;
  for (int i = 1; i <= 20; ++i) values.append(i > 1 ? ",$" : "$").append(std::to_string(i));
  return "INSERT INTO \"public\".\"environments\" (" + columns(",", false) + ") VALUES (" + values +
         ") RETURNING \"public\".\"environments\".\"id\"";
}

std::string prisma_update() {
  std::string sets;
  for (int i = 0; i < 20; ++i) {
    if (i > 0) sets += ", ";
    if (i == 13) {
      sets += "\"last_error\"";
    } else {
      sets.append("\"column_").append(std::to_string(i)).append("\"");
    }
    sets.append(" = $").append(std::to_string(i + 1));
  }
  return "UPDATE \"public\".\"environments\" SET " + sets +
         " WHERE (\"public\".\"environments\".\"id\" = $21 AND 1=1) RETURNING " + columns(", ", true);
}

// A 1 KB statement that does not mention the pending column.
std::string miss_1kb() {
  std::string s = "SELECT ";
  int i = 0;
  while (s.size() < 1000) s.append("\"public\".\"users\".\"field_").append(std::to_string(i++)).append("\", ");
  s += "1 FROM \"public\".\"users\" WHERE \"public\".\"users\".\"id\" = $1";
  return s;
}

void BM_PrefilterMiss1KB(benchmark::State& state) {
  const std::string sql = miss_1kb();
  for (auto _ : state) benchmark::DoNotOptimize(missing().prefilter().may_reference(sql));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sql.size()));
  state.counters["bytes"] = static_cast<double>(sql.size());
}
BENCHMARK(BM_PrefilterMiss1KB);

void BM_RewritePrefilterMiss1KB(benchmark::State& state) {
  const std::string sql = miss_1kb();
  for (auto _ : state) benchmark::DoNotOptimize(rewrite(sql, missing()));
}
BENCHMARK(BM_RewritePrefilterMiss1KB);

void BM_CacheHit(benchmark::State& state) {
  RewriteCache cache(1024);
  const std::string sql = prisma_select();
  (void)cache.get_or_rewrite(sql, missing());
  for (auto _ : state) benchmark::DoNotOptimize(&cache.get_or_rewrite(sql, missing()));
}
BENCHMARK(BM_CacheHit);

void cold(benchmark::State& state, const std::string& sql) {
  if (!rewrite(sql, missing()).rewritten()) state.SkipWithError("not rewritten");
  for (auto _ : state) benchmark::DoNotOptimize(rewrite(sql, missing()));
}
void BM_ColdSelect20(benchmark::State& state) { cold(state, prisma_select()); }
void BM_ColdInsert20(benchmark::State& state) { cold(state, prisma_insert()); }
void BM_ColdUpdate20(benchmark::State& state) { cold(state, prisma_update()); }
BENCHMARK(BM_ColdSelect20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ColdInsert20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ColdUpdate20)->Unit(benchmark::kMicrosecond);

}  // namespace
