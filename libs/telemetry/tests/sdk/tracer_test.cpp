#include "spanline/telemetry/sdk/tracer.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "spanline/telemetry/sdk/counters.h"
#include "test_exporter.h"

namespace spanline::telemetry {
namespace {

using testing::ManualClock;
using testing::RecordingExporter;

struct Fixture {
  explicit Fixture(std::unique_ptr<Sampler> sampler = nullptr, SpanLimits limits = {}) {
    TracerProviderOptions o;
    o.resource = std::make_shared<const Resource>(
        std::vector<Attribute>{{"service.name", std::string("test-svc")}});
    o.sampler = std::move(sampler);
    o.processors.push_back(
        std::make_unique<SimpleSpanProcessor>(std::make_unique<RecordingExporter>(shared)));
    o.clock = &clock;
    o.limits = limits;
    provider = std::make_unique<TracerProvider>(std::move(o));
  }
  std::shared_ptr<RecordingExporter::Shared> shared = std::make_shared<RecordingExporter::Shared>();
  ManualClock clock;
  std::unique_ptr<TracerProvider> provider;
  Tracer& tracer() { return provider->get_tracer("test", "1.2.3"); }
  SpanData only() {
    EXPECT_EQ(shared->spans.size(), 1u);
    return shared->spans.empty() ? SpanData{} : shared->spans.back();
  }
};

// A sampler that adds an attribute and sees what the span starts with.
class TaggingSampler final : public Sampler {
 public:
  SamplingResult should_sample(const SamplingParams& p) const override {
    seen_attributes = p.attributes.size();
    seen_kind = p.kind;
    return {SamplingDecision::kRecordAndSample, {{"sampler.tag", attr("yes")}}, nullptr};
  }
  std::string description() const override { return "TaggingSampler"; }
  mutable std::size_t seen_attributes = 99;
  mutable SpanKind seen_kind = SpanKind::kInternal;
};

TEST(Tracer, SamplerAttributesReachSpansFromBothStartCalls) {
  auto owned = std::make_unique<TaggingSampler>();
  TaggingSampler* sampler = owned.get();
  Fixture f(std::move(owned));
  f.tracer().start_span(
      "options", {.kind = SpanKind::kProducer, .attributes = {{"given", attr(std::int64_t{1})}}});
  EXPECT_EQ(sampler->seen_attributes, 1u);
  EXPECT_EQ(sampler->seen_kind, SpanKind::kProducer);
  f.tracer().start_span("short", SpanKind::kServer, Context{});
  EXPECT_EQ(sampler->seen_attributes, 0u);
  EXPECT_EQ(sampler->seen_kind, SpanKind::kServer);
  ASSERT_EQ(f.shared->spans.size(), 2u);
  const SpanData& with_options = f.shared->spans[0];
  EXPECT_EQ(with_options.kind, SpanKind::kProducer);
  ASSERT_EQ(with_options.attributes.size(), 2u);
  EXPECT_EQ(with_options.attributes[0].key, "given");
  EXPECT_EQ(with_options.attributes[1].key, "sampler.tag");
  const SpanData& short_form = f.shared->spans[1];
  EXPECT_EQ(short_form.kind, SpanKind::kServer);
  ASSERT_EQ(short_form.attributes.size(), 1u);
  EXPECT_EQ(short_form.attributes[0].key, "sampler.tag");
}

TEST(Tracer, RootSpanHasNewTraceAndNoParent) {
  Fixture f;
  {
    auto span = f.tracer().start_span("root");
    EXPECT_TRUE(span.is_recording());
    EXPECT_TRUE(span.context().is_valid());
    EXPECT_TRUE(span.context().is_sampled());
    EXPECT_FALSE(span.context().is_remote());
  }
  auto d = f.only();
  EXPECT_EQ(d.name, "root");
  EXPECT_FALSE(d.parent_span_id.is_valid());
  EXPECT_EQ(d.kind, SpanKind::kInternal);
  EXPECT_EQ(d.scope->name, "test");
  EXPECT_EQ(d.scope->version, "1.2.3");
  EXPECT_EQ(to_display_string(*d.resource->find("service.name")), "test-svc");
}

TEST(Tracer, ChildContinuesParentTraceExplicitly) {
  Fixture f;
  auto parent = f.tracer().start_span("parent", {.kind = SpanKind::kServer});
  Context ctx = parent.context_for_children(Context{});
  auto child = f.tracer().start_span("child", SpanKind::kClient, ctx);
  EXPECT_EQ(child.context().trace_id(), parent.context().trace_id());
  EXPECT_NE(child.context().span_id(), parent.context().span_id());
  child.end();
  parent.end();
  ASSERT_EQ(f.shared->spans.size(), 2u);
  EXPECT_EQ(f.shared->spans[0].parent_span_id, parent.context().span_id());
  EXPECT_EQ(f.shared->spans[0].kind, SpanKind::kClient);
  EXPECT_EQ(f.shared->spans[1].kind, SpanKind::kServer);
}

TEST(Tracer, ThreadLocalScopeProvidesImplicitParent) {
  Fixture f;
  auto parent = f.tracer().start_span("parent");
  {
    Scope scope(parent.context_for_children(Context{}));
    auto child = f.tracer().start_span("child");
    EXPECT_EQ(child.context().trace_id(), parent.context().trace_id());
  }
  auto after = f.tracer().start_span("after");
  EXPECT_NE(after.context().trace_id(), parent.context().trace_id());
  EXPECT_FALSE(Context::current().span_context().is_valid());
}

TEST(Tracer, RootOptionIgnoresParent) {
  Fixture f;
  auto parent = f.tracer().start_span("parent");
  Context ctx = parent.context_for_children(Context{});
  auto root = f.tracer().start_span("root", {.parent = &ctx, .root = true});
  EXPECT_NE(root.context().trace_id(), parent.context().trace_id());
}

TEST(Tracer, RemoteParentIsRecordedWithTraceState) {
  Fixture f;
  auto ts = std::make_shared<const TraceState>(*TraceState::parse("vendor=value"));
  SpanContext remote(*TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736"),
                     *SpanId::from_hex("00f067aa0ba902b7"), TraceFlags(1), true, ts);
  Context ctx = Context{}.with_span(remote);
  f.tracer().start_span("server", SpanKind::kServer, ctx).end();
  auto d = f.only();
  EXPECT_EQ(d.trace_id, remote.trace_id());
  EXPECT_EQ(d.parent_span_id, remote.span_id());
  EXPECT_TRUE(d.parent_is_remote);
  EXPECT_EQ(d.trace_state, "vendor=value");
}

TEST(Tracer, TimestampsExplicitAndImplicit) {
  Fixture f;
  f.clock.now = 1000;
  auto span = f.tracer().start_span("s");
  f.clock.now = 5000;
  span.end();
  span.end(9999);  // second end is a no-op
  auto d = f.only();
  EXPECT_EQ(d.start_unix_nano, 1000u);
  EXPECT_EQ(d.end_unix_nano, 5000u);

  f.shared->spans.clear();
  f.tracer().start_span("t", {.start_unix_nano = 100}).end(300);
  d = f.only();
  EXPECT_EQ(d.start_unix_nano, 100u);
  EXPECT_EQ(d.end_unix_nano, 300u);

  f.shared->spans.clear();
  f.tracer().start_span("u", {.start_unix_nano = 500}).end(400);  // end before start clamps
  EXPECT_EQ(f.only().end_unix_nano, 500u);
}

TEST(Span, AttributesOfEveryTypeAndReplacement) {
  Fixture f;
  {
    auto s = f.tracer().start_span("s");
    s.set_attribute("str", "text");
    s.set_attribute("bool", true);
    s.set_attribute("int", 42);
    s.set_attribute("double", 2.5);
    s.set_attribute("strs", AttributeValue(std::vector<std::string>{"a", "b"}));
    s.set_attribute("bools", AttributeValue(std::vector<bool>{true, false}));
    s.set_attribute("ints", AttributeValue(std::vector<std::int64_t>{1, 2}));
    s.set_attribute("doubles", AttributeValue(std::vector<double>{0.5}));
    s.set_attribute("int", 43);
  }
  auto d = f.only();
  ASSERT_EQ(d.attributes.size(), 8u);
  EXPECT_EQ(std::get<std::string>(d.attributes[0].value), "text");
  EXPECT_EQ(std::get<bool>(d.attributes[1].value), true);
  EXPECT_EQ(std::get<std::int64_t>(d.attributes[2].value), 43);
  EXPECT_EQ(std::get<double>(d.attributes[3].value), 2.5);
  EXPECT_EQ(std::get<std::vector<std::string>>(d.attributes[4].value).size(), 2u);
}

TEST(Span, ScalarsReplaceAnyTypeAndFillRecycledSlotsOfAnotherType) {
  Fixture f;
  for (int round = 0; round < 3; ++round) {
    auto s = f.tracer().start_span("s");
    // Recycled attribute slots hold the previous span's values, of other types.
    if (round % 2 == 0) {
      s.set_attribute("a", "text");
      s.set_attribute("b", 1);
      s.set_attribute("c", true);
    } else {
      s.set_attribute("a", 7u);
      s.set_attribute("b", "one");
      s.set_attribute("c", -0.5);
      s.set_attribute("b", false);  // replaces a string with a bool
    }
  }
  ASSERT_EQ(f.shared->spans.size(), 3u);
  const auto& even = f.shared->spans[2].attributes;
  ASSERT_EQ(even.size(), 3u);
  EXPECT_EQ(std::get<std::string>(even[0].value), "text");
  EXPECT_EQ(std::get<std::int64_t>(even[1].value), 1);
  EXPECT_EQ(std::get<bool>(even[2].value), true);
  const auto& odd = f.shared->spans[1].attributes;
  ASSERT_EQ(odd.size(), 3u);
  EXPECT_EQ(std::get<std::int64_t>(odd[0].value), 7);
  EXPECT_EQ(std::get<bool>(odd[1].value), false);
  EXPECT_EQ(std::get<double>(odd[2].value), -0.5);
}

TEST(Span, LimitsDropAndTruncate) {
  SpanLimits limits;
  limits.attribute_count = 2;
  limits.attribute_value_length = 4;
  limits.event_count = 1;
  limits.link_count = 1;
  limits.event_attribute_count = 1;
  Fixture f(nullptr, limits);
  {
    auto s = f.tracer().start_span(
        "s", {.attributes = {
                  {"a", std::string("123456")}, {"b", std::int64_t{1}}, {"c", std::int64_t{2}}}});
    s.set_attribute("d", 1);
    s.set_attribute("a", "xy");  // replacing an existing key is allowed at the limit
    s.set_attribute("arr", AttributeValue(std::vector<std::string>{"abcdef"}));
    s.add_event("e1", {{"x", std::int64_t{1}}, {"y", std::int64_t{2}}});
    s.add_event("e2");
    auto other = f.tracer().start_span("o");
    s.add_link(other.context());
    s.add_link(other.context());
  }
  auto d = f.shared->spans.back();
  ASSERT_EQ(d.attributes.size(), 2u);
  EXPECT_EQ(std::get<std::string>(d.attributes[0].value), "xy");
  EXPECT_EQ(d.dropped_attributes_count, 3u);  // c, d, arr
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].attributes.size(), 1u);
  EXPECT_EQ(d.events[0].dropped_attributes_count, 1u);
  EXPECT_EQ(d.dropped_events_count, 1u);
  EXPECT_EQ(d.links.size(), 1u);
  EXPECT_EQ(d.dropped_links_count, 1u);
}

TEST(Span, TruncationKeepsUtf8Whole) {
  SpanLimits limits;
  limits.attribute_value_length = 2;
  Fixture f(nullptr, limits);
  f.tracer().start_span("s").set_attribute("k", "\xC3\xA9\xC3\xA9");  // "éé"
  EXPECT_EQ(std::get<std::string>(f.only().attributes[0].value), "\xC3\xA9");
}

TEST(Span, StatusRules) {
  Fixture f;
  {
    auto s = f.tracer().start_span("s");
    s.set_status(StatusCode::kError, "boom");
    s.set_status(StatusCode::kUnset);  // ignored
  }
  EXPECT_EQ(f.only().status.code, StatusCode::kError);
  EXPECT_EQ(f.only().status.message, "boom");
  f.shared->spans.clear();
  {
    auto s = f.tracer().start_span("s");
    s.set_status(StatusCode::kOk, "ignored for ok");
    s.set_status(StatusCode::kError, "too late");  // Ok is final
  }
  EXPECT_EQ(f.only().status.code, StatusCode::kOk);
  EXPECT_EQ(f.only().status.message, "");
}

TEST(Span, EventsLinksExceptionAndRename) {
  Fixture f;
  auto other = f.tracer().start_span("other");
  f.clock.now = 777;
  {
    auto s = f.tracer().start_span("s");
    s.add_event("cache.miss", {{"key", std::string("k1")}});
    s.add_event("explicit", {}, 123);
    s.add_link(other.context(), {{"reason", std::string("batch")}});
    s.add_link(SpanContext{});  // invalid contexts are not linked
    s.record_exception(std::runtime_error("disk full"));
    s.update_name("renamed");
  }
  auto d = f.shared->spans.back();
  EXPECT_EQ(d.name, "renamed");
  ASSERT_EQ(d.events.size(), 3u);
  EXPECT_EQ(d.events[0].name, "cache.miss");
  EXPECT_EQ(d.events[0].time_unix_nano, 777u);
  EXPECT_EQ(d.events[1].time_unix_nano, 123u);
  EXPECT_EQ(d.events[2].name, "exception");
  EXPECT_EQ(std::get<std::string>(d.events[2].attributes[0].value), "std::runtime_error");
  EXPECT_EQ(std::get<std::string>(d.events[2].attributes[1].value), "disk full");
  ASSERT_EQ(d.links.size(), 1u);
  EXPECT_EQ(d.links[0].span_id, other.context().span_id());
  EXPECT_EQ(d.status.code, StatusCode::kUnset);
}

TEST(Span, MoveTransfersOwnershipAndEndsOnce) {
  Fixture f;
  Span a = f.tracer().start_span("a");
  Span b = std::move(a);
  EXPECT_FALSE(a.is_recording());  // NOLINT(bugprone-use-after-move): checking moved-from state
  EXPECT_TRUE(b.is_recording());
  Span c = f.tracer().start_span("c");
  c = std::move(b);  // ends "c"
  EXPECT_EQ(f.shared->spans.size(), 1u);
  EXPECT_EQ(f.shared->spans[0].name, "c");
  c.end();
  EXPECT_FALSE(c.is_recording());
  EXPECT_EQ(f.shared->spans.size(), 2u);
}

TEST(Tracer, AlwaysOffGivesValidNonRecordingSpans) {
  Fixture f(make_always_off_sampler());
  auto s = f.tracer().start_span("s");
  EXPECT_FALSE(s.is_recording());
  EXPECT_TRUE(s.context().is_valid());
  EXPECT_FALSE(s.context().is_sampled());
  s.set_attribute("k", "v");
  s.end();
  EXPECT_EQ(f.shared->spans.size(), 0u);
}

TEST(Tracer, ParentBasedFollowsUnsampledParent) {
  Fixture f;  // default parentbased_always_on
  SpanContext remote(*TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736"),
                     *SpanId::from_hex("00f067aa0ba902b7"), TraceFlags(0), true);
  Context ctx = Context{}.with_span(remote);
  auto s = f.tracer().start_span("s", SpanKind::kServer, ctx);
  EXPECT_FALSE(s.is_recording());
  EXPECT_EQ(s.context().trace_id(), remote.trace_id());
  EXPECT_FALSE(s.context().is_sampled());
}

// The provider decides by the parent's flag itself only for the spec
// default sampler; every other sampler (a ParentBased with another root or
// delegate among them) is asked. Either way a span is sampled exactly when
// the sampler says so, for every kind of parent, tracestate kept.
TEST(Tracer, SpansAreSampledExactlyAsTheSamplerDecides) {
  std::vector<std::pair<std::string, std::string>> configs = {{"parentbased_always_on", ""},
                                                              {"parentbased_always_off", ""},
                                                              {"always_on", ""},
                                                              {"always_off", ""},
                                                              {"parentbased_traceidratio", "0.5"}};
  for (const auto& [name, arg] : configs) {
    Fixture f(make_sampler(name, arg));
    const auto reference = make_sampler(name, arg);
    for (int kind = 0; kind < 5; ++kind) {
      Context parent;  // kind 0: a root
      if (kind > 0) {
        auto state = std::make_shared<const TraceState>(*TraceState::parse("k=v"));
        parent = parent.with_span(SpanContext(random_trace_id(), random_span_id(),
                                              TraceFlags(kind % 2 ? TraceFlags::kSampled : 0),
                                              /*is_remote=*/kind > 2, state));
      }
      for (int i = 0; i < 20; ++i) {
        auto span = f.tracer().start_span("s", SpanKind::kServer, parent);
        const TraceId id = span.context().trace_id();
        const bool want =
            reference->should_sample({parent, id, "s", SpanKind::kServer, {}, {}}).decision ==
            SamplingDecision::kRecordAndSample;
        EXPECT_EQ(span.context().is_sampled(), want) << name << " parent kind " << kind;
        EXPECT_EQ(span.is_recording(), want) << name << " parent kind " << kind;
        if (kind > 0) {
          EXPECT_EQ(span.context().trace_state().to_header(), "k=v") << name;
        }
      }
    }
  }
}

TEST(Tracer, DisabledSdkPropagatesParentAndRecordsNothing) {
  TracerProviderOptions o;
  o.disabled = true;
  TracerProvider provider(std::move(o));
  auto before = SdkCounters::instance().snapshot();
  SpanContext remote(*TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736"),
                     *SpanId::from_hex("00f067aa0ba902b7"), TraceFlags(1), true);
  Context ctx = Context{}.with_span(remote);
  auto s = provider.get_tracer("t").start_span("s", SpanKind::kServer, ctx);
  EXPECT_FALSE(s.is_recording());
  EXPECT_EQ(s.context(), remote);
  EXPECT_EQ(SdkCounters::instance().snapshot().spans_started, before.spans_started);
}

TEST(Tracer, SameScopeSameTracer) {
  Fixture f;
  EXPECT_EQ(&f.provider->get_tracer("a"), &f.provider->get_tracer("a"));
  EXPECT_NE(&f.provider->get_tracer("a"), &f.provider->get_tracer("a", "2"));
}

TEST(Tracer, CountersTrackStartedAndEnded) {
  Fixture f;
  auto before = SdkCounters::instance().snapshot();
  { auto s = f.tracer().start_span("s"); }
  auto after = SdkCounters::instance().snapshot();
  EXPECT_EQ(after.spans_started - before.spans_started, 1u);
  EXPECT_EQ(after.spans_ended - before.spans_ended, 1u);
}

TEST(Tracer, ShutdownStopsRecording) {
  Fixture f;
  EXPECT_TRUE(f.provider->shutdown(Clock::now() + std::chrono::seconds(1)));
  EXPECT_TRUE(f.provider->shutdown(Clock::now() + std::chrono::seconds(1)));  // twice is fine
  EXPECT_FALSE(f.tracer().start_span("late").is_recording());
  EXPECT_EQ(f.shared->shutdowns, 1);
}

}  // namespace
}  // namespace spanline::telemetry
