// Router: route templates with path parameters, one handler per method.
//
// Templates are literal segments and whole-segment parameters:
// "/tasks", "/tasks/{id}", "/users/{user}/tasks/{task}". A path matches a
// template with as many segments; when several match, the one with the most
// literal segments wins (then the first registered), so "/tasks/stats"
// beats "/tasks/{id}". A path that matches no template is 404; one that
// matches but not for this method is 405 with an Allow header.
//
// A route with GET answers HEAD too (RFC 9110 §9.3.2): the GET handler
// runs, the server sends its status and header fields without the body, and
// the span and attributes say HEAD. Registering HEAD on the route replaces
// that with a handler of its own.
//
// Build the router at startup (registration throws std::invalid_argument on
// a malformed or duplicate template), then hand it to a Server, which never
// changes it: matching is read-only and thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/net/method.h"
#include "spanline/net/request.h"
#include "spanline/net/response.h"

namespace spanline::net {

// A coroutine handler. The Request stays valid until the returned awaitable
// completes. Exceptions become 500 responses (and an exception event).
using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
// A plain function handler, run inline on an I/O thread: it must not block.
// Cheaper than a coroutine for trivial endpoints (health, static answers).
using SyncHandler = std::function<Response(Request&)>;

enum class Instrumentation : std::uint8_t {
  kAuto,  // on, except health checks: a last segment of health, healthz, livez, readyz
  kOn,
  kOff,  // no server span, no traceresponse (the incoming context still reaches the Request)
};

struct RouteOptions {
  Instrumentation instrumentation = Instrumentation::kAuto;
};

class Router {
 public:
  struct Endpoint {
    Method method = Method::kGet;
    Handler handler;           // exactly one of handler and sync_handler is set
    SyncHandler sync_handler;  //
    bool instrumented = true;  // RouteOptions resolved
    std::string span_name;     // "{METHOD} {template}", built once
    // HEAD served by the route's GET endpoint (no handler of its own).
    bool head_from_get = false;
  };
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string pattern;
    std::vector<Segment> segments;
    std::vector<Endpoint> endpoints;
    std::string allow;  // the Allow header for 405: "GET, POST"
    std::size_t literal_count = 0;
  };
  struct Match {
    enum class Kind : std::uint8_t { kFound, kNotFound, kMethodNotAllowed };
    Kind kind = Kind::kNotFound;
    const Route* route = nullptr;        // kFound and kMethodNotAllowed
    const Endpoint* endpoint = nullptr;  // kFound: names the span, gives its attributes
    const Endpoint* handler = nullptr;   // kFound: whose handler runs (GET for head_from_get)
  };

  Router& route(Method method, std::string_view pattern, Handler handler,
                RouteOptions options = {});
  Router& route(Method method, std::string_view pattern, SyncHandler handler,
                RouteOptions options = {});

  Router& get(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return route(Method::kGet, pattern, std::move(h), o);
  }
  Router& get(std::string_view pattern, SyncHandler h, RouteOptions o = {}) {
    return route(Method::kGet, pattern, std::move(h), o);
  }
  Router& post(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return route(Method::kPost, pattern, std::move(h), o);
  }
  Router& post(std::string_view pattern, SyncHandler h, RouteOptions o = {}) {
    return route(Method::kPost, pattern, std::move(h), o);
  }
  Router& put(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return route(Method::kPut, pattern, std::move(h), o);
  }
  Router& patch(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return route(Method::kPatch, pattern, std::move(h), o);
  }
  Router& del(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return route(Method::kDelete, pattern, std::move(h), o);
  }

  // Finds the endpoint for `path` (without query) and binds the template's
  // parameters into `params` (views into `path` and into this router).
  // Allocation-free.
  Match match(Method method, std::string_view path, PathParams& params) const noexcept;

  const std::vector<Route>& routes() const noexcept { return routes_; }

 private:
  Endpoint& add(Method method, std::string_view pattern, RouteOptions options);
  static void add_endpoint(Route& route, Endpoint& endpoint, Method method, RouteOptions options);

  std::vector<Route> routes_;
};

}  // namespace spanline::net
