// Validation of task-api's untrusted input: the POST /tasks body and its
// Content-Type, and GET /tasks' limit/offset query parameters.
//
// Every failure is a ValidationError that maps one-to-one onto the HTTP
// answer: status plus the project's error shape {"error": code, "message"}.
// Nothing here throws; nothing here touches the store, so a rejected request
// changes nothing.
//
// Choices where the issue leaves room:
//  - Content-Type must be application/json (any letter case); parameters are
//    allowed, but a charset other than utf-8 is refused (we only decode UTF-8).
//  - The body is at most max_body_bytes (64 KiB: the longest text, fully
//    \u-escaped, still fits) → 413; it must be valid UTF-8 and one JSON
//    object.
//  - "text" must be a string that is not empty or only ASCII whitespace, and
//    at most max_text_bytes UTF-8 bytes (4096) after JSON unescaping. It is
//    stored exactly as sent, not trimmed.
//  - Other members are ignored, as the originals ignore them (an "id" in the
//    body does not choose the task id). A repeated "text" key: the last wins.
//  - limit/offset: plain decimal digits; limit at most max_list_limit (1000),
//    larger values are refused rather than silently cut; no limit means all
//    tasks (bounded by the store's capacity); an offset past the end is not an
//    error, it gives an empty page.
#pragma once

#include <boost/json/object.hpp>
#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace spanline::taskflow::api {

struct ValidationLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_text_bytes = 4096;
  std::size_t max_list_limit = 1000;
};

// Error codes ("error" member). Stable: clients may switch on them.
namespace error_code {
inline constexpr std::string_view kUnsupportedMediaType = "unsupported_media_type";  // 415
inline constexpr std::string_view kPayloadTooLarge = "payload_too_large";            // 413
inline constexpr std::string_view kInvalidJson = "invalid_json";        // 400: syntax, UTF-8, empty
inline constexpr std::string_view kInvalidRequest = "invalid_request";  // 400: not an object
inline constexpr std::string_view kMissingField = "missing_field";      // 400: no "text"
inline constexpr std::string_view kInvalidType = "invalid_type";        // 400: "text" not a string
inline constexpr std::string_view kInvalidValue = "invalid_value";      // 400: blank text
inline constexpr std::string_view kTextTooLong = "text_too_long";       // 400
inline constexpr std::string_view kInvalidQuery = "invalid_query";      // 400: limit/offset
}  // namespace error_code

struct ValidationError {
  unsigned http_status = 400;
  std::string error;    // one of error_code
  std::string message;  // for humans: what was wrong and what is accepted

  friend bool operator==(const ValidationError&, const ValidationError&) = default;
};

// {"error": error, "message": message}
boost::json::object to_json(const ValidationError& error);

// A value or the reason there is none.
template <typename T>
class Validated {
 public:
  Validated(T value) : v_(std::move(value)) {}
  Validated(ValidationError error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const {
    assert(ok());
    return std::get<0>(v_);
  }
  const ValidationError& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, ValidationError> v_;
};

// The accepted POST /tasks body.
struct NewTask {
  std::string text;
};

// GET /tasks paging.
struct ListQuery {
  std::optional<std::size_t> limit;  // nullopt: all
  std::size_t offset = 0;
};

// nullopt when `header_value` (the raw Content-Type; empty when the header is
// missing) names JSON, else a 415 error.
std::optional<ValidationError> check_content_type(std::string_view header_value);

// Parses and checks a POST /tasks body (Content-Type checked separately).
Validated<NewTask> parse_new_task(std::string_view body, const ValidationLimits& limits = {});

// Checks GET /tasks' query parameters, given their decoded values (nullopt
// when a parameter is absent; present but empty is an error).
Validated<ListQuery> parse_list_query(std::optional<std::string_view> limit,
                                      std::optional<std::string_view> offset,
                                      const ValidationLimits& limits = {});

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points
// past U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace spanline::taskflow::api
