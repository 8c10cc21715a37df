#include "server_span.h"

#include <cxxabi.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <memory>
#include <typeinfo>

#include "header_carrier.h"
#include "request_access.h"
#include "spanline/telemetry/api/propagation.h"

namespace spanline::net::detail {
namespace {

namespace http = boost::beast::http;

std::string_view protocol_version(unsigned version) {
  switch (version) {
    case 10:
      return "1.0";
    case 11:
      return "1.1";
    default:
      return version == 20 ? "2" : "1.1";
  }
}

// http.response.status_code as a prepared set, so that the span copies its
// bytes. Each thread keeps the last set built for each of 16 slots (status
// modulo 16): 200, 201, 204, 400, 404 and 500 each have their own.
const telemetry::AttributeSet& status_code_set(int status) {
  struct Slot {
    int status = -1;
    telemetry::AttributeSet set;
  };
  thread_local std::array<Slot, 16> slots;
  Slot& slot = slots[static_cast<unsigned>(status) % slots.size()];
  if (slot.status != status) {
    slot.status = -1;  // if building throws, the slot is empty rather than wrong
    slot.set = telemetry::AttributeSet(
        {{"http.response.status_code", telemetry::attr(std::int64_t{status})}});
    slot.status = status;
  }
  return slot.set;
}

std::string_view status_text(int status, char (&buf)[8]) {
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, status);
  return ec == std::errc() ? std::string_view(buf, end - buf) : std::string_view("_OTHER");
}

}  // namespace

std::pair<std::string_view, std::uint16_t> split_host_port(std::string_view host) noexcept {
  std::string_view name = host;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return {host, 0};
    name = host.substr(1, close - 1);
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
  }
  std::uint16_t value = 0;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size()) value = 0;
  }
  return {name, value};
}

EndpointAttributeTable::EndpointAttributeTable(const Router& router) {
  for (const Router::Route& route : router.routes()) {
    for (const Router::Endpoint& endpoint : route.endpoints) {
      if (endpoint.method == Method::kOther) continue;
      const std::string_view method = to_string(endpoint.method);
      EndpointAttributes a;
      a.route = telemetry::AttributeSet({{"http.request.method", telemetry::attr(method)},
                                         {"http.route", telemetry::attr(route.pattern)}});
      a.route_and_path = telemetry::AttributeSet({{"http.request.method", telemetry::attr(method)},
                                                  {"url.path", telemetry::attr(route.pattern)},
                                                  {"http.route", telemetry::attr(route.pattern)}});
      entries_.emplace_back(&endpoint, std::move(a));
    }
  }
  std::sort(entries_.begin(), entries_.end(), [](const auto& x, const auto& y) {
    return std::less<const Router::Endpoint*>()(x.first, y.first);
  });
}

const EndpointAttributes* EndpointAttributeTable::find(
    const Router::Endpoint* endpoint) const noexcept {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), endpoint, [](const auto& x, auto e) {
    return std::less<const Router::Endpoint*>()(x.first, e);
  });
  return it != entries_.end() && it->first == endpoint ? &it->second : nullptr;
}

std::string exception_type_name(const std::exception& error) {
  const char* mangled = typeid(error).name();
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(mangled);
}

void ServerSpan::start(telemetry::Tracer* tracer, const http::fields& headers, Request& request,
                       std::string_view span_name, ConnectionAttributes& connection,
                       const EndpointAttributes* endpoint) {
  telemetry::Context& context = RequestAccess::context(request);
  const HeaderSnapshot fields(headers);
  const telemetry::TextMapPropagator& propagator = telemetry::global_propagator();
  if (fields.may_carry(propagator)) context = propagator.extract(fields, context);
  if (tracer == nullptr) return;

  parent_span_id_ = context.span_context().span_id();
  span_ = tracer->start_span(span_name, telemetry::SpanKind::kServer, context);
  started_ = true;
  context = span_.context_for_children(context);
  if (!span_.is_recording()) return;

  const std::optional<std::string_view> host = fields.host();
  const std::string_view host_value = host.value_or(std::string_view());
  if (!connection.built || connection.version != request.version() ||
      connection.host != host_value) {
    std::vector<telemetry::Attribute> shared;
    shared.push_back({"url.scheme", telemetry::attr("http")});
    shared.push_back(
        {"network.protocol.version", telemetry::attr(protocol_version(request.version()))});
    auto [name, port] = split_host_port(host_value);
    if (!name.empty()) shared.push_back({"server.address", telemetry::attr(name)});
    if (port != 0) shared.push_back({"server.port", telemetry::attr(std::int64_t{port})});
    if (!request.client_address().empty())
      shared.push_back({"client.address", telemetry::attr(request.client_address())});
    connection.set = telemetry::AttributeSet(std::move(shared));
    connection.host.assign(host_value);
    connection.version = request.version();
    connection.built = true;
  }
  span_.set_attributes(connection.set);

  if (endpoint != nullptr && request.path() == request.route()) {
    span_.set_attributes(endpoint->route_and_path);
  } else if (endpoint != nullptr) {
    span_.set_attributes(endpoint->route);
    span_.set_attribute("url.path", request.path());
  } else {
    const Method method = request.method();
    span_.set_attribute("http.request.method", to_string(method));
    if (method == Method::kOther)
      span_.set_attribute("http.request.method_original", request.method_name());
    span_.set_attribute("url.path", request.path());
    if (!request.route().empty()) span_.set_attribute("http.route", request.route());
  }
  if (!request.query().empty()) span_.set_attribute("url.query", request.query());
  if (auto agent = fields.user_agent()) span_.set_attribute("user_agent.original", *agent);
}

void ServerSpan::record_exception(const std::exception* error) noexcept {
  if (!started_) return;
  try {
    if (error != nullptr) {
      span_.record_exception(*error);
      span_.set_attribute("error.type", exception_type_name(*error));
      span_.set_status(telemetry::StatusCode::kError, error->what());
    } else {
      span_.record_exception("unknown", "non-standard exception");
      span_.set_attribute("error.type", "_OTHER");
      span_.set_status(telemetry::StatusCode::kError, "non-standard exception");
    }
    error_type_set_ = true;
  } catch (...) {
    // Recording must not turn a 500 into a crash.
  }
}

std::string_view ServerSpan::finish(int status,
                                    char (&value)[telemetry::kTraceparentSize]) noexcept {
  if (!started_) return {};
  try {
    span_.set_attributes(status_code_set(status));
    if (status >= 500) {
      char buf[8];
      // An exception already set both, with its own message.
      if (!error_type_set_) {
        span_.set_attribute("error.type", status_text(status, buf));
        span_.set_status(telemetry::StatusCode::kError);
      }
    }
  } catch (...) {
    // Recording must not cost the response.
  }
  // Only a span of our own: with the SDK disabled the "span" is the
  // caller's parent, which must not be echoed back as ours.
  const telemetry::SpanContext& sc = span_.context();
  if (!sc.is_valid() || sc.span_id() == parent_span_id_) return {};
  telemetry::format_traceparent(sc, value);
  return {value, sizeof value};
}

}  // namespace spanline::net::detail
