// Typed reads of protobuf fields from a Boost.JSON DOM, per the proto3 JSON
// mapping (https://protobuf.dev/programming-guides/proto3/#json), keeping
// the path to the value at hand so that each error names its field:
// "resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex digits".
//
// Every read checks the JSON type and range before use and returns false
// after recording the error; nothing throws but bad_alloc. A message decoder
// derives from this class and describes its messages with object(), list()
// and the scalar reads. One reader per document: the first failure ends it
// (the path then still names where it stopped, and refers into the DOM).
#pragma once

#include <google/protobuf/generated_enum_reflection.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace spanline::collector {

class JsonFieldReader {
 public:
  // "<path>: <what>" for the last failed read; just <what> at the top.
  std::string& error() noexcept { return error_; }

 protected:
  template <typename T>
  using Repeated = google::protobuf::RepeatedPtrField<T>;

  // Records `what` at the current path; returns false.
  bool fail(std::string_view what);

  // Calls on_member(key, value) for each member of an object, with `key` in
  // lowerCamelCase (parsers accept the proto field name too: "trace_id" is
  // "traceId"); unknown keys are the callback's to ignore. A null member
  // means the field's default, so it is skipped.
  template <typename OnMember>
  bool object(const boost::json::value& v, OnMember&& on_member) {
    const boost::json::object* o = v.if_object();
    if (!o) return fail("expected an object");
    for (const boost::json::key_value_pair& member : *o) {
      if (member.value().is_null()) continue;
      const CamelKey key(member.key());
      path_.push_back({key.view(), 0});
      if (!on_member(key.view(), member.value())) return false;
      path_.pop_back();
    }
    return true;
  }

  // Replaces `out` with an array's elements, each read by
  // element(const json::value&, T&).
  template <typename T, typename Element>
  bool list(const boost::json::value& v, Repeated<T>& out, Element&& element) {
    const boost::json::array* a = v.if_array();
    if (!a) return fail("expected an array");
    if (a->size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      return fail("too many elements");
    out.Clear();
    out.Reserve(static_cast<int>(a->size()));
    for (std::size_t i = 0; i < a->size(); ++i) {
      path_.push_back({{}, i});
      if (!element((*a)[i], *out.Add())) return false;
      path_.pop_back();
    }
    return true;
  }

  // Reads a scalar with read() and hands it to a generated setter.
  template <typename Message, typename T>
  bool set(const boost::json::value& v, Message& out, void (Message::*setter)(T)) {
    T x{};
    if (!read(v, x)) return false;
    (out.*setter)(x);
    return true;
  }

  bool string(const boost::json::value& v, std::string& out);
  bool read(const boost::json::value& v, bool& out);
  // Doubles: a JSON number, "NaN", "Infinity", "-Infinity", or a number in
  // a string.
  bool read(const boost::json::value& v, double& out);

  // Integers: a JSON number, or a string holding one (how 64-bit values
  // travel); exponent and fraction forms count when the value is integral.
  template <typename Int>
  requires std::is_integral_v<Int>
  bool read(const boost::json::value& v, Int& out) {
    switch (v.kind()) {
      case boost::json::kind::int64:
        if (!std::in_range<Int>(v.get_int64())) return fail("integer out of range");
        out = static_cast<Int>(v.get_int64());
        return true;
      case boost::json::kind::uint64:
        if (!std::in_range<Int>(v.get_uint64())) return fail("integer out of range");
        out = static_cast<Int>(v.get_uint64());
        return true;
      case boost::json::kind::double_:
        return integral(v.get_double(), out);
      case boost::json::kind::string: {
        const std::string_view text = v.get_string();
        if (!is_json_number(text)) return fail("expected an integer");
        const char* end = text.data() + text.size();
        const auto [stop, ec] = std::from_chars(text.data(), end, out);
        if (ec == std::errc() && stop == end) return true;
        if (ec == std::errc::result_out_of_range) return fail("integer out of range");
        // A fraction or an exponent, or "-0" for an unsigned field.
        double d;
        if (!exact_double(text, d)) return fail("integer out of range");
        return integral(d, out);
      }
      default:
        return fail("expected an integer");
    }
  }

  // Enums: the integer (all OTLP senders write), or the value's name.
  template <typename Enum>
  requires std::is_enum_v<Enum>
  bool read(const boost::json::value& v, Enum& out) {
    if (const boost::json::string* s = v.if_string()) {
      const auto* value =
          google::protobuf::GetEnumDescriptor<Enum>()->FindValueByName(std::string(*s));
      if (!value) return fail("unknown enum value name");
      out = static_cast<Enum>(value->number());
      return true;
    }
    std::int32_t n = 0;
    if (!read(v, n)) return false;
    out = static_cast<Enum>(n);  // proto3 enums are open: any int32 is kept
    return true;
  }

  // `size` bytes as hex digits of either case, or "" for none (OTLP's form
  // of trace and span ids).
  bool hex_bytes(const boost::json::value& v, std::size_t size, std::string& out);
  // bytes fields: base64, standard or URL-safe, padded or not.
  bool base64(const boost::json::value& v, std::string& out);

 private:
  // A member name in lowerCamelCase. Names that are not snake_case, or too
  // long to be one of ours, are left as they are.
  class CamelKey {
   public:
    explicit CamelKey(std::string_view key) noexcept;
    CamelKey(const CamelKey&) = delete;
    CamelKey& operator=(const CamelKey&) = delete;
    std::string_view view() const noexcept { return view_; }

   private:
    char buf_[32];
    std::string_view view_;
  };

  // A field name, or (when empty) an index into the enclosing array.
  struct Segment {
    std::string_view field;
    std::size_t index;
  };

  template <typename Int>
  bool integral(double d, Int& out) {
    if (std::isfinite(d) && d != std::trunc(d)) return fail("expected an integer");
    // min is a power of two (or zero) and max + 1 rounds to one, so both
    // bounds are exact.
    constexpr double kMin = static_cast<double>(std::numeric_limits<Int>::min());
    constexpr double kEnd = static_cast<double>(std::numeric_limits<Int>::max()) + 1.0;
    // Integer literals past the 64-bit range arrive as doubles, and those
    // just below INT64_MIN round to -2^63: reject that double whatever its
    // form (the literal -9223372036854775808 itself arrives as int64).
    constexpr bool kMinIsRounded = std::is_signed_v<Int> && sizeof(Int) == 8;
    if (!((kMinIsRounded ? d > kMin : d >= kMin) && d < kEnd)) return fail("integer out of range");
    out = static_cast<Int>(d);
    return true;
  }

  // RFC 8259 §6 number grammar, for numbers quoted in strings.
  static bool is_json_number(std::string_view s) noexcept;
  // The nearest double (std::from_chars rounds correctly); false past the
  // double range either way.
  static bool exact_double(std::string_view text, double& out) noexcept;

  std::vector<Segment> path_;
  std::string error_;
};

}  // namespace spanline::collector
