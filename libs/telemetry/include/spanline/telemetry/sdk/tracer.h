// TracerProvider and Tracer: where spans come from.
//
// Lifetime contract: a TracerProvider outlives its Tracers and every Span
// they started (spans hold a plain pointer to it; that is what keeps span
// start under 100 ns). The global provider is never destroyed before exit.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/telemetry/api/context.h"
#include "spanline/telemetry/sdk/sampler.h"
#include "spanline/telemetry/sdk/span.h"
#include "spanline/telemetry/sdk/span_processor.h"

namespace spanline::telemetry {

// Span limits (trace SDK spec, "Span Limits"); defaults are the spec's.
struct SpanLimits {
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();
  std::size_t attribute_count = 128;
  std::size_t attribute_value_length = kUnlimited;
  std::size_t event_count = 128;
  std::size_t link_count = 128;
  std::size_t event_attribute_count = 128;
  std::size_t link_attribute_count = 128;

  // OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT (else OTEL_ATTRIBUTE_COUNT_LIMIT),
  // OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (else OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT),
  // OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT,
  // OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, OTEL_LINK_ATTRIBUTE_COUNT_LIMIT.
  // Malformed values keep the default and are reported in `warnings`.
  static SpanLimits from_env(std::vector<std::string>* warnings = nullptr);
};

// Injected time for tests; the default reads CLOCK_REALTIME.
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual std::uint64_t now_unix_nano() noexcept = 0;
};
std::uint64_t system_now_unix_nano() noexcept;

struct TracerProviderOptions {
  std::shared_ptr<const Resource> resource;  // null → resource_from_env()
  std::unique_ptr<Sampler> sampler;          // null → parentbased_always_on
  std::vector<std::unique_ptr<SpanProcessor>> processors;
  IdGenerator* id_generator = nullptr;  // null → RandomIdGenerator; not owned
  TimeSource* clock = nullptr;          // null → system clock; not owned
  SpanLimits limits;
  // OTEL_SDK_DISABLED: every tracer hands out non-recording spans that only
  // propagate their parent's context.
  bool disabled = false;
};

struct StartSpanOptions {
  SpanKind kind = SpanKind::kInternal;
  // The parent context; null → Context::current() (the thread's Scope).
  const Context* parent = nullptr;
  bool root = false;                  // start a new trace whatever the parent
  std::vector<Attribute> attributes;  // seen by the sampler
  std::vector<SpanLink> links;        // seen by the sampler
  std::uint64_t start_unix_nano = 0;  // 0 → now
};

class Tracer {
 public:
  Span start_span(std::string_view name, StartSpanOptions options = {});
  // The same as StartSpanOptions{kind, &parent}, without building the
  // options (the instrumentation's per-request call).
  Span start_span(std::string_view name, SpanKind kind, const Context& parent) {
    return start(name, kind, parent, nullptr);
  }
  const InstrumentationScope& scope() const noexcept { return *scope_; }

 private:
  friend class TracerProvider;
  // `options` may be null: no attributes, links or start time given.
  Span start(std::string_view name, SpanKind kind, const Context& parent,
             StartSpanOptions* options);
  Tracer(detail::ProviderState* provider, std::shared_ptr<const InstrumentationScope> scope)
      : provider_(provider),
        scope_(std::move(scope)),
        scope_view_(std::shared_ptr<const InstrumentationScope>(), scope_.get()) {}
  detail::ProviderState* provider_;
  std::shared_ptr<const InstrumentationScope> scope_;
  // Non-owning alias of scope_ handed to spans: copying it costs no atomic
  // reference count (see SpanData::scope).
  std::shared_ptr<const InstrumentationScope> scope_view_;
};

class TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options = {});
  // Shuts down (5 s deadline) if not done yet.
  ~TracerProvider();
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  // Same name/version/schema → the same Tracer. Thread-safe.
  Tracer& get_tracer(std::string_view name, std::string_view version = {},
                     std::string_view schema_url = {});
  bool force_flush(Deadline deadline) noexcept;
  // Flushes and shuts the processors down; later spans are not recorded.
  // Safe to call twice. Returns by `deadline`.
  bool shutdown(Deadline deadline) noexcept;
  const Resource& resource() const noexcept;
  bool disabled() const noexcept;

 private:
  std::unique_ptr<detail::ProviderState> state_;
};

// The process-wide provider; until set, a disabled provider (no-op spans).
TracerProvider& global_tracer_provider() noexcept;
// Installs `provider` as the global one. The previous provider is kept alive
// (spans may still point at it) until exit.
void set_global_tracer_provider(std::unique_ptr<TracerProvider> provider);

}  // namespace spanline::telemetry
