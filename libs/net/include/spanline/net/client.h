// Client: asynchronous HTTP/1.1 client with a keep-alive pool per host.
//
// Calls are coroutines that return a result: timeouts, refused connections
// and bad URLs are error values (see errors.h), never exceptions. An HTTP
// error status is a successful call with that status.
//
// Tracing is automatic: each physical request is a CLIENT span named after
// its method, a child of the Request passed in (so a handler's outgoing
// calls continue its trace), and its context is injected into the headers.
//
// Threads: connections are pooled per io_context and per host:port; a call
// runs on the executor of the coroutine that awaits it, whose io_context
// must be run by one thread (as each of the Server's I/O threads is). One
// Client may be shared by every handler and thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "spanline/net/errors.h"
#include "spanline/net/method.h"
#include "spanline/net/request.h"

namespace spanline::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A request header given by the caller (views; valid for the call).
struct Header {
  std::string_view name;
  std::string_view value;
};

struct RetryPolicy {
  // Attempts per call, the first included; 1: no retries.
  int max_attempts = 1;
  // Backoff before the n-th retry: initial_backoff * 2^(n-1), capped at
  // max_backoff, with ±25% jitter.
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{1'000};
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2'000};
  // One attempt: writing the request and reading the whole response.
  std::chrono::milliseconds request_timeout{10'000};
  // Retries happen for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS,
  // TRACE) and for calls marked CallOptions::retryable, after connection
  // failures, timeouts and 429/502/503/504 answers.
  RetryPolicy retry;
  // Idle connections kept per host:port and I/O thread.
  std::size_t max_idle_per_host = 64;
  // Idle connections older than this are not reused.
  std::chrono::milliseconds idle_timeout{20'000};
  std::uint64_t max_response_body = 16 << 20;
  std::string user_agent = "spanline-net/0.1";
  // CLIENT spans and context injection.
  bool instrument = true;

  std::optional<std::string> validate() const;
};

// Trivially destructible on purpose: GCC 12 miscompiles a braced temporary
// of an aggregate with a non-trivial destructor inside a co_await
// expression (it frees it twice), and `co_await client.post(url, body, req,
// {.timeout = 2s})` is exactly that shape. Views must outlive the call.
struct CallOptions {
  std::optional<std::chrono::milliseconds> timeout;  // overrides request_timeout
  bool retryable = false;  // retry even though the method is not idempotent
  std::string_view content_type = "application/json";
  std::span<const Header> headers;  // extra request headers
};
static_assert(std::is_trivially_destructible_v<CallOptions>);

// Not an aggregate for the same reason: `co_await client.send({...})`
// goes through this constructor, which GCC 12 handles correctly.
struct ClientRequest {
  ClientRequest() = default;
  ClientRequest(Method m, std::string u, std::string b = {}, CallOptions o = {})
      : method(m), url(std::move(u)), body(std::move(b)), options(o) {}

  Method method = Method::kGet;
  std::string url;  // absolute: http://host[:port]/path?query
  std::string body;
  CallOptions options;
};

struct ClientResponse {
  int status = 0;
  std::string body;
  Headers headers;
  // The first value of a header; names compare case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
};

using ClientResult = boost::system::result<ClientResponse>;

class Client {
 public:
  // Throws std::invalid_argument when options.validate() fails (startup).
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `parent` must stay valid until the call completes (a handler's Request
  // does); everything else is taken by value.
  boost::asio::awaitable<ClientResult> get(std::string url, const Request& parent,
                                           CallOptions options = {});
  boost::asio::awaitable<ClientResult> post(std::string url, std::string body,
                                            const Request& parent, CallOptions options = {});
  boost::asio::awaitable<ClientResult> send(ClientRequest request, const Request& parent);
  // A call outside any request: a new trace, unless `parent` says otherwise.
  boost::asio::awaitable<ClientResult> send(ClientRequest request, telemetry::Context parent = {});

  const ClientOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spanline::net
