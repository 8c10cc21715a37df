#include "processors/batch_processor.h"

#include <algorithm>

namespace spanline::collector {
namespace {

using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::ScopeSpans;

// A ResourceSpans / ScopeSpans with everything but the spans.
void copy_shell(const ResourceSpans& from, ResourceSpans& to) {
  *to.mutable_resource() = from.resource();
  to.set_schema_url(from.schema_url());
}
void copy_shell(const ScopeSpans& from, ScopeSpans& to) {
  *to.mutable_scope() = from.scope();
  to.set_schema_url(from.schema_url());
}

}  // namespace

std::vector<Traces> split_traces(Traces traces, std::size_t max) {
  std::vector<Traces> out;
  if (max == 0 || traces.span_count <= max) {
    out.push_back(std::move(traces));
    return out;
  }
  Traces piece;
  for (auto& rs : *traces.request->mutable_resource_spans()) {
    ResourceSpans* dst_rs = nullptr;
    for (auto& ss : *rs.mutable_scope_spans()) {
      ScopeSpans* dst_ss = nullptr;
      for (auto& span : *ss.mutable_spans()) {
        if (piece.span_count == max) {
          out.push_back(std::move(piece));
          piece = Traces();
          dst_rs = nullptr;
          dst_ss = nullptr;
        }
        if (dst_rs == nullptr) {
          dst_rs = piece.request->add_resource_spans();
          copy_shell(rs, *dst_rs);
          dst_ss = nullptr;
        }
        if (dst_ss == nullptr) {
          dst_ss = dst_rs->add_scope_spans();
          copy_shell(ss, *dst_ss);
        }
        *dst_ss->add_spans() = std::move(span);
        ++piece.span_count;
      }
    }
  }
  if (piece.span_count > 0) out.push_back(std::move(piece));
  return out;
}

BatchProcessor::BatchProcessor(const std::string& id, BatchProcessorConfig config, Metrics& metrics)
    : config_(config),
      capacity_(std::max<std::size_t>(8 * std::size_t{config.send_batch_size}, 65536)),
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
  if (traces.span_count == 0) return ConsumeResult::ok();
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !started_) return ConsumeResult::retryable("the batch processor is stopped");
    if (pending_.span_count + traces.span_count > capacity_)
      return ConsumeResult::retryable("the batch processor is full (the exporters are behind)");
    // The worker sleeps without a deadline while nothing is pending: the
    // first span must wake it to start the timeout, and a full batch to send.
    const bool was_empty = pending_.span_count == 0;
    if (was_empty) first_at_ = Clock::now();
    auto& dst = *pending_.request->mutable_resource_spans();
    for (auto& rs : *traces.request->mutable_resource_spans()) *dst.Add() = std::move(rs);
    pending_.span_count += traces.span_count;
    if (!was_empty && pending_.span_count < config_.send_batch_size) return ConsumeResult::ok();
  }
  wake_.notify_one();
  return ConsumeResult::ok();
}

// Waits for a full batch or the timeout of the oldest pending span, sends
// without the lock held; on shutdown sends what is left and returns.
void BatchProcessor::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    const bool full = pending_.span_count >= config_.send_batch_size;
    const bool due = pending_.span_count > 0 && Clock::now() >= first_at_ + config_.timeout;
    if (full || due || (stopping_ && pending_.span_count > 0)) {
      (full ? batches_by_size_ : batches_by_timeout_).add();
      Traces batch = std::exchange(pending_, Traces());
      lock.unlock();
      send(std::move(batch));
      lock.lock();
      continue;
    }
    if (stopping_) return;
    if (pending_.span_count == 0)
      wake_.wait(lock);
    else
      wake_.wait_until(lock, first_at_ + config_.timeout);
  }
}

void BatchProcessor::send(Traces batch) noexcept {
  try {
    for (Traces& piece : split_traces(std::move(batch), config_.send_batch_max_size))
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
  if (worker_.joinable()) worker_.join();
}

}  // namespace spanline::collector
