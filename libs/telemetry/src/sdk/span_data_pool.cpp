#include "sdk/span_data_pool.h"

namespace spanline::telemetry::detail {

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
  s.attributes.clear();
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

SpanDataPool& SpanDataPool::instance() noexcept {
  // Leaked on purpose: spans may be released by threads still running while
  // static destructors run at exit.
  static auto* pool = new SpanDataPool;
  return *pool;
}

namespace {
thread_local std::vector<std::string> t_strings;

// Moves the recyclable string buffers of `span`'s attributes into `out`.
void harvest_strings(SpanData& span, std::vector<std::string>& out) {
  for (auto& a : span.attributes) {
    if (a.key.capacity() <= SpanDataPool::kMaxRecycledCapacity) out.push_back(std::move(a.key));
    if (auto* v = std::get_if<std::string>(&a.value);
        v && v->capacity() <= SpanDataPool::kMaxRecycledCapacity)
      out.push_back(std::move(*v));
  }
}
}  // namespace

std::string SpanDataPool::take_string() noexcept {
  if (t_strings.empty()) {
    auto& pool = instance();
    std::lock_guard lock(pool.mu_);
    const std::size_t m = std::min(kStringChunk, pool.free_strings_.size());
    if (m == 0) return {};
    try {
      t_strings.reserve(kStringChunk);
    } catch (...) {
      return {};
    }
    for (std::size_t i = 0; i < m; ++i) {
      t_strings.push_back(std::move(pool.free_strings_.back()));
      pool.free_strings_.pop_back();
    }
  }
  std::string s = std::move(t_strings.back());
  t_strings.pop_back();
  s.clear();
  return s;
}

std::unique_ptr<SpanData> SpanDataPool::acquire() {
  thread_local std::vector<std::unique_ptr<SpanData>> stash;
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

void SpanDataPool::release(std::vector<std::unique_ptr<SpanData>>& spans) noexcept {
  // Harvest and clear outside the lock: clearing frees what is not recycled
  // and drops the resource/scope references.
  thread_local std::vector<std::string> harvested;
  try {
    for (auto& s : spans) {
      if (!s) continue;
      harvest_strings(*s, harvested);
      reset(*s);
    }
  } catch (...) {
    // Out of memory while growing `harvested`: recycle fewer strings.
  }
  {
    std::lock_guard lock(mu_);
    for (auto& s : spans) {
      if (!s) continue;
      if (free_.size() >= kMaxPooled) break;
      free_.push_back(std::move(s));
    }
    try {
      for (auto& str : harvested) {
        if (free_strings_.size() >= kMaxPooledStrings) break;
        free_strings_.push_back(std::move(str));
      }
    } catch (...) {
    }
  }
  harvested.clear();
  spans.clear();  // frees whatever did not fit
}

}  // namespace spanline::telemetry::detail
