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

std::size_t utf8_sequence_length(std::string_view s, std::size_t* bad_len) noexcept {
  // Unicode §3.9 table 3-7, well-formed UTF-8 byte sequences.
  const auto b0 = static_cast<std::uint8_t>(s[0]);
  if (b0 < 0x80) return 1;
  std::size_t need;
  std::uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    *bad_len = 1;
    return 0;
  }
  for (std::size_t i = 1; i < need; ++i) {
    if (i >= s.size()) {
      *bad_len = i;
      return 0;
    }
    const auto b = static_cast<std::uint8_t>(s[i]);
    if (b < lo || b > hi) {
      *bad_len = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need;
}

bool is_valid_utf8(std::string_view s) noexcept {
  // Attribute keys and values are overwhelmingly ASCII: OR the string
  // together eight bytes at a time (the last load overlapping) and test the
  // high bits once, without data-dependent branches.
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t any = 0;
  if (n >= 8) {
    std::uint64_t word;
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&word, p + i, 8);
      any |= word;
    }
    std::memcpy(&word, p + n - 8, 8);
    any |= word;
  } else {
    for (std::size_t i = 0; i < n; ++i) any |= static_cast<std::uint8_t>(p[i]);
  }
  if ((any & kHighBits) == 0) return true;

  for (std::size_t i = 0; i < n;) {
    if (static_cast<std::uint8_t>(p[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t bad;
    const std::size_t len = utf8_sequence_length(s.substr(i), &bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t bad = 0;
    std::size_t n = utf8_sequence_length(s.substr(i), &bad);
    if (n > 0) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      i += bad;
    }
  }
  return out;
}

}  // namespace spanline::telemetry::otlp_detail
