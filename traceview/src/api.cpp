#include "api.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "jaeger_json.h"
#include "spanline/net/request.h"
#include "spanline/net/response.h"

namespace spanline::traceview {
namespace {

namespace json = boost::json;
using net::Request;
using net::Response;

// A parameter that cannot be used: the message of the 400.
// The most traces one search returns (Jaeger's UI asks for up to 1,500):
// every one is copied and rendered.
constexpr std::uint64_t kMaxLimit = 10'000;

struct BadParameter : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

Response envelope(json::value data, std::size_t total) {
  json::object o;
  o["data"] = std::move(data);
  o["total"] = total;
  o["limit"] = 0;
  o["offset"] = 0;
  o["errors"] = nullptr;
  return Response::json(200, o);
}

Response failure(int status, std::string_view code, std::string_view message) {
  json::object err;
  err["code"] = status;
  err["msg"] = message;
  json::object o;
  o["data"] = nullptr;
  o["total"] = 0;
  o["limit"] = 0;
  o["offset"] = 0;
  o["errors"] = json::array{err};
  o["error"] = code;
  o["message"] = message;
  return Response::json(status, o);
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::uint64_t micros_param(const Request& r, std::string_view name) {
  auto v = r.query_param(name);
  if (!v || v->empty()) return 0;
  auto n = parse_u64(*v);
  if (!n || *n > UINT64_MAX / 1000)
    throw BadParameter("parameter '" + std::string(name) +
                       "' must be microseconds since the epoch, not '" + *v + "'");
  return *n * 1000;
}

std::uint64_t duration_param(const Request& r, std::string_view name) {
  auto v = r.query_param(name);
  if (!v || v->empty()) return 0;
  auto d = parse_go_duration_ns(*v);
  if (!d)
    throw BadParameter("parameter '" + std::string(name) +
                       "' must be a duration such as 1.5s, 300ms or 2m, not '" + *v + "'");
  return *d;
}

// tags={"k":"v",...} (the Jaeger UI) and tag=k:v (repeatable, the API).
std::vector<std::pair<std::string, std::string>> tag_params(const Request& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (auto tags = r.query_param("tags"); tags && !tags->empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(*tags, ec);
    if (ec || !v.is_object())
      throw BadParameter(
          "parameter 'tags' must be a JSON object of strings, such as "
          "{\"http.status_code\":\"500\"}");
    for (const auto& [k, val] : v.as_object()) {
      if (val.is_string())
        out.emplace_back(std::string(k), std::string(val.as_string()));
      else
        out.emplace_back(std::string(k), json::serialize(val));
    }
  }
  for (const std::string& t : r.query_params("tag")) {
    const auto colon = t.find(':');
    if (colon == std::string::npos || colon == 0)
      throw BadParameter("parameter 'tag' must be key:value, not '" + t + "'");
    out.emplace_back(t.substr(0, colon), t.substr(colon + 1));
  }
  return out;
}

TraceQuery trace_query(const Request& r) {
  TraceQuery q;
  q.service = r.query_param("service").value_or("");
  if (q.service.empty()) throw BadParameter("parameter 'service' is required");
  q.operation = r.query_param("operation").value_or("");
  q.tags = tag_params(r);
  q.end_ns = micros_param(r, "end");
  q.start_ns = micros_param(r, "start");
  if (q.start_ns == 0) {
    if (auto lookback = r.query_param("lookback");
        lookback && !lookback->empty() && *lookback != "custom") {
      auto d = parse_go_duration_ns(*lookback);
      if (!d)
        throw BadParameter(
            "parameter 'lookback' must be a duration such as 1h or 2d, or custom, not '" +
            *lookback + "'");
      const std::uint64_t end = q.end_ns != 0 ? q.end_ns : now_ns();
      q.start_ns = end > *d ? end - *d : 1;
    }
  }
  if (q.end_ns != 0 && q.start_ns > q.end_ns)
    throw BadParameter("parameter 'start' is after 'end'");
  q.min_duration_ns = duration_param(r, "minDuration");
  q.max_duration_ns = duration_param(r, "maxDuration");
  if (q.max_duration_ns != 0 && q.min_duration_ns > q.max_duration_ns)
    throw BadParameter("parameter 'minDuration' is larger than 'maxDuration'");
  if (auto limit = r.query_param("limit"); limit && !limit->empty()) {
    auto n = parse_u64(*limit);
    if (!n)
      throw BadParameter("parameter 'limit' must be a non-negative integer, not '" + *limit + "'");
    if (*n > 0) q.limit = static_cast<std::size_t>(std::min<std::uint64_t>(*n, kMaxLimit));
  }
  return q;
}

json::array traces_json(const std::vector<StoredTrace>& traces, const TraceStore& store) {
  json::array data;
  data.reserve(traces.size());
  for (const auto& t : traces) data.push_back(jaeger_trace(t, store));
  return data;
}

// Runs `fn`, turning BadParameter into a 400.
template <typename Fn>
net::SyncHandler guarded(Fn fn) {
  return [fn = std::move(fn)](Request& r) -> Response {
    try {
      return fn(r);
    } catch (const BadParameter& e) {
      return failure(400, "bad_parameter", e.what());
    }
  };
}

}  // namespace

std::optional<std::uint64_t> parse_go_duration_ns(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s == "0") return 0;
  double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    double number = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + i, number);
    if (ec != std::errc() || ptr != s.data() + i) return std::nullopt;
    s.remove_prefix(i);
    std::size_t j = 0;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
    const std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else if (unit == "d")  // Jaeger's lookback also says "2d"
      scale = 86400e9;
    else
      return std::nullopt;
    total += number * scale;
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(total));
}

void add_query_api(net::Router& router, const TraceStore& store) {
  const net::RouteOptions untraced{.instrumentation = net::Instrumentation::kOff};
  router.get("/api/services", guarded([&store](Request&) {
               json::array data;
               for (const auto& s : store.services()) data.push_back(json::string(s));
               const std::size_t n = data.size();
               return envelope(std::move(data), n);
             }),
             untraced);
  router.get("/api/services/{service}/operations", guarded([&store](Request& r) {
               const std::string service = net::percent_decode(r.param("service"));
               json::array data;
               for (const auto& [name, kinds] : store.operations(service))
                 data.push_back(json::string(name));
               const std::size_t n = data.size();
               return envelope(std::move(data), n);
             }),
             untraced);
  router.get("/api/operations", guarded([&store](Request& r) {
               const std::string service = r.query_param("service").value_or("");
               if (service.empty()) throw BadParameter("parameter 'service' is required");
               const std::string kind = r.query_param("spanKind").value_or("");
               json::array data;
               for (const auto& [name, kinds] : store.operations(service)) {
                 for (std::uint8_t k : kinds) {
                   if (!kind.empty() && kind_name(k) != kind) continue;
                   json::object op;
                   op["name"] = name;
                   op["spanKind"] = kind_name(k);
                   data.push_back(std::move(op));
                 }
               }
               const std::size_t n = data.size();
               return envelope(std::move(data), n);
             }),
             untraced);
  router.get("/api/traces", guarded([&store](Request& r) {
               const auto ids = r.query_params("traceID");
               std::vector<StoredTrace> found;
               if (!ids.empty()) {
                 for (const std::string& hex : ids) {
                   auto id = parse_trace_id(hex);
                   if (!id) throw BadParameter("traceID '" + hex + "' is not 1 to 32 hex digits");
                   if (auto t = store.get(*id)) found.push_back(std::move(*t));
                 }
               } else {
                 found = store.find(trace_query(r));
               }
               const std::size_t n = found.size();
               return envelope(traces_json(found, store), n);
             }),
             untraced);
  router.get("/api/traces/{traceID}", guarded([&store](Request& r) {
               const std::string hex(r.param("traceID"));
               auto id = parse_trace_id(hex);
               if (!id) throw BadParameter("traceID '" + hex + "' is not 1 to 32 hex digits");
               auto t = store.get(*id);
               if (!t) return failure(404, "not_found", "trace " + hex + " not found");
               return envelope(json::array{jaeger_trace(*t, store, true)}, 1);
             }),
             untraced);
  router.get(
      "/api/dependencies", guarded([&store](Request& r) {
        // Jaeger takes milliseconds here.
        std::uint64_t end_ms = now_ns() / 1'000'000, lookback_ms = 86'400'000;
        if (auto v = r.query_param("endTs"); v && !v->empty()) {
          auto n = parse_u64(*v);
          if (!n || *n > UINT64_MAX / 1'000'000)
            throw BadParameter("parameter 'endTs' must be milliseconds since the epoch");
          end_ms = *n;
        }
        if (auto v = r.query_param("lookback"); v && !v->empty()) {
          auto n = parse_u64(*v);
          if (!n) throw BadParameter("parameter 'lookback' must be milliseconds");
          lookback_ms = *n;
        }
        const std::uint64_t from_ms = end_ms > lookback_ms ? end_ms - lookback_ms : 0;
        json::array data;
        for (const Dependency& d : store.dependencies(from_ms * 1'000'000, end_ms * 1'000'000)) {
          json::object edge;
          edge["parent"] = d.parent;
          edge["child"] = d.child;
          edge["callCount"] = d.call_count;
          edge["errorCount"] = d.error_count;
          data.push_back(std::move(edge));
        }
        const std::size_t n = data.size();
        return envelope(std::move(data), n);
      }),
      untraced);
}

}  // namespace spanline::traceview
