// Shared by the OTLP encoders: grouping spans into the ResourceSpans /
// ScopeSpans hierarchy, and UTF-8 validation for proto3 strings and JSON.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>
#include <variant>

#include "exporters/otlp_encoder_detail.h"

namespace spanline::telemetry::otlp_detail {
namespace {

const Resource kEmptyResource;
const InstrumentationScope kEmptyScope;

// Distinct values seen so far plus every pointer already mapped to one, so
// that each new pointer costs one round of value comparisons, not one per span.
template <typename T>
class Interner {
 public:
  // `accept(index)` filters candidates (scopes are only shared within one
  // resource).
  template <typename Accept>
  std::uint32_t find_or_add(const T* p, Accept accept) {
    for (const auto& [seen, index] : aliases_)
      if (seen == p && accept(index)) return index;
    std::uint32_t index = 0;
    for (; index < distinct_.size(); ++index)
      if (accept(index) && *distinct_[index] == *p) break;
    if (index == distinct_.size()) distinct_.push_back(p);
    aliases_.emplace_back(p, index);
    return index;
  }
  const T* value(std::uint32_t index) const { return distinct_[index]; }

 private:
  std::vector<const T*> distinct_;
  std::vector<std::pair<const T*, std::uint32_t>> aliases_;
};

}  // namespace

namespace {

// Groups items 0..n-1 by origin(i) → {resource, scope} (nullptr entries are
// skipped), filling everything in `out` but `spans`; `order` receives the
// item indices in encoding order.
template <typename Origin>
void group_origins(std::size_t n, Origin origin, SpanGroups& out,
                   std::vector<std::uint32_t>& order) {
  Interner<Resource> resources;
  Interner<InstrumentationScope> scopes;
  // Per distinct (resource, scope) pair, in first-seen order.
  struct Pair {
    std::uint32_t resource;
    std::uint32_t scope;
    std::uint32_t count;
    std::uint32_t next;  // placement cursor, filled below
  };
  std::vector<Pair> pairs;
  std::vector<std::uint32_t> pair_of_item(n);
  std::vector<std::uint32_t> scope_owner;  // scope index → its resource index

  // Consecutive spans nearly always share both pointers; remember the last hit.
  const Resource* last_resource = nullptr;
  const InstrumentationScope* last_scope = nullptr;
  std::uint32_t last_pair = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto [resource, scope, present] = origin(i);
    if (!present) {
      pair_of_item[i] = UINT32_MAX;
      continue;
    }
    const Resource* r = resource ? resource : &kEmptyResource;
    const InstrumentationScope* s = scope ? scope : &kEmptyScope;
    if (r != last_resource || s != last_scope) {
      std::uint32_t ri = resources.find_or_add(r, [](std::uint32_t) { return true; });
      std::uint32_t si =
          scopes.find_or_add(s, [&](std::uint32_t index) { return scope_owner[index] == ri; });
      if (si == scope_owner.size()) {
        scope_owner.push_back(ri);
        pairs.push_back({ri, si, 0, 0});
      }
      // Scope indices are unique per resource, so they index `pairs` directly.
      last_pair = si;
      last_resource = r;
      last_scope = s;
    }
    ++pairs[last_pair].count;
    pair_of_item[i] = last_pair;
  }

  // Counting sort into resource order, then first-seen scope order within
  // each resource: stable, one pass.
  std::uint32_t resource_count = 0;
  for (const Pair& p : pairs) resource_count = std::max(resource_count, p.resource + 1);
  out.resources.reserve(resource_count);
  out.scopes.reserve(pairs.size());
  std::uint32_t next_item = 0;
  for (std::uint32_t ri = 0; ri < resource_count; ++ri) {
    out.resources.push_back(
        {resources.value(ri), static_cast<std::uint32_t>(out.scopes.size()), 0});
    for (Pair& p : pairs) {
      if (p.resource != ri) continue;
      out.scopes.push_back({scopes.value(p.scope), next_item, p.count});
      p.next = next_item;
      next_item += p.count;
      ++out.resources.back().scope_count;
    }
  }
  order.resize(next_item);
  for (std::size_t i = 0; i < n; ++i)
    if (pair_of_item[i] != UINT32_MAX)
      order[pairs[pair_of_item[i]].next++] = static_cast<std::uint32_t>(i);
}

struct OriginOf {
  const Resource* resource;
  const InstrumentationScope* scope;
  bool present;
};

}  // namespace

SpanGroups group_spans(std::span<const std::unique_ptr<SpanData>> spans) {
  SpanGroups out;
  std::vector<std::uint32_t> order;
  group_origins(
      spans.size(),
      [&](std::size_t i) {
        const SpanData* span = spans[i].get();
        return span ? OriginOf{span->resource.get(), span->scope.get(), true}
                    : OriginOf{nullptr, nullptr, false};
      },
      out, order);
  out.spans.reserve(order.size());
  for (std::uint32_t i : order) out.spans.push_back(spans[i].get());
  return out;
}

SpanGroups group_encoded(std::span<const EncodedSpan> spans, std::vector<std::uint32_t>& order) {
  SpanGroups out;
  group_origins(
      spans.size(),
      [&](std::size_t i) {
        return OriginOf{spans[i].resource.get(), spans[i].scope.get(), true};
      },
      out, order);
  return out;
}

namespace {

// Per-field overheads are rounded up; only the order of magnitude matters.
std::size_t estimate(const std::vector<Attribute>& attributes) noexcept {
  std::size_t n = 0;
  for (const Attribute& a : attributes) {
    n += a.key.size() + 8;
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            n += v.size() + 2;
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            for (const auto& e : v) n += e.size() + 4;
          } else if constexpr (requires { v.size(); }) {
            n += v.size() * 11;
          } else {
            n += 10;
          }
        },
        a.value);
  }
  return n;
}

}  // namespace

std::size_t estimate_proto_size(const SpanGroups& groups) noexcept {
  std::size_t n = 0;
  for (const auto& r : groups.resources)
    n += 16 + r.resource->schema_url().size() + estimate(r.resource->attributes());
  for (const auto& s : groups.scopes)
    n += 16 + s.scope->name.size() + s.scope->version.size() + s.scope->schema_url.size() +
         estimate(s.scope->attributes);
  for (const SpanData* s : groups.spans) {
    n += 80 + s->name.size() + s->trace_state.size() + s->status.message.size() +
         estimate(s->attributes);
    for (const auto& e : s->events) n += 24 + e.name.size() + estimate(e.attributes);
    for (const auto& l : s->links) n += 48 + l.trace_state.size() + estimate(l.attributes);
  }
  return n;
}

}  // namespace spanline::telemetry::otlp_detail
