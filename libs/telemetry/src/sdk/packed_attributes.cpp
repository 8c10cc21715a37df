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

// Calls fn(view) for each packed attribute in order, until it returns false.
// The bytes were written by pack_attribute, so reading them cannot fail; a
// field it does not recognise ends the walk.
template <typename Fn>
void for_each_packed(const SpanData::PackedAttributes& packed, Fn&& fn) {
  wire::WireReader span(packed.bytes.view());
  std::uint32_t field;
  wire::WireType type;
  std::string_view key_value;
  while (span.tag(field, type) && span.bytes(key_value)) {  // Span.attributes
    PackedView v;
    std::string_view any;
    wire::WireReader kv(key_value);
    while (kv.tag(field, type)) {
      if (field == 1 && kv.bytes(v.key)) continue;  // KeyValue.key; absent when empty
      if (field == 2 && kv.bytes(any)) continue;    // KeyValue.value
      return;
    }
    wire::WireReader value(any);
    if (!value.tag(field, type)) return;
    bool ok = false;
    switch (field) {
      case 1:  // string_value
        ok = value.bytes(v.text);
        v.type = 0;
        break;
      case 2:  // bool_value
      case 3:  // int_value
        ok = value.varint(v.scalar);
        v.type = static_cast<std::uint8_t>(field - 1);
        break;
      case 4:  // double_value
        ok = value.fixed64(v.scalar);
        v.type = 3;
        break;
    }
    if (!ok || !fn(v)) return;
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
