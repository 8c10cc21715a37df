// The running collector: builds every component a validated Config names,
// wires the pipelines, starts and stops them in dependency order.
//
//   receiver ─┬─▶ pipeline A: processor → processor ─┬─▶ exporter
//             └─▶ pipeline B: processor ───────────── ┴─▶ exporter
//
// As in the Collector, receivers and exporters are one instance per id
// shared by the pipelines that name them; processors are one instance per
// pipeline. A receiver feeding several pipelines gives each its own copy.
//
// Start: extensions, exporters, processors, receivers (so nothing is
// received before it can be handled); health turns ready last. Shutdown
// runs the other way: health not ready, receivers stop and finish in-flight
// requests, processors flush, exporters drain their queues by the deadline.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/component.h"
#include "pipeline/metrics.h"

namespace spanline::collector {

class BearerTokenAuth;
class HealthCheck;
class HttpEndpoint;
class OtlpReceiver;

struct ServiceOptions {
  std::FILE* debug_out = stderr;  // where debug exporters write
};

class Service {
 public:
  // Builds every component. Throws std::invalid_argument naming the
  // component when one cannot be built from its (validated) config.
  explicit Service(const Config& config, ServiceOptions options = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Throws std::runtime_error naming the component that failed to start;
  // what had started is shut down first.
  void start();
  // Safe twice and without start().
  void shutdown(Deadline deadline) noexcept;

  Metrics& metrics() noexcept { return metrics_; }
  // For tests and logs: ports actually bound (endpoints may ask for port 0).
  const OtlpReceiver* receiver(const std::string& id) const;
  std::uint16_t metrics_port() const noexcept;
  std::uint16_t health_port(const std::string& id) const;

 private:
  class FanOut;
  void build_extensions(const Config& config);
  void build_exporters(const Config& config, const ServiceOptions& options);
  void build_pipelines(const Config& config);
  std::unique_ptr<Processor> make_processor(const Component& c);

  Metrics metrics_;
  std::map<std::string, std::unique_ptr<BearerTokenAuth>> auths_;
  std::map<std::string, std::unique_ptr<HealthCheck>> health_;
  std::unique_ptr<HttpEndpoint> metrics_endpoint_;
  std::map<std::string, std::unique_ptr<Exporter>> exporters_;
  std::vector<std::unique_ptr<FanOut>> fanouts_;
  // Per pipeline, in pipeline order.
  std::vector<std::vector<std::unique_ptr<Processor>>> processors_;
  std::map<std::string, std::unique_ptr<OtlpReceiver>> receivers_;
  bool stopped_ = false;
};

}  // namespace spanline::collector
