#include "sdk/packed_attributes.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "protobuf_wire.h"
#include "sdk/span_data_pool.h"
#include "utf8.h"

namespace spanline::telemetry::detail {

namespace {

// One packed attribute, read back from its bytes.
struct PackedView {
  std::string_view key;
  std::string_view text;
  std::uint8_t type = 0;
  std::uint64_t scalar = 0;
};

// Reads a varint at `p` (before `end`); they were written by
// wire::write_varint, so they are well formed.
std::uint64_t read_varint(const char*& p) noexcept {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<std::uint8_t>(*p++);
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
}

// Calls fn(view) for each packed attribute in order, until it returns false.
template <typename Fn>
void for_each_packed(const SpanData::PackedAttributes& packed, Fn&& fn) {
  const char* p = packed.bytes.data();
  const char* const end = p + packed.bytes.size();
  while (p < end) {
    ++p;  // Span.attributes tag
    const std::uint64_t size = read_varint(p);
    const char* const next = p + size;
    PackedView v;
    if (*p == (1 << 3 | 2)) {  // KeyValue.key; absent when empty
      ++p;
      const std::uint64_t n = read_varint(p);
      v.key = std::string_view(p, n);
      p += n;
    }
    ++p;  // KeyValue.value tag
    read_varint(p);
    const auto tag = static_cast<std::uint8_t>(*p++);
    switch (tag) {
      case 1 << 3 | 2: {  // string_value
        const std::uint64_t n = read_varint(p);
        v.text = std::string_view(p, n);
        v.type = 0;
        break;
      }
      case 2 << 3 | 0:  // bool_value
        v.type = 1;
        v.scalar = read_varint(p);
        break;
      case 3 << 3 | 0:  // int_value
        v.type = 2;
        v.scalar = read_varint(p);
        break;
      default:  // double_value, fixed64 little-endian
        v.type = 3;
        for (int i = 0; i < 8; ++i)
          v.scalar |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[i])) << (8 * i);
        break;
    }
    if (!fn(v)) return;
    p = next;
  }
}

}  // namespace

bool packed_key_present(const SpanData::PackedAttributes& packed, std::string_view key) noexcept {
  bool found = false;
  for_each_packed(packed, [&](const PackedView& v) {
    found = v.key == key;
    return !found;
  });
  return found;
}

void unpack_attributes(SpanData& span) {
  auto& packed = span.packed_attributes;
  if (packed.empty()) return;
  auto& attrs = span.attributes;
  attrs.reserve(attrs.size() + packed.count);
  for_each_packed(packed, [&](const PackedView& v) {
    Attribute& a = append_attribute(attrs, &span.spare_attributes, v.key);
    switch (v.type) {
      case 0:
        if (auto* s = std::get_if<std::string>(&a.value))
          s->assign(v.text);
        else
          a.value.emplace<std::string>(v.text);
        break;
      case 1:
        a.value = v.scalar != 0;
        break;
      case 2:
        a.value = static_cast<std::int64_t>(v.scalar);
        break;
      default:
        a.value = std::bit_cast<double>(v.scalar);
        break;
    }
    return true;
  });
  packed.clear();
}

}  // namespace spanline::telemetry::detail
