// ExportTraceServiceResponse decoders: what real servers send, what the
// protobuf and JSON mappings allow, and malformed input.
#include <gtest/gtest.h>

#include "otlp_test_util.h"
#include "spanline/telemetry/exporters/otlp_encoder.h"

namespace spanline::telemetry {
namespace {

using otlp_test::pb_collector::ExportTraceServiceResponse;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// ---------------------------------------------------------------------------
// Protobuf

TEST(OtlpResponseProto, DecodesWhatLibprotobufEncodes) {
  ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(12);
  response.mutable_partial_success()->set_error_message("queue full");
  OtlpPartialSuccess out;
  ASSERT_TRUE(decode_otlp_response_proto(response.SerializeAsString(), out));
  EXPECT_EQ(out.rejected_spans, 12);
  EXPECT_EQ(out.error_message, "queue full");

  response.mutable_partial_success()->set_rejected_spans(-1);  // ten-byte varint
  ASSERT_TRUE(decode_otlp_response_proto(response.SerializeAsString(), out));
  EXPECT_EQ(out.rejected_spans, -1);
}

TEST(OtlpResponseProto, EmptyMeansFullSuccessAndResetsOutput) {
  OtlpPartialSuccess out{5, "stale"};
  ASSERT_TRUE(decode_otlp_response_proto("", out));
  EXPECT_EQ(out.rejected_spans, 0);
  EXPECT_EQ(out.error_message, "");
  ASSERT_TRUE(decode_otlp_response_proto(bytes({0x0a, 0x00}), out));  // empty partial_success
  EXPECT_EQ(out.rejected_spans, 0);
}

TEST(OtlpResponseProto, SkipsUnknownFieldsOfEveryWireType) {
  const std::string partial = bytes({0x08, 0x03,                             // rejected_spans = 3
                                     0x18, 0x96, 0x01,                       // field 3 varint
                                     0x25, 1,    2,    3,    4,              // field 4 fixed32
                                     0x29, 1,    2,    3,    4, 5, 6, 7, 8,  // field 5 fixed64
                                     0x32, 0x02, 'h',  'i',                  // field 6 bytes
                                     0x3b, 0x08, 0x01, 0x3c,                 // field 7 group {1: 1}
                                     0x12, 0x02, 'o',  'k'});                // error_message
  std::string response = bytes({0x10, 0x01,  // field 2 varint, before
                                0x0a, static_cast<int>(partial.size())}) +
                         partial + bytes({0x1a, 0x00});  // field 3 bytes, after
  OtlpPartialSuccess out;
  ASSERT_TRUE(decode_otlp_response_proto(response, out));
  EXPECT_EQ(out.rejected_spans, 3);
  EXPECT_EQ(out.error_message, "ok");
}

TEST(OtlpResponseProto, KnownFieldWithOtherWireTypeIsSkippedAsUnknown) {
  OtlpPartialSuccess out;
  ASSERT_TRUE(decode_otlp_response_proto(bytes({0x08, 0x05}), out));  // partial_success as varint
  EXPECT_EQ(out.rejected_spans, 0);
}

TEST(OtlpResponseProto, RepeatedPartialSuccessMerges) {
  OtlpPartialSuccess out;
  ASSERT_TRUE(decode_otlp_response_proto(
      bytes({0x0a, 0x02, 0x08, 0x04, 0x0a, 0x03, 0x12, 0x01, 'x'}), out));
  EXPECT_EQ(out.rejected_spans, 4);
  EXPECT_EQ(out.error_message, "x");
}

TEST(OtlpResponseProto, RejectsMalformedInput) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"truncated tag", bytes({0x8a})},
      {"length past end", bytes({0x0a, 0x05, 0x08, 0x01})},
      {"truncated nested varint", bytes({0x0a, 0x02, 0x08, 0x80})},
      {"field number zero", bytes({0x00, 0x01})},
      {"wire type 6", bytes({0x0e, 0x01})},
      {"wire type 7", bytes({0x0f})},
      {"stray end group", bytes({0x0c})},
      {"unterminated group", bytes({0x13, 0x08, 0x01})},
      {"mismatched group end", bytes({0x13, 0x24})},
      {"eleven-byte varint",
       bytes({0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
      {"varint past 64 bits",
       bytes({0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})},
      {"truncated fixed64", bytes({0x11, 1, 2, 3})},
      {"truncated fixed32", bytes({0x15, 1})},
      {"huge length", bytes({0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})},
  };
  for (const auto& [name, input] : cases) {
    OtlpPartialSuccess out;
    EXPECT_FALSE(decode_otlp_response_proto(input, out)) << name;
  }
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += bytes({0x13});  // nested groups of field 2
  for (int i = 0; i < 100; ++i) deep += bytes({0x14});
  OtlpPartialSuccess out;
  EXPECT_FALSE(decode_otlp_response_proto(deep, out)) << "nesting bounded";
}

// ---------------------------------------------------------------------------
// JSON

struct JsonCase {
  const char* text;
  std::int64_t rejected;
  const char* message;
};

TEST(OtlpResponseJson, DecodesValidResponses) {
  const JsonCase cases[] = {
      {R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"too big"}})", 3, "too big"},
      {R"({"partialSuccess":{"rejectedSpans":7}})", 7, ""},
      {R"({"partial_success":{"rejected_spans":"8","error_message":"snake"}})", 8, "snake"},
      {R"( { "partialSuccess" : { "errorMessage" : "warn only" } } )", 0, "warn only"},
      {R"({"partialSuccess":{}})", 0, ""},
      {R"({"partialSuccess":null})", 0, ""},
      {R"({"partialSuccess":{"rejectedSpans":null,"errorMessage":null}})", 0, ""},
      {R"({})", 0, ""},
      {"", 0, ""},
      {" \r\n\t", 0, ""},
      {R"({"partialSuccess":{"rejectedSpans":"-9223372036854775808"}})", INT64_MIN, ""},
      {R"({"partialSuccess":{"rejectedSpans":9223372036854775807}})", INT64_MAX, ""},
      {R"({"partialSuccess":{"rejectedSpans":2e3}})", 2000, ""},
      {R"({"partialSuccess":{"rejectedSpans":"5.0"}})", 5, ""},
      {R"({"partialSuccess":{"errorMessage":"\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}})", 0,
       "\xC3\xA9\xF0\x9F\x98\x80 \"q\" \\ / \b\f\n\r\t"},
      {R"({"partialSuccess":{"errorMessage":"lone \ud800 and \udc00"}})", 0,
       "lone \xEF\xBF\xBD and \xEF\xBF\xBD"},
      {R"({"extra":[1,-2.5e+3,true,false,null,{"a":["b",{}]},[]],"partialSuccess":{"x":{"y":1},)"
       R"("rejectedSpans":"1"},"more":"\u0041"})",
       1, ""},
      {R"({"partialSuccess":{"rejectedSpans":1},"partialSuccess":{"rejectedSpans":2}})", 2, ""},
  };
  for (const auto& c : cases) {
    OtlpPartialSuccess out{99, "stale"};
    ASSERT_TRUE(decode_otlp_response_json(c.text, out)) << c.text;
    EXPECT_EQ(out.rejected_spans, c.rejected) << c.text;
    EXPECT_EQ(out.error_message, c.message) << c.text;
  }
}

TEST(OtlpResponseJson, RejectsMalformedInput) {
  const char* cases[] = {
      "{",
      "[]",
      "null",
      "\"partialSuccess\"",
      R"({"partialSuccess":5})",
      R"({"partialSuccess":{"rejectedSpans":"abc"}})",
      R"({"partialSuccess":{"rejectedSpans":1.5}})",
      R"({"partialSuccess":{"rejectedSpans":"9223372036854775808"}})",
      R"({"partialSuccess":{"rejectedSpans":1e19}})",
      R"({"partialSuccess":{"rejectedSpans":01}})",
      R"({"partialSuccess":{"rejectedSpans":-}})",
      R"({"partialSuccess":{"rejectedSpans":true}})",
      R"({"partialSuccess":{"errorMessage":5}})",
      R"({"partialSuccess":{}} trailing)",
      R"({"partialSuccess":{}}})",
      R"({"a":1,})",
      R"({"a" 1})",
      R"({'a':1})",
      R"({"a":tru})",
      R"({"a":"\x"})",
      R"({"a":"\u12G4"})",
      R"({"a":"unterminated)",
      "{\"a\":\"raw\ncontrol\"}",
      "{\"a\":\"bad \xFF utf8\"}",
      R"({"a":[1,2,]})",
      R"({"a":1.})",
      R"({"a":.5})",
      R"({"a":1e})",
  };
  for (const char* text : cases) {
    OtlpPartialSuccess out;
    EXPECT_FALSE(decode_otlp_response_json(text, out)) << text;
  }
  std::string deep = R"({"a":)" + std::string(200, '[') + std::string(200, ']') + "}";
  OtlpPartialSuccess out;
  EXPECT_FALSE(decode_otlp_response_json(deep, out)) << "nesting bounded";
  std::string shallow = R"({"a":)" + std::string(50, '[') + std::string(50, ']') + "}";
  EXPECT_TRUE(decode_otlp_response_json(shallow, out));
}

}  // namespace
}  // namespace spanline::telemetry
