// JSON request bodies (Boost.JSON), with the error responses a handler
// returns when the body is not acceptable.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include "spanline/net/request.h"
#include "spanline/net/response.h"

namespace spanline::net {

struct JsonBodyOptions {
  // false: a request without Content-Type is parsed too; true: it gets 415.
  // A Content-Type other than application/json (or */*+json) is always 415.
  bool require_content_type = false;
};

// Parses the request body as JSON. Errors, ready to return from a handler:
// 415 unsupported_media_type (see JsonBodyOptions), 400 malformed_json when
// the body is not exactly one JSON text.
boost::system::result<boost::json::value, Response> parse_json(const Request& request,
                                                               JsonBodyOptions options = {});

// As parse_json, and the value must be an object (else 400 invalid_body).
boost::system::result<boost::json::object, Response> parse_json_object(
    const Request& request, JsonBodyOptions options = {});

}  // namespace spanline::net
