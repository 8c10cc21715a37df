// Request: an incoming HTTP request as a handler sees it.
//
// Everything is a view into the connection's buffers, valid until the
// handler's coroutine completes; copy what must live longer. The request
// also carries its trace context — the server span when instrumentation is
// on — so that Client calls and log lines made with it join the trace
// without the handler naming any tracing type.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spanline/net/method.h"
#include "spanline/telemetry/api/context.h"

namespace spanline::net {

namespace detail {
class RequestAccess;
}

// %XX escapes decoded (a malformed one is kept as is); with
// `plus_is_space`, '+' is a space (application/x-www-form-urlencoded).
std::string percent_decode(std::string_view s, bool plus_is_space = false);

// Path parameters bound by a route template: `/tasks/{id}` matched against
// `/tasks/42` binds id = "42". Values are raw (not percent-decoded).
class PathParams {
 public:
  static constexpr std::size_t kMaxParams = 8;

  // Empty when `name` is not bound.
  std::string_view get(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < size_; ++i)
      if (entries_[i].first == name) return entries_[i].second;
    return {};
  }
  std::size_t size() const noexcept { return size_; }
  void clear() noexcept { size_ = 0; }
  // Beyond kMaxParams the binding is ignored (Router rejects such templates).
  void add(std::string_view name, std::string_view value) noexcept {
    if (size_ < kMaxParams) entries_[size_++] = {name, value};
  }

 private:
  std::array<std::pair<std::string_view, std::string_view>, kMaxParams> entries_;
  std::size_t size_ = 0;
};

class Request {
 public:
  Request() = default;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  Method method() const noexcept { return method_; }
  // The method as sent (differs from to_string(method()) for kOther).
  std::string_view method_name() const noexcept { return method_name_; }
  // The request target as sent: path and query.
  std::string_view target() const noexcept { return target_; }
  std::string_view path() const noexcept { return path_; }
  // After '?', without it; empty when there is none.
  std::string_view query() const noexcept { return query_; }
  std::string_view body() const noexcept { return body_; }
  // The matched route template ("/tasks/{id}"); empty when none matched.
  std::string_view route() const noexcept { return route_; }
  // 10 for HTTP/1.0, 11 for HTTP/1.1.
  unsigned version() const noexcept { return version_; }

  // The first value of a header; names compare case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  // A path parameter of the route template; empty when not bound.
  std::string_view param(std::string_view name) const noexcept { return params_.get(name); }
  // The first query parameter called `name`, percent-decoded ('+' is a
  // space); nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
  // Every query parameter called `name`, in order, percent-decoded.
  std::vector<std::string> query_params(std::string_view name) const;

  std::string_view client_address() const noexcept { return client_address_; }
  std::uint16_t client_port() const noexcept { return client_port_; }

  // Lowercase hex ids of the request's trace and of its server span (or of
  // the remote parent when instrumentation is off); empty when there is
  // none. For response bodies and log fields.
  std::string trace_id() const;
  std::string span_id() const;

  // For code that starts its own spans (libraries, not services): the
  // context children of this request should use.
  const telemetry::Context& telemetry_context() const noexcept { return context_; }
  // Makes later Client calls and log lines with this request use `context`
  // (e.g. a span the handler started under telemetry_context()).
  void set_telemetry_context(telemetry::Context context) { context_ = std::move(context); }

 private:
  friend class detail::RequestAccess;

  Method method_ = Method::kGet;
  unsigned version_ = 11;
  std::uint16_t client_port_ = 0;
  std::string_view method_name_;
  std::string_view target_;
  std::string_view path_;
  std::string_view query_;
  std::string_view body_;
  std::string_view route_;
  std::string_view client_address_;
  PathParams params_;
  // The Beast header fields (opaque here: Beast stays out of public headers).
  const void* fields_ = nullptr;
  telemetry::Context context_;
};

}  // namespace spanline::net
