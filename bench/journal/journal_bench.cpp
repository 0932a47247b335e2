// The journal's costs: one append (format + write(2), per fsync policy) on
// the session's thread, and backfill's planning of N records (the part that
// does not wait for the database).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "pgshim/journal/backfill.hpp"
#include "pgshim/journal/writer.hpp"

namespace {

using namespace pgshim::journal;

Record sample(std::uint64_t i) {
  Record r;
  r.schema = "public";
  r.table = "environments";
  r.column = "last_error";
  r.kind = std::string(kUpdateAssignment);
  r.execution = i;
  r.value = Value::text("image pull failed: manifest unknown (attempt " + std::to_string(i) + ")");
  r.key = {{"id", Value::text("env_" + std::to_string(i % 5000))}};
  return r;
}

void BM_Append(benchmark::State& state) {
  const auto policy = static_cast<FsyncPolicy>(state.range(0));
  char dir[] = "/tmp/pgshim-journal-bench.XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    state.SkipWithError("mkdtemp");
    return;
  }
  {
    Writer w({std::string(dir) + "/j.jsonl", "bench", policy, std::chrono::milliseconds(1000), 0});
    std::uint64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(w.append(sample(++i)));
  }
  std::filesystem::remove_all(dir);
  state.SetLabel(std::string(to_string(policy)));
}
BENCHMARK(BM_Append)->Arg(static_cast<int>(FsyncPolicy::None))->Arg(static_cast<int>(FsyncPolicy::Interval))
    ->Arg(static_cast<int>(FsyncPolicy::EveryWrite));

void BM_Plan(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  std::vector<Record> records;
  records.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    Record r = sample(i);
    r.replica = i % 2 == 0 ? "a" : "b";
    r.boot = 1;
    r.seq = i;
    r.time_unix_ms = static_cast<std::int64_t>(1000 + i);
    records.push_back(std::move(r));
  }
  TargetFacts f;
  f.column_exists = true;
  f.type = 25;
  f.keys = {UniqueKey{"environments_pkey", {"id"}, {25}}};
  const Facts facts{{Target{"public", "environments", "last_error"}, f}};
  for (auto _ : state) {
    const Plan p = plan(records, facts);
    benchmark::DoNotOptimize(p.apply.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Plan)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
