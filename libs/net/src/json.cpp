#include "spanline/net/json.h"

#include <boost/json/parse.hpp>

#include <cctype>

namespace spanline::net {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// application/json or application/<anything>+json (RFC 6839), parameters
// such as charset ignored.
bool is_json_media_type(std::string_view content_type) {
  std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(media, "application/json")) return true;
  constexpr std::string_view kApplication = "application/";
  return media.size() > kApplication.size() + 5 &&
         iequals(media.substr(0, kApplication.size()), kApplication) &&
         iequals(media.substr(media.size() - 5), "+json");
}

}  // namespace

boost::system::result<boost::json::value, Response> parse_json(const Request& request,
                                                               JsonBodyOptions options) {
  auto content_type = request.header("content-type");
  if (content_type ? !is_json_media_type(*content_type) : options.require_content_type) {
    return Response::error(415, "unsupported_media_type",
                           "the request body must be JSON (Content-Type: application/json)");
  }
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body(), ec);
  if (ec)
    return Response::error(400, "malformed_json", "the body is not valid JSON: " + ec.message());
  return value;
}

boost::system::result<boost::json::object, Response> parse_json_object(const Request& request,
                                                                       JsonBodyOptions options) {
  auto value = parse_json(request, options);
  if (!value) return value.error();
  if (!value->is_object())
    return Response::error(400, "invalid_body", "the body must be a JSON object");
  return std::move(value->as_object());
}

}  // namespace spanline::net
