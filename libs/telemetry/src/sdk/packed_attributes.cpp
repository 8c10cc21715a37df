#include "sdk/packed_attributes.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "protobuf_wire.h"
#include "sdk/span_data_pool.h"
#include "utf8.h"

namespace spanline::telemetry::detail {

void unpack_attributes(SpanData& span) {
  auto& packed = span.packed_attributes;
  if (packed.entries.empty()) return;
  auto& attrs = span.attributes;
  attrs.reserve(attrs.size() + packed.entries.size());
  for (const auto& e : packed.entries) {
    const std::string_view key(packed.bytes.data() + e.key_at, e.key_size);
    Attribute& a = append_attribute(attrs, &span.spare_attributes, key);
    switch (e.type) {
      case 0: {
        const std::string_view text(packed.bytes.data() + e.value_at, e.value_size);
        if (auto* s = std::get_if<std::string>(&a.value))
          s->assign(text);
        else
          a.value.emplace<std::string>(text);
        break;
      }
      case 1:
        a.value = e.scalar != 0;
        break;
      case 2:
        a.value = static_cast<std::int64_t>(e.scalar);
        break;
      default:
        a.value = std::bit_cast<double>(e.scalar);
        break;
    }
  }
  packed.clear();
}

}  // namespace spanline::telemetry::detail
