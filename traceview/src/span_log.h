// traceview's optional persistence: an append-only log of the OTLP requests
// it accepted, replayed into the store at start.
//
// File DIR/traces.log: the header "SPANLINE-TRACEVIEW-LOG 1\n", then records
// [u32 length][u32 CRC-32 of the bytes][bytes: an ExportTraceServiceRequest
// in protobuf], little-endian. A request is appended (write(2), so it
// survives the process) before it is acknowledged; a background flush makes
// it durable on disk within a second, and shutdown flushes. A torn or
// corrupt tail (a crash mid-write) ends the replay and is cut off.
//
// The log is rewritten from what the store keeps (compacted) at start and
// whenever it grows past a bound, so evicted traces do not come back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace spanline::traceview {

class SpanLog {
 public:
  // Opens (creating) DIR/traces.log. Throws std::runtime_error naming the
  // path and the reason.
  explicit SpanLog(const std::string& dir);
  ~SpanLog();
  SpanLog(const SpanLog&) = delete;
  SpanLog& operator=(const SpanLog&) = delete;

  struct ReplayResult {
    std::size_t records = 0;
    std::uint64_t dropped_bytes = 0;  // a torn or corrupt tail, cut off
  };
  // Calls `fn` with each record's bytes, in order, then cuts off a bad tail.
  ReplayResult replay(const std::function<void(std::string_view)>& fn);

  // Appends one record; false (and nothing half-written stays counted) on
  // an I/O error.
  bool append(std::string_view bytes);
  // Replaces the log with the records `write` produces (through `emit`),
  // atomically (a new file renamed over the old one).
  bool rewrite(const std::function<void(const std::function<void(std::string_view)>& emit)>& write);
  // fdatasync.
  void flush() noexcept;

  std::uint64_t size() const noexcept {
    std::lock_guard lock(mu_);
    return size_;
  }
  const std::string& path() const noexcept { return path_; }

 private:
  mutable std::mutex mu_;  // one writer at a time
  std::string dir_;
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace spanline::traceview
