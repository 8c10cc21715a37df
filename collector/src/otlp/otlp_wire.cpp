#include "otlp/otlp_wire.h"

#include <cstdint>

namespace spanline::collector {
namespace {

// The messages of trace_service.proto and what it imports.
enum class Msg : std::uint8_t {
  kRequest,
  kResourceSpans,
  kResource,
  kEntityRef,
  kScopeSpans,
  kScope,
  kSpan,
  kEvent,
  kLink,
  kStatus,
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKeyValueList,
};

// How a known field is read; kUnknown fields are skipped by wire type, as
// are known fields that arrive with a wire type other than their own.
enum class Kind : std::uint8_t { kUnknown, kVarint, kFixed32, kFixed64, kBytes, kString, kMessage };

struct Field {
  Kind kind = Kind::kUnknown;
  Msg msg = Msg::kRequest;  // for kMessage
};

constexpr Field varint{Kind::kVarint};
constexpr Field fixed32{Kind::kFixed32};
constexpr Field fixed64{Kind::kFixed64};
constexpr Field bytes{Kind::kBytes};
constexpr Field string{Kind::kString};
constexpr Field message(Msg m) {
  return {Kind::kMessage, m};
}

Field field_of(Msg m, std::uint32_t n) {
  switch (m) {
    case Msg::kRequest:
      if (n == 1) return message(Msg::kResourceSpans);
      break;
    case Msg::kResourceSpans:
      if (n == 1) return message(Msg::kResource);
      if (n == 2) return message(Msg::kScopeSpans);
      if (n == 3) return string;
      break;
    case Msg::kResource:
      if (n == 1) return message(Msg::kKeyValue);
      if (n == 2) return varint;
      if (n == 3) return message(Msg::kEntityRef);
      break;
    case Msg::kEntityRef:
      if (n >= 1 && n <= 4) return string;
      break;
    case Msg::kScopeSpans:
      if (n == 1) return message(Msg::kScope);
      if (n == 2) return message(Msg::kSpan);
      if (n == 3) return string;
      break;
    case Msg::kScope:
      if (n == 1 || n == 2) return string;
      if (n == 3) return message(Msg::kKeyValue);
      if (n == 4) return varint;
      break;
    case Msg::kSpan:
      switch (n) {
        case 1:
        case 2:
        case 4:
          return bytes;
        case 3:
        case 5:
          return string;
        case 6:
        case 10:
        case 12:
        case 14:
          return varint;
        case 7:
        case 8:
          return fixed64;
        case 9:
          return message(Msg::kKeyValue);
        case 11:
          return message(Msg::kEvent);
        case 13:
          return message(Msg::kLink);
        case 15:
          return message(Msg::kStatus);
        case 16:
          return fixed32;
      }
      break;
    case Msg::kEvent:
      if (n == 1) return fixed64;
      if (n == 2) return string;
      if (n == 3) return message(Msg::kKeyValue);
      if (n == 4) return varint;
      break;
    case Msg::kLink:
      if (n == 1 || n == 2) return bytes;
      if (n == 3) return string;
      if (n == 4) return message(Msg::kKeyValue);
      if (n == 5) return varint;
      if (n == 6) return fixed32;
      break;
    case Msg::kStatus:
      if (n == 2) return string;
      if (n == 3) return varint;
      break;
    case Msg::kKeyValue:
      if (n == 1) return string;
      if (n == 2) return message(Msg::kAnyValue);
      break;
    case Msg::kAnyValue:
      switch (n) {
        case 1:
          return string;
        case 2:
        case 3:
          return varint;
        case 4:
          return fixed64;
        case 5:
          return message(Msg::kArrayValue);
        case 6:
          return message(Msg::kKeyValueList);
        case 7:
          return bytes;
      }
      break;
    case Msg::kArrayValue:
      if (n == 1) return message(Msg::kAnyValue);
      break;
    case Msg::kKeyValueList:
      if (n == 1) return message(Msg::kKeyValue);
      break;
  }
  return {};
}

constexpr int kWireVarint = 0;
constexpr int kWireFixed64 = 1;
constexpr int kWireLength = 2;
constexpr int kWireStartGroup = 3;
constexpr int kWireEndGroup = 4;
constexpr int kWireFixed32 = 5;

// libprotobuf's default recursion limit: nested messages and groups below
// the top-level message.
constexpr int kMaxDepth = 100;

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF),
// as libprotobuf checks proto3 string fields.
bool valid_utf8(const std::uint8_t* p, const std::uint8_t* end) {
  while (p < end) {
    const std::uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n;
    std::uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i <= n; ++i)
      if ((p[i] & 0xC0) != 0x80) return false;
    p += n + 1;
  }
  return true;
}

bool read_varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& out) {
  out = 0;
  for (int i = 0; i < 10; ++i) {
    if (p == end) return false;
    const std::uint8_t b = *p++;
    out |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if (b < 0x80) return true;
  }
  return false;
}

// A tag or a length: at most five bytes. A tag keeps its low 32 bits (as
// libprotobuf does); a length must fit them.
bool read_varint32(const std::uint8_t*& p, const std::uint8_t* end, std::uint32_t& out,
                   bool truncate = false) {
  std::uint64_t v = 0;
  for (int i = 0; i < 5; ++i) {
    if (p == end) return false;
    const std::uint8_t b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if (b < 0x80) {
      if (v > 0xFFFFFFFFu && !truncate) return false;
      out = static_cast<std::uint32_t>(v);
      return true;
    }
  }
  return false;
}
bool read_tag(const std::uint8_t*& p, const std::uint8_t* end, std::uint32_t& tag) {
  return read_varint32(p, end, tag, true);
}

// Where the scan is, for the id rule's error message.
struct Path {
  std::size_t resource = 0, scope = 0, span = 0, link = 0;
};

class Scanner {
 public:
  explicit Scanner(bool check_ids) : check_ids_(check_ids) {}

  bool scan(std::string_view wire) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(wire.data());
    return message(Msg::kRequest, p, p + wire.size(), kMaxDepth);
  }

  std::size_t spans() const noexcept { return spans_; }
  const std::string& error() const noexcept { return error_; }

 private:
  bool fail(const char* what) {
    if (error_.empty())
      error_ = std::string("not a valid protobuf ExportTraceServiceRequest: ") + what;
    return false;
  }

  // Skips one field of an unknown wire type's value (the tag already read).
  bool skip(int wire_type, std::uint32_t number, const std::uint8_t*& p, const std::uint8_t* end,
            int depth) {
    std::uint64_t v;
    switch (wire_type) {
      case kWireVarint:
        return read_varint(p, end, v) || fail("truncated varint");
      case kWireFixed64:
        if (end - p < 8) return fail("truncated fixed64");
        p += 8;
        return true;
      case kWireFixed32:
        if (end - p < 4) return fail("truncated fixed32");
        p += 4;
        return true;
      case kWireLength: {
        std::uint32_t len;
        if (!read_varint32(p, end, len) || len > 0x7FFFFFFFu) return fail("bad length");
        if (static_cast<std::size_t>(end - p) < len) return fail("length beyond the end");
        p += len;
        return true;
      }
      case kWireStartGroup:
        return group(number, p, end, depth);
      default:
        return fail("bad wire type");
    }
  }

  // An unknown group: fields of any kind up to its end-group tag.
  bool group(std::uint32_t number, const std::uint8_t*& p, const std::uint8_t* end, int depth) {
    if (--depth < 0) return fail("nested too deeply");
    for (;;) {
      std::uint32_t tag;
      if (p == end) return fail("unterminated group");
      if (!read_tag(p, end, tag)) return fail("bad tag");
      const int wire_type = static_cast<int>(tag & 7);
      const std::uint32_t n = tag >> 3;
      if (n == 0) return fail("field number 0");
      if (wire_type == kWireEndGroup) return n == number || fail("mismatched end group");
      if (!skip(wire_type, n, p, end, depth)) return false;
    }
  }

  bool message(Msg m, const std::uint8_t* p, const std::uint8_t* end, int depth) {
    std::size_t id_len[3] = {0, 0, 0};  // last trace id, span id, parent id seen
    while (p < end) {
      std::uint32_t tag;
      if (!read_tag(p, end, tag)) return fail("bad tag");
      const int wire_type = static_cast<int>(tag & 7);
      const std::uint32_t n = tag >> 3;
      if (n == 0) return fail("field number 0");
      if (wire_type == kWireEndGroup) return fail("end group outside a group");
      const Field f = field_of(m, n);
      const int want = f.kind == Kind::kVarint    ? kWireVarint
                       : f.kind == Kind::kFixed32 ? kWireFixed32
                       : f.kind == Kind::kFixed64 ? kWireFixed64
                       : f.kind == Kind::kUnknown ? -1
                                                  : kWireLength;
      if (want != wire_type) {
        if (!skip(wire_type, n, p, end, depth)) return false;
        continue;
      }
      if (wire_type != kWireLength) {
        if (!skip(wire_type, n, p, end, depth)) return false;
        continue;
      }
      std::uint32_t len;
      if (!read_varint32(p, end, len) || len > 0x7FFFFFFFu) return fail("bad length");
      if (static_cast<std::size_t>(end - p) < len) return fail("length beyond the end");
      const std::uint8_t* field_end = p + len;
      if (f.kind == Kind::kString) {
        if (!valid_utf8(p, field_end)) return fail("a string field is not valid UTF-8");
      } else if (f.kind == Kind::kBytes) {
        if ((m == Msg::kSpan || m == Msg::kLink) && n <= 4) id_len[n == 4 ? 2 : n - 1] = len;
      } else {
        if (depth - 1 < 0) return fail("nested too deeply");
        enter(m, f.msg);
        if (!message(f.msg, p, field_end, depth - 1)) return false;
        if (!leave(f.msg)) return false;
      }
      p = field_end;
    }
    if (check_ids_ && (m == Msg::kSpan || m == Msg::kLink)) return ids_ok(m, id_len);
    return true;
  }

  void enter(Msg parent, Msg child) {
    if (child == Msg::kScopeSpans && parent == Msg::kResourceSpans) path_.span = 0;
    if (child == Msg::kSpan && parent == Msg::kScopeSpans) path_.link = 0;
    if (child == Msg::kResourceSpans) path_.scope = 0;
  }

  bool leave(Msg child) {
    switch (child) {
      case Msg::kResourceSpans:
        ++path_.resource;
        break;
      case Msg::kScopeSpans:
        ++path_.scope;
        break;
      case Msg::kSpan:
        ++path_.span;
        ++spans_;
        break;
      case Msg::kLink:
        ++path_.link;
        break;
      default:
        break;
    }
    return true;
  }

  bool ids_ok(Msg m, const std::size_t (&len)[3]) {
    const char* names[3] = {"traceId", "spanId", "parentSpanId"};
    const std::size_t want[3] = {16, 8, 8};
    for (int i = 0; i < (m == Msg::kSpan ? 3 : 2); ++i) {
      if (len[i] == 0 || len[i] == want[i]) continue;
      error_ = "resourceSpans[" + std::to_string(path_.resource) + "].scopeSpans[" +
               std::to_string(path_.scope) + "].spans[" + std::to_string(path_.span) + "].";
      if (m == Msg::kLink) error_ += "links[" + std::to_string(path_.link) + "].";
      error_ += std::string(names[i]) + ": " + std::to_string(len[i]) + " bytes, want " +
                std::to_string(want[i]);
      return false;
    }
    return true;
  }

  bool check_ids_;
  std::size_t spans_ = 0;
  Path path_;
  std::string error_;
};

// Skips one field's value in bytes a scan accepted (groups included); null
// if they are not.
const std::uint8_t* skip_value(const std::uint8_t* p, const std::uint8_t* end, int wire_type,
                               std::uint32_t number, int depth = 0) {
  std::uint64_t v = 0;
  std::uint32_t len = 0;
  switch (wire_type) {
    case kWireVarint:
      return read_varint(p, end, v) ? p : nullptr;
    case kWireFixed64:
      return end - p >= 8 ? p + 8 : nullptr;
    case kWireFixed32:
      return end - p >= 4 ? p + 4 : nullptr;
    case kWireLength:
      return read_varint32(p, end, len) && static_cast<std::size_t>(end - p) >= len ? p + len
                                                                                    : nullptr;
    case kWireStartGroup:
      if (depth > kMaxDepth) return nullptr;
      while (p < end) {
        std::uint32_t tag = 0;
        if (!read_tag(p, end, tag)) return nullptr;
        if ((tag & 7) == kWireEndGroup) return (tag >> 3) == number ? p : nullptr;
        p = skip_value(p, end, static_cast<int>(tag & 7), tag >> 3, depth + 1);
        if (p == nullptr) return nullptr;
      }
      return nullptr;
    default:
      return nullptr;
  }
}

// One field of a message: its tag and its value's bytes.
struct RawField {
  std::uint32_t number = 0;
  int wire_type = 0;
  const std::uint8_t* begin = nullptr;  // the tag
  const std::uint8_t* value = nullptr;  // after the tag (and the length, for kWireLength)
  const std::uint8_t* end = nullptr;
};

// Reads the field at `p`; false at malformed bytes.
bool next_field(const std::uint8_t* p, const std::uint8_t* end, RawField& f) {
  f.begin = p;
  std::uint32_t tag = 0;
  if (!read_tag(p, end, tag)) return false;
  f.number = tag >> 3;
  f.wire_type = static_cast<int>(tag & 7);
  f.end = skip_value(p, end, f.wire_type, f.number);
  if (f.end == nullptr) return false;
  f.value = p;
  std::uint32_t len = 0;
  if (f.wire_type == kWireLength) read_varint32(f.value, end, len);
  return true;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_length_delimited(std::string& out, std::uint32_t number, std::string_view bytes) {
  put_varint(out, (number << 3) | kWireLength);
  put_varint(out, bytes.size());
  out.append(bytes);
}

std::string_view view(const std::uint8_t* begin, const std::uint8_t* end) {
  return {reinterpret_cast<const char*>(begin), static_cast<std::size_t>(end - begin)};
}

}  // namespace

std::size_t count_resource_spans(std::string_view wire) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(wire.data());
  const auto* end = p + wire.size();
  std::size_t n = 0;
  for (RawField f; p < end && next_field(p, end, f); p = f.end)
    n += f.number == 1 && f.wire_type == kWireLength;
  return n;
}

bool rewrite_resources(
    std::string_view wire,
    const std::function<void(opentelemetry::proto::resource::v1::Resource&)>& edit,
    std::string& out) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(wire.data());
  const auto* end = p + wire.size();
  out.reserve(out.size() + wire.size() + 256);
  std::string rest;
  opentelemetry::proto::resource::v1::Resource resource;
  while (p < end) {
    RawField f;
    if (!next_field(p, end, f)) return false;
    p = f.end;
    if (f.number != 1 || f.wire_type != kWireLength) {
      out.append(view(f.begin, f.end));  // not a ResourceSpans: as it was
      continue;
    }
    // A ResourceSpans: its resource fields merged (as a parser would), the
    // rest kept in order.
    std::string resource_bytes;  // every resource field's bytes, joined
    rest.clear();
    for (const std::uint8_t* q = f.value; q < f.end;) {
      RawField g;
      if (!next_field(q, f.end, g)) return false;
      q = g.end;
      if (g.number == 1 && g.wire_type == kWireLength) {
        // Joined message bytes merge exactly as a parser merges repeats.
        resource_bytes.append(view(g.value, g.end));
      } else {
        rest.append(view(g.begin, g.end));
      }
    }
    resource.Clear();
    if (!resource.ParseFromString(resource_bytes)) return false;
    edit(resource);
    std::string rs;
    put_length_delimited(rs, 1, resource.SerializeAsString());
    rs += rest;
    put_length_delimited(out, 1, rs);
  }
  return true;
}

WireScan scan_export_request(std::string_view wire) {
  WireScan out;
  if (wire.size() > 0x7FFFFFFFu) {
    out.error = "not a valid protobuf ExportTraceServiceRequest: larger than 2 GiB";
    return out;
  }
  Scanner scanner(true);
  out.ok = scanner.scan(wire);
  if (out.ok)
    out.spans = scanner.spans();
  else
    out.error = scanner.error();
  return out;
}

bool wire_parses(std::string_view wire) {
  return wire.size() <= 0x7FFFFFFFu && Scanner(false).scan(wire);
}

}  // namespace spanline::collector
