#include "persistence.h"

#include <chrono>

namespace spanline::traceview {

Persistence::Persistence(const std::string& dir, TraceStore& store) : store_(store), log_(dir) {
  ExportTraceServiceRequest request;
  const auto replayed = log_.replay([&](std::string_view bytes) {
    if (bytes.size() <= INT32_MAX &&
        request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      loaded_.spans += store_.add(request);
  });
  loaded_.records = replayed.records;
  loaded_.dropped_bytes = replayed.dropped_bytes;
  {
    std::lock_guard lock(mu_);
    compact_locked();
  }
  flusher_ = std::thread([this] {
    std::unique_lock lock(flush_mu_);
    while (!flush_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; }))
      log_.flush();
  });
}

Persistence::~Persistence() {
  {
    std::lock_guard lock(flush_mu_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  log_.flush();
}

bool Persistence::add(collector::Traces traces) {
  std::string bytes;
  if (!traces.append_proto(bytes)) return false;
  std::lock_guard lock(mu_);
  if (!log_.append(bytes)) return false;
  for (auto* request : traces.requests()) store_.add(*request);
  if (log_.size() > 2 * compacted_size_ + (std::uint64_t{64} << 20)) compact_locked();
  return true;
}

void Persistence::compact_locked() {
  log_.rewrite([this](const std::function<void(std::string_view)>& emit) {
    store_.for_each_request(
        [&](const ExportTraceServiceRequest& request) { emit(request.SerializeAsString()); });
  });
  // Also after a failed rewrite: the next try waits until the log doubles.
  compacted_size_ = log_.size();
}

}  // namespace spanline::traceview
