#include "pgshim/metrics/registry.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>
#include <utility>

namespace pgshim::metrics {

const char* to_string(MetricType type) noexcept {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

// ---------------------------------------------------------------- Histogram

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double v) noexcept {
  // Bucket i counts bounds_[i-1] < v <= bounds_[i] ("le" is inclusive); NaN and
  // anything above the last bound land in +Inf.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  const auto index = static_cast<std::size_t>(it - bounds_.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  out.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(running);
  }
  out.sum = sum_.load(std::memory_order_relaxed);
  return out;
}

// ---------------------------------------------------------------- Family

namespace {

template <class T>
std::unique_ptr<T> new_child(const std::vector<double>& bounds) {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(bounds);
  } else {
    (void)bounds;
    return std::make_unique<T>();
  }
}

}  // namespace

template <class T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)),
      sink_(new_child<T>(bounds_)) {}

template <class T>
T& Family<T>::with(std::initializer_list<std::string_view> values) {
  assert(values.size() == label_names_.size());
  Values key;
  key.reserve(label_names_.size());
  auto it = values.begin();
  for (std::size_t i = 0; i < label_names_.size(); ++i) {
    key.emplace_back(it != values.end() ? std::string(*it++) : std::string());
  }
  return make_child(std::move(key));
}

template <class T>
T& Family<T>::with(std::span<const std::string> values) {
  assert(values.size() == label_names_.size());
  Values key;
  key.reserve(label_names_.size());
  for (std::size_t i = 0; i < label_names_.size(); ++i) {
    key.push_back(i < values.size() ? values[i] : std::string());
  }
  return make_child(std::move(key));
}

template <class T>
T& Family<T>::make_child(Values values) {
  const std::lock_guard lock(mutex_);
  if (const auto found = children_.find(values); found != children_.end()) return *found->second;
  if (children_.size() >= kMaxChildren) return *sink_;
  auto [pos, inserted] = children_.emplace(std::move(values), new_child<T>(bounds_));
  (void)inserted;
  return *pos->second;
}

template <class T>
void Family<T>::for_each(const std::function<void(const Values&, const T&)>& fn) const {
  const std::lock_guard lock(mutex_);
  for (const auto& [values, child] : children_) fn(values, *child);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---------------------------------------------------------------- text format

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  // Integral values (counts, Unix times) print as integers; exact below 2^53.
  constexpr double kExactIntegers = 9007199254740992.0;
  if (value == std::floor(value) && std::fabs(value) < kExactIntegers) {
    const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(value));
    return std::string(buf, res.ptr);
  }
  // Otherwise the shortest round-trip form, %g style (0.0005, 1e-05).
  const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general);
  return std::string(buf, res.ptr);
}

namespace {

bool is_alpha_(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string format_count(std::uint64_t value) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

// `{a="x",b="y"}` (plus an optional trailing extra pair such as le), or nothing
// when there are no labels at all.
void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(i < values.size() ? values[i] : std::string());
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_header(std::string& out, const std::string& name, const std::string& help, MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += to_string(type);
  out += '\n';
}

}  // namespace

bool valid_metric_name(std::string_view name) noexcept {
  if (name.empty() || !(is_alpha_(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alpha_(c) || is_digit(c) || c == ':'; });
}

bool valid_label_name(std::string_view name) noexcept {
  if (name.empty() || !is_alpha_(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alpha_(c) || is_digit(c); });
}

// ---------------------------------------------------------------- Registry

struct Registry::Entry {
  MetricType type = MetricType::Counter;
  std::string name;
  std::string help;
  std::vector<std::string> label_names;
  std::unique_ptr<CounterFamily> counters;
  std::unique_ptr<GaugeFamily> gauges;
  std::unique_ptr<HistogramFamily> histograms;
  CollectFn collect;  // set for collectors; then no family
};

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::add(std::unique_ptr<Entry> entry) {
  if (!valid_metric_name(entry->name)) throw std::invalid_argument("invalid metric name: " + entry->name);
  std::set<std::string_view> seen;
  for (const auto& label : entry->label_names) {
    if (!valid_label_name(label) || (entry->type == MetricType::Histogram && label == "le")) {
      throw std::invalid_argument("invalid label name '" + label + "' in metric " + entry->name);
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument("duplicate label name '" + label + "' in metric " + entry->name);
    }
  }
  const std::lock_guard lock(mutex_);
  for (const auto& other : entries_) {
    if (other->name == entry->name) throw std::invalid_argument("metric registered twice: " + entry->name);
  }
  entries_.push_back(std::move(entry));
}

CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::Counter;
  entry->counters = std::make_unique<CounterFamily>(name, help, label_names);
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->label_names = std::move(label_names);
  auto& family = *entry->counters;
  add(std::move(entry));
  if (family.label_names().empty()) (void)family.get();
  return family;
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::Gauge;
  entry->gauges = std::make_unique<GaugeFamily>(name, help, label_names);
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->label_names = std::move(label_names);
  auto& family = *entry->gauges;
  add(std::move(entry));
  if (family.label_names().empty()) (void)family.get();
  return family;
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                     std::vector<std::string> label_names) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      throw std::invalid_argument("histogram bounds must be finite and strictly increasing: " + name);
    }
  }
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::Histogram;
  entry->histograms = std::make_unique<HistogramFamily>(name, help, label_names, std::move(bounds));
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->label_names = std::move(label_names);
  auto& family = *entry->histograms;
  add(std::move(entry));
  if (family.label_names().empty()) (void)family.get();
  return family;
}

void Registry::collector(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
                         CollectFn fn) {
  if (type == MetricType::Histogram) throw std::invalid_argument("a collector cannot be a histogram: " + name);
  auto entry = std::make_unique<Entry>();
  entry->type = type;
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->label_names = std::move(label_names);
  entry->collect = std::move(fn);
  add(std::move(entry));
}

void Registry::collector(MetricType type, std::string name, std::string help, std::function<double()> fn) {
  collector(type, std::move(name), std::move(help), {}, [fn = std::move(fn)] {
    return std::vector<Sample>{Sample{{}, fn ? fn() : 0.0}};
  });
}

std::string Registry::render() const {
  // Snapshot the entry list, then render without the registry lock so a slow
  // collector cannot block registration (entries are never removed).
  std::vector<const Entry*> entries;
  {
    const std::lock_guard lock(mutex_);
    entries.reserve(entries_.size());
    for (const auto& e : entries_) entries.push_back(e.get());
  }
  std::string out;
  out.reserve(entries.size() * 256);
  for (const Entry* e : entries) {
    append_header(out, e->name, e->help, e->type);
    if (e->collect) {
      auto samples = e->collect();
      // Sorted by labels so the output is deterministic whatever the callback's order.
      std::sort(samples.begin(), samples.end(),
                [](const Sample& a, const Sample& b) { return a.label_values < b.label_values; });
      for (const auto& s : samples) {
        out += e->name;
        append_labels(out, e->label_names, s.label_values);
        out += ' ';
        out += format_value(s.value);
        out += '\n';
      }
      continue;
    }
    switch (e->type) {
      case MetricType::Counter:
        e->counters->for_each([&](const CounterFamily::Values& values, const Counter& c) {
          out += e->name;
          append_labels(out, e->label_names, values);
          out += ' ';
          out += format_count(c.value());
          out += '\n';
        });
        break;
      case MetricType::Gauge:
        e->gauges->for_each([&](const GaugeFamily::Values& values, const Gauge& g) {
          out += e->name;
          append_labels(out, e->label_names, values);
          out += ' ';
          out += format_value(g.value());
          out += '\n';
        });
        break;
      case MetricType::Histogram:
        e->histograms->for_each([&](const HistogramFamily::Values& values, const Histogram& h) {
          const auto snap = h.snapshot();
          const auto& bounds = h.bounds();
          for (std::size_t i = 0; i <= bounds.size(); ++i) {
            out += e->name;
            out += "_bucket";
            append_labels(out, e->label_names, values, "le", i < bounds.size() ? format_value(bounds[i]) : "+Inf");
            out += ' ';
            out += format_count(snap.cumulative[i]);
            out += '\n';
          }
          out += e->name;
          out += "_sum";
          append_labels(out, e->label_names, values);
          out += ' ';
          out += format_value(snap.sum);
          out += '\n';
          out += e->name;
          out += "_count";
          append_labels(out, e->label_names, values);
          out += ' ';
          out += format_count(snap.cumulative.back());
          out += '\n';
        });
        break;
    }
  }
  return out;
}

}  // namespace pgshim::metrics
