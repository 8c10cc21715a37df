#include "spanline/telemetry/sdk/batch_span_processor.h"

#include <pthread.h>

#include <condition_variable>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "sdk/env.h"
#include "sdk/internal_log.h"
#include "sdk/span_data_pool.h"
#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {

BatchSpanProcessorOptions BatchSpanProcessorOptions::from_env(std::vector<std::string>* warnings) {
  BatchSpanProcessorOptions o;
  if (auto v = env::get_millis("OTEL_BSP_SCHEDULE_DELAY", warnings)) o.schedule_delay = *v;
  if (auto v = env::get_millis("OTEL_BSP_EXPORT_TIMEOUT", warnings)) o.export_timeout = *v;
  if (auto v = env::get_uint("OTEL_BSP_MAX_QUEUE_SIZE", warnings)) o.max_queue_size = *v;
  if (auto v = env::get_uint("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", warnings))
    o.max_export_batch_size = *v;
  if (auto problem = o.validate(); !problem.empty()) {
    if (warnings) warnings->push_back(problem + "; using the OTEL_BSP_* defaults");
    o = BatchSpanProcessorOptions{};
  }
  o.encode_on_end = env::get_bool("SPANLINE_BSP_ENCODE_ON_END");
  return o;
}

std::string BatchSpanProcessorOptions::validate() const {
  if (max_queue_size == 0) return "batch span processor: max_queue_size must be > 0";
  if (max_export_batch_size == 0) return "batch span processor: max_export_batch_size must be > 0";
  if (schedule_delay.count() <= 0) return "batch span processor: schedule_delay must be > 0";
  if (export_timeout.count() <= 0) return "batch span processor: export_timeout must be > 0";
  return {};
}

namespace {
// The encoded-span buffer the worker keeps between passes, at most.
constexpr std::size_t kKeptEncodedBytes = 16u << 20;
}  // namespace

// Locking and wake-up rules. One mutex guards the queue and the control
// fields. Producers (on_end) hold it only to push; they wake the worker
// exactly when the queue reaches one batch, so the common path is a lock and
// a push_back. The worker swaps the whole queue out under the lock and
// exports without it; `in_flight` keeps swapped-out spans counted against
// max_queue_size so memory stays bounded by the queue size. Flush requests are
// generation numbers: a flusher waits until the worker has finished a pass
// that started after its request.
//
// With encode_on_end and an exporter that has a span encoder, the queue
// holds encoded spans instead of SpanData: on_end encodes the span on the
// ending thread, under the lock, straight into the queue's bytes, then hands
// the SpanData back to that thread's pool. Otherwise the worker's exporter
// encodes whole batches, and the worker hands the SpanData back to the pool.
struct BatchSpanProcessor::State {
  explicit State(std::unique_ptr<SpanExporter> e, BatchSpanProcessorOptions o)
      : exporter(std::move(e)),
        encoder(o.encode_on_end ? exporter->span_encoder() : nullptr),
        reads_packed(exporter->span_encoder() != nullptr &&
                     exporter->span_encoder()->reads_packed_attributes()),
        options(o) {
    if (encoder != nullptr)
      encoded.spans.reserve(o.max_queue_size);
    else
      queue.reserve(o.max_queue_size);
  }

  // Encoded spans: their bytes are bytes[0, used), one after another; the
  // rest of `bytes` is room to encode into (SpanEncoder::encode_at), so the
  // buffer is never zero-filled again once grown.
  struct Encoded {
    std::string bytes;
    std::size_t used = 0;
    std::vector<EncodedSpan> spans;
    void swap(Encoded& other) noexcept {
      bytes.swap(other.bytes);
      std::swap(used, other.used);
      spans.swap(other.spans);
    }
  };

  std::unique_ptr<SpanExporter> exporter;
  const SpanEncoder* const encoder;  // null unless spans are encoded where they end
  // The exporter takes spans with packed attributes (its encoder reads them,
  // and so does its export_spans; see SpanExporter::span_encoder).
  const bool reads_packed;
  const BatchSpanProcessorOptions options;

  std::mutex mu;
  std::condition_variable wake_worker;
  std::condition_variable pass_done;
  std::vector<std::unique_ptr<SpanData>> queue;  // without an encoder
  Encoded encoded;                               // with one
  std::size_t in_flight = 0;
  std::uint64_t flush_requested = 0;
  std::uint64_t flush_completed = 0;
  bool stopping = false;
  bool worker_exited = false;
  Deadline stop_deadline = Deadline::max();

  std::atomic<bool> accepting{true};
  std::atomic<bool> aborted{false};
  std::atomic<std::uint64_t> dropped{0};
  internal::RateLimiter drop_log{std::chrono::seconds(10)};
  SdkCounters& counters = SdkCounters::instance();

  std::size_t queued() const noexcept {
    return encoder != nullptr ? encoded.spans.size() : queue.size();
  }

  void drop(std::uint64_t n, const char* why) noexcept {
    dropped.fetch_add(n, std::memory_order_relaxed);
    counters.spans_dropped.add(n);
    if (drop_log.allow()) {
      internal::log(internal::LogLevel::kWarn, "spanline.sdk.batch_span_processor",
                    std::string(why) + "; spans dropped so far: " +
                        std::to_string(dropped.load(std::memory_order_relaxed)));
    }
  }

  // Runs one export of `len` spans unless the exporter was shut down.
  template <typename Export>
  void export_chunk(std::size_t len, Export&& call) noexcept {
    if (aborted.load(std::memory_order_relaxed)) {
      drop(len, "span exporter was shut down before the batch could be sent");
    } else {
      Deadline deadline = Clock::now() + options.export_timeout;
      {
        std::lock_guard lock(mu);
        deadline = std::min(deadline, stop_deadline);
      }
      // The exporter counts exported and failed spans itself.
      call(deadline);
    }
    std::lock_guard lock(mu);
    in_flight -= len;
  }
  void export_all(std::vector<std::unique_ptr<SpanData>>& batch) noexcept;
  void export_all(Encoded& batch) noexcept;
  void run() noexcept;
};

void BatchSpanProcessor::State::export_all(std::vector<std::unique_ptr<SpanData>>& batch) noexcept {
  const std::size_t n = batch.size();
  for (std::size_t i = 0; i < n; i += options.max_export_batch_size) {
    const std::size_t len = std::min(options.max_export_batch_size, n - i);
    std::span<const std::unique_ptr<SpanData>> chunk(batch.data() + i, len);
    export_chunk(len, [&](Deadline deadline) { exporter->export_spans(chunk, deadline); });
  }
  detail::SpanDataPool::instance().release(batch);
}

void BatchSpanProcessor::State::export_all(Encoded& batch) noexcept {
  const std::size_t n = batch.spans.size();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < n; i += options.max_export_batch_size) {
    const std::size_t len = std::min(options.max_export_batch_size, n - i);
    std::span<const EncodedSpan> chunk(batch.spans.data() + i, len);
    std::size_t bytes = 0;
    for (const EncodedSpan& e : chunk) bytes += e.size;
    const std::string_view chunk_bytes(batch.bytes.data() + offset, bytes);
    offset += bytes;
    export_chunk(
        len, [&](Deadline deadline) { exporter->export_encoded(chunk_bytes, chunk, deadline); });
  }
  batch.spans.clear();
  batch.used = 0;
  // Keep the buffer for the next pass unless a burst made it huge.
  if (batch.bytes.capacity() > kKeptEncodedBytes) std::string().swap(batch.bytes);
}

void BatchSpanProcessor::State::run() noexcept {
  std::vector<std::unique_ptr<SpanData>> batch;
  Encoded encoded_batch;
  if (encoder != nullptr)
    encoded_batch.spans.reserve(options.max_queue_size);
  else
    batch.reserve(options.max_queue_size);
  auto next_export = Clock::now() + options.schedule_delay;
  bool unflushed = false;  // batches exported since the exporter's last flush
  for (;;) {
    std::uint64_t flush_target = 0;
    bool flushing = false;
    bool stop = false;
    bool timed = false;
    {
      std::unique_lock lock(mu);
      timed = !wake_worker.wait_until(lock, next_export, [&] {
        return stopping || queued() >= options.max_export_batch_size ||
               flush_requested != flush_completed;
      });
      flush_target = flush_requested;
      flushing = flush_requested != flush_completed;
      stop = stopping;
      batch.swap(queue);
      encoded_batch.swap(encoded);
      in_flight += batch.size() + encoded_batch.spans.size();
    }
    if (!batch.empty() || !encoded_batch.spans.empty()) unflushed = true;
    if (!batch.empty()) export_all(batch);
    if (!encoded_batch.spans.empty()) export_all(encoded_batch);
    if (flushing || stop || (timed && unflushed)) {
      // A flush covers what the exporter itself may buffer, and so does a
      // pass the schedule delay started after exports: spans stop waiting
      // in an exporter once traffic stops (OtlpExporterOptions::
      // overlap_answers). An idle processor does not flush.
      if (!aborted.load()) exporter->force_flush(Clock::now() + options.export_timeout);
      unflushed = false;
    }
    next_export = Clock::now() + options.schedule_delay;
    {
      std::lock_guard lock(mu);
      flush_completed = flush_target;
      if (stop && queued() == 0) {
        worker_exited = true;
        pass_done.notify_all();
        return;
      }
    }
    pass_done.notify_all();
  }
}

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter,
                                       BatchSpanProcessorOptions options) {
  if (auto problem = options.validate(); !problem.empty()) throw std::invalid_argument(problem);
  if (!exporter) throw std::invalid_argument("batch span processor: exporter is null");
  // The spec asks for the batch size to be clamped to the queue size.
  options.max_export_batch_size = std::min(options.max_export_batch_size, options.max_queue_size);
  state_ = std::make_shared<State>(std::move(exporter), options);
  // The worker co-owns the state so a worker still stuck in an exporter when
  // shutdown's deadline passes can be detached safely.
  std::thread([s = state_] {
    // Named for top -H, perf and gdb (at most 15 characters).
    pthread_setname_np(pthread_self(), "spanline-export");
    s->run();
  }).detach();
}

BatchSpanProcessor::~BatchSpanProcessor() {
  shutdown(Clock::now() + std::chrono::seconds(5));
}

void BatchSpanProcessor::on_end(std::unique_ptr<SpanData> span) noexcept {
  State& s = *state_;
  // Only sampled spans are exported (trace SDK spec, "Batching processor").
  if ((span->trace_flags & TraceFlags::kSampled) == 0) return;
  if (!s.accepting.load(std::memory_order_relaxed)) {
    s.drop(1, "span ended after the batch span processor was shut down");
    return;
  }
  if (s.encoder != nullptr) {
    on_end_encoded(std::move(span));
    return;
  }
  bool wake = false;
  {
    std::lock_guard lock(s.mu);
    if (s.queue.size() + s.in_flight < s.options.max_queue_size) {
      s.queue.push_back(std::move(span));
      wake = s.queue.size() == s.options.max_export_batch_size;
    }
  }
  if (wake) {
    s.wake_worker.notify_one();
  } else if (span) {
    // Still ours: the queue was full. Freed here, outside the lock.
    s.drop(1, "batch span processor queue is full (OTEL_BSP_MAX_QUEUE_SIZE)");
  }
}

bool BatchSpanProcessor::reads_packed_attributes() const noexcept {
  return state_->reads_packed;
}

void BatchSpanProcessor::on_end_encoded(std::unique_ptr<SpanData> span) noexcept {
  State& s = *state_;
  bool wake = false;
  const char* dropped = nullptr;
  {
    // Encoded straight into the queue's bytes: the span is read once, while
    // it is still in this core's cache, and its bytes are written once.
    std::lock_guard lock(s.mu);
    State::Encoded& q = s.encoded;
    if (q.spans.size() + s.in_flight >= s.options.max_queue_size) {
      dropped = "batch span processor queue is full (OTEL_BSP_MAX_QUEUE_SIZE)";
    } else {
      try {
        const std::size_t size = s.encoder->encode_at(*span, q.bytes, q.used);
        if (size > std::numeric_limits<std::uint32_t>::max())
          throw std::length_error("span encoding over 4 GiB");
        q.spans.push_back(
            {std::move(span->resource), std::move(span->scope), static_cast<std::uint32_t>(size)});
        q.used += size;
        wake = q.spans.size() == s.options.max_export_batch_size;
      } catch (...) {
        // Out of memory: the bytes past `used` do not count.
        dropped = "cannot encode a span";
      }
    }
  }
  detail::SpanDataPool::instance().recycle(std::move(span));
  if (wake) {
    s.wake_worker.notify_one();
  } else if (dropped != nullptr) {
    s.drop(1, dropped);
  }
}

bool BatchSpanProcessor::force_flush(Deadline deadline) noexcept {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  if (s.worker_exited) return true;
  const std::uint64_t ticket = ++s.flush_requested;
  s.wake_worker.notify_one();
  return s.pass_done.wait_until(lock, deadline,
                                [&] { return s.flush_completed >= ticket || s.worker_exited; });
}

bool BatchSpanProcessor::shutdown(Deadline deadline) noexcept {
  State& s = *state_;
  if (!s.accepting.exchange(false)) {
    std::lock_guard lock(s.mu);
    return s.worker_exited;
  }
  std::unique_lock lock(s.mu);
  s.stopping = true;
  s.stop_deadline = deadline;
  s.wake_worker.notify_one();
  bool exited = s.pass_done.wait_until(lock, deadline, [&] { return s.worker_exited; });
  lock.unlock();
  // Past the deadline: abort whatever the exporter is doing; the worker then
  // drops the rest and exits on its own, keeping the state alive meanwhile.
  s.aborted.store(true);
  s.exporter->shutdown();
  return exited;
}

std::uint64_t BatchSpanProcessor::dropped() const noexcept {
  return state_->dropped.load(std::memory_order_relaxed);
}

}  // namespace spanline::telemetry
