#include "exporters/otlp_exporter.h"

#include <climits>

#include "extensions/bearer_token_auth.h"
#include "spanline/net/log.h"

namespace spanline::collector {
namespace {

// otlphttp: a base endpoint gets the signal path appended (the Collector's
// rule), traces_endpoint is used as is.
std::string http_traces_url(const OtlpExporterConfig& c) {
  if (c.traces_endpoint) return *c.traces_endpoint;
  std::string base = c.endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/traces";
}

}  // namespace

telemetry::OtlpExporterOptions sender_options(const OtlpExporterConfig& c,
                                              const BearerTokenAuth* auth) {
  telemetry::OtlpExporterOptions o;
  if (c.grpc) {
    o.protocol = telemetry::OtlpProtocol::kGrpc;
    o.endpoint = c.endpoint;
  } else {
    o.protocol = c.encoding == OtlpEncoding::kJson ? telemetry::OtlpProtocol::kHttpJson
                                                   : telemetry::OtlpProtocol::kHttpProtobuf;
    o.endpoint = http_traces_url(c);
  }
  o.headers = c.headers;
  if (auth != nullptr) o.headers.push_back(auth->client_header());
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout);
  o.gzip = c.compression == Compression::kGzip;
  o.insecure = c.tls_insecure;
  const RetryConfig& r = c.retry_on_failure;
  o.retry.enabled = r.enabled;
  o.retry.initial_backoff =
      std::chrono::duration_cast<std::chrono::milliseconds>(r.initial_interval);
  o.retry.max_backoff = std::chrono::duration_cast<std::chrono::milliseconds>(r.max_interval);
  o.retry.multiplier = r.multiplier;
  o.retry.randomization = r.randomization_factor;
  o.retry.max_attempts = INT_MAX;  // bounded by max_elapsed_time instead
  return o;
}

OtlpTracesExporter::OtlpTracesExporter(std::string id, OtlpExporterConfig config,
                                       const BearerTokenAuth* auth, Metrics& metrics)
    : id_(std::move(id)),
      config_(std::move(config)),
      options_(sender_options(config_, auth)),
      sent_(metrics.counter("otelcol_exporter_sent_spans",
                            "Spans the exporter sent and the destination accepted",
                            {{"exporter", id_}})),
      failed_(metrics.counter("otelcol_exporter_send_failed_spans",
                              "Spans the exporter failed to send (dropped)", {{"exporter", id_}})) {
  if (auto problem = options_.validate(); !problem.empty())
    throw std::invalid_argument("exporter " + id_ + ": " + problem);
  const Labels labels{{"exporter", id_}};
  metrics.gauge("otelcol_exporter_queue_size", "Batches in the sending queue", labels, [this] {
    std::lock_guard lock(mu_);
    return static_cast<double>(queue_.size());
  });
  metrics.gauge(
      "otelcol_exporter_queue_capacity", "Capacity of the sending queue (batches)", labels, [this] {
        return config_.sending_queue.enabled ? static_cast<double>(config_.sending_queue.queue_size)
                                             : 0.0;
      });
}

OtlpTracesExporter::~OtlpTracesExporter() {
  shutdown(Clock::now());
}

void OtlpTracesExporter::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  const bool queued = config_.sending_queue.enabled;
  const std::uint32_t n = queued ? config_.sending_queue.num_consumers : 1;
  for (std::uint32_t i = 0; i < n; ++i) senders_.push_back(telemetry::OtlpSender::make(options_));
  if (!queued) return;
  for (auto& sender : senders_)
    consumers_.emplace_back([this, s = sender.get()] { run_consumer(*s); });
}

bool OtlpTracesExporter::encode(const Traces& traces, std::string& body) const noexcept {
  try {
    if (options_.protocol == telemetry::OtlpProtocol::kHttpJson) {
      encode_otlp_json(traces.merged(), body);
      return true;
    }
    // Parts still in wire form are appended as they arrived.
    return traces.append_proto(body);
  } catch (...) {
    return false;
  }
}

ConsumeResult OtlpTracesExporter::consume(Traces traces) noexcept {
  if (traces.empty()) return ConsumeResult::ok();
  Item item{{}, traces.span_count()};
  if (!encode(traces, item.body)) {
    failed_.add(item.spans);
    return ConsumeResult::permanent("exporter " + id_ + ": cannot encode the batch");
  }
  if (!config_.sending_queue.enabled) {
    std::lock_guard direct(direct_mu_);
    {
      std::lock_guard lock(mu_);
      if (!started_ || stopping_) {
        failed_.add(item.spans);
        return ConsumeResult::retryable("exporter " + id_ + " is stopped");
      }
    }
    return send(*senders_[0], item);
  }
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_ || queue_.size() >= config_.sending_queue.queue_size) {
      failed_.add(item.spans);
      return ConsumeResult::retryable(stopping_ ? "exporter " + id_ + " is stopped"
                                                : "exporter " + id_ + ": sending queue is full");
    }
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
  return ConsumeResult::ok();
}

ConsumeResult OtlpTracesExporter::send(telemetry::OtlpSender& sender, const Item& item) noexcept {
  const auto& r = config_.retry_on_failure;
  const Deadline deadline = r.enabled && r.max_elapsed_time.count() > 0
                                ? Clock::now() + r.max_elapsed_time
                                : (r.enabled ? Deadline::max() : Clock::now() + config_.timeout);
  const telemetry::OtlpSendOutcome out = sender.send(item.body, deadline);
  using Status = telemetry::OtlpSendOutcome::Status;
  if (out.status == Status::kOk) {
    const auto rejected = static_cast<std::size_t>(
        std::clamp<std::int64_t>(out.partial.rejected_spans, 0, std::int64_t(item.spans)));
    sent_.add(item.spans - rejected);
    failed_.add(rejected);
    return ConsumeResult::ok();
  }
  failed_.add(item.spans);
  net::log_warn("exporting failed, spans dropped", {{"exporter", id_},
                                                    {"spans", item.spans},
                                                    {"error.message", out.error},
                                                    {"attempts", out.attempts}});
  return out.status == Status::kPermanent ? ConsumeResult::permanent(out.error)
                                          : ConsumeResult::retryable(out.error);
}

void OtlpTracesExporter::run_consumer(telemetry::OtlpSender& sender) {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    send(sender, item);
    lock.lock();
  }
}

void OtlpTracesExporter::shutdown(Deadline deadline) noexcept {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && consumers_.empty() && senders_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  // Consumers drain the queue; at the deadline in-flight sends are aborted
  // and whatever is still queued is dropped.
  std::thread aborter;
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  if (!consumers_.empty()) {
    aborter = std::thread([&] {
      std::unique_lock lock(done_mu);
      if (!done_cv.wait_until(lock, deadline, [&] { return done; })) {
        {
          std::lock_guard qlock(mu_);
          for (const Item& item : queue_) failed_.add(item.spans);
          queue_.clear();
        }
        for (auto& s : senders_) s->shutdown();
      }
    });
  }
  for (auto& t : consumers_) t.join();
  {
    std::lock_guard lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
  if (aborter.joinable()) aborter.join();
  for (auto& s : senders_) s->shutdown();
  std::lock_guard direct(direct_mu_);  // a direct send still returning
  consumers_.clear();
  senders_.clear();
}

}  // namespace spanline::collector
