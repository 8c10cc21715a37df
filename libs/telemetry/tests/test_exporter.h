// Hand-written fakes for SDK tests: an exporter that records what it gets and
// can be made slow or failing, and a settable clock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "spanline/telemetry/sdk/span_exporter.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::telemetry::testing {

class RecordingExporter final : public SpanExporter {
 public:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<SpanData> spans;
    std::vector<std::size_t> batch_sizes;
    int flushes = 0;
    int shutdowns = 0;
    // Each export sleeps this long (interruptible by shutdown) and returns `result`.
    std::chrono::milliseconds delay{0};
    // A hung exporter: the delay ignores the export deadline; only
    // shutdown() ends it.
    bool ignore_deadline = false;
    ExportResult result = ExportResult::kSuccess;
    bool shut_down = false;

    std::size_t count() {
      std::lock_guard lock(mu);
      return spans.size();
    }
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
      std::unique_lock lock(mu);
      return cv.wait_for(lock, timeout, [&] { return spans.size() >= n; });
    }
  };

  explicit RecordingExporter(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  ExportResult export_spans(std::span<const std::unique_ptr<SpanData>> spans,
                            Deadline deadline) noexcept override {
    std::unique_lock lock(shared_->mu);
    if (shared_->delay.count() > 0) {
      auto until = Clock::now() + shared_->delay;
      if (!shared_->ignore_deadline) until = std::min(until, deadline);
      shared_->cv.wait_until(lock, until, [&] { return shared_->shut_down; });
    }
    if (shared_->shut_down) return ExportResult::kFailure;
    for (const auto& s : spans) shared_->spans.push_back(*s);
    shared_->batch_sizes.push_back(spans.size());
    shared_->cv.notify_all();
    return shared_->result;
  }
  bool force_flush(Deadline) noexcept override {
    std::lock_guard lock(shared_->mu);
    ++shared_->flushes;
    return true;
  }
  void shutdown() noexcept override {
    std::lock_guard lock(shared_->mu);
    ++shared_->shutdowns;
    shared_->shut_down = true;
    shared_->cv.notify_all();
  }

 private:
  std::shared_ptr<Shared> shared_;
};

class ManualClock final : public TimeSource {
 public:
  std::atomic<std::uint64_t> now{1'700'000'000'000'000'000ULL};
  std::uint64_t now_unix_nano() noexcept override { return now.load(); }
};

}  // namespace spanline::telemetry::testing
