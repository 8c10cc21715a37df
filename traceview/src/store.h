// traceview's trace store: spans grouped by trace, in memory, bounded by a
// trace count and by bytes (oldest trace evicted first, evictions counted).
//
// Each span is kept as its protobuf encoding (compact; decoded only when a
// query returns it) beside the few fields search needs: service, operation,
// kind, times, error, ids, and 64-bit hashes of its "key=value" attributes.
// Resources and scopes are interned: spans point at them by index.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "otlp/otlp_json.h"  // ExportTraceServiceRequest

namespace spanline::traceview {

using ExportTraceServiceRequest = collector::ExportTraceServiceRequest;
using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

struct StoreOptions {
  std::size_t max_traces = 100'000;
  std::size_t max_bytes = std::size_t{1} << 30;  // 1 GiB
};

// A resource (a Jaeger "process"): its service name and attributes.
struct Process {
  std::string service;
  opentelemetry::proto::resource::v1::Resource resource;
};

struct Scope {
  std::string name;
  std::string version;
};

struct StoredSpan {
  std::string wire;  // opentelemetry.proto.trace.v1.Span
  SpanId span_id{};
  SpanId parent_id{};  // all zero for a root
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  std::uint32_t process = 0;              // index into the store's processes
  std::uint32_t scope = 0;                // index into the store's scopes
  std::uint32_t operation = 0;            // index into the store's operation names
  std::uint8_t kind = 0;                  // OTLP SpanKind
  bool error = false;                     // status code ERROR
  std::vector<std::uint64_t> tag_hashes;  // sorted hashes of "key=value"

  std::uint64_t duration_ns() const noexcept { return end_ns > start_ns ? end_ns - start_ns : 0; }
};

struct StoredTrace {
  TraceId id{};
  std::vector<StoredSpan> spans;
  std::uint64_t start_ns = 0;  // of the earliest span
  std::uint64_t end_ns = 0;    // of the latest end
  std::size_t bytes = 0;       // what it counts against max_bytes
  std::uint64_t seq = 0;       // arrival order of its first span
};

// A Jaeger /api/traces query. Times in ns since the epoch; 0 = unbounded.
struct TraceQuery {
  std::string service;  // required
  std::string operation;
  std::vector<std::pair<std::string, std::string>> tags;  // all must match one span
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  std::uint64_t min_duration_ns = 0;
  std::uint64_t max_duration_ns = 0;  // 0: none
  std::size_t limit = 20;
};

struct StoreStats {
  std::size_t traces = 0;
  std::size_t spans = 0;
  std::size_t bytes = 0;
  std::uint64_t evicted_traces = 0;
  std::uint64_t spans_received = 0;
};

struct Dependency {
  std::string parent;
  std::string child;
  std::uint64_t call_count = 0;
  std::uint64_t error_count = 0;  // child spans with status ERROR
};

// The stable text form of an attribute value that tag filters compare with
// ("200", "true", "1.5", "GET"; arrays and maps as JSON).
std::string attribute_text(const opentelemetry::proto::common::v1::AnyValue& value);
std::uint64_t tag_hash(std::string_view key, std::string_view value) noexcept;

class TraceStore {
 public:
  explicit TraceStore(StoreOptions options = {});

  // Adds every span of `request`; spans of a trace already stored join it.
  // Returns the number of spans added.
  std::size_t add(const ExportTraceServiceRequest& request);

  std::vector<std::string> services() const;
  // Operation names of a service with the span kinds seen for each.
  std::map<std::string, std::vector<std::uint8_t>> operations(std::string_view service) const;

  // Copies of the matching traces, newest first (by start).
  std::vector<StoredTrace> find(const TraceQuery& query) const;
  std::optional<StoredTrace> get(const TraceId& id) const;
  // Caller → callee service pairs of spans whose parent is in another
  // service, for traces that started within [from_ns, to_ns].
  std::vector<Dependency> dependencies(std::uint64_t from_ns, std::uint64_t to_ns) const;

  // Interned tables, by the indexes in StoredSpan (stable once assigned).
  Process process(std::uint32_t index) const;
  Scope scope(std::uint32_t index) const;
  std::string operation_name(std::uint32_t index) const;

  StoreStats stats() const;

  // Where context propagation seems to have broken, per span of `trace` (in
  // its order): a parent that never arrived; a root SERVER/CONSUMER span
  // that started while a CLIENT/PRODUCER span of another service in another
  // trace was in flight with no span joined to it (and that call's side).
  std::vector<std::vector<std::string>> propagation_warnings(const StoredTrace& trace) const;

  // A trace back as one OTLP request: its spans under their resources and
  // scopes, in arrival order.
  ExportTraceServiceRequest to_request(const StoredTrace& trace) const;
  // Each stored trace as requests of at most 10,000 spans, oldest arrival
  // first (for compaction: log records stay far below their size limit).
  void for_each_request(const std::function<void(const ExportTraceServiceRequest&)>& fn) const;

 private:
  struct ServiceInfo {
    std::map<std::string, std::vector<std::uint8_t>> operations;
  };

  std::uint32_t intern_process(const opentelemetry::proto::resource::v1::Resource& resource);
  std::uint32_t intern_scope(const opentelemetry::proto::common::v1::InstrumentationScope& scope);
  std::uint32_t intern_operation(const std::string& name);
  void evict_locked();
  bool matches(const StoredTrace& trace, const TraceQuery& q, const std::vector<char>& processes,
               std::uint32_t operation, const std::vector<std::uint64_t>& wanted) const;
  // Spans [first, last) of `trace` as one request.
  ExportTraceServiceRequest to_request_locked(const StoredTrace& trace, std::size_t first = 0,
                                              std::size_t last = SIZE_MAX) const;

  StoreOptions options_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, StoredTrace> traces_;  // key: 16 id bytes
  std::deque<std::string> order_;                        // ids by arrival
  // Traces by (start, arrival): search walks it newest first and stops at
  // the limit. Pointers into traces_ (stable: node-based map).
  std::map<std::pair<std::uint64_t, std::uint64_t>, StoredTrace*> by_start_;
  std::vector<Process> processes_;
  std::unordered_map<std::string, std::uint32_t> process_index_;  // resource bytes →
  std::vector<std::vector<std::uint64_t>> process_tag_hashes_;
  std::vector<Scope> scopes_;
  std::map<std::pair<std::string, std::string>, std::uint32_t> scope_index_;
  std::vector<std::string> operations_;
  std::unordered_map<std::string, std::uint32_t> operation_index_;
  std::map<std::string, ServiceInfo> services_;
  std::size_t bytes_ = 0;
  std::size_t spans_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t evicted_ = 0;
  std::uint64_t received_ = 0;
};

}  // namespace spanline::traceview
