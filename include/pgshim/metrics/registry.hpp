#pragma once
// A small Prometheus registry: counters, gauges and fixed-bucket histograms in
// labelled families, plus collector callbacks evaluated at render time, rendered
// to the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Pure: no I/O, no logging. Updates are lock-free (relaxed atomics); a family
// takes its mutex only to create a child the first time a label-value tuple is
// seen, so hot paths look a child up once and keep the reference. Children live
// as long as the registry (references stay valid; nothing is ever removed).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgshim::metrics {

enum class MetricType { Counter, Gauge, Histogram };

[[nodiscard]] const char* to_string(MetricType type) noexcept;

// A monotonically increasing count. Integral: every pgshim counter counts events
// or bytes, and integers render exactly.
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted in fixed buckets. `bounds` are the finite upper bounds,
// strictly increasing; the +Inf bucket is implicit. Per-bucket counts are stored
// non-cumulatively and summed at render, so `_count` always equals the +Inf
// bucket even while observations race with a render.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);
  void observe(double v) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
  };
  [[nodiscard]] Snapshot snapshot() const;
  [[nodiscard]] const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

// One metric name with a fixed list of label names; a child per tuple of label
// values. `T` is Counter, Gauge or Histogram.
template <class T>
class Family {
 public:
  // Label values, in the order of the family's label names.
  using Values = std::vector<std::string>;

  // The most children a family creates. Label values in pgshim come from the
  // configuration (tables, columns) or small fixed sets (kinds, reasons), so this
  // is never reached in practice; past it, `with` returns a sink that is updated
  // but not rendered instead of growing without bound or failing on a hot path.
  static constexpr std::size_t kMaxChildren = 4096;

  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {});

  // The child for these label values, created on first use. The count must match
  // the label names (checked by assert; extra values are ignored, missing ones
  // are empty). The reference stays valid for the family's lifetime.
  [[nodiscard]] T& with(std::initializer_list<std::string_view> values);
  [[nodiscard]] T& with(std::span<const std::string> values);
  // The single child of a family without labels.
  [[nodiscard]] T& get() { return with(std::initializer_list<std::string_view>{}); }

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& help() const noexcept { return help_; }
  [[nodiscard]] const std::vector<std::string>& label_names() const noexcept { return label_names_; }

  // Calls `fn(values, child)` for every child in label-value order, under the
  // family's mutex (children are never removed, so this is a consistent list).
  void for_each(const std::function<void(const Values&, const T&)>& fn) const;

 private:
  T& make_child(Values values);

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable std::mutex mutex_;
  std::map<Values, std::unique_ptr<T>> children_;
  std::unique_ptr<T> sink_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// One sample a collector reports: label values (in the collector's label-name
// order) and the value.
struct Sample {
  std::vector<std::string> label_values;
  double value = 0;
};

// A metric computed at render time, e.g. from an atomic owned elsewhere or from
// the current schema snapshot. Counter or Gauge only. Called on the rendering
// thread with no registry lock held; must be thread-safe and quick.
using CollectFn = std::function<std::vector<Sample>()>;

class Registry {
 public:
  Registry();   // defined where Entry is complete
  ~Registry();  // defined where Entry is complete
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registration happens at start-up: names and label names are validated
  // against the Prometheus data model and must be unique, else
  // std::invalid_argument is thrown. A family without labels gets its single
  // child at once, so it renders 0 before the first update.
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  // `bounds`: finite, strictly increasing upper bounds (seconds for durations).
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> bounds,
                             std::vector<std::string> label_names = {});
  void collector(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
                 CollectFn fn);
  // A collector of one unlabelled value.
  void collector(MetricType type, std::string name, std::string help, std::function<double()> fn);

  // Every family in registration order, children in label-value order: the text
  // exposition format 0.0.4, ready to serve as `text/plain; version=0.0.4`.
  [[nodiscard]] std::string render() const;

 private:
  struct Entry;
  void add(std::unique_ptr<Entry> entry);

  mutable std::mutex mutex_;  // guards entries_ (registration vs render)
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Text-format helpers, exposed for tests.
// A label value with `\`, `"` and newline escaped.
[[nodiscard]] std::string escape_label_value(std::string_view value);
// A HELP text with `\` and newline escaped.
[[nodiscard]] std::string escape_help(std::string_view help);
// A sample value: an integer when integral, else the shortest round-trip %g
// form (0.0005, 1e-05); `+Inf`, `-Inf` or `NaN`.
[[nodiscard]] std::string format_value(double value);
// Whether `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* (metric) or
// [a-zA-Z_][a-zA-Z0-9_]* not starting with `__` (label).
[[nodiscard]] bool valid_metric_name(std::string_view name) noexcept;
[[nodiscard]] bool valid_label_name(std::string_view name) noexcept;

}  // namespace pgshim::metrics
