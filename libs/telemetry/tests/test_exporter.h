// Hand-written fakes for SDK tests: an exporter that records what it gets and
// can be made slow or failing, and a settable clock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "spanline/telemetry/sdk/span_exporter.h"
#include "spanline/telemetry/sdk/tracer.h"

namespace spanline::telemetry::testing {

// Encodes a span as its name behind a 4-byte length, and notes the thread
// that encoded it.
class NameEncoder final : public SpanEncoder {
 public:
  void encode(const SpanData& span, std::string& out) const override {
    {
      std::lock_guard lock(mu_);
      threads_.insert(std::this_thread::get_id());
    }
    const auto n = static_cast<std::uint32_t>(span.name.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(span.name);
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard lock(mu_);
    return threads_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::set<std::thread::id> threads_;
};

// Records what it is given. With `encoding`, it offers a NameEncoder, so a
// batch processor hands it encoded spans, which it decodes back into
// SpanData (name, resource and scope).
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
    // Encoded batches: whether the sizes added up to the bytes given.
    bool sizes_matched = true;
    NameEncoder encoder;

    std::size_t count() {
      std::lock_guard lock(mu);
      return spans.size();
    }
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
      std::unique_lock lock(mu);
      return cv.wait_for(lock, timeout, [&] { return spans.size() >= n; });
    }
  };

  explicit RecordingExporter(std::shared_ptr<Shared> shared, bool encoding = false)
      : shared_(std::move(shared)), encoding_(encoding) {}

  ExportResult export_spans(std::span<const std::unique_ptr<SpanData>> spans,
                            Deadline deadline) noexcept override {
    std::unique_lock lock(shared_->mu);
    if (!wait(lock, deadline)) return ExportResult::kFailure;
    for (const auto& s : spans) shared_->spans.push_back(*s);
    shared_->batch_sizes.push_back(spans.size());
    shared_->cv.notify_all();
    return shared_->result;
  }
  const SpanEncoder* span_encoder() const noexcept override {
    return encoding_ ? &shared_->encoder : nullptr;
  }
  ExportResult export_encoded(std::string_view bytes, std::span<const EncodedSpan> spans,
                              Deadline deadline) noexcept override {
    std::unique_lock lock(shared_->mu);
    if (!wait(lock, deadline)) return ExportResult::kFailure;
    std::size_t at = 0;
    for (const EncodedSpan& e : spans) {
      SpanData d;
      std::uint32_t n = 0;
      if (at + e.size > bytes.size() || e.size < sizeof n) {
        shared_->sizes_matched = false;
        break;
      }
      std::memcpy(&n, bytes.data() + at, sizeof n);
      d.name.assign(bytes.substr(at + sizeof n, e.size - sizeof n));
      d.resource = e.resource;
      d.scope = e.scope;
      at += e.size;
      shared_->spans.push_back(std::move(d));
    }
    if (at != bytes.size()) shared_->sizes_matched = false;
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
  // The configured delay; false when shut down meanwhile.
  bool wait(std::unique_lock<std::mutex>& lock, Deadline deadline) {
    if (shared_->delay.count() > 0) {
      auto until = Clock::now() + shared_->delay;
      if (!shared_->ignore_deadline) until = std::min(until, deadline);
      shared_->cv.wait_until(lock, until, [&] { return shared_->shut_down; });
    }
    return !shared_->shut_down;
  }

  std::shared_ptr<Shared> shared_;
  const bool encoding_;
};

class ManualClock final : public TimeSource {
 public:
  std::atomic<std::uint64_t> now{1'700'000'000'000'000'000ULL};
  std::uint64_t now_unix_nano() noexcept override { return now.load(); }
};

}  // namespace spanline::telemetry::testing
