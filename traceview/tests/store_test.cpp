// The trace store and the Jaeger query API over it: a GeoDNS-shaped trace
// (gateway → orchestrator → three regional workers), every search filter,
// eviction, the Jaeger JSON model, and every bad parameter.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api.h"
#include "jaeger_json.h"
#include "spanline/net/request.h"
#include "store.h"

namespace spanline::traceview {
namespace {

namespace json = boost::json;
namespace pb_trace = opentelemetry::proto::trace::v1;

std::string bytes_of(std::uint64_t v, std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n && i < 8; ++i) out[n - 1 - i] = static_cast<char>(v >> (8 * i));
  return out;
}

struct SpanSpec {
  std::string service;
  std::string name;
  std::uint64_t id;
  std::uint64_t parent;  // 0: root
  std::uint64_t start_us;
  std::uint64_t duration_us;
  pb_trace::Span::SpanKind kind = pb_trace::Span::SPAN_KIND_INTERNAL;
  bool error = false;
  std::vector<std::pair<std::string, std::string>> attrs = {};
};

// One trace (id `trace`) of the given spans, one ResourceSpans per service.
ExportTraceServiceRequest make_trace(std::uint64_t trace, const std::vector<SpanSpec>& spans) {
  ExportTraceServiceRequest r;
  for (const SpanSpec& s : spans) {
    auto* rs = r.add_resource_spans();
    auto* kv = rs->mutable_resource()->add_attributes();
    kv->set_key("service.name");
    kv->mutable_value()->set_string_value(s.service);
    auto* region = rs->mutable_resource()->add_attributes();
    region->set_key("cloud.region");
    region->mutable_value()->set_string_value(s.service == "dns-worker" ? "eu" : "global");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("spanline");
    ss->mutable_scope()->set_version("0.1.0");
    auto* span = ss->add_spans();
    span->set_trace_id(bytes_of(trace, 16));
    span->set_span_id(bytes_of(s.id, 8));
    if (s.parent != 0) span->set_parent_span_id(bytes_of(s.parent, 8));
    span->set_name(s.name);
    span->set_kind(s.kind);
    span->set_start_time_unix_nano(s.start_us * 1000);
    span->set_end_time_unix_nano((s.start_us + s.duration_us) * 1000);
    if (s.error) {
      span->mutable_status()->set_code(pb_trace::Status::STATUS_CODE_ERROR);
      span->mutable_status()->set_message("lookup timed out");
    }
    for (const auto& [k, v] : s.attrs) {
      auto* a = span->add_attributes();
      a->set_key(k);
      a->mutable_value()->set_string_value(v);
    }
    auto* code = span->add_attributes();
    code->set_key("http.response.status_code");
    code->mutable_value()->set_int_value(s.error ? 504 : 200);
    auto* event = span->add_events();
    event->set_name("dns.answer");
    event->set_time_unix_nano((s.start_us + 1) * 1000);
  }
  return r;
}

constexpr std::uint64_t kT0 = 1'763'800'000'000'000;  // µs

// gateway → orchestrator → 3 workers (regions), one worker failing.
ExportTraceServiceRequest geodns(std::uint64_t trace, std::uint64_t t0, bool fail) {
  return make_trace(
      trace,
      {{"dns-gateway", "GET /resolve", 1, 0, t0, 9000, pb_trace::Span::SPAN_KIND_SERVER},
       {"dns-orchestrator", "POST /lookup", 2, 1, t0 + 100, 8000, pb_trace::Span::SPAN_KIND_SERVER},
       {"dns-worker",
        "lookup us",
        3,
        2,
        t0 + 200,
        3000,
        pb_trace::Span::SPAN_KIND_CONSUMER,
        false,
        {{"region", "us"}}},
       {"dns-worker",
        "lookup eu",
        4,
        2,
        t0 + 200,
        5000,
        pb_trace::Span::SPAN_KIND_CONSUMER,
        fail,
        {{"region", "eu"}}},
       {"dns-worker",
        "lookup ap",
        5,
        2,
        t0 + 210,
        7000,
        pb_trace::Span::SPAN_KIND_CONSUMER,
        false,
        {{"region", "ap"}}}});
}

TEST(TraceStore, GroupsSpansByTraceAndIndexesServicesAndOperations) {
  TraceStore store;
  EXPECT_EQ(store.add(geodns(1, kT0, false)), 5u);
  EXPECT_EQ(store.add(geodns(2, kT0 + 1'000'000, true)), 5u);
  EXPECT_EQ(store.stats().traces, 2u);
  EXPECT_EQ(store.stats().spans, 10u);
  EXPECT_EQ(store.services(),
            (std::vector<std::string>{"dns-gateway", "dns-orchestrator", "dns-worker"}));
  const auto ops = store.operations("dns-worker");
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops.at("lookup eu"), std::vector<std::uint8_t>{pb_trace::Span::SPAN_KIND_CONSUMER});
  EXPECT_TRUE(store.operations("nobody").empty());
}

TEST(TraceStore, SpansOfOneTraceArrivingSeparatelyJoin) {
  TraceStore store;
  auto whole = geodns(7, kT0, false);
  ExportTraceServiceRequest first, second;
  for (int i = 0; i < whole.resource_spans_size(); ++i)
    *(i < 2 ? first : second).add_resource_spans() = whole.resource_spans(i);
  store.add(second);
  store.add(first);
  TraceId id{};
  id[15] = 7;
  auto t = store.get(id);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->spans.size(), 5u);
  EXPECT_EQ(t->start_ns, kT0 * 1000);
  EXPECT_EQ(t->end_ns, (kT0 + 9000) * 1000);
}

TEST(TraceStore, EveryFilterNarrowsTheSearch) {
  TraceStore store;
  for (std::uint64_t i = 1; i <= 10; ++i) store.add(geodns(i, kT0 + i * 1'000'000, i % 3 == 0));
  auto count = [&](TraceQuery q) { return store.find(q).size(); };
  TraceQuery q;
  q.service = "dns-worker";
  q.limit = 100;
  EXPECT_EQ(count(q), 10u);
  q.operation = "lookup eu";
  EXPECT_EQ(count(q), 10u);
  q.tags = {{"error", "true"}};
  EXPECT_EQ(count(q), 3u);  // traces 3, 6, 9
  q.tags = {{"http.response.status_code", "504"}, {"region", "eu"}};
  EXPECT_EQ(count(q), 3u);
  q.tags = {{"region", "us"}};  // a tag of another operation's span
  EXPECT_EQ(count(q), 0u);
  q.operation.clear();
  q.tags = {{"region", "us"}, {"cloud.region", "eu"}};  // span tag + process tag
  EXPECT_EQ(count(q), 10u);
  q.tags.clear();
  q.min_duration_ns = 6'000'000;  // only "lookup ap" (7 ms) qualifies
  EXPECT_EQ(count(q), 10u);
  q.operation = "lookup us";
  EXPECT_EQ(count(q), 0u);
  q.operation.clear();
  q.min_duration_ns = 0;
  q.max_duration_ns = 2'000'000;
  EXPECT_EQ(count(q), 0u);
  q.max_duration_ns = 0;
  q.start_ns = (kT0 + 4 * 1'000'000) * 1000;
  q.end_ns = (kT0 + 6 * 1'000'000 + 500) * 1000;
  EXPECT_EQ(count(q), 3u);  // traces 4, 5, 6
  q.start_ns = q.end_ns = 0;
  q.limit = 4;
  auto found = store.find(q);
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].id[15], 10);  // newest first
  EXPECT_EQ(found[3].id[15], 7);
  q.service = "dns-gateway";
  q.operation = "lookup eu";  // exists, but not in this service
  EXPECT_EQ(count(q), 0u);
}

TEST(TraceStore, SearchOrdersByTraceStartEvenWhenSpansArriveLate) {
  TraceStore store;
  // Trace 1 (root at kT0) first arrives without its root, so it seems to
  // start at kT0 + 100, after trace 2 (kT0 + 50). When the root arrives the
  // trace must move behind trace 2.
  auto whole = geodns(1, kT0, false);
  ExportTraceServiceRequest late, root;
  for (int i = 0; i < whole.resource_spans_size(); ++i)
    *(i == 0 ? root : late).add_resource_spans() = whole.resource_spans(i);
  store.add(late);
  store.add(geodns(2, kT0 + 50, false));
  TraceQuery q;
  q.service = "dns-worker";
  auto found = store.find(q);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].id[15], 1);
  store.add(root);
  found = store.find(q);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].id[15], 2);
  EXPECT_EQ(found[1].id[15], 1);
  // The limit keeps the newest; an end time skips traces starting after it.
  store.add(geodns(3, kT0 + 30, false));
  q.limit = 2;
  found = store.find(q);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].id[15], 2);
  EXPECT_EQ(found[1].id[15], 3);
  q.service = "dns-gateway";  // its spans start with their traces
  q.end_ns = (kT0 + 40) * 1000;
  found = store.find(q);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].id[15], 3);
  EXPECT_EQ(found[1].id[15], 1);
}

TEST(TraceStore, OldestTracesAreEvictedPastTheLimits) {
  TraceStore by_count({3, std::size_t{1} << 30});
  for (std::uint64_t i = 1; i <= 5; ++i) by_count.add(geodns(i, kT0 + i, false));
  EXPECT_EQ(by_count.stats().traces, 3u);
  EXPECT_EQ(by_count.stats().evicted_traces, 2u);
  TraceId first{};
  first[15] = 1;
  EXPECT_FALSE(by_count.get(first));
  TraceId last{};
  last[15] = 5;
  EXPECT_TRUE(by_count.get(last));

  TraceStore by_bytes({1000, 8 * 1024});
  for (std::uint64_t i = 1; i <= 50; ++i) by_bytes.add(geodns(i, kT0 + i, false));
  EXPECT_LE(by_bytes.stats().bytes, 8u * 1024);
  EXPECT_GT(by_bytes.stats().evicted_traces, 0u);
  EXPECT_EQ(by_bytes.stats().traces + by_bytes.stats().evicted_traces, 50u);
}

TEST(TraceStore, DependenciesCountCallsAndErrorsPerEdge) {
  TraceStore store;
  for (std::uint64_t i = 1; i <= 4; ++i) store.add(geodns(i, kT0 + i, i == 2));
  auto deps = store.dependencies(0, UINT64_MAX);
  ASSERT_EQ(deps.size(), 2u);
  EXPECT_EQ(deps[0].parent, "dns-gateway");
  EXPECT_EQ(deps[0].child, "dns-orchestrator");
  EXPECT_EQ(deps[0].call_count, 4u);
  EXPECT_EQ(deps[1].parent, "dns-orchestrator");
  EXPECT_EQ(deps[1].child, "dns-worker");
  EXPECT_EQ(deps[1].call_count, 12u);
  EXPECT_EQ(deps[1].error_count, 1u);
  EXPECT_TRUE(store.dependencies(0, kT0 * 1000).empty());
}

TEST(PropagationWarnings, ABrokenHopIsFlaggedOnBothSidesAndAMissingParentToo) {
  TraceStore store;
  const auto server = pb_trace::Span::SPAN_KIND_SERVER;
  const auto client = pb_trace::Span::SPAN_KIND_CLIENT;
  // Trace 1: the gateway calls the orchestrator (span 2, 1000–5000 µs), but
  // nothing joins the call; trace 2 starts in the orchestrator during it.
  store.add(make_trace(1, {{"dns-gateway", "GET /resolve", 1, 0, kT0, 6000, server},
                           {"dns-gateway", "POST", 2, 1, kT0 + 1000, 4000, client}}));
  store.add(make_trace(2, {{"dns-orchestrator", "POST /lookup", 10, 0, kT0 + 1500, 2000, server}}));
  // Trace 3: a span whose parent never arrived.
  store.add(make_trace(3, {{"dns-worker", "lookup eu", 20, 99, kT0 + 100, 10, server}}));
  // Trace 4: a call that was joined, and one to an uninstrumented peer with
  // no root anywhere near it: neither is flagged.
  store.add(
      make_trace(4, {{"dns-gateway", "GET /resolve", 30, 0, kT0 + 900'000'000, 100, server},
                     {"dns-gateway", "POST", 31, 30, kT0 + 900'000'010, 50, client},
                     {"dns-orchestrator", "POST /lookup", 32, 31, kT0 + 900'000'020, 10, server},
                     {"dns-gateway", "GET", 33, 30, kT0 + 900'000'070, 10, client}}));
  // Trace 5: a CLIENT call during which only a CONSUMER root started
  // elsewhere: the kinds do not pair, nothing is flagged.
  store.add(make_trace(5, {{"dns-gateway", "GET /x", 40, 0, kT0 + 2'000'000'000, 100, server},
                           {"dns-gateway", "GET", 41, 40, kT0 + 2'000'000'010, 50, client}}));
  store.add(make_trace(6, {{"dns-worker", "lookup", 50, 0, kT0 + 2'000'000'020, 10,
                            pb_trace::Span::SPAN_KIND_CONSUMER}}));
  auto warnings_of = [&](std::uint8_t trace) {
    TraceId id{};
    id[15] = trace;
    return store.propagation_warnings(*store.get(id));
  };
  const auto w1 = warnings_of(1);
  EXPECT_TRUE(w1[0].empty());
  ASSERT_EQ(w1[1].size(), 1u);
  EXPECT_NE(w1[1][0].find("dns-orchestrator started a new trace"), std::string::npos) << w1[1][0];
  const auto w2 = warnings_of(2);
  ASSERT_EQ(w2[0].size(), 1u);
  EXPECT_NE(w2[0][0].find("dns-gateway was calling"), std::string::npos) << w2[0][0];
  const auto w3 = warnings_of(3);
  ASSERT_EQ(w3[0].size(), 1u);
  EXPECT_NE(w3[0][0].find("parent span 0000000000000063 never arrived"), std::string::npos);
  for (std::uint8_t t : {4, 5, 6})
    for (const auto& w : warnings_of(t)) EXPECT_TRUE(w.empty()) << "trace " << int(t);
  // In the Jaeger JSON of the trace view, as span warnings.
  TraceId id{};
  id[15] = 2;
  const json::object t = jaeger_trace(*store.get(id), store, true);
  EXPECT_EQ(t.at("spans").as_array()[0].at("warnings").as_array().size(), 1u);
  EXPECT_TRUE(
      jaeger_trace(*store.get(id), store).at("spans").as_array()[0].at("warnings").is_null());
}

TEST(JaegerJson, SpansReferencesTagsLogsAndProcesses) {
  TraceStore store;
  store.add(geodns(0xabc, kT0, true));
  TraceId id{};
  id[14] = 0x0a;
  id[15] = 0xbc;
  const json::object t = jaeger_trace(*store.get(id), store);
  EXPECT_EQ(t.at("traceID").as_string(), "00000000000000000000000000000abc");
  const auto& spans = t.at("spans").as_array();
  ASSERT_EQ(spans.size(), 5u);
  const auto& processes = t.at("processes").as_object();
  EXPECT_EQ(processes.size(), 3u);
  for (const auto& v : spans) {
    const auto& s = v.as_object();
    EXPECT_EQ(s.at("spanID").as_string().size(), 16u);
    EXPECT_TRUE(processes.contains(s.at("processID").as_string()));
  }
  const auto& eu = spans[3].as_object();
  EXPECT_EQ(eu.at("operationName").as_string(), "lookup eu");
  EXPECT_EQ(eu.at("startTime").to_number<std::int64_t>(), static_cast<std::int64_t>(kT0 + 200));
  EXPECT_EQ(eu.at("duration").to_number<std::int64_t>(), 5000);
  const auto& ref = eu.at("references").as_array().at(0).as_object();
  EXPECT_EQ(ref.at("refType").as_string(), "CHILD_OF");
  EXPECT_EQ(ref.at("spanID").as_string(), "0000000000000002");
  std::map<std::string, json::value> tags;
  for (const auto& tag : eu.at("tags").as_array())
    tags[std::string(tag.at("key").as_string())] = tag.as_object();
  EXPECT_EQ(tags.at("http.response.status_code").at("type").as_string(), "int64");
  EXPECT_EQ(tags.at("http.response.status_code").at("value").to_number<std::int64_t>(), 504);
  EXPECT_EQ(tags.at("error").at("value").as_bool(), true);
  EXPECT_EQ(tags.at("span.kind").at("value").as_string(), "consumer");
  EXPECT_EQ(tags.at("otel.status_description").at("value").as_string(), "lookup timed out");
  EXPECT_EQ(tags.at("otel.scope.name").at("value").as_string(), "spanline");
  const auto& log = eu.at("logs").as_array().at(0).as_object();
  EXPECT_EQ(log.at("timestamp").to_number<std::int64_t>(), static_cast<std::int64_t>(kT0 + 201));
  EXPECT_EQ(log.at("fields").as_array().at(0).at("value").as_string(), "dns.answer");
  const auto& proc = processes.at(eu.at("processID").as_string()).as_object();
  EXPECT_EQ(proc.at("serviceName").as_string(), "dns-worker");
  EXPECT_EQ(proc.at("tags").as_array().at(0).at("key").as_string(), "cloud.region");
}

TEST(GoDuration, ParsesJaegerDurations) {
  EXPECT_EQ(parse_go_duration_ns("1h"), 3'600'000'000'000u);
  EXPECT_EQ(parse_go_duration_ns("1.5s"), 1'500'000'000u);
  EXPECT_EQ(parse_go_duration_ns("2m30s"), 150'000'000'000u);
  EXPECT_EQ(parse_go_duration_ns("300ms"), 300'000'000u);
  EXPECT_EQ(parse_go_duration_ns("100us"), 100'000u);
  EXPECT_EQ(parse_go_duration_ns("100\xC2\xB5s"), 100'000u);
  EXPECT_EQ(parse_go_duration_ns("2d"), 172'800'000'000'000u);
  EXPECT_EQ(parse_go_duration_ns("0"), 0u);
  for (const char* bad : {"", "1", "ms", "1x", "-1s", "1.2.3s", "s1"})
    EXPECT_FALSE(parse_go_duration_ns(bad)) << bad;
}

TEST(TraceIdParsing, AcceptsShortHexAndRefusesTheRest) {
  auto id = parse_trace_id("abc");
  ASSERT_TRUE(id);
  EXPECT_EQ(to_hex(id->data(), id->size()), "00000000000000000000000000000abc");
  EXPECT_TRUE(parse_trace_id("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(parse_trace_id(""));
  EXPECT_FALSE(parse_trace_id("xyz"));
  EXPECT_FALSE(parse_trace_id(std::string(33, 'a')));
}

}  // namespace
}  // namespace spanline::traceview
