// Boost.JSON's basic_parser driving its value_stack (the documented way to
// build a DOM with a custom handler), re-reading each double from its text.
#include "otlp/json_dom.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <cstdint>

namespace spanline::collector {
namespace {

namespace json = boost::json;
using json::error_code;

// The handler basic_parser calls: one push onto the value stack per event.
// Strings and keys may arrive in parts; numbers too, in principle (the
// parser splits them only across input buffers, and there is one here).
class DomHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  explicit DomHandler(json::storage_ptr storage) { stack_.reset(std::move(storage)); }

  json::value release() { return stack_.release(); }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, error_code&) {
    number_.clear();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
    number_.clear();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double approximate, json::string_view s, error_code&) {
    std::string_view text(s.data(), s.size());
    if (!number_.empty()) {
      number_.append(s.data(), s.size());
      text = number_;
    }
    double exact;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
    const bool in_range = ec == std::errc() && end == text.data() + text.size();
    number_.clear();
    stack_.push_double(in_range ? exact : approximate);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }

 private:
  json::value_stack stack_;
  std::string number_;  // the parts of a number seen so far
};

}  // namespace

bool parse_json_dom(std::string_view text, std::size_t max_depth, json::value& out,
                    std::string& error) {
  json::parse_options options;
  options.max_depth = max_depth;
  json::basic_parser<DomHandler> parser(options, out.storage());
  error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) {
    error = "invalid JSON at byte " + std::to_string(used) + ": " + ec.message();
    return false;
  }
  out = parser.handler().release();  // same storage: moved, not copied
  return true;
}

}  // namespace spanline::collector
