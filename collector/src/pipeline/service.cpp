#include "pipeline/service.h"

#include <stdexcept>

#include "exporters/debug_exporter.h"
#include "exporters/otlp_exporter.h"
#include "extensions/bearer_token_auth.h"
#include "extensions/health_check.h"
#include "extensions/http_endpoint.h"
#include "processors/attributes_processor.h"
#include "processors/batch_processor.h"
#include "processors/memory_limiter.h"
#include "processors/probabilistic_sampler.h"
#include "receivers/otlp_receiver.h"
#include "spanline/net/log.h"

namespace spanline::collector {

// Hands each batch to several consumers: copies for all but the last. The
// answer is the worst of theirs (a refusal anywhere makes the client retry,
// as the Collector's fan-out does).
class Service::FanOut final : public TracesConsumer {
 public:
  explicit FanOut(std::vector<TracesConsumer*> next) : next_(std::move(next)) {}
  ConsumeResult consume(Traces traces) noexcept override {
    ConsumeResult worst;
    for (std::size_t i = 0; i < next_.size(); ++i) {
      ConsumeResult r;
      try {
        r = next_[i]->consume(i + 1 < next_.size() ? traces.clone() : std::move(traces));
      } catch (...) {
        r = ConsumeResult::retryable("out of memory copying a batch");
      }
      if (static_cast<int>(r.status) > static_cast<int>(worst.status)) worst = std::move(r);
    }
    return worst;
  }

 private:
  std::vector<TracesConsumer*> next_;
};

Service::Service(const Config& config, ServiceOptions options) {
  build_extensions(config);
  build_exporters(config, options);
  build_pipelines(config);
  if (!config.telemetry.metrics_address.empty() && config.telemetry.metrics_level != "none") {
    net::Router router;
    router.get("/metrics", [this](net::Request&) {
      net::Response r;
      r.body = metrics_.render();
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return r;
    });
    metrics_endpoint_ = std::make_unique<HttpEndpoint>(
        "service::telemetry::metrics", config.telemetry.metrics_address, std::move(router));
  }
}

Service::~Service() {
  shutdown(Clock::now() + std::chrono::seconds(5));
}

void Service::build_extensions(const Config& config) {
  for (const std::string& id : config.service_extensions) {
    const Component* c = config.find(id);
    if (c == nullptr) continue;  // validated: cannot happen
    if (const auto* auth = std::get_if<BearerTokenAuthConfig>(&c->settings)) {
      auths_[id] = std::make_unique<BearerTokenAuth>(*auth);
    } else if (const auto* health = std::get_if<HealthCheckConfig>(&c->settings)) {
      health_[id] = std::make_unique<HealthCheck>(id, *health);
    }
  }
}

void Service::build_exporters(const Config& config, const ServiceOptions& options) {
  for (const Component& c : config.exporters) {
    bool used = false;
    for (const Pipeline& p : config.pipelines)
      for (const std::string& id : p.exporters) used = used || id == c.id;
    if (!used) continue;  // defined but in no pipeline: not built (as the Collector)
    if (const auto* otlp = std::get_if<OtlpExporterConfig>(&c.settings)) {
      const BearerTokenAuth* auth = nullptr;
      if (otlp->authenticator) auth = auths_.at(*otlp->authenticator).get();
      exporters_[c.id] = std::make_unique<OtlpTracesExporter>(c.id, *otlp, auth, metrics_);
    } else if (const auto* debug = std::get_if<DebugExporterConfig>(&c.settings)) {
      exporters_[c.id] = std::make_unique<DebugExporter>(c.id, *debug, metrics_, options.debug_out);
    }
  }
}

std::unique_ptr<Processor> Service::make_processor(const Component& c) {
  if (const auto* batch = std::get_if<BatchProcessorConfig>(&c.settings))
    return std::make_unique<BatchProcessor>(c.id, *batch, metrics_);
  if (const auto* limiter = std::get_if<MemoryLimiterConfig>(&c.settings))
    return std::make_unique<MemoryLimiter>(c.id, *limiter, metrics_);
  if (const auto* sampler = std::get_if<ProbabilisticSamplerConfig>(&c.settings))
    return std::make_unique<ProbabilisticSampler>(c.id, *sampler, metrics_);
  if (const auto* attrs = std::get_if<AttributesProcessorConfig>(&c.settings)) {
    const bool resource = c.type == "resource";
    return std::make_unique<AttributesProcessor>(
        *attrs,
        resource ? AttributesProcessor::Target::kResource : AttributesProcessor::Target::kSpans);
  }
  throw std::invalid_argument("processor " + c.id + ": not a processor");
}

void Service::build_pipelines(const Config& config) {
  std::map<std::string, std::vector<TracesConsumer*>> receiver_targets;
  for (const Pipeline& p : config.pipelines) {
    std::vector<TracesConsumer*> exporters;
    for (const std::string& id : p.exporters) exporters.push_back(exporters_.at(id).get());
    TracesConsumer* tail = fanouts_.emplace_back(std::make_unique<FanOut>(exporters)).get();
    auto& chain = processors_.emplace_back();
    for (const std::string& id : p.processors) {
      const Component* c = config.find(id);
      if (c == nullptr) throw std::invalid_argument("pipeline " + p.id + ": no processor " + id);
      chain.push_back(make_processor(*c));
    }
    for (std::size_t i = chain.size(); i-- > 0;) {
      chain[i]->set_next(tail);
      tail = chain[i].get();
    }
    for (const std::string& id : p.receivers) receiver_targets[id].push_back(tail);
  }
  std::map<std::string, const BearerTokenAuth*> auths;
  for (const auto& [id, auth] : auths_) auths[id] = auth.get();
  for (auto& [id, targets] : receiver_targets) {
    const Component* c = config.find(id);
    const auto* otlp = c ? std::get_if<OtlpReceiverConfig>(&c->settings) : nullptr;
    if (otlp == nullptr) throw std::invalid_argument("receiver " + id + ": not an otlp receiver");
    auto receiver = std::make_unique<OtlpReceiver>(id, *otlp, metrics_, auths);
    receiver->set_next(fanouts_.emplace_back(std::make_unique<FanOut>(targets)).get());
    receivers_[id] = std::move(receiver);
  }
}

void Service::start() {
  try {
    for (auto& [id, h] : health_) h->start();
    if (metrics_endpoint_) metrics_endpoint_->start();
    for (auto& [id, e] : exporters_) e->start();
    for (auto& chain : processors_)
      for (auto& p : chain) p->start();
    for (auto& [id, r] : receivers_) r->start();
  } catch (...) {
    shutdown(Clock::now() + std::chrono::seconds(5));
    throw;
  }
  for (auto& [id, h] : health_) h->set_ready(true);
}

void Service::shutdown(Deadline deadline) noexcept {
  if (stopped_) return;
  stopped_ = true;
  for (auto& [id, h] : health_) h->set_ready(false);
  for (auto& [id, r] : receivers_) r->shutdown(deadline);
  for (auto& chain : processors_)
    for (auto& p : chain) p->shutdown(deadline);
  for (auto& [id, e] : exporters_) e->shutdown(deadline);
  if (metrics_endpoint_) metrics_endpoint_->shutdown();
  for (auto& [id, h] : health_) h->shutdown();
}

const OtlpReceiver* Service::receiver(const std::string& id) const {
  auto it = receivers_.find(id);
  return it == receivers_.end() ? nullptr : it->second.get();
}

std::uint16_t Service::metrics_port() const noexcept {
  return metrics_endpoint_ ? metrics_endpoint_->port() : 0;
}

std::uint16_t Service::health_port(const std::string& id) const {
  auto it = health_.find(id);
  return it == health_.end() ? 0 : it->second->port();
}

}  // namespace spanline::collector
