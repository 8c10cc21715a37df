#include "receivers/otlp_receiver.h"

#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "receivers/otlp_grpc_receiver.h"
#include "receivers/otlp_http_receiver.h"

namespace spanline::collector {
namespace {

// Consumes run on these threads and block for as long as the pipeline takes;
// the count bounds how many requests are in the pipeline at once, the rest
// wait their turn (their bodies already read).
unsigned worker_count() {
  return std::max(4u, 2 * std::thread::hardware_concurrency());
}

const BearerTokenAuth* find_authenticator(
    const std::optional<std::string>& name,
    const std::map<std::string, const BearerTokenAuth*>& authenticators, const std::string& id) {
  if (!name) return nullptr;
  auto it = authenticators.find(*name);
  if (it == authenticators.end() || it->second == nullptr)
    throw std::runtime_error("receiver " + id + ": authenticator " + *name + " not found");
  return it->second;
}

// ------------------------------------------------- protobuf, written by hand

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_varint_field(std::string& out, std::uint32_t field, std::uint64_t value) {
  put_varint(out, field << 3);  // wire type 0
  put_varint(out, value);
}

void put_bytes_field(std::string& out, std::uint32_t field, std::string_view bytes) {
  put_varint(out, (field << 3) | 2);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// google.protobuf.Any{type.googleapis.com/google.rpc.RetryInfo,
// RetryInfo{retry_delay: Duration{seconds}}}.
std::string retry_info_any(std::chrono::seconds delay) {
  std::string duration;
  put_varint_field(duration, 1, static_cast<std::uint64_t>(delay.count()));
  std::string retry_info;
  put_bytes_field(retry_info, 1, duration);
  std::string any;
  put_bytes_field(any, 1, "type.googleapis.com/google.rpc.RetryInfo");
  put_bytes_field(any, 2, retry_info);
  return any;
}

// The first id of `span` (or of its links) with a bad length, as a field path
// below the span; empty when all are fine.
std::string bad_id(const opentelemetry::proto::trace::v1::Span& span) {
  auto bad = [](const std::string& id, std::size_t want) {
    return !id.empty() && id.size() != want;
  };
  auto describe = [](std::string field, std::size_t got, std::size_t want) {
    return field + ": " + std::to_string(got) + " bytes, want " + std::to_string(want);
  };
  if (bad(span.trace_id(), 16)) return describe("traceId", span.trace_id().size(), 16);
  if (bad(span.span_id(), 8)) return describe("spanId", span.span_id().size(), 8);
  if (bad(span.parent_span_id(), 8))
    return describe("parentSpanId", span.parent_span_id().size(), 8);
  for (int i = 0; i < span.links_size(); ++i) {
    const auto& link = span.links(i);
    const std::string at = "links[" + std::to_string(i) + "].";
    if (bad(link.trace_id(), 16)) return describe(at + "traceId", link.trace_id().size(), 16);
    if (bad(link.span_id(), 8)) return describe(at + "spanId", link.span_id().size(), 8);
  }
  return {};
}

}  // namespace

// ---------------------------------------------------------------- OtlpIngest

OtlpIngest::OtlpIngest(Metrics& metrics, const std::string& receiver_id, std::string_view transport)
    : accepted_(
          metrics.counter("otelcol_receiver_accepted_spans",
                          "Number of spans successfully pushed into the pipeline.",
                          {{"receiver", receiver_id}, {"transport", std::string(transport)}})),
      refused_(
          metrics.counter("otelcol_receiver_refused_spans",
                          "Number of spans that could not be pushed into the pipeline.",
                          {{"receiver", receiver_id}, {"transport", std::string(transport)}})) {}

ConsumeResult OtlpIngest::deliver(Traces traces) noexcept {
  const std::size_t spans = traces.span_count();
  if (spans == 0) return ConsumeResult::ok();
  ConsumeResult result = next_->consume(std::move(traces));
  (result.is_ok() ? accepted_ : refused_).add(spans);
  return result;
}

std::string encode_rpc_status(RpcCode code, std::string_view message,
                              std::chrono::seconds retry_after) {
  std::string out;
  put_varint_field(out, 1, static_cast<std::uint64_t>(code));
  if (!message.empty()) put_bytes_field(out, 2, message);
  if (retry_after.count() > 0) put_bytes_field(out, 3, retry_info_any(retry_after));
  return out;
}

bool check_ids(const ExportTraceServiceRequest& request, std::string& error) {
  for (int r = 0; r < request.resource_spans_size(); ++r) {
    const auto& resource_spans = request.resource_spans(r);
    for (int s = 0; s < resource_spans.scope_spans_size(); ++s) {
      const auto& scope_spans = resource_spans.scope_spans(s);
      for (int i = 0; i < scope_spans.spans_size(); ++i) {
        std::string bad = bad_id(scope_spans.spans(i));
        if (bad.empty()) continue;
        error = "resourceSpans[" + std::to_string(r) + "].scopeSpans[" + std::to_string(s) +
                "].spans[" + std::to_string(i) + "]." + bad;
        return false;
      }
    }
  }
  return true;
}

// -------------------------------------------------------------- OtlpReceiver

OtlpReceiver::OtlpReceiver(std::string id, OtlpReceiverConfig config, Metrics& metrics,
                           const std::map<std::string, const BearerTokenAuth*>& authenticators)
    : id_(std::move(id)) {
  if (config.http) {
    const BearerTokenAuth* auth =
        find_authenticator(config.http->authenticator, authenticators, id_);
    http_ = std::make_unique<OtlpHttpReceiver>(std::move(*config.http), auth,
                                               OtlpIngest(metrics, id_, "http"));
  }
  if (config.grpc) {
    const BearerTokenAuth* auth =
        find_authenticator(config.grpc->authenticator, authenticators, id_);
    grpc_ = std::make_unique<OtlpGrpcReceiver>(std::move(*config.grpc), auth,
                                               OtlpIngest(metrics, id_, "grpc"));
  }
}

OtlpReceiver::~OtlpReceiver() {
  shutdown(Clock::now());
}

void OtlpReceiver::start() {
  std::unique_lock lock(lifecycle_mu_);
  if (workers_ || stopped_) throw std::runtime_error("receiver " + id_ + ": started twice");
  if (next_ == nullptr) throw std::runtime_error("receiver " + id_ + ": no next consumer");
  workers_ = std::make_unique<boost::asio::thread_pool>(worker_count());
  try {
    if (http_) http_->start(*next_, *workers_);
    if (grpc_) grpc_->start(*next_, *workers_);
  } catch (const std::exception& e) {
    lock.unlock();
    shutdown(Clock::now());
    throw std::runtime_error("receiver " + id_ + ": " + e.what());
  }
}

void OtlpReceiver::shutdown(Deadline deadline) noexcept {
  std::lock_guard lock(lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (!workers_) return;
  // gRPC's Shutdown blocks until its calls end; running it beside the HTTP
  // drain stops both from accepting at once, so neither takes new work
  // while the other drains.
  std::thread grpc_stop;
  if (grpc_ && http_) {
    try {
      grpc_stop = std::thread([this, deadline] { grpc_->shutdown(deadline); });
    } catch (const std::system_error&) {
      grpc_->shutdown(deadline);  // no thread to spare: one after the other
    }
  } else if (grpc_) {
    grpc_->shutdown(deadline);
  }
  if (http_) http_->shutdown(deadline);
  if (grpc_stop.joinable()) grpc_stop.join();
  // Requests cut off at the deadline may still have a consume running; it
  // is bounded, and it must end before the servers it reports to are freed.
  workers_->join();
}

std::uint16_t OtlpReceiver::http_port() const noexcept {
  return http_ ? http_->port() : 0;
}

std::uint16_t OtlpReceiver::grpc_port() const noexcept {
  return grpc_ ? grpc_->port() : 0;
}

}  // namespace spanline::collector
