#include "sdk/span_data_pool.h"

#include <algorithm>

namespace spanline::telemetry::detail {
namespace {

bool worth_keeping(const Attribute& a) noexcept {
  if (a.key.capacity() > SpanDataPool::kMaxRecycledCapacity) return false;
  const auto* s = std::get_if<std::string>(&a.value);
  return s == nullptr || s->capacity() <= SpanDataPool::kMaxRecycledCapacity;
}

}  // namespace

void reset(SpanData& s) noexcept {
  s.trace_id = {};
  s.span_id = {};
  s.parent_span_id = {};
  s.trace_state.clear();
  s.trace_flags = 0;
  s.parent_is_remote = false;
  s.has_remote_flag = true;
  s.name.clear();
  s.kind = SpanKind::kInternal;
  s.start_unix_nano = 0;
  s.end_unix_nano = 0;
  auto& spare = s.spare_attributes;
  if (spare.available() == 0) {
    // The usual case: this span took every spare. Its attributes become the
    // next span's spares in the order they were set, so a span that sets the
    // same attributes in the same order (instrumentation does) gets each
    // slot back with the same key and value type and nothing reallocates.
    spare.items.clear();
    spare.items.swap(s.attributes);
  } else {
    spare.items.erase(spare.items.begin(),
                      spare.items.begin() + static_cast<std::ptrdiff_t>(spare.next));
    try {
      for (auto& a : s.attributes) {
        if (spare.items.size() >= SpanDataPool::kMaxSpareAttributes) break;
        spare.items.push_back(std::move(a));
      }
    } catch (...) {
      // Out of memory growing the spare list: recycle fewer.
    }
  }
  spare.next = 0;
  std::erase_if(spare.items, [](const Attribute& a) { return !worth_keeping(a); });
  if (spare.items.size() > SpanDataPool::kMaxSpareAttributes)
    spare.items.resize(SpanDataPool::kMaxSpareAttributes);
  s.attributes.clear();
  s.packed_attributes.clear();
  if (s.packed_attributes.bytes.capacity() > SpanDataPool::kMaxPackedBytes)
    s.packed_attributes.bytes.release();
  s.dropped_attributes_count = 0;
  s.events.clear();
  s.dropped_events_count = 0;
  s.links.clear();
  s.dropped_links_count = 0;
  s.status.code = StatusCode::kUnset;
  s.status.message.clear();
  s.resource.reset();
  s.scope.reset();
}

Attribute& append_attribute(std::vector<Attribute>& attrs, SpanData::SpareAttributes* spare,
                            std::string_view key) {
  if (spare != nullptr && spare->available() > 0) {
    attrs.push_back(std::move(spare->items[spare->next++]));
    attrs.back().key.assign(key);
  } else {
    attrs.push_back({std::string(key), {}});
  }
  return attrs.back();
}

SpanDataPool& SpanDataPool::instance() noexcept {
  // Leaked on purpose: spans may be released by threads still running while
  // static destructors run at exit.
  static auto* pool = new SpanDataPool;
  return *pool;
}

namespace {
// Per thread; acquire() takes from the back, so the span recycled last (the
// one most likely still in cache) is reused first.
thread_local std::vector<std::unique_ptr<SpanData>> stash;
}  // namespace

std::unique_ptr<SpanData> SpanDataPool::acquire() {
  if (stash.empty()) {
    std::lock_guard lock(mu_);
    const std::size_t n = std::min(kChunk, free_.size());
    for (std::size_t i = 0; i < n; ++i) {
      stash.push_back(std::move(free_.back()));
      free_.pop_back();
    }
  }
  if (stash.empty()) return std::make_unique<SpanData>();
  auto span = std::move(stash.back());
  stash.pop_back();
  return span;
}

void SpanDataPool::recycle(std::unique_ptr<SpanData> span) noexcept {
  if (!span) return;
  reset(*span);
  try {
    if (stash.size() >= 2 * kChunk) {
      // Hand the oldest chunk to the shared list (threads that only start
      // spans get them from there); free what does not fit.
      std::lock_guard lock(mu_);
      for (std::size_t i = 0; i < kChunk && free_.size() < kMaxPooled; ++i)
        free_.push_back(std::move(stash[i]));
      stash.erase(stash.begin(), stash.begin() + kChunk);
    }
    stash.push_back(std::move(span));
  } catch (...) {
    // Out of memory growing a list: `span` is freed instead.
  }
}

void SpanDataPool::release(std::vector<std::unique_ptr<SpanData>>& spans) noexcept {
  // Reset outside the lock: it frees what is not recycled and drops the
  // resource/scope references.
  for (auto& s : spans)
    if (s) reset(*s);
  {
    std::lock_guard lock(mu_);
    for (auto& s : spans) {
      if (!s) continue;
      if (free_.size() >= kMaxPooled) break;
      free_.push_back(std::move(s));
    }
  }
  spans.clear();  // frees whatever did not fit
}

}  // namespace spanline::telemetry::detail
