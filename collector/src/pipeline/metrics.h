// The collector's own telemetry: counters and gauges named like the
// OpenTelemetry Collector's (otelcol_receiver_accepted_spans, ...), served
// as Prometheus text on /metrics.
//
// Components get their counters once at construction (a stable reference)
// and bump them with relaxed atomics on the hot path; render() reads them.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace spanline::collector {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Metrics {
 public:
  // The same name and labels give the same counter.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels);
  // `read` is called by render(), from the /metrics thread.
  void gauge(const std::string& name, const std::string& help, const Labels& labels,
             std::function<double()> read);
  // Prometheus text exposition format 0.0.4, families sorted by name.
  std::string render() const;

 private:
  struct Series {
    std::string name;
    std::string help;
    bool is_counter;
    Labels labels;
    Counter counter;
    std::function<double()> read;
  };
  mutable std::mutex mu_;
  std::deque<Series> series_;  // deque: references stay valid as it grows
};

}  // namespace spanline::collector
