// Response: what a handler returns. A plain value; the server adds
// Content-Length, Connection and (when instrumented) traceresponse.
#pragma once

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spanline::net {

struct Response {
  static constexpr std::string_view kJson = "application/json";
  static constexpr std::string_view kText = "text/plain; charset=utf-8";

  int status = 200;
  std::string body;
  // Must point at static storage (kJson, kText or a literal): responses are
  // built on every request and this costs no allocation. Empty: no
  // Content-Type header.
  std::string_view content_type = kJson;
  // Extra headers, sent as given.
  std::vector<std::pair<std::string, std::string>> headers;

  // `body` serialized as JSON.
  static Response json(int status, const boost::json::value& body);
  static Response text(int status, std::string body);
  // The layer's one error shape: {"error": "<code>", "message": "<text>"}.
  // `error` is a stable snake_case code ("not_found", "invalid_text"), the
  // message is for humans.
  static Response error(int status, std::string_view error, std::string_view message);
};

}  // namespace spanline::net
