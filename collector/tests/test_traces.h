// Building Traces for the collector's unit tests.
#pragma once

#include <random>
#include <string>

#include "pipeline/traces.h"

namespace spanline::collector::testing {

// `n` spans with random ids under one resource (service.name = `service`)
// and one scope, each with attribute "i" = its index.
inline ExportTraceServiceRequest make_request(std::size_t n, const std::string& service = "svc",
                                              std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  ExportTraceServiceRequest t;
  auto* rs = t.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value(service);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("test");
  for (std::size_t i = 0; i < n; ++i) {
    auto* span = ss->add_spans();
    std::string trace_id(16, '\0'), span_id(8, '\0');
    for (auto& c : trace_id) c = static_cast<char>(rng());
    for (auto& c : span_id) c = static_cast<char>(rng());
    span->set_trace_id(trace_id);
    span->set_span_id(span_id);
    span->set_name("span " + std::to_string(i));
    auto* a = span->add_attributes();
    a->set_key("i");
    a->mutable_value()->set_int_value(static_cast<std::int64_t>(i));
  }
  return t;
}

// The same, decoded.
inline Traces make_traces(std::size_t n, const std::string& service = "svc",
                          std::uint64_t seed = 1) {
  return Traces::from_request(make_request(n, service, seed));
}

// The same, in wire form as the HTTP receiver passes it on.
inline Traces make_wire_traces(std::size_t n, const std::string& service = "svc",
                               std::uint64_t seed = 1) {
  return Traces::from_wire(make_request(n, service, seed).SerializeAsString(), n);
}

}  // namespace spanline::collector::testing
