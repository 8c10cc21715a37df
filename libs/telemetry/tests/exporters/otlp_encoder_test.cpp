// Round trips of the hand-written OTLP protobuf encoder through an
// independent decoder: libprotobuf's generated classes.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>

#include "exporters/otlp_encoder_detail.h"
#include "otlp_encoder_test_data.h"
#include "sdk/packed_attributes.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"

namespace spanline::telemetry {
namespace {

using namespace otlp_test;
using pb_collector::ExportTraceServiceRequest;

// ---------------------------------------------------------------------------
// Protobuf

TEST(OtlpProtoEncoder, RoundTripsEveryField) {
  MixedBatch m;
  std::string out;
  encode_otlp_proto(m.batch, out);
  const ExportTraceServiceRequest request = parse_proto(out);

  // Grouping: r1 (with its equal-valued copy), r2, then the empty resource;
  // scopes in first-seen order within each.
  ASSERT_EQ(request.resource_spans_size(), 3);
  const auto& rs1 = request.resource_spans(0);
  EXPECT_EQ(rs1.schema_url(), "https://opentelemetry.io/schemas/1.24.0");
  ASSERT_EQ(rs1.scope_spans_size(), 2);
  EXPECT_EQ(rs1.scope_spans(0).scope().name(), "spanline.http");
  EXPECT_EQ(rs1.scope_spans(0).scope().version(), "0.1.0");
  EXPECT_EQ(rs1.scope_spans(0).schema_url(), "https://example.com/schema");
  EXPECT_EQ(rs1.scope_spans(0).spans_size(), 2);
  EXPECT_EQ(rs1.scope_spans(1).scope().name(), "spanline.redis");
  EXPECT_EQ(request.resource_spans(1).scope_spans_size(), 2);
  const auto& rs3 = request.resource_spans(2);
  EXPECT_TRUE(rs3.has_resource());
  EXPECT_EQ(rs3.resource().attributes_size(), 0);
  ASSERT_EQ(rs3.scope_spans_size(), 1);
  EXPECT_TRUE(rs3.scope_spans(0).has_scope());
  EXPECT_EQ(rs3.scope_spans(0).scope().name(), "");

  // Wire-level details that SpanData hides.
  const auto& full = rs1.scope_spans(0).spans(0);
  EXPECT_EQ(full.flags(), 0x301u);
  EXPECT_EQ(full.kind(), pb_trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(full.status().code(), pb_trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(full.links(0).flags(), 0x301u);
  EXPECT_EQ(full.links(1).flags(), 0x100u);
  EXPECT_EQ(full.attributes(24).key(), "");
  EXPECT_TRUE(full.attributes(20).value().has_array_value());
  EXPECT_EQ(full.attributes(20).value().array_value().values_size(), 0);
  EXPECT_EQ(full.attributes(7).value().value_case(), pb_common::AnyValue::kIntValue);
  EXPECT_EQ(full.attributes(5).value().value_case(), pb_common::AnyValue::kBoolValue);
  const auto& root = rs1.scope_spans(0).spans(1);
  EXPECT_TRUE(root.parent_span_id().empty());
  EXPECT_EQ(root.flags(), 0u);
  EXPECT_FALSE(root.has_status());

  expect_same_spans(m.batch, m.expected_order, spans_from_proto(request));
}

TEST(OtlpProtoEncoder, AppendsToExistingContent) {
  MixedBatch m;
  std::string alone;
  encode_otlp_proto(m.batch, alone);
  std::string out = "prefix";
  encode_otlp_proto(m.batch, out);
  EXPECT_EQ(out, "prefix" + alone);
}

TEST(OtlpProtoEncoder, EmptyBatchIsAnEmptyRequest) {
  std::string out;
  encode_otlp_proto({}, out);
  EXPECT_EQ(out, "");
  Batch with_null;
  with_null.push_back(nullptr);
  encode_otlp_proto(with_null, out);
  EXPECT_EQ(out, "");
}

TEST(OtlpProtoEncoder, ReplacesInvalidUtf8SoStrictReceiversAccept) {
  auto span = minimal_span(nullptr, nullptr, 1);
  span->name =
      "bad\xFF"
      "end";
  span->attributes = {{"k\xC0\xAF", attr("trunc\xE2\x82")}, {"surrogate", attr("\xED\xA0\x80!")}};
  Batch batch;
  batch.push_back(std::move(span));
  std::string out;
  encode_otlp_proto(batch, out);
  const ExportTraceServiceRequest request = parse_proto(out);  // libprotobuf checks UTF-8
  const auto& s = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(s.name(),
            "bad\xEF\xBF\xBD"
            "end");
  EXPECT_EQ(s.attributes(0).key(), "k\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(s.attributes(0).value().string_value(), "trunc\xEF\xBF\xBD");
  EXPECT_EQ(s.attributes(1).value().string_value(), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!");
}

// The UTF-8 check ORs 8-byte words with an overlapping last load; put a
// non-ASCII byte at every offset around word boundaries and string ends.
TEST(OtlpProtoEncoder, ChecksUtf8AtEveryPosition) {
  for (std::size_t len = 1; len <= 40; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (std::string_view special : {"\xC3\xA9", "\xFF"}) {
        std::string value(len, 'x');
        value.replace(at, 1, special);
        auto span = minimal_span(nullptr, nullptr, 1);
        span->name = value;
        Batch batch;
        batch.push_back(std::move(span));
        std::string out;
        encode_otlp_proto(batch, out);
        const std::string want =
            special == "\xFF" ? std::string(value).replace(at, 1, "\xEF\xBF\xBD") : value;
        ASSERT_EQ(parse_proto(out).resource_spans(0).scope_spans(0).spans(0).name(), want)
            << "len " << len << " at " << at;
      }
    }
  }
}

// Nested lengths are patched after the body is written; sizes around each
// varint width exercise both the shrink and the grow path at every level.
class OtlpProtoEncoderSizes : public ::testing::TestWithParam<std::size_t> {};

TEST_P(OtlpProtoEncoderSizes, RoundTrips) {
  MixedBatch m;
  for (auto& span : m.batch)
    span->attributes.push_back({"big", attr(std::string(GetParam(), 'x'))});
  std::string out;
  encode_otlp_proto(m.batch, out);
  expect_same_spans(m.batch, m.expected_order, spans_from_proto(parse_proto(out)));
}

INSTANTIATE_TEST_SUITE_P(VarintWidths, OtlpProtoEncoderSizes,
                         ::testing::Values(0, 100, 127, 128, 16'000, 16'400, 2'100'000));

// `n` resource objects named svc0..svc{distinct-1} in turn: objects i and
// i + distinct are equal by value.
std::vector<std::shared_ptr<const Resource>> distinct_resources(int n, int distinct) {
  std::vector<std::shared_ptr<const Resource>> out;
  for (int i = 0; i < n; ++i)
    out.push_back(std::make_shared<const Resource>(
        std::vector<Attribute>{{"service.name", attr("svc" + std::to_string(i % distinct))}}));
  return out;
}

std::vector<std::shared_ptr<const InstrumentationScope>> scopes_named(int n) {
  std::vector<std::shared_ptr<const InstrumentationScope>> out;
  for (int i = 0; i < n; ++i)
    out.push_back(std::make_shared<const InstrumentationScope>(
        InstrumentationScope{"scope" + std::to_string(i), "", "", {}}));
  return out;
}

// Many spans over several resources and scopes, against a straightforward
// reference grouping.
TEST(OtlpProtoEncoder, GroupsLargeRandomBatchesInFirstSeenOrder) {
  std::mt19937 rng(7);
  const auto resources = distinct_resources(5, 4);
  const auto scopes = scopes_named(3);
  Batch batch;
  // Keyed by value: resources 0 and 4 are equal.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::vector<std::size_t>>>>>
      reference;
  for (std::size_t i = 0; i < 1000; ++i) {
    auto r = resources[rng() % resources.size()];
    auto s = scopes[rng() % scopes.size()];
    batch.push_back(full_span(r, s, static_cast<int>(i)));
    const std::string rkey = to_display_string(r->attributes()[0].value);
    auto rit =
        std::find_if(reference.begin(), reference.end(), [&](auto& e) { return e.first == rkey; });
    if (rit == reference.end()) rit = reference.insert(reference.end(), {rkey, {}});
    auto sit = std::find_if(rit->second.begin(), rit->second.end(),
                            [&](auto& e) { return e.first == s->name; });
    if (sit == rit->second.end()) sit = rit->second.insert(rit->second.end(), {s->name, {}});
    sit->second.push_back(i);
  }
  std::vector<std::size_t> order;
  for (const auto& [r, ss] : reference)
    for (const auto& [s, spans] : ss) order.insert(order.end(), spans.begin(), spans.end());

  std::string out;
  encode_otlp_proto(batch, out);
  const ExportTraceServiceRequest request = parse_proto(out);
  EXPECT_EQ(request.resource_spans_size(), 4);
  expect_same_spans(batch, order, spans_from_proto(request));
}

// ---------------------------------------------------------------------------
// Spans encoded one by one (the batch processor's fast path)

std::string encode_one_by_one(const Batch& batch) {
  std::string bytes;
  std::vector<EncodedSpan> spans;
  for (const auto& span : batch) {
    const std::size_t before = bytes.size();
    encode_otlp_proto_span(*span, bytes);
    spans.push_back(
        {span->resource, span->scope, static_cast<std::uint32_t>(bytes.size() - before)});
  }
  std::string out;
  encode_otlp_proto_encoded(bytes, spans, out);
  return out;
}

TEST(OtlpProtoEncoder, SpansEncodedOneByOneMakeTheSameRequest) {
  MixedBatch m;
  std::string whole;
  encode_otlp_proto(m.batch, whole);
  EXPECT_EQ(encode_one_by_one(m.batch), whole);
  expect_same_spans(m.batch, m.expected_order, spans_from_proto(parse_proto(whole)));
}

TEST_P(OtlpProtoEncoderSizes, SpansEncodedOneByOneMakeTheSameRequest) {
  MixedBatch m;
  for (auto& span : m.batch)
    span->attributes.push_back({"big", attr(std::string(GetParam(), 'x'))});
  std::string whole;
  encode_otlp_proto(m.batch, whole);
  EXPECT_EQ(encode_one_by_one(m.batch), whole);
}

TEST(OtlpProtoEncoder, ScratchEncodingWritesTheSameBytesOverWhateverWasThere) {
  MixedBatch m;
  for (std::size_t dirt : {std::size_t{0}, std::size_t{7}, std::size_t{100000}}) {
    std::string scratch(dirt, '\xAB');
    std::string bytes;
    std::vector<EncodedSpan> spans;
    for (const auto& span : m.batch) {
      std::string appended = "prefix";
      encode_otlp_proto_span(*span, appended);
      const std::size_t n = encode_otlp_proto_span_at(*span, scratch, 0);
      ASSERT_GE(scratch.size(), n);
      EXPECT_EQ(scratch.substr(0, n), appended.substr(6)) << dirt;
      EXPECT_EQ(otlp_proto_span_encoder().encode_at(*span, scratch, 0), n);
      // At an offset, the bytes before it stay.
      std::string at = "keep" + std::string(dirt, '\xEE');
      ASSERT_EQ(otlp_proto_span_encoder().encode_at(*span, at, 4), n);
      EXPECT_EQ(at.substr(0, 4 + n), "keep" + appended.substr(6));
      bytes.append(scratch, 0, n);
      spans.push_back({span->resource, span->scope, static_cast<std::uint32_t>(n)});
    }
    std::string whole;
    encode_otlp_proto(m.batch, whole);
    std::string request(dirt, '\xCD');
    const std::size_t n = otlp_detail::encode_otlp_proto_encoded_scratch(bytes, spans, request);
    EXPECT_EQ(request.substr(0, n), whole) << dirt;
    // The SpanData batch straight into a dirty scratch (the exporter's body).
    std::string body(dirt, '\xCD');
    const std::size_t b = otlp_detail::encode_otlp_proto_scratch(m.batch, body);
    ASSERT_GE(body.size(), b);
    EXPECT_EQ(body.substr(0, b), whole) << dirt;
  }
}

TEST(OtlpProtoEncoder, EncodedSpansGroupLikeTheWholeBatch) {
  std::mt19937 rng(11);
  const auto resources = distinct_resources(4, 3);
  const auto scopes = scopes_named(3);
  Batch batch;
  for (int i = 0; i < 500; ++i)
    batch.push_back(full_span(rng() % 5 == 0 ? nullptr : resources[rng() % resources.size()],
                              scopes[rng() % scopes.size()], i));
  std::string whole;
  encode_otlp_proto(batch, whole);
  EXPECT_EQ(encode_one_by_one(batch), whole);
}

// Attributes packed as they were set encode to the same bytes as the same
// attributes held as objects.
TEST(OtlpProtoEncoder, PackedAttributesEncodeLikeAttributeObjects) {
  MixedBatch m;
  SpanData objects = *m.batch[1];
  objects.attributes = {{"http.request.method", attr("POST")},
                        {"", attr("empty key")},
                        {"server.port", attr(8090)},
                        {"negative", attr(-7)},
                        {"ok", attr(false)},
                        {"ratio", attr(0.125)},
                        {"long", attr(std::string(300, 'x'))}};
  SpanData packed = objects;
  packed.attributes.clear();
  for (const Attribute& a : objects.attributes) {
    std::string_view text;
    std::uint64_t scalar = 0;
    if (auto* v = std::get_if<std::string>(&a.value)) text = *v;
    if (auto* v = std::get_if<bool>(&a.value)) scalar = *v;
    if (auto* v = std::get_if<std::int64_t>(&a.value)) scalar = static_cast<std::uint64_t>(*v);
    if (auto* v = std::get_if<double>(&a.value)) scalar = std::bit_cast<std::uint64_t>(*v);
    ASSERT_EQ(detail::pack_attribute(packed, a.key, text,
                                     static_cast<std::uint8_t>(a.value.index()), scalar, 128),
              detail::PackResult::kPacked);
  }
  std::string want, got;
  encode_otlp_proto_span(objects, want);
  encode_otlp_proto_span(packed, got);
  EXPECT_EQ(got, want);
  detail::unpack_attributes(packed);
  EXPECT_TRUE(packed == objects);
}

// Spans of the common shape (only packed attributes, no trace state,
// events, links or status message) are written in one pass; every mix of
// their fields, and lengths across varint boundaries, gives the bytes of
// the general path. Spans just outside that shape still match.
TEST(OtlpProtoEncoder, CommonSpansEncodeLikeTheGeneralPath) {
  std::mt19937_64 rng(7);
  auto pick = [&](std::uint64_t n) { return rng() % n; };
  const std::string long_name(200, 'n');
  for (int i = 0; i < 3000; ++i) {
    SpanData s;
    s.trace_id = random_trace_id();
    s.span_id = random_span_id();
    if (pick(2)) s.parent_span_id = random_span_id();
    const std::string names[] = {"", "GET /tasks/{id}", long_name, "caf\xc3\xa9", "bad \xff"};
    s.name = names[pick(5)];
    s.kind = static_cast<SpanKind>(pick(6));
    s.start_unix_nano = pick(3) ? rng() : 0;
    s.end_unix_nano = pick(3) ? rng() : 0;
    const std::size_t attributes = pick(4) == 0 ? 0 : pick(12);
    for (std::size_t k = 0; k < attributes; ++k) {
      const std::string key = "key." + std::to_string(k);
      const std::string text(pick(3) == 0 ? 130 : pick(20), 'v');
      ASSERT_EQ(detail::pack_attribute(s, key, text, pick(2) ? 0 : 2, rng(), 128),
                detail::PackResult::kPacked);
    }
    const std::uint32_t counts[] = {0, 1, 127, 128, 300000};
    s.dropped_attributes_count = counts[pick(5)];
    s.dropped_events_count = counts[pick(5)];
    s.dropped_links_count = counts[pick(5)];
    s.status.code = static_cast<StatusCode>(pick(3));
    s.trace_flags = static_cast<std::uint8_t>(pick(3));
    s.has_remote_flag = pick(2);
    s.parent_is_remote = pick(2);
    switch (pick(12)) {  // now and then, a span the one-pass path leaves alone
      case 0:
        s.trace_state = "vendor=1";
        break;
      case 1:
        s.status.message = "why";
        break;
      case 2:
        s.attributes.push_back({"object", attr("value")});
        break;
      case 3:
        s.events.push_back(SpanEvent{});
        break;
      default:
        break;
    }
    std::string want = "prefix", got = "prefix";
    otlp_detail::encode_otlp_proto_span_general(s, want);
    encode_otlp_proto_span(s, got);
    ASSERT_EQ(got, want) << "span " << i;
  }
}

TEST(OtlpProtoEncoder, EncodedSpansWhoseSizesDisagreeWithTheBytesAreRefused) {
  MixedBatch m;
  std::string bytes;
  encode_otlp_proto_span(*m.batch[0], bytes);
  std::vector<EncodedSpan> spans{{m.r1, m.s1, static_cast<std::uint32_t>(bytes.size() + 1)}};
  std::string out = "kept";
  EXPECT_THROW(encode_otlp_proto_encoded(bytes, spans, out), std::invalid_argument);
  EXPECT_EQ(out, "kept");
  spans[0].size -= 1;
  encode_otlp_proto_encoded(bytes, spans, out);
  EXPECT_EQ(parse_proto(out.substr(4)).resource_spans(0).scope_spans(0).spans_size(), 1);
}

}  // namespace
}  // namespace spanline::telemetry
