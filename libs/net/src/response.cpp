#include "spanline/net/response.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "spanline/telemetry/api/json_text.h"

namespace spanline::net {

Response Response::json(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = kText;
  return r;
}

// Hand-built rather than through Boost.JSON: the layer's own errors are on
// paths (404, 408, 413) that should stay cheap.
Response Response::error(int status, std::string_view error, std::string_view message) {
  Response r;
  r.status = status;
  r.body.reserve(32 + error.size() + message.size());
  r.body = "{\"error\":";
  telemetry::append_json_string(r.body, error);
  r.body += ",\"message\":";
  telemetry::append_json_string(r.body, message);
  r.body.push_back('}');
  return r;
}

}  // namespace spanline::net
