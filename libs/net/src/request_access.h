// Filling a Request in: the server (and tests) write the fields a handler
// may only read.
#pragma once

#include <boost/beast/http/fields.hpp>

#include "spanline/net/request.h"

namespace spanline::net::detail {

class RequestAccess {
 public:
  // Views into `fields`, `target` and `body` are kept; they must outlive the
  // request's use.
  static void set_message(Request& r, Method method, std::string_view method_name,
                          std::string_view target, unsigned version,
                          const boost::beast::http::fields& fields, std::string_view body) {
    r.method_ = method;
    r.method_name_ = method_name;
    r.target_ = target;
    const std::size_t q = target.find('?');
    r.path_ = target.substr(0, q);
    r.query_ = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    r.version_ = version;
    r.fields_ = &fields;
    r.body_ = body;
  }
  static void set_client(Request& r, std::string_view address, std::uint16_t port) {
    r.client_address_ = address;
    r.client_port_ = port;
  }
  static void set_route(Request& r, std::string_view route) { r.route_ = route; }
  static PathParams& params(Request& r) { return r.params_; }
  static telemetry::Context& context(Request& r) { return r.context_; }
};

}  // namespace spanline::net::detail
