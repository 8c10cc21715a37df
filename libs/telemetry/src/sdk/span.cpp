#include "spanline/telemetry/sdk/span.h"

#include <cxxabi.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <typeinfo>

#include "sdk/packed_attributes.h"
#include "sdk/provider_state.h"
#include "sdk/span_data_pool.h"

namespace spanline::telemetry {
namespace detail {

// Attribute keys often share long prefixes ("http.request.", "net.peer.")
// and differ at the end, so the last byte rejects most mismatches before a
// full compare. Every set_attribute scans the span's keys.
bool same_key(const std::string& a, std::string_view b) noexcept {
  return a.size() == b.size() && (b.empty() || a.back() == b.back()) &&
         std::char_traits<char>::compare(a.data(), b.data(), b.size()) == 0;
}

std::string_view truncated(std::string_view s, std::size_t max_length) noexcept {
  if (s.size() <= max_length) return s;
  std::size_t cut = max_length;
  // Step back over UTF-8 continuation bytes so the result stays valid text.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

void truncate_string(std::string& s, std::size_t max_length) {
  s.resize(truncated(s, max_length).size());
}

void truncate_value(AttributeValue& value, std::size_t max_length) {
  if (max_length == SpanLimits::kUnlimited) return;
  if (auto* s = std::get_if<std::string>(&value)) {
    truncate_string(*s, max_length);
  } else if (auto* v = std::get_if<std::vector<std::string>>(&value)) {
    for (auto& item : *v) truncate_string(item, max_length);
  }
}

bool set_limited(std::vector<Attribute>& attrs, std::string_view key, AttributeValue value,
                 std::size_t count_limit, std::size_t value_length,
                 SpanData::SpareAttributes* spare) {
  truncate_value(value, value_length);
  for (auto& a : attrs) {
    if (same_key(a.key, key)) {
      a.value = std::move(value);
      return true;
    }
  }
  if (attrs.size() >= count_limit) return false;
  append_attribute(attrs, spare, key).value = std::move(value);
  return true;
}

void ProviderState::end_span(std::unique_ptr<SpanData> data) noexcept {
  counters.spans_ended.add();
  const std::size_t n = processors.size();
  if (n == 0) return;
  if (!data->packed_attributes.empty() && !(n == 1 && processors[0]->reads_packed_attributes())) {
    try {
      unpack_attributes(*data);
    } catch (...) {
      counters.spans_dropped.add();
      return;
    }
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    try {
      processors[i]->on_end(std::make_unique<SpanData>(*data));
    } catch (...) {
      counters.spans_dropped.add();
    }
  }
  processors[n - 1]->on_end(std::move(data));
}

}  // namespace detail

namespace {

std::vector<Attribute> limit_attributes(std::vector<Attribute> in, std::size_t count_limit,
                                        std::size_t value_length, std::uint32_t& dropped) {
  std::vector<Attribute> out;
  out.reserve(std::min(in.size(), count_limit));
  for (auto& a : in) {
    if (!detail::set_limited(out, a.key, std::move(a.value), count_limit, value_length)) ++dropped;
  }
  return out;
}

// The AttributeValue alternative a simple value is stored as.
template <typename T>
constexpr std::uint8_t attribute_index() {
  if constexpr (std::is_same_v<T, std::string_view>)
    return 0;
  else if constexpr (std::is_same_v<T, bool>)
    return 1;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return 2;
  else
    return 3;
}

// Assigns into an attribute slot, which usually holds the same type already
// (a recycled one): a string reuses its buffer.
template <typename T>
void assign(AttributeValue& slot, T value) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    if (auto* s = std::get_if<std::string>(&slot))
      s->assign(value);
    else
      slot.emplace<std::string>(value);
  } else {
    if (auto* v = std::get_if<T>(&slot))
      *v = value;
    else
      slot.emplace<T>(value);
  }
}

std::string demangle(const char* name) {
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return name;
  std::string result(out);
  std::free(out);
  return result;
}

}  // namespace

Span::Span(Span&& other) noexcept
    : context_(std::move(other.context_)),
      data_(std::move(other.data_)),
      provider_(other.provider_) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
    provider_ = other.provider_;
  }
  return *this;
}

AttributeSet::AttributeSet(std::vector<Attribute> attributes) {
  attributes_.reserve(attributes.size());
  for (Attribute& a : attributes) {
    auto same = std::find_if(attributes_.begin(), attributes_.end(),
                             [&](const Attribute& b) { return b.key == a.key; });
    if (same != attributes_.end())
      same->value = std::move(a.value);
    else
      attributes_.push_back(std::move(a));
  }
  for (const Attribute& a : attributes_) {
    const std::optional<wire::ScalarKeyValue> kv = wire::scalar_key_value(a);
    if (!kv) {  // an array or text to sanitize: set one by one
      packed_.clear();
      key_bits_ = 0;
      return;
    }
    longest_text_ = std::max(longest_text_, kv->text.size());
    const wire::ScalarKeyValue::Sizes sizes = kv->sizes();
    const std::size_t at = packed_.size();
    packed_.resize(at + sizes.field);
    kv->write(packed_.data() + at, 9, sizes);  // Span.attributes
    key_bits_ |= detail::key_bit(a.key);
  }
  packable_ = true;
}

void Span::set_attributes(const AttributeSet& set) {
  if (!data_) return;
  const auto& l = provider_->limits;
  auto& packed = data_->packed_attributes;
  // Distinct filter bits mean no key of the set is packed already.
  if (provider_->pack_attributes && set.packable_ && data_->attributes.empty() &&
      (packed.key_bits & set.key_bits_) == 0 &&
      packed.count + set.attributes_.size() <= l.attribute_count &&
      set.longest_text_ <= l.attribute_value_length) {
    packed.bytes.append(set.packed_);
    packed.count += static_cast<std::uint32_t>(set.attributes_.size());
    packed.key_bits |= set.key_bits_;
    return;
  }
  for (const Attribute& a : set.attributes_) {
    if (const auto* text = std::get_if<std::string>(&a.value))
      set_attribute(a.key, std::string_view(*text));
    else if (const auto* b = std::get_if<bool>(&a.value))
      set_simple<bool>(a.key, *b);
    else if (const auto* i = std::get_if<std::int64_t>(&a.value))
      set_simple<std::int64_t>(a.key, *i);
    else if (const auto* d = std::get_if<double>(&a.value))
      set_simple<double>(a.key, *d);
    else
      set_attribute(a.key, a.value);
  }
}

void Span::set_attribute(std::string_view key, AttributeValue value) {
  if (!data_) return;
  detail::unpack_attributes(*data_);
  const auto& l = provider_->limits;
  if (!detail::set_limited(data_->attributes, key, std::move(value), l.attribute_count,
                           l.attribute_value_length, &data_->spare_attributes))
    ++data_->dropped_attributes_count;
}

void Span::set_attribute(std::string_view key, std::string_view value) {
  if (!data_) return;
  set_simple(key, detail::truncated(value, provider_->limits.attribute_value_length));
}

[[gnu::always_inline]] inline bool Span::packed(std::string_view key, std::string_view text,
                                                std::uint8_t type, std::uint64_t scalar) {
  switch (
      detail::pack_attribute(*data_, key, text, type, scalar, provider_->limits.attribute_count)) {
    case detail::PackResult::kPacked:
      return true;
    case detail::PackResult::kDropped:
      ++data_->dropped_attributes_count;
      return true;
    case detail::PackResult::kUnpackable:
      break;
  }
  detail::unpack_attributes(*data_);
  return false;
}

const SpanData* Span::data() const {
  if (data_) detail::unpack_attributes(*data_);
  return data_.get();
}

template <typename T>
void Span::set_simple(std::string_view key, T value) {
  if (!data_) return;
  if (provider_->pack_attributes && data_->attributes.empty()) {
    std::string_view text;
    std::uint64_t bits = 0;
    if constexpr (std::is_same_v<T, std::string_view>)
      text = value;
    else if constexpr (std::is_same_v<T, double>)
      bits = std::bit_cast<std::uint64_t>(value);
    else
      bits = static_cast<std::uint64_t>(value);
    if (packed(key, text, attribute_index<T>(), bits)) return;
  }
  auto& attrs = data_->attributes;
  for (auto& a : attrs) {
    if (detail::same_key(a.key, key)) {
      assign(a.value, value);
      return;
    }
  }
  if (attrs.size() >= provider_->limits.attribute_count) {
    ++data_->dropped_attributes_count;
    return;
  }
  assign(detail::append_attribute(attrs, &data_->spare_attributes, key).value, value);
}
template void Span::set_simple<std::string_view>(std::string_view, std::string_view);
template void Span::set_simple<bool>(std::string_view, bool);
template void Span::set_simple<std::int64_t>(std::string_view, std::int64_t);
template void Span::set_simple<double>(std::string_view, double);

void Span::add_event(std::string_view name, std::vector<Attribute> attributes,
                     std::uint64_t time_unix_nano) {
  if (!data_) return;
  const auto& l = provider_->limits;
  if (data_->events.size() >= l.event_count) {
    ++data_->dropped_events_count;
    return;
  }
  SpanEvent e;
  e.time_unix_nano = time_unix_nano ? time_unix_nano : provider_->now();
  e.name = std::string(name);
  e.attributes = limit_attributes(std::move(attributes), l.event_attribute_count,
                                  l.attribute_value_length, e.dropped_attributes_count);
  data_->events.push_back(std::move(e));
}

void Span::add_link(const SpanContext& context, std::vector<Attribute> attributes) {
  if (!data_ || !context.is_valid()) return;
  const auto& l = provider_->limits;
  if (data_->links.size() >= l.link_count) {
    ++data_->dropped_links_count;
    return;
  }
  SpanLink link;
  link.trace_id = context.trace_id();
  link.span_id = context.span_id();
  link.trace_state = context.trace_state().to_header();
  link.trace_flags = context.trace_flags().bits();
  link.is_remote = context.is_remote();
  link.attributes = limit_attributes(std::move(attributes), l.link_attribute_count,
                                     l.attribute_value_length, link.dropped_attributes_count);
  data_->links.push_back(std::move(link));
}

void Span::set_status(StatusCode code, std::string_view message) {
  if (!data_ || code == StatusCode::kUnset) return;
  if (data_->status.code == StatusCode::kOk) return;  // Ok is final (trace API spec, SetStatus)
  data_->status.code = code;
  data_->status.message = code == StatusCode::kError ? std::string(message) : std::string();
}

void Span::update_name(std::string_view name) {
  if (data_) data_->name.assign(name);
}

void Span::record_exception(const std::exception& error) {
  if (!data_) return;
  record_exception(demangle(typeid(error).name()), error.what());
}

void Span::record_exception(std::string_view type, std::string_view message,
                            std::string_view stacktrace) {
  if (!data_) return;
  std::vector<Attribute> attrs;
  attrs.push_back({"exception.type", std::string(type)});
  attrs.push_back({"exception.message", std::string(message)});
  if (!stacktrace.empty()) attrs.push_back({"exception.stacktrace", std::string(stacktrace)});
  add_event("exception", std::move(attrs));
}

void Span::end(std::uint64_t end_unix_nano) noexcept {
  if (!data_) return;
  auto end = end_unix_nano ? end_unix_nano : provider_->now();
  data_->end_unix_nano = end < data_->start_unix_nano ? data_->start_unix_nano : end;
  provider_->end_span(std::move(data_));
}

}  // namespace spanline::telemetry
