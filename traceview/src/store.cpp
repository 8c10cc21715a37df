#include "store.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>

#include "jaeger_json.h"

namespace spanline::traceview {
namespace {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;

constexpr std::string_view kUnknownService = "unknown_service";

// What one span costs beside its encoding: the record and a hash per tag.
constexpr std::size_t kSpanOverhead = sizeof(StoredSpan);
constexpr std::size_t kTraceOverhead = sizeof(StoredTrace) + 64;

// A span id as a hash-map key.
std::uint64_t span_key(const SpanId& id) {
  std::uint64_t k;
  std::memcpy(&k, id.data(), sizeof k);
  return k;
}

template <std::size_t N>
std::array<std::uint8_t, N> to_id(const std::string& bytes) {
  std::array<std::uint8_t, N> id{};
  if (bytes.size() == N) std::memcpy(id.data(), bytes.data(), N);
  return id;
}

std::string service_of(const opentelemetry::proto::resource::v1::Resource& resource) {
  for (const auto& kv : resource.attributes())
    if (kv.key() == "service.name" && kv.value().has_string_value() &&
        !kv.value().string_value().empty())
      return kv.value().string_value();
  return std::string(kUnknownService);
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void append_text(std::string& out, const pb_common::AnyValue& v, bool quoted) {
  switch (v.value_case()) {
    case pb_common::AnyValue::kStringValue:
      if (quoted)
        append_json_string(out, v.string_value());
      else
        out += v.string_value();
      break;
    case pb_common::AnyValue::kBoolValue:
      out += v.bool_value() ? "true" : "false";
      break;
    case pb_common::AnyValue::kIntValue:
      out += std::to_string(v.int_value());
      break;
    case pb_common::AnyValue::kDoubleValue: {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, v.double_value());
      out.append(buf, r.ptr);
      break;
    }
    case pb_common::AnyValue::kBytesValue: {
      static constexpr char kB64[] =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      const std::string& b = v.bytes_value();
      std::string enc;
      for (std::size_t i = 0; i < b.size(); i += 3) {
        const std::uint32_t n = (static_cast<std::uint8_t>(b[i]) << 16) |
                                (i + 1 < b.size() ? static_cast<std::uint8_t>(b[i + 1]) << 8 : 0) |
                                (i + 2 < b.size() ? static_cast<std::uint8_t>(b[i + 2]) : 0);
        enc += kB64[(n >> 18) & 63];
        enc += kB64[(n >> 12) & 63];
        enc += i + 1 < b.size() ? kB64[(n >> 6) & 63] : '=';
        enc += i + 2 < b.size() ? kB64[n & 63] : '=';
      }
      if (quoted)
        append_json_string(out, enc);
      else
        out += enc;
      break;
    }
    case pb_common::AnyValue::kArrayValue: {
      out += '[';
      bool first = true;
      for (const auto& item : v.array_value().values()) {
        if (!first) out += ',';
        first = false;
        append_text(out, item, true);
      }
      out += ']';
      break;
    }
    case pb_common::AnyValue::kKvlistValue: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.kvlist_value().values()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, kv.key());
        out += ':';
        append_text(out, kv.value(), true);
      }
      out += '}';
      break;
    }
    default:
      if (quoted) out += "null";
      break;
  }
}

std::vector<std::uint64_t> hashes_of(
    const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& attributes) {
  std::vector<std::uint64_t> out;
  out.reserve(static_cast<std::size_t>(attributes.size()) + 2);
  for (const auto& kv : attributes) out.push_back(tag_hash(kv.key(), attribute_text(kv.value())));
  return out;
}

bool contains_all(const std::vector<std::uint64_t>& sorted_have,
                  const std::vector<std::uint64_t>& also_have,
                  const std::vector<std::uint64_t>& wanted) {
  for (std::uint64_t w : wanted) {
    if (std::binary_search(sorted_have.begin(), sorted_have.end(), w)) continue;
    if (std::binary_search(also_have.begin(), also_have.end(), w)) continue;
    return false;
  }
  return true;
}

}  // namespace

std::string attribute_text(const pb_common::AnyValue& value) {
  std::string out;
  append_text(out, value, false);
  return out;
}

std::uint64_t tag_hash(std::string_view key, std::string_view value) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(key);
  h ^= 0xFF;  // a separator no UTF-8 text contains
  h *= 1099511628211ULL;
  mix(value);
  return h;
}

TraceStore::TraceStore(StoreOptions options) : options_(options) {}

std::uint32_t TraceStore::intern_process(
    const opentelemetry::proto::resource::v1::Resource& resource) {
  std::string key = resource.SerializeAsString();
  if (auto it = process_index_.find(key); it != process_index_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(processes_.size());
  processes_.push_back({service_of(resource), resource});
  auto hashes = hashes_of(resource.attributes());
  std::sort(hashes.begin(), hashes.end());
  process_tag_hashes_.push_back(std::move(hashes));
  process_index_.emplace(std::move(key), index);
  return index;
}

std::uint32_t TraceStore::intern_scope(const pb_common::InstrumentationScope& scope) {
  auto key = std::make_pair(scope.name(), scope.version());
  if (auto it = scope_index_.find(key); it != scope_index_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(scopes_.size());
  scopes_.push_back({scope.name(), scope.version()});
  scope_index_.emplace(std::move(key), index);
  return index;
}

std::uint32_t TraceStore::intern_operation(const std::string& name) {
  if (auto it = operation_index_.find(name); it != operation_index_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(operations_.size());
  operations_.push_back(name);
  operation_index_.emplace(name, index);
  return index;
}

std::size_t TraceStore::add(const ExportTraceServiceRequest& request) {
  std::unique_lock lock(mu_);
  std::size_t added = 0;
  for (const auto& rs : request.resource_spans()) {
    const std::uint32_t process = intern_process(rs.resource());
    const std::string service = processes_[process].service;
    ServiceInfo& info = services_[service];
    for (const auto& ss : rs.scope_spans()) {
      const std::uint32_t scope = intern_scope(ss.scope());
      for (const auto& span : ss.spans()) {
        if (span.trace_id().size() != 16 || span.span_id().size() != 8) continue;
        ++received_;
        StoredSpan s;
        s.wire = span.SerializeAsString();
        s.span_id = to_id<8>(span.span_id());
        s.parent_id = to_id<8>(span.parent_span_id());
        s.start_ns = span.start_time_unix_nano();
        s.end_ns = span.end_time_unix_nano();
        s.process = process;
        s.scope = scope;
        s.operation = intern_operation(span.name());
        s.kind = static_cast<std::uint8_t>(span.kind());
        s.error = span.status().code() == pb_trace::Status::STATUS_CODE_ERROR;
        s.tag_hashes = hashes_of(span.attributes());
        if (s.error) s.tag_hashes.push_back(tag_hash("error", "true"));
        std::sort(s.tag_hashes.begin(), s.tag_hashes.end());
        auto& kinds = info.operations[span.name()];
        if (std::find(kinds.begin(), kinds.end(), s.kind) == kinds.end()) kinds.push_back(s.kind);

        const std::size_t cost = s.wire.size() + kSpanOverhead + 8 * s.tag_hashes.size();
        auto [it, fresh] = traces_.try_emplace(span.trace_id());
        StoredTrace& trace = it->second;
        if (fresh) {
          trace.id = to_id<16>(span.trace_id());
          trace.seq = seq_++;
          trace.start_ns = s.start_ns;
          trace.end_ns = s.end_ns;
          trace.bytes = kTraceOverhead;
          bytes_ += kTraceOverhead;
          order_.push_back(it->first);
          by_start_.emplace(std::make_pair(trace.start_ns, trace.seq), &trace);
        } else if (s.start_ns < trace.start_ns) {
          by_start_.erase({trace.start_ns, trace.seq});
          by_start_.emplace(std::make_pair(s.start_ns, trace.seq), &trace);
        }
        trace.start_ns = std::min(trace.start_ns, s.start_ns);
        trace.end_ns = std::max(trace.end_ns, s.end_ns);
        trace.bytes += cost;
        bytes_ += cost;
        trace.spans.push_back(std::move(s));
        ++spans_;
        ++added;
      }
    }
  }
  evict_locked();
  return added;
}

void TraceStore::evict_locked() {
  while (!order_.empty() && (traces_.size() > options_.max_traces || bytes_ > options_.max_bytes)) {
    auto it = traces_.find(order_.front());
    order_.pop_front();
    if (it == traces_.end()) continue;
    by_start_.erase({it->second.start_ns, it->second.seq});
    bytes_ -= it->second.bytes;
    spans_ -= it->second.spans.size();
    traces_.erase(it);
    ++evicted_;
  }
}

std::vector<std::string> TraceStore::services() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, info] : services_) out.push_back(name);
  return out;
}

std::map<std::string, std::vector<std::uint8_t>> TraceStore::operations(
    std::string_view service) const {
  std::shared_lock lock(mu_);
  auto it = services_.find(std::string(service));
  if (it == services_.end()) return {};
  return it->second.operations;
}

bool TraceStore::matches(const StoredTrace& trace, const TraceQuery& q,
                         const std::vector<char>& processes, std::uint32_t operation,
                         const std::vector<std::uint64_t>& wanted) const {
  if (q.start_ns != 0 && trace.end_ns < q.start_ns) return false;
  for (const StoredSpan& s : trace.spans) {
    if (!processes[s.process]) continue;
    if (!q.operation.empty() && s.operation != operation) continue;
    if (q.start_ns != 0 && s.start_ns < q.start_ns) continue;
    if (q.end_ns != 0 && s.start_ns > q.end_ns) continue;
    const std::uint64_t d = s.duration_ns();
    if (d < q.min_duration_ns) continue;
    if (q.max_duration_ns != 0 && d > q.max_duration_ns) continue;
    if (!wanted.empty() && !contains_all(s.tag_hashes, process_tag_hashes_[s.process], wanted))
      continue;
    return true;
  }
  return false;
}

std::vector<StoredTrace> TraceStore::find(const TraceQuery& q) const {
  std::shared_lock lock(mu_);
  std::uint32_t operation = 0;
  if (!q.operation.empty()) {
    auto it = operation_index_.find(q.operation);
    if (it == operation_index_.end()) return {};
    operation = it->second;
  }
  std::vector<char> processes(processes_.size());
  bool any = false;
  for (std::size_t i = 0; i < processes_.size(); ++i)
    any |= processes[i] = processes_[i].service == q.service;
  if (!any) return {};
  std::vector<std::uint64_t> wanted;
  for (const auto& [k, v] : q.tags) wanted.push_back(tag_hash(k, v));
  // Newest start first; no span starts before its trace, so traces that
  // start after q.end_ns cannot match.
  auto it = q.end_ns == 0 ? by_start_.end() : by_start_.upper_bound({q.end_ns, UINT64_MAX});
  std::vector<const StoredTrace*> hits;
  while (it != by_start_.begin() && (q.limit == 0 || hits.size() < q.limit)) {
    --it;
    if (matches(*it->second, q, processes, operation, wanted)) hits.push_back(it->second);
  }
  std::vector<StoredTrace> out;
  out.reserve(hits.size());
  for (const StoredTrace* t : hits) out.push_back(*t);
  return out;
}

std::optional<StoredTrace> TraceStore::get(const TraceId& id) const {
  std::shared_lock lock(mu_);
  auto it = traces_.find(std::string(reinterpret_cast<const char*>(id.data()), id.size()));
  if (it == traces_.end()) return std::nullopt;
  return it->second;
}

std::vector<Dependency> TraceStore::dependencies(std::uint64_t from_ns, std::uint64_t to_ns) const {
  std::shared_lock lock(mu_);
  std::map<std::pair<std::string, std::string>, Dependency> edges;
  std::unordered_map<std::uint64_t, std::uint32_t> process_of;  // span id → process
  for (const auto& [key, trace] : traces_) {
    if (trace.start_ns < from_ns || trace.start_ns > to_ns) continue;
    process_of.clear();
    for (const StoredSpan& s : trace.spans) process_of[span_key(s.span_id)] = s.process;
    for (const StoredSpan& s : trace.spans) {
      auto parent = process_of.find(span_key(s.parent_id));
      if (parent == process_of.end()) continue;
      const std::string& from = processes_[parent->second].service;
      const std::string& to = processes_[s.process].service;
      if (from == to) continue;
      Dependency& d = edges[{from, to}];
      d.parent = from;
      d.child = to;
      ++d.call_count;
      if (s.error) ++d.error_count;
    }
  }
  std::vector<Dependency> out;
  for (auto& [k, d] : edges) out.push_back(std::move(d));
  return out;
}

Process TraceStore::process(std::uint32_t index) const {
  std::shared_lock lock(mu_);
  return processes_.at(index);
}

Scope TraceStore::scope(std::uint32_t index) const {
  std::shared_lock lock(mu_);
  return scopes_.at(index);
}

std::string TraceStore::operation_name(std::uint32_t index) const {
  std::shared_lock lock(mu_);
  return operations_.at(index);
}

ExportTraceServiceRequest TraceStore::to_request_locked(const StoredTrace& trace, std::size_t first,
                                                        std::size_t last) const {
  ExportTraceServiceRequest out;
  std::map<std::uint32_t, int> resource_at;
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> scope_at;
  last = std::min(last, trace.spans.size());
  for (std::size_t i = first; i < last; ++i) {
    const StoredSpan& s = trace.spans[i];
    auto [rit, new_resource] = resource_at.try_emplace(s.process, out.resource_spans_size());
    if (new_resource)
      *out.add_resource_spans()->mutable_resource() = processes_[s.process].resource;
    auto* rs = out.mutable_resource_spans(rit->second);
    auto [sit, new_scope] = scope_at.try_emplace({s.process, s.scope}, rs->scope_spans_size());
    if (new_scope) {
      auto* scope = rs->add_scope_spans()->mutable_scope();
      scope->set_name(scopes_[s.scope].name);
      scope->set_version(scopes_[s.scope].version);
    }
    rs->mutable_scope_spans(sit->second)->add_spans()->ParseFromString(s.wire);
  }
  return out;
}

ExportTraceServiceRequest TraceStore::to_request(const StoredTrace& trace) const {
  std::shared_lock lock(mu_);
  return to_request_locked(trace);
}

void TraceStore::for_each_request(
    const std::function<void(const ExportTraceServiceRequest&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const std::string& key : order_) {
    auto it = traces_.find(key);
    if (it == traces_.end()) continue;
    constexpr std::size_t kChunk = 10'000;
    for (std::size_t first = 0; first < it->second.spans.size(); first += kChunk)
      fn(to_request_locked(it->second, first, first + kChunk));
  }
}

namespace {

constexpr std::uint8_t kServer = pb_trace::Span::SPAN_KIND_SERVER;
constexpr std::uint8_t kClient = pb_trace::Span::SPAN_KIND_CLIENT;
constexpr std::uint8_t kProducer = pb_trace::Span::SPAN_KIND_PRODUCER;
constexpr std::uint8_t kConsumer = pb_trace::Span::SPAN_KIND_CONSUMER;
// A consumer may start this long after its producer ended (queue wait).
constexpr std::uint64_t kQueueWindowNs = 60'000'000'000ULL;
// How far back a search for the other side of a broken hop looks, and how
// many traces it reads at most.
constexpr std::uint64_t kLookBackNs = 300'000'000'000ULL;
constexpr std::size_t kMaxTracesScanned = 20'000;
constexpr std::size_t kMaxSpanChecks = 2'000'000;  // candidate × span pairs

// Spans of `trace` that are the parent of another span of it.
std::unordered_map<std::uint64_t, bool> parents_in(const StoredTrace& trace) {
  std::unordered_map<std::uint64_t, bool> has_child;
  for (const StoredSpan& s : trace.spans) has_child.emplace(span_key(s.span_id), false);
  for (const StoredSpan& s : trace.spans)
    if (auto it = has_child.find(span_key(s.parent_id)); it != has_child.end()) it->second = true;
  return has_child;
}

bool is_root(const StoredSpan& s) {
  return std::all_of(s.parent_id.begin(), s.parent_id.end(), [](std::uint8_t b) { return b == 0; });
}
bool is_call(const StoredSpan& s) {
  return s.kind == kClient || s.kind == kProducer;
}
bool is_entry(const StoredSpan& s) {
  return s.kind == kServer || s.kind == kConsumer;
}
// Could `entry` (a root) have been called by `call`? A SERVER span inside a
// CLIENT call (it starts and ends within it); a CONSUMER span after a
// PRODUCER span, within the queue window.
bool during(const StoredSpan& call, const StoredSpan& entry) {
  if (call.kind == kClient)
    return entry.kind == kServer && entry.start_ns >= call.start_ns && entry.end_ns <= call.end_ns;
  return entry.kind == kConsumer && entry.start_ns >= call.start_ns &&
         entry.start_ns <= call.end_ns + kQueueWindowNs;
}

}  // namespace

std::vector<std::vector<std::string>> TraceStore::propagation_warnings(
    const StoredTrace& trace) const {
  std::shared_lock lock(mu_);
  std::vector<std::vector<std::string>> out(trace.spans.size());
  const auto has_child = parents_in(trace);
  // This trace's spans that may be one side of a broken hop: roots that
  // were entered (SERVER/CONSUMER) and calls nobody joined. Usually a few.
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < trace.spans.size(); ++i) {
    const StoredSpan& s = trace.spans[i];
    if (!is_root(s) && !has_child.contains(span_key(s.parent_id)))
      out[i].push_back("parent span " + to_hex(s.parent_id.data(), 8) +
                       " never arrived: its service did not export it, or the context this span "
                       "was given did not come from a span of this trace");
    if ((is_root(s) && is_entry(s)) || (is_call(s) && !has_child.at(span_key(s.span_id))))
      candidates.push_back(i);
  }
  if (candidates.empty()) return out;
  // The other side is a call nobody joined (for a root) or an entered root
  // (for a call) in another trace, of another service, at the right time.
  const std::uint64_t from = trace.start_ns > kLookBackNs ? trace.start_ns - kLookBackNs : 0;
  const std::uint64_t to = trace.end_ns + kQueueWindowNs;
  std::size_t scanned = 0, checks = 0;
  for (auto it = by_start_.lower_bound({from, 0});
       it != by_start_.end() && it->first.first <= to && scanned < kMaxTracesScanned &&
       checks < kMaxSpanChecks;
       ++it, ++scanned) {
    const StoredTrace& other = *it->second;
    if (other.id == trace.id) continue;
    checks += other.spans.size() * candidates.size();
    std::optional<std::unordered_map<std::uint64_t, bool>> other_children;  // when needed
    std::string other_hex;
    for (const StoredSpan& o : other.spans) {
      const bool o_entry_root = is_root(o) && is_entry(o);
      if (!o_entry_root && !is_call(o)) continue;
      for (std::size_t i : candidates) {
        const StoredSpan& s = trace.spans[i];
        const bool s_entry_root = is_root(s) && is_entry(s);
        const bool pair = s_entry_root ? is_call(o) && during(o, s) : o_entry_root && during(s, o);
        if (!pair || processes_[s.process].service == processes_[o.process].service) continue;
        if (s_entry_root) {
          if (!other_children) other_children = parents_in(other);
          if (other_children->at(span_key(o.span_id))) continue;  // that call was joined
        }
        if (other_hex.empty()) other_hex = to_hex(other.id.data(), other.id.size());
        const std::string& service = processes_[o.process].service;
        const std::string& operation = operations_[o.operation];
        if (s_entry_root)
          out[i].push_back("this trace starts here, but " + service + " was calling (span '" +
                           operation + "' of trace " + other_hex +
                           ") when it started, and no span joined that call: the trace context "
                           "was probably not propagated");
        else
          out[i].push_back("no span joined this call, but " + service + " started a new trace (" +
                           other_hex + ", span '" + operation +
                           "') during it: the trace context was probably not propagated");
      }
    }
  }
  return out;
}

StoreStats TraceStore::stats() const {
  std::shared_lock lock(mu_);
  return {traces_.size(), spans_, bytes_, evicted_, received_};
}

}  // namespace spanline::traceview
