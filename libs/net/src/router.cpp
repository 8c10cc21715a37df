#include "spanline/net/router.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace spanline::net {
namespace {

constexpr std::size_t kMaxSegments = 32;

// Splits "/a/b/c" into segments (the leading '/' dropped; "/" is one empty
// segment). Returns the count, or kMaxSegments + 1 when there are too many.
std::size_t split_path(std::string_view path, std::array<std::string_view, kMaxSegments>& out) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::size_t n = 0;
  for (;;) {
    if (n == kMaxSegments) return kMaxSegments + 1;
    const std::size_t slash = path.find('/');
    out[n++] = path.substr(0, slash);
    if (slash == std::string_view::npos) return n;
    path.remove_prefix(slash + 1);
  }
}

bool is_param_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool is_health_check(const Router::Route& route) {
  if (route.segments.empty() || route.segments.back().is_param) return false;
  const std::string& last = route.segments.back().text;
  return last == "health" || last == "healthz" || last == "livez" || last == "readyz";
}

std::vector<Router::Segment> parse_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route template must start with '/': " + std::string(pattern));
  if (pattern.find_first_of("?#") != std::string_view::npos)
    throw std::invalid_argument("route template must be a path: " + std::string(pattern));
  std::array<std::string_view, kMaxSegments> parts;
  const std::size_t n = split_path(pattern, parts);
  if (n > kMaxSegments)
    throw std::invalid_argument("route template has too many segments: " + std::string(pattern));
  std::vector<Router::Segment> segments;
  std::size_t params = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view part = parts[i];
    const bool is_param = part.size() >= 2 && part.front() == '{' && part.back() == '}';
    if (is_param) {
      part = part.substr(1, part.size() - 2);
      if (!is_param_name(part))
        throw std::invalid_argument("bad parameter name in route template: " +
                                    std::string(pattern));
      for (const auto& s : segments)
        if (s.is_param && s.text == part)
          throw std::invalid_argument("duplicate parameter in route template: " +
                                      std::string(pattern));
      if (++params > PathParams::kMaxParams)
        throw std::invalid_argument("too many parameters in route template: " +
                                    std::string(pattern));
    } else if (part.find_first_of("{}") != std::string_view::npos) {
      throw std::invalid_argument("parameters must be whole segments: " + std::string(pattern));
    }
    segments.push_back({std::string(part), is_param});
  }
  return segments;
}

bool matches(const Router::Route& route, const std::string_view* parts, std::size_t n) {
  if (route.segments.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& seg = route.segments[i];
    // A parameter binds one non-empty segment.
    if (seg.is_param ? parts[i].empty() : seg.text != parts[i]) return false;
  }
  return true;
}

}  // namespace

Router::Endpoint& Router::add(Method method, std::string_view pattern, RouteOptions options) {
  if (method == Method::kOther) throw std::invalid_argument("routes need a standard method");
  auto segments = parse_pattern(pattern);
  Route* route = nullptr;
  for (auto& r : routes_) {
    if (r.pattern == pattern) route = &r;
  }
  if (route == nullptr) {
    route = &routes_.emplace_back();
    route->pattern = std::string(pattern);
    route->segments = std::move(segments);
    for (const auto& s : route->segments) route->literal_count += s.is_param ? 0 : 1;
  }
  for (auto& e : route->endpoints) {
    if (e.method != method) continue;
    if (!e.head_from_get)
      throw std::invalid_argument("duplicate route: " + std::string(to_string(method)) + " " +
                                  std::string(pattern));
    // An explicit HEAD replaces the one the GET endpoint served.
    e = Endpoint{};
    add_endpoint(*route, e, method, options);
    return e;
  }
  const bool head_too = method == Method::kGet &&
                        std::none_of(route->endpoints.begin(), route->endpoints.end(),
                                     [](const Endpoint& e) { return e.method == Method::kHead; });
  route->endpoints.emplace_back();
  if (head_too) {
    Endpoint& head = route->endpoints.emplace_back();
    add_endpoint(*route, head, Method::kHead, options);
    head.head_from_get = true;
  }
  Endpoint& endpoint = route->endpoints[route->endpoints.size() - (head_too ? 2 : 1)];
  add_endpoint(*route, endpoint, method, options);
  route->allow.clear();
  for (const auto& e : route->endpoints) {
    if (!route->allow.empty()) route->allow += ", ";
    route->allow += to_string(e.method);
  }
  return endpoint;
}

void Router::add_endpoint(Route& route, Endpoint& endpoint, Method method, RouteOptions options) {
  endpoint.method = method;
  endpoint.instrumented =
      options.instrumentation == Instrumentation::kOn ||
      (options.instrumentation == Instrumentation::kAuto && !is_health_check(route));
  endpoint.span_name = std::string(to_string(method)) + " " + route.pattern;
}

Router& Router::route(Method method, std::string_view pattern, Handler handler,
                      RouteOptions options) {
  if (!handler) throw std::invalid_argument("empty handler for " + std::string(pattern));
  add(method, pattern, options).handler = std::move(handler);
  return *this;
}

Router& Router::route(Method method, std::string_view pattern, SyncHandler handler,
                      RouteOptions options) {
  if (!handler) throw std::invalid_argument("empty handler for " + std::string(pattern));
  add(method, pattern, options).sync_handler = std::move(handler);
  return *this;
}

Router::Match Router::match(Method method, std::string_view path,
                            PathParams& params) const noexcept {
  params.clear();
  std::array<std::string_view, kMaxSegments> parts;
  const std::size_t n = split_path(path, parts);
  Match found;
  const Route* path_match = nullptr;  // most specific route for the path, any method
  for (const Route& route : routes_) {
    if (n > kMaxSegments || !matches(route, parts.data(), n)) continue;
    if (path_match == nullptr || route.literal_count > path_match->literal_count)
      path_match = &route;
    if (found.route != nullptr && route.literal_count <= found.route->literal_count) continue;
    for (const Endpoint& e : route.endpoints) {
      if (e.method != method) continue;
      found.kind = Match::Kind::kFound;
      found.route = &route;
      found.endpoint = &e;
      found.handler = &e;
    }
  }
  if (found.route == nullptr) {
    if (path_match != nullptr) {
      found.kind = Match::Kind::kMethodNotAllowed;
      found.route = path_match;
    }
    return found;
  }
  if (found.endpoint->head_from_get) {
    for (const Endpoint& e : found.route->endpoints)
      if (e.method == Method::kGet) found.handler = &e;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Segment& seg = found.route->segments[i];
    if (seg.is_param) params.add(seg.text, parts[i]);
  }
  return found;
}

}  // namespace spanline::net
