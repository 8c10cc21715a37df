// The store with its log: every accepted request is appended to the SpanLog
// before it is stored (and so before it is acknowledged); at start the log
// is replayed into the store and then compacted to what the store kept; it
// is compacted again whenever it has doubled (+64 MiB) since, so evicted
// traces do not come back after a restart. A background thread
// flushes the log to disk every second.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "pipeline/traces.h"
#include "span_log.h"
#include "store.h"

namespace spanline::traceview {

class Persistence {
 public:
  struct Loaded {
    std::size_t records = 0;
    std::size_t spans = 0;
    std::uint64_t dropped_bytes = 0;
  };

  // Opens DIR's log and replays it into `store`. Throws std::runtime_error.
  Persistence(const std::string& dir, TraceStore& store);
  ~Persistence();

  const Loaded& loaded() const noexcept { return loaded_; }
  // Logs, then stores; false (nothing stored) when the log cannot be written.
  bool add(collector::Traces traces);
  std::uint64_t log_bytes() const noexcept { return log_.size(); }

 private:
  void compact_locked();
  // The log's size after the last compaction (or failed attempt): the next
  // one comes when the log has doubled past it, so a log whose compacted
  // form is larger than the store (resources are shared in the store and
  // repeated per trace in the log) is not rewritten on every request.
  std::uint64_t compacted_size_ = 0;

  TraceStore& store_;
  SpanLog log_;
  Loaded loaded_;
  std::mutex mu_;  // one add or compaction at a time, so none is lost
  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace spanline::traceview
