#include "processors/batch_processor.h"

#include <algorithm>

namespace spanline::collector {
namespace {

// How long a consume waits for room when the batch is full (the worker is
// behind) before refusing with a retryable error. The Collector's batch
// processor blocks its caller the same way: the client is slowed, not sent
// away, so no decoded request is thrown away for a momentary burst.
constexpr auto kMaxWaitForRoom = std::chrono::seconds(1);

}  // namespace

BatchProcessor::BatchProcessor(const std::string& id, BatchProcessorConfig config, Metrics& metrics)
    : config_(config),
      capacity_(2 *
                std::max<std::size_t>({config.send_batch_size, config.send_batch_max_size, 1024})),
      batches_by_size_(metrics.counter("otelcol_processor_batch_batch_size_trigger_send",
                                       "Batches sent because they reached send_batch_size",
                                       {{"processor", id}})),
      batches_by_timeout_(metrics.counter("otelcol_processor_batch_timeout_trigger_send",
                                          "Batches sent because the timeout fired",
                                          {{"processor", id}})) {}

BatchProcessor::~BatchProcessor() {
  shutdown(Clock::now());
}

void BatchProcessor::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  worker_ = std::thread([this] { run(); });
}

ConsumeResult BatchProcessor::consume(Traces traces) noexcept {
  if (traces.empty()) return ConsumeResult::ok();
  {
    std::unique_lock lock(mu_);
    const auto has_room = [&] {
      return stopping_ || pending_.span_count() + traces.span_count() <= capacity_ ||
             pending_.empty();
    };
    if (!has_room()) {
      // The worker sends what is pending now rather than at its trigger.
      ++waiting_;
      wake_.notify_one();
      room_.wait_for(lock, kMaxWaitForRoom, has_room);
      --waiting_;
    }
    if (stopping_ || !started_) return ConsumeResult::retryable("the batch processor is stopped");
    if (!has_room())
      return ConsumeResult::retryable("the batch processor is full (the exporters are behind)");
    // The worker sleeps without a deadline while nothing is pending: the
    // first span must wake it to start the timeout, and a full batch to send.
    const bool was_empty = pending_.empty();
    if (was_empty) first_at_ = Clock::now();
    pending_.append(std::move(traces));
    if (!was_empty &&
        (config_.send_batch_size == 0 || pending_.span_count() < config_.send_batch_size))
      return ConsumeResult::ok();
  }
  wake_.notify_one();
  return ConsumeResult::ok();
}

// Waits for a full batch or the timeout of the oldest pending span, sends
// without the lock held; on shutdown sends what is left and returns.
void BatchProcessor::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    // send_batch_size 0: batches by the timeout alone, as in the Collector,
    // unless a consume is waiting for room.
    const bool full =
        (config_.send_batch_size > 0 && pending_.span_count() >= config_.send_batch_size) ||
        (waiting_ > 0 && !pending_.empty());
    const bool due = !pending_.empty() && Clock::now() >= first_at_ + config_.timeout;
    if (full || due || (stopping_ && !pending_.empty())) {
      (full ? batches_by_size_ : batches_by_timeout_).add();
      Traces batch = std::exchange(pending_, Traces());
      lock.unlock();
      room_.notify_all();
      send(std::move(batch));
      lock.lock();
      continue;
    }
    if (stopping_) return;
    if (pending_.empty())
      wake_.wait(lock);
    else
      wake_.wait_until(lock, first_at_ + config_.timeout);
  }
}

void BatchProcessor::send(Traces batch) noexcept {
  try {
    for (Traces& piece : std::move(batch).split(config_.send_batch_max_size))
      next_->consume(std::move(piece));
  } catch (...) {
    // Out of memory splitting: the batch is lost; the exporters count nothing.
  }
}

void BatchProcessor::shutdown(Deadline) noexcept {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  room_.notify_all();
  if (worker_.joinable()) worker_.join();
}

}  // namespace spanline::collector
