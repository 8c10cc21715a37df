#include "spanline/telemetry/setup.h"

#include "sdk/env.h"
#include "sdk/internal_log.h"
#include "spanline/telemetry/exporters/console_exporter.h"
#include "spanline/telemetry/exporters/otlp_exporter.h"
#include "spanline/telemetry/sdk/batch_span_processor.h"

namespace spanline::telemetry {
namespace {

void warn_all(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) internal::log(internal::LogLevel::kWarn, "spanline.sdk", w);
}

// OTEL_TRACES_EXPORTER is a comma-separated list; "none" alone disables export.
std::vector<std::unique_ptr<SpanProcessor>> processors_from_env(
    std::vector<std::string>& warnings) {
  std::vector<std::unique_ptr<SpanProcessor>> out;
  const std::string names = env::get("OTEL_TRACES_EXPORTER").value_or("otlp");
  std::string_view rest = names;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    const std::string name = env::to_lower(env::trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    std::unique_ptr<SpanExporter> exporter;
    if (name == "otlp") {
      auto options = OtlpExporterOptions::from_env(&warnings);
      if (auto problem = options.validate(); !problem.empty()) {
        warnings.push_back("OTLP exporter disabled: " + problem);
        continue;
      }
      // The batch processor does not act on an export's result: the export
      // thread need not wait for each answer (OTLP/HTTP; a gRPC export is
      // one call either way).
      options.overlap_answers = options.protocol != OtlpProtocol::kGrpc;
      exporter = make_otlp_exporter(std::move(options));
    } else if (name == "console" || name == "logging") {
      ConsoleExporterOptions options;
      options.json = env::iequals(env::get("SPANLINE_CONSOLE_FORMAT").value_or(""), "json");
      exporter = make_console_exporter(options);
    } else if (name == "none" || name.empty()) {
      continue;
    } else {
      warnings.push_back("OTEL_TRACES_EXPORTER: \"" + name +
                         "\" is not supported (otlp, console, none); ignored");
      continue;
    }
    out.push_back(std::make_unique<BatchSpanProcessor>(
        std::move(exporter), BatchSpanProcessorOptions::from_env(&warnings)));
  }
  return out;
}

}  // namespace

TracerProvider& setup_from_env(const SetupOptions& options) {
  std::vector<std::string> warnings;
  TracerProviderOptions o;
  o.disabled = env::get_bool("OTEL_SDK_DISABLED");
  if (o.disabled) {
    o.resource = std::make_shared<const Resource>();
  } else {
    o.resource = std::make_shared<const Resource>(resource_from_env(options.service_name));
    std::string sampler_warning;
    o.sampler = make_sampler(env::get("OTEL_TRACES_SAMPLER").value_or(""),
                             env::get("OTEL_TRACES_SAMPLER_ARG").value_or(""), &sampler_warning);
    if (!sampler_warning.empty()) warnings.push_back(sampler_warning);
    o.limits = SpanLimits::from_env(&warnings);
    o.processors = processors_from_env(warnings);
  }
  std::vector<std::string> unknown;
  set_global_propagator(make_propagator(env::get("OTEL_PROPAGATORS").value_or(""), &unknown));
  for (const auto& name : unknown)
    warnings.push_back("OTEL_PROPAGATORS: \"" + name +
                       "\" is not supported (tracecontext, baggage, b3, b3multi, none); ignored");
  warn_all(warnings);
  set_global_tracer_provider(std::make_unique<TracerProvider>(std::move(o)));
  return global_tracer_provider();
}

bool shutdown_global(std::chrono::milliseconds timeout) {
  return global_tracer_provider().shutdown(Clock::now() + timeout);
}

}  // namespace spanline::telemetry
