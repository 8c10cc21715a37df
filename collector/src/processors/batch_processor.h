// batch: collects what receivers push into batches of send_batch_size spans,
// or whatever arrived within `timeout`, and hands them on from its own
// thread; batches above send_batch_max_size are split.
//
// Receivers get their answer once their spans are pending (as with the
// Collector's batch processor, a later export failure is the exporter's to
// count). It holds at most two batches (2 × max(send_batch_size,
// send_batch_max_size, 1024) spans): a consume beyond that waits up to 1 s
// for the worker, then is refused with a retryable error.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "config/config.h"
#include "pipeline/component.h"
#include "pipeline/metrics.h"

namespace spanline::collector {

class BatchProcessor final : public Processor {
 public:
  BatchProcessor(const std::string& id, BatchProcessorConfig config, Metrics& metrics);
  ~BatchProcessor() override;
  void start() override;
  // Flushes what is pending (through the rest of the pipeline) and stops.
  void shutdown(Deadline deadline) noexcept override;
  ConsumeResult consume(Traces traces) noexcept override;

 private:
  void run();
  void send(Traces batch) noexcept;

  const BatchProcessorConfig config_;
  // Spans pending at most (two batches): past it a consume waits for the
  // worker, then refuses.
  const std::size_t capacity_;
  Counter& batches_by_size_;
  Counter& batches_by_timeout_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable room_;  // pending_ shrank or stopping
  Traces pending_;
  int waiting_ = 0;  // consumes waiting for room
  Clock::time_point first_at_{};
  bool started_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace spanline::collector
