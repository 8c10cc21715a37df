#include <mutex>

#include "spanline/telemetry/sdk/span_processor.h"

namespace spanline::telemetry {

struct SimpleSpanProcessor::State {
  std::unique_ptr<SpanExporter> exporter;
  std::mutex mu;  // exporters are called by one thread at a time
  bool shut_down = false;
};

SimpleSpanProcessor::SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter)
    : state_(std::make_unique<State>()) {
  state_->exporter = std::move(exporter);
}

SimpleSpanProcessor::~SimpleSpanProcessor() {
  shutdown(Clock::now() + std::chrono::seconds(5));
}

void SimpleSpanProcessor::on_end(std::unique_ptr<SpanData> span) noexcept {
  if ((span->trace_flags & TraceFlags::kSampled) == 0) return;
  std::lock_guard lock(state_->mu);
  if (state_->shut_down) return;
  std::unique_ptr<SpanData> one[] = {std::move(span)};
  state_->exporter->export_spans(one, Clock::now() + std::chrono::seconds(30));
}

bool SimpleSpanProcessor::force_flush(Deadline deadline) noexcept {
  std::lock_guard lock(state_->mu);
  return state_->shut_down || state_->exporter->force_flush(deadline);
}

bool SimpleSpanProcessor::shutdown(Deadline deadline) noexcept {
  std::lock_guard lock(state_->mu);
  if (state_->shut_down) return true;
  state_->shut_down = true;
  bool ok = state_->exporter->force_flush(deadline);
  state_->exporter->shutdown();
  return ok;
}

}  // namespace spanline::telemetry
