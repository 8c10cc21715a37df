// The Jaeger query API v3 (the HTTP gateway the current Jaeger UI calls):
// /api/v3/services, /api/v3/operations, /api/v3/traces (query.* parameters),
// /api/v3/traces/{id}; traces as {"result": <OTLP TracesData JSON>}.
#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <map>

#include "api.h"
#include "jaeger_json.h"
#include "spanline/net/request.h"
#include "spanline/net/response.h"

namespace spanline::traceview {
namespace {

namespace json = boost::json;
using net::Request;
using net::Response;

Response v3_error(int status, std::string_view code, const std::string& message) {
  json::object o;
  o["error"] = code;
  o["message"] = message;
  json::object inner;
  inner["httpCode"] = status;
  inner["message"] = message;
  o["errors"] = json::array{inner};
  return Response::json(status, o);
}

// "2026-11-22T04:00:00Z", "...T04:00:00.123456789Z", "...+02:00" → ns since
// the epoch; nullopt when malformed.
std::optional<std::uint64_t> parse_rfc3339_ns(std::string_view s) {
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size() || s[pos] < '0' || s[pos] > '9') return false;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return ec == std::errc() && p == s.data() + pos + len;
  };
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) ||
      !num(17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  std::uint64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::uint64_t scale = 100'000'000;
    const std::size_t begin = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ns += static_cast<std::uint64_t>(s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == begin) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh, om;
    if (!num(pos + 1, 2, oh) || !num(pos + 4, 2, om)) return std::nullopt;
    offset_s = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                        std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  if (secs < 0 || secs > 18'000'000'000LL) return std::nullopt;  // past year 2540: no ns count
  return static_cast<std::uint64_t>(secs) * 1'000'000'000 + frac_ns;
}

Response result(const std::vector<StoredTrace>& traces, const TraceStore& store) {
  ExportTraceServiceRequest all;
  for (const StoredTrace& t : traces) all.MergeFrom(store.to_request(t));
  std::string body = "{\"result\":";
  collector::encode_otlp_json(all, body);
  body += '}';
  Response r;
  r.status = 200;
  r.content_type = Response::kJson;
  r.body = std::move(body);
  return r;
}

std::optional<std::string> param(const Request& r, std::string_view name) {
  auto v = r.query_param(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

void add_query_api_v3(net::Router& router, const TraceStore& store) {
  const net::RouteOptions untraced{.instrumentation = net::Instrumentation::kOff};
  net::SyncHandler services = [&store](Request&) {
    json::array names;
    for (const auto& s : store.services()) names.push_back(json::string(s));
    return Response::json(200, json::object{{"services", std::move(names)}});
  };
  router.get("/api/v3/services", std::move(services), untraced);

  net::SyncHandler operations = [&store](Request& r) {
    const auto service = param(r, "service");
    if (!service) return v3_error(400, "bad_parameter", "parameter 'service' is required");
    const std::string kind = param(r, "span_kind").value_or(param(r, "spanKind").value_or(""));
    json::array ops;
    for (const auto& [name, kinds] : store.operations(*service))
      for (std::uint8_t k : kinds) {
        if (!kind.empty() && kind_name(k) != kind) continue;
        ops.push_back(json::object{{"name", name}, {"spanKind", kind_name(k)}});
      }
    return Response::json(200, json::object{{"operations", std::move(ops)}});
  };
  router.get("/api/v3/operations", std::move(operations), untraced);

  net::SyncHandler find = [&store](Request& r) {
    TraceQuery q;
    q.service = param(r, "query.service_name").value_or("");
    if (q.service.empty())
      return v3_error(400, "bad_parameter", "parameter 'query.service_name' is required");
    q.operation = param(r, "query.operation_name").value_or("");
    for (const char* name : {"query.start_time_min", "query.start_time_max"}) {
      auto v = param(r, name);
      if (!v) continue;
      auto t = parse_rfc3339_ns(*v);
      if (!t)
        return v3_error(
            400, "bad_parameter",
            std::string("parameter '") + name + "' must be an RFC 3339 time, not '" + *v + "'");
      (std::string_view(name).ends_with("min") ? q.start_ns : q.end_ns) = *t;
    }
    for (const char* name : {"query.duration_min", "query.duration_max"}) {
      auto v = param(r, name);
      if (!v) continue;
      auto d = parse_go_duration_ns(*v);
      if (!d)
        return v3_error(400, "bad_parameter",
                        std::string("parameter '") + name +
                            "' must be a duration such as 2ms, not '" + *v + "'");
      (std::string_view(name).ends_with("min") ? q.min_duration_ns : q.max_duration_ns) = *d;
    }
    if (auto v = param(r, "query.search_depth")) {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || p != v->data() + v->size() || n == 0)
        return v3_error(400, "bad_parameter",
                        "parameter 'query.search_depth' must be a positive integer");
      q.limit = std::min<std::size_t>(n, 10'000);  // as /api/traces
    }
    if (auto v = param(r, "query.attributes")) {
      boost::system::error_code ec;
      json::value attrs = json::parse(*v, ec);
      if (ec || !attrs.is_object())
        return v3_error(400, "bad_parameter", "parameter 'query.attributes' must be a JSON object");
      for (const auto& [k, val] : attrs.as_object())
        q.tags.emplace_back(std::string(k),
                            val.is_string() ? std::string(val.as_string()) : json::serialize(val));
    }
    if (q.start_ns != 0 && q.end_ns != 0 && q.start_ns > q.end_ns)
      return v3_error(400, "bad_parameter", "query.start_time_min is after query.start_time_max");
    return result(store.find(q), store);
  };
  router.get("/api/v3/traces", std::move(find), untraced);

  net::SyncHandler get = [&store](Request& r) {
    const std::string hex(r.param("traceID"));
    auto id = parse_trace_id(hex);
    if (!id)
      return v3_error(400, "bad_parameter", "trace id '" + hex + "' is not 1 to 32 hex digits");
    auto t = store.get(*id);
    if (!t) return v3_error(404, "not_found", "trace " + hex + " not found");
    return result({*t}, store);
  };
  router.get("/api/v3/traces/{traceID}", std::move(get), untraced);
}

}  // namespace spanline::traceview
