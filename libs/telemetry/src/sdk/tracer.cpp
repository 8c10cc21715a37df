#include "spanline/telemetry/sdk/tracer.h"

#include <time.h>

#include "sdk/env.h"
#include "sdk/provider_state.h"
#include "sdk/span_data_pool.h"

namespace spanline::telemetry {

std::uint64_t system_now_unix_nano() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

SpanLimits SpanLimits::from_env(std::vector<std::string>* warnings) {
  SpanLimits l;
  auto read = [warnings](std::size_t& field, const char* specific, const char* general) {
    if (auto v = env::get_uint(specific, warnings)) {
      field = *v;
    } else if (general != nullptr) {
      if (auto g = env::get_uint(general, warnings)) field = *g;
    }
  };
  read(l.attribute_count, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT");
  read(l.attribute_value_length, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
       "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT");
  read(l.event_count, "OTEL_SPAN_EVENT_COUNT_LIMIT", nullptr);
  read(l.link_count, "OTEL_SPAN_LINK_COUNT_LIMIT", nullptr);
  read(l.event_attribute_count, "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", nullptr);
  read(l.link_attribute_count, "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", nullptr);
  return l;
}

// ---------------------------------------------------------------------------
// Tracer
// ---------------------------------------------------------------------------

Span Tracer::start_span(std::string_view name, StartSpanOptions options) {
  static const Context kEmpty;
  const Context& parent =
      options.root ? kEmpty : (options.parent ? *options.parent : Context::current());
  return start(name, options.kind, parent, &options);
}

Span Tracer::start(std::string_view name, SpanKind kind, const Context& parent,
                   StartSpanOptions* options) {
  detail::ProviderState& p = *provider_;
  const SpanContext& parent_span = parent.span_context();

  // Disabled or shut down: a no-op span that still carries the parent's
  // context, so propagation keeps working through an SDK-less process.
  if (p.disabled || p.shut_down.load(std::memory_order_relaxed)) return Span(parent_span);

  const bool has_parent = parent_span.is_valid();
  const TraceId trace_id = has_parent ? parent_span.trace_id() : p.new_trace_id();
  const std::span<const Attribute> start_attributes =
      options ? std::span<const Attribute>(options->attributes) : std::span<const Attribute>();
  const std::span<const SpanLink> start_links =
      options ? std::span<const SpanLink>(options->links) : std::span<const SpanLink>();
  SamplingResult sampling;
  if (p.sample_by_parent_flag) {
    sampling.decision = !has_parent || parent_span.is_sampled() ? SamplingDecision::kRecordAndSample
                                                                : SamplingDecision::kDrop;
  } else {
    sampling = p.sampler->should_sample(
        SamplingParams{parent, trace_id, name, kind, start_attributes, start_links});
  }

  std::shared_ptr<const TraceState> trace_state =
      sampling.trace_state ? std::move(sampling.trace_state)
                           : (has_parent ? parent_span.trace_state_ptr() : nullptr);
  const bool sampled = sampling.decision == SamplingDecision::kRecordAndSample;
  SpanContext context(trace_id, p.new_span_id(), TraceFlags(sampled ? TraceFlags::kSampled : 0),
                      false, std::move(trace_state));
  if (sampling.decision == SamplingDecision::kDrop) return Span(context);

  auto data = detail::SpanDataPool::instance().acquire();
  data->trace_id = trace_id;
  data->span_id = context.span_id();
  if (has_parent) {
    data->parent_span_id = parent_span.span_id();
    data->parent_is_remote = parent_span.is_remote();
  }
  if (context.trace_state_ptr()) data->trace_state = context.trace_state().to_header();
  data->trace_flags = context.trace_flags().bits();
  data->name.assign(name);
  data->kind = kind;
  data->start_unix_nano =
      options != nullptr && options->start_unix_nano ? options->start_unix_nano : p.now();
  data->resource = p.resource_view;
  data->scope = scope_view_;

  const auto& l = p.limits;
  if (!start_attributes.empty() || !sampling.attributes.empty()) {
    data->attributes.reserve(start_attributes.size() + sampling.attributes.size());
    auto add = [&](std::string_view key, AttributeValue value) {
      if (!detail::set_limited(data->attributes, key, std::move(value), l.attribute_count,
                               l.attribute_value_length, &data->spare_attributes))
        ++data->dropped_attributes_count;
    };
    if (options != nullptr)
      for (auto& a : options->attributes) add(a.key, std::move(a.value));
    for (auto& a : sampling.attributes) add(a.key, std::move(a.value));
  }
  Span span(context, std::move(data), provider_);
  if (options != nullptr) {
    for (auto& link : options->links) {
      SpanContext lc(link.trace_id, link.span_id, TraceFlags(link.trace_flags), link.is_remote,
                     link.trace_state.empty()
                         ? nullptr
                         : std::make_shared<const TraceState>(
                               TraceState::parse(link.trace_state).value_or(TraceState{})));
      span.add_link(lc, std::move(link.attributes));
    }
  }
  p.counters.spans_started.add();
  for (auto& processor : p.processors) processor->on_start(*span.data_);
  return span;
}

// ---------------------------------------------------------------------------
// TracerProvider
// ---------------------------------------------------------------------------

TracerProvider::TracerProvider(TracerProviderOptions options)
    : state_(std::make_unique<detail::ProviderState>()) {
  auto& s = *state_;
  s.disabled = options.disabled;
  s.resource = options.resource ? std::move(options.resource)
                                : std::make_shared<const Resource>(resource_from_env());
  s.resource_view =
      std::shared_ptr<const Resource>(std::shared_ptr<const Resource>(), s.resource.get());
  s.sampler = options.sampler ? std::move(options.sampler)
                              : make_parent_based_sampler(make_always_on_sampler());
  s.sample_by_parent_flag = detail::samples_by_parent_flag(*s.sampler);
  s.processors = std::move(options.processors);
  s.pack_attributes = s.processors.size() == 1 && s.processors[0]->reads_packed_attributes();
  s.id_generator = options.id_generator;
  s.clock = options.clock;
  s.limits = options.limits;
}

TracerProvider::~TracerProvider() {
  shutdown(Clock::now() + std::chrono::seconds(5));
}

Tracer& TracerProvider::get_tracer(std::string_view name, std::string_view version,
                                   std::string_view schema_url) {
  std::lock_guard lock(state_->tracers_mu);
  auto key = std::make_tuple(std::string(name), std::string(version), std::string(schema_url));
  auto it = state_->tracers.find(key);
  if (it == state_->tracers.end()) {
    auto scope = std::make_shared<InstrumentationScope>();
    scope->name = std::get<0>(key);
    scope->version = std::get<1>(key);
    scope->schema_url = std::get<2>(key);
    std::unique_ptr<Tracer> tracer(new Tracer(state_.get(), std::move(scope)));
    it = state_->tracers.emplace(std::move(key), std::move(tracer)).first;
  }
  return *it->second;
}

bool TracerProvider::force_flush(Deadline deadline) noexcept {
  bool ok = true;
  for (auto& p : state_->processors) ok = p->force_flush(deadline) && ok;
  return ok;
}

bool TracerProvider::shutdown(Deadline deadline) noexcept {
  if (state_->shut_down.exchange(true)) return true;
  bool ok = true;
  for (auto& p : state_->processors) ok = p->shutdown(deadline) && ok;
  return ok;
}

const Resource& TracerProvider::resource() const noexcept {
  return *state_->resource;
}
bool TracerProvider::disabled() const noexcept {
  return state_->disabled;
}

// ---------------------------------------------------------------------------
// Global provider
// ---------------------------------------------------------------------------

namespace {

std::atomic<TracerProvider*> g_provider{nullptr};
std::mutex g_provider_mu;

TracerProvider& default_provider() {
  static TracerProvider* p = [] {
    TracerProviderOptions o;
    o.disabled = true;
    o.resource = std::make_shared<const Resource>();
    return new TracerProvider(std::move(o));  // never destroyed: spans may point at it
  }();
  return *p;
}

}  // namespace

TracerProvider& global_tracer_provider() noexcept {
  if (auto* p = g_provider.load(std::memory_order_acquire)) return *p;
  return default_provider();
}

void set_global_tracer_provider(std::unique_ptr<TracerProvider> provider) {
  std::lock_guard lock(g_provider_mu);
  // Replaced providers are kept until exit: spans started from them hold a
  // plain pointer to their state.
  static std::vector<std::unique_ptr<TracerProvider>> keep;
  g_provider.store(provider.get(), std::memory_order_release);
  keep.push_back(std::move(provider));
}

}  // namespace spanline::telemetry
