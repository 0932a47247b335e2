// Speed of the codec's hot paths: walking a DataRow stream by header (what a
// relay pump does per message) and parsing a Bind (what inspection costs).
#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pgshim/wire/messages.hpp"

namespace {

using namespace pgshim::wire;

// 1000 DataRows of 5 columns, one NULL, as a server streams them.
std::string data_row_stream() {
  std::string stream;
  const std::vector<std::optional<std::string_view>> row = {"12345", "hello world", std::nullopt, "2024-01-01", "t"};
  for (int i = 0; i < 1000; ++i) stream += build_data_row(row);
  return stream;
}

void BM_DecodeHeaderStream(benchmark::State& state) {
  const std::string stream = data_row_stream();
  for (auto _ : state) {
    std::string_view rest = stream;
    while (!rest.empty()) {
      const auto d = decode_header(rest);
      const auto& h = std::get<Complete<Header>>(d).value;
      rest.remove_prefix(h.frame_size());  // forward in bulk without inspecting
    }
    benchmark::DoNotOptimize(rest);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_DecodeHeaderStream);

void BM_DecodeMessageStream(benchmark::State& state) {
  const std::string stream = data_row_stream();
  for (auto _ : state) {
    std::string_view rest = stream;
    while (!rest.empty()) {
      const auto d = decode_message(rest);
      const auto& c = std::get<Complete<MessageView>>(d);
      benchmark::DoNotOptimize(c.value.body.data());
      rest.remove_prefix(c.consumed);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_DecodeMessageStream);

void BM_ParseBind(benchmark::State& state) {
  Bind in{"", "stmt_42", {0}, {}, {0}};
  const std::string value = "some parameter value";
  for (int i = 0; i < state.range(0); ++i) in.values.emplace_back(value);
  const std::string frame = build_bind(in);
  const std::string_view body = std::string_view(frame).substr(kHeaderSize);
  Bind out;
  for (auto _ : state) {
    const std::error_code ec = parse_bind(body, out);
    benchmark::DoNotOptimize(ec);
    benchmark::DoNotOptimize(out.values.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseBind)->Arg(1)->Arg(10)->Arg(100);

}  // namespace
