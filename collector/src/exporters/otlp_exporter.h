// otlp / otlp_grpc and otlphttp / otlp_http: encode each batch once, then
// send it with the SDK's OtlpSender (gzip, retries with backoff honouring
// Retry-After) from a bounded sending queue drained by num_consumers
// threads — or, with the queue disabled, in the caller's thread.
//
// Failures: a permanent error, retries exhausted (max_elapsed_time) or a
// full queue drop the batch and count its spans in
// otelcol_exporter_send_failed_spans; a full queue also answers the
// receiver with a retryable error.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "pipeline/component.h"
#include "pipeline/metrics.h"
#include "spanline/telemetry/exporters/otlp_sender.h"

namespace spanline::collector {

class BearerTokenAuth;

// The SDK sender options for a config (auth header added when given).
telemetry::OtlpExporterOptions sender_options(const OtlpExporterConfig& config,
                                              const BearerTokenAuth* auth);

class OtlpTracesExporter final : public Exporter {
 public:
  OtlpTracesExporter(std::string id, OtlpExporterConfig config, const BearerTokenAuth* auth,
                     Metrics& metrics);
  ~OtlpTracesExporter() override;
  void start() override;
  // Stops taking batches, lets the consumers send what is queued until
  // `deadline`, then aborts in-flight sends; what is left counts as failed.
  void shutdown(Deadline deadline) noexcept override;
  ConsumeResult consume(Traces traces) noexcept override;

 private:
  struct Item {
    std::string body;
    std::size_t spans;
  };
  bool encode(const Traces& traces, std::string& body) const noexcept;
  ConsumeResult send(telemetry::OtlpSender& sender, const Item& item) noexcept;
  void run_consumer(telemetry::OtlpSender& sender);

  const std::string id_;
  const OtlpExporterConfig config_;
  const telemetry::OtlpExporterOptions options_;
  Counter& sent_;
  Counter& failed_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool started_ = false;
  bool stopping_ = false;
  std::vector<std::unique_ptr<telemetry::OtlpSender>> senders_;
  std::vector<std::thread> consumers_;
  std::mutex direct_mu_;  // queue disabled: one send at a time on senders_[0]
};

}  // namespace spanline::collector
