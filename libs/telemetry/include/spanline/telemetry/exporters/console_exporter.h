// Console exporter: one readable line per span, or one OTLP-JSON-shaped
// object per span (json = true), written to a stdio stream.
#pragma once

#include <cstdio>
#include <memory>

#include "spanline/telemetry/sdk/span_exporter.h"

namespace spanline::telemetry {

struct ConsoleExporterOptions {
  std::FILE* out = stdout;  // not owned
  bool json = false;
};

// Formats one span as the console exporter prints it (no trailing newline):
// "<service> <name> kind=<kind> trace=<id> span=<id> parent=<id|-> dur=<ms>ms
//  status=<code> k=v ...".
std::string format_span_line(const SpanData& span);

std::unique_ptr<SpanExporter> make_console_exporter(ConsoleExporterOptions options = {});

}  // namespace spanline::telemetry
