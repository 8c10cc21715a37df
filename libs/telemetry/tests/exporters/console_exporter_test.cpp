#include "spanline/telemetry/exporters/console_exporter.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>

#include "spanline/telemetry/sdk/counters.h"

namespace spanline::telemetry {
namespace {

std::unique_ptr<SpanData> sample_span() {
  auto s = std::make_unique<SpanData>();
  s->trace_id = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  s->span_id = *SpanId::from_hex("00f067aa0ba902b7");
  s->parent_span_id = *SpanId::from_hex("1111111111111111");
  s->name = "POST /tasks";
  s->kind = SpanKind::kServer;
  s->trace_flags = 1;
  s->start_unix_nano = 1'000'000'000;
  s->end_unix_nano = 1'002'500'000;
  s->attributes = {{"http.response.status_code", std::int64_t{201}},
                   {"url.path", std::string("/tasks")}};
  s->status = {StatusCode::kError, "worker down"};
  s->resource = std::make_shared<const Resource>(
      std::vector<Attribute>{{"service.name", std::string("task-api")}});
  return s;
}

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  return out;
}

TEST(ConsoleExporter, OneReadableLinePerSpan) {
  EXPECT_EQ(format_span_line(*sample_span()),
            "task-api POST /tasks kind=server trace=4bf92f3577b34da6a3ce929d0e0e4736 "
            "span=00f067aa0ba902b7 parent=1111111111111111 dur=2.500ms "
            "status=error(worker down) http.response.status_code=201 url.path=/tasks");
  auto root = sample_span();
  root->parent_span_id = {};
  root->resource = nullptr;
  root->status = {};
  EXPECT_NE(format_span_line(*root).find("- POST /tasks"), std::string::npos);
  EXPECT_NE(format_span_line(*root).find(" parent=- "), std::string::npos);
}

TEST(ConsoleExporter, WritesLinesAndCountsExported) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  auto exporter = make_console_exporter({.out = f});
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(sample_span());
  batch.push_back(sample_span());
  const auto before = SdkCounters::instance().snapshot().spans_exported;
  EXPECT_EQ(exporter->export_spans(batch, Clock::now()), ExportResult::kSuccess);
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_exported - before, 2u);
  const auto text = read_all(f);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  std::fclose(f);
}

TEST(ConsoleExporter, JsonModePrintsOneOtlpJsonObjectPerLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  auto exporter = make_console_exporter({.out = f, .json = true});
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.push_back(sample_span());
  batch.push_back(sample_span());
  EXPECT_EQ(exporter->export_spans(batch, Clock::now()), ExportResult::kSuccess);
  const auto text = read_all(f);
  std::fclose(f);
  std::size_t lines = 0, start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    auto doc = boost::json::parse(text.substr(start, nl - start));
    const auto& span = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
    EXPECT_EQ(span.at("traceId").as_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(span.at("name").as_string(), "POST /tasks");
    ++lines;
    start = nl + 1;
  }
  EXPECT_EQ(lines, 2u);
}

}  // namespace
}  // namespace spanline::telemetry
