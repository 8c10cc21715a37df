// Helpers shared by the OTLP/JSON tests: message comparison that names the
// differences, and decoding that reports the error.
#pragma once

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "otlp/otlp_json.h"

namespace spanline::collector::otlp_json_test {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_resource = opentelemetry::proto::resource::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;

// Empty when equal; NaN equals NaN (a double attribute may hold one).
inline std::string message_diff(const google::protobuf::Message& want,
                                const google::protobuf::Message& got) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differ;
  differ.set_field_comparator(&comparator);
  std::string diff;
  differ.ReportDifferencesToString(&diff);
  if (!differ.Compare(want, got) && diff.empty()) diff = "differ";
  return diff;
}

inline ExportTraceServiceRequest decode_ok(std::string_view json) {
  ExportTraceServiceRequest out;
  std::string error;
  EXPECT_TRUE(decode_otlp_json(json, out, &error)) << error << "\nin: " << json;
  return out;
}

// The error message, or "" when decoding succeeded.
inline std::string decode_error(std::string_view json) {
  ExportTraceServiceRequest out;
  std::string error;
  if (decode_otlp_json(json, out, &error)) return "";
  EXPECT_FALSE(error.empty());
  return error;
}

}  // namespace spanline::collector::otlp_json_test
