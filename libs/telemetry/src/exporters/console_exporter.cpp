#include "spanline/telemetry/exporters/console_exporter.h"

#include <cstdio>
#include <mutex>

#include "spanline/telemetry/exporters/otlp_encoder.h"
#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {
namespace {

std::string service_of(const SpanData& span) {
  if (span.resource) {
    if (const auto* v = span.resource->find("service.name")) return to_display_string(*v);
  }
  return "-";
}

class ConsoleExporter final : public SpanExporter {
 public:
  explicit ConsoleExporter(ConsoleExporterOptions options) : options_(options) {}

  ExportResult export_spans(std::span<const std::unique_ptr<SpanData>> spans,
                            Deadline) noexcept override {
    try {
      std::string out;
      for (const auto& span : spans) {
        if (options_.json) {
          encode_otlp_json(std::span(&span, 1), out);
        } else {
          out += format_span_line(*span);
        }
        out.push_back('\n');
      }
      std::lock_guard lock(mu_);
      std::fwrite(out.data(), 1, out.size(), options_.out);
      std::fflush(options_.out);
      SdkCounters::instance().spans_exported.add(spans.size());
      return ExportResult::kSuccess;
    } catch (...) {
      SdkCounters::instance().spans_export_failed.add(spans.size());
      return ExportResult::kFailure;
    }
  }

 private:
  ConsoleExporterOptions options_;
  std::mutex mu_;
};

}  // namespace

std::string format_span_line(const SpanData& span) {
  char dur[32];
  const std::uint64_t nanos =
      span.end_unix_nano > span.start_unix_nano ? span.end_unix_nano - span.start_unix_nano : 0;
  std::snprintf(dur, sizeof dur, "%.3f", static_cast<double>(nanos) / 1e6);
  std::string line = service_of(span);
  line += ' ';
  line += span.name;
  line += " kind=";
  line += to_string(span.kind);
  line += " trace=";
  line += span.trace_id.to_hex();
  line += " span=";
  line += span.span_id.to_hex();
  line += " parent=";
  line += span.parent_span_id.is_valid() ? span.parent_span_id.to_hex() : "-";
  line += " dur=";
  line += dur;
  line += "ms status=";
  line += to_string(span.status.code);
  if (!span.status.message.empty()) {
    line += "(";
    line += span.status.message;
    line += ")";
  }
  for (const auto& a : span.attributes) {
    line += ' ';
    line += a.key;
    line += '=';
    line += to_display_string(a.value);
  }
  if (!span.events.empty()) line += " events=" + std::to_string(span.events.size());
  if (!span.links.empty()) line += " links=" + std::to_string(span.links.size());
  return line;
}

std::unique_ptr<SpanExporter> make_console_exporter(ConsoleExporterOptions options) {
  return std::make_unique<ConsoleExporter>(options);
}

}  // namespace spanline::telemetry
