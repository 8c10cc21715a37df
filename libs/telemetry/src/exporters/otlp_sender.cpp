// OtlpSender: gzip and the retry loop around one Transport.
//
// Spec: OpenTelemetry "OTLP Exporter" (retry) and the OTLP protocol spec
// ("Failures", "Throttling").
#include "spanline/telemetry/exporters/otlp_sender.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "exporters/otlp_transport.h"
#include "spanline/telemetry/api/ids.h"
#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {
namespace {

// OTLP/HTTP "Request": Content-Encoding: gzip.
bool gzip_compress(std::string_view in, std::string& out) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper rather than zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

OtlpSendOutcome::Status to_status(otlp::SendStatus s) noexcept {
  switch (s) {
    case otlp::SendStatus::kOk:
      return OtlpSendOutcome::Status::kOk;
    case otlp::SendStatus::kRetryable:
      return OtlpSendOutcome::Status::kRetryable;
    case otlp::SendStatus::kAborted:
      return OtlpSendOutcome::Status::kAborted;
    default:
      return OtlpSendOutcome::Status::kPermanent;
  }
}

class Sender final : public OtlpSender {
 public:
  explicit Sender(OtlpExporterOptions options)
      : options_(std::move(options)),
        transport_(options_.protocol == OtlpProtocol::kGrpc ? otlp::make_grpc_transport(options_)
                                                            : otlp::make_http_transport(options_)) {
  }
  ~Sender() override { shutdown(); }

  OtlpSendOutcome send(std::string_view body, Clock::time_point deadline) noexcept override;
  bool start(std::string_view body, Clock::time_point deadline) noexcept override;
  OtlpSendOutcome finish(Clock::time_point deadline) noexcept override;
  void shutdown() noexcept override;
  const OtlpExporterOptions& options() const noexcept override { return options_; }

 private:
  // The body to put on the wire (compressed when gzip is on); nullopt with
  // `out` set when compression failed.
  std::optional<std::string_view> wire_body(std::string_view body, OtlpSendOutcome& out);
  // The attempt deadline: min(timeout, time left).
  Clock::time_point attempt_deadline(Clock::time_point now, Clock::time_point deadline) const {
    return deadline - now > options_.timeout ? now + options_.timeout : deadline;
  }
  // Attempts until one is final, the retry policy gives up or `deadline`
  // comes; `first` is the first attempt's result when it was made elsewhere.
  OtlpSendOutcome attempts(std::string_view body, Clock::time_point deadline,
                           std::optional<otlp::SendResult> first) noexcept;
  std::chrono::nanoseconds backoff(int retry) const noexcept;
  // Sleeps until `until`; false when shutdown() cut the sleep short.
  bool sleep_until(Clock::time_point until);

  const OtlpExporterOptions options_;
  const std::unique_ptr<otlp::Transport> transport_;
  std::string compressed_;  // reused: one send at a time

  // Between start() and finish().
  struct Started {
    std::string_view body;  // as written: compressed when gzip is on
    Clock::time_point deadline;
    Clock::time_point attempt_deadline;
    bool awaiting = false;                   // the request is written, its answer unread
    std::optional<otlp::SendResult> result;  // set when the attempt ended in write()
    std::optional<OtlpSendOutcome> outcome;  // set when there was no attempt
  };
  std::optional<Started> started_;

  std::mutex mu_;
  std::condition_variable wake_;  // ends backoff sleeps on shutdown
  bool shutdown_ = false;         // guarded by mu_
};

std::optional<std::string_view> Sender::wire_body(std::string_view body, OtlpSendOutcome& out) {
  // gRPC compresses in its own framing (ClientContext), HTTP here.
  if (!options_.gzip || options_.protocol == OtlpProtocol::kGrpc) return body;
  if (!gzip_compress(body, compressed_)) {
    out.status = OtlpSendOutcome::Status::kPermanent;
    out.error = "gzip compression failed";
    return std::nullopt;
  }
  return compressed_;
}

OtlpSendOutcome Sender::send(std::string_view body, Clock::time_point deadline) noexcept {
  OtlpSendOutcome out;
  try {
    const auto wire = wire_body(body, out);
    if (!wire) return out;
    return attempts(*wire, deadline, std::nullopt);
  } catch (const std::exception& e) {  // allocation failures only
    out.status = OtlpSendOutcome::Status::kRetryable;
    out.error = e.what();
    return out;
  }
}

bool Sender::start(std::string_view body, Clock::time_point deadline) noexcept {
  started_.emplace();
  Started& s = *started_;
  s.deadline = deadline;
  OtlpSendOutcome out;
  try {
    const auto wire = wire_body(body, out);
    if (!wire) {
      s.outcome = std::move(out);
      return false;
    }
    s.body = *wire;
    const auto now = Clock::now();
    if (now >= deadline) return false;  // attempts() reports it
    s.attempt_deadline = attempt_deadline(now, deadline);
    otlp::SendResult r = transport_->write(s.body, s.attempt_deadline);
    if (r.status == otlp::SendStatus::kOk) {
      s.awaiting = true;
      return true;
    }
    s.result = std::move(r);
  } catch (const std::exception& e) {  // allocation failures only
    out.status = OtlpSendOutcome::Status::kRetryable;
    out.error = e.what();
    s.outcome = std::move(out);
  }
  return false;
}

OtlpSendOutcome Sender::finish(Clock::time_point deadline) noexcept {
  if (!started_) {
    OtlpSendOutcome out;
    out.error = "finish() without start()";
    return out;
  }
  Started s = std::move(*started_);
  started_.reset();
  if (s.outcome) return std::move(*s.outcome);
  s.deadline = std::min(s.deadline, deadline);
  if (s.awaiting) s.result = transport_->answer(std::min(s.attempt_deadline, s.deadline));
  // Without a first attempt (the deadline had passed) this reports that.
  return attempts(s.body, s.deadline, std::move(s.result));
}

// Nothing outlives `deadline`: an attempt gets min(timeout, time left), and
// a delay that would end past the deadline ends the send instead.
OtlpSendOutcome Sender::attempts(std::string_view body, Clock::time_point deadline,
                                 std::optional<otlp::SendResult> first) noexcept {
  OtlpSendOutcome out;
  out.status = OtlpSendOutcome::Status::kRetryable;
  out.error = "deadline passed before the first attempt";
  try {
    for (int attempt = 1;; ++attempt) {
      otlp::SendResult r;
      if (attempt == 1 && first) {
        r = std::move(*first);
      } else {
        const auto now = Clock::now();
        if (now >= deadline) return out;
        r = transport_->send(body, attempt_deadline(now, deadline));
      }
      out = {to_status(r.status), std::move(r.partial), std::move(r.error), attempt};
      if (r.status != otlp::SendStatus::kRetryable) return out;
      if (!options_.retry.enabled || attempt >= options_.retry.max_attempts) return out;
      const auto delay = r.retry_after ? *r.retry_after : backoff(attempt);
      if (delay >= deadline - Clock::now()) {
        out.error += " (no time left for a retry before the deadline)";
        return out;
      }
      if (!sleep_until(Clock::now() + delay)) {
        out.status = OtlpSendOutcome::Status::kAborted;
        return out;
      }
      SdkCounters::instance().export_retries.add();
    }
  } catch (const std::exception& e) {  // allocation failures only
    out.status = OtlpSendOutcome::Status::kRetryable;
    out.error = e.what();
    return out;
  }
}

// initial · multiplier^(retry−1), capped at max_backoff, then spread
// uniformly over ±randomization so that clients failing together do not
// retry together.
std::chrono::nanoseconds Sender::backoff(int retry) const noexcept {
  const auto& r = options_.retry;
  const double initial = std::chrono::duration<double, std::nano>(r.initial_backoff).count();
  const double cap = std::chrono::duration<double, std::nano>(r.max_backoff).count();
  const double base = std::min(cap, initial * std::pow(r.multiplier, retry - 1));
  const double unit = static_cast<double>(random_u64() >> 11) * 0x1.0p-53;  // [0, 1)
  const double spread = 1.0 - r.randomization + 2.0 * r.randomization * unit;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(base * spread));
}

bool Sender::sleep_until(Clock::time_point until) {
  std::unique_lock lock(mu_);
  return !wake_.wait_until(lock, until, [this] { return shutdown_; });
}

void Sender::shutdown() noexcept {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  wake_.notify_all();
  transport_->shutdown();
}

}  // namespace

std::unique_ptr<OtlpSender> OtlpSender::make(OtlpExporterOptions options) {
  if (auto problem = options.validate(); !problem.empty()) throw std::invalid_argument(problem);
  return std::make_unique<Sender>(std::move(options));
}

}  // namespace spanline::telemetry
