// OTLP/HTTP transport: HTTP/1.1 POST with Boost.Beast over one keep-alive
// connection (OTLP spec, "OTLP/HTTP"). The only Beast user in the tree, to
// keep build times down.
//
// Threading: the io_context is private and runs only inside send(), write()
// and answer(), on the caller's thread, so every I/O object is touched by
// that thread alone. Between write() and answer() nothing runs: the answer
// waits in the socket's receive buffer, and the caller's thread is not woken
// for it. shutdown() (any thread) sets a flag and posts a no-op to wake the
// loop; the running call then closes the socket itself. A call that gives
// up (deadline or shutdown) bumps `generation_`: operations of the abandoned
// request that complete later (a resolve stuck in getaddrinfo cannot be
// cancelled) see the mismatch and end without touching the caller's body or
// the socket.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <charconv>
#include <ctime>
#include <utility>

#include "exporters/otlp_transport.h"
#include "sdk/env.h"

namespace spanline::telemetry::otlp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Responses are a few bytes of ExportTraceServiceResponse or an error
// status; anything larger is not a collector talking.
constexpr std::uint64_t kMaxResponseBody = 1 << 20;

// The errors a server's close of an idle keep-alive connection produces
// when we reuse it: nothing of our request was processed.
bool connection_dropped(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A short human description of an error body for logs: the google.rpc.Status
// message when the body is protobuf (OTLP/HTTP "Failures"), else a trimmed
// excerpt of a text body.
std::string describe_body(const http::response<http::string_body>& res) {
  const std::string& body = res.body();
  if (body.empty()) return {};
  const std::string_view type = res[http::field::content_type];
  if (contains(type, "protobuf")) {
    if (auto message = message_from_status(body)) return ": " + *message;
    return {};
  }
  if (!contains(type, "json") && !contains(type, "text")) return {};
  std::string excerpt = body.substr(0, 200);
  for (auto& c : excerpt)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return ": " + excerpt;
}

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(const OtlpExporterOptions& options);
  ~HttpTransport() override;

  SendResult send(std::string_view body, Clock::time_point deadline) noexcept override;
  SendResult write(std::string_view body, Clock::time_point deadline) noexcept override;
  SendResult answer(Clock::time_point deadline) noexcept override;
  void shutdown() noexcept override;

 private:
  // Runs the coroutine `start(generation)` makes until it finishes, the
  // deadline passes or shutdown() is called.
  template <typename Start>
  SendResult run(Start&& start, Clock::time_point deadline) noexcept;
  asio::awaitable<SendResult> exchange(std::string_view body, std::uint64_t generation);
  asio::awaitable<SendResult> write_only(std::string_view body, std::uint64_t generation);
  asio::awaitable<SendResult> read_answer(std::string_view body, std::uint64_t generation);
  // The halves of one attempt on the current connection (connecting first
  // when there is none). read_response sets `out` when it succeeds.
  asio::awaitable<beast::error_code> write_request(std::string_view body, std::uint64_t generation);
  asio::awaitable<beast::error_code> read_response(SendResult& out, std::uint64_t generation);
  SendResult cannot_reach(const beast::error_code& ec) const;
  asio::awaitable<beast::error_code> connect(std::uint64_t generation);
  http::request<http::span_body<const char>> make_request(std::string_view body) const;
  SendResult classify(const http::response<http::string_body>& res) const;
  bool abandoned(std::uint64_t generation) const noexcept {
    return generation != generation_ || shutting_down_.load(std::memory_order_acquire);
  }
  void close() noexcept;
  void forget_unread_answer() noexcept;

  const OtlpExporterOptions options_;
  Endpoint endpoint_;
  std::string resolve_host_;  // without IPv6 brackets
  std::string resolve_port_;
  std::string host_header_;

  // Declared before the I/O objects so that it is destroyed after them.
  asio::io_context io_;
  tcp::resolver resolver_{io_};
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;

  std::atomic<bool> shutting_down_{false};
  // Only the send() thread touches these.
  std::uint64_t generation_ = 0;
  std::optional<SendResult> result_;
  // Between write() and answer(): the request written, and whether it went
  // on a kept-alive connection (then a connection dropped before the answer
  // is owed one fresh attempt, as in exchange()).
  std::string_view awaiting_;
  bool awaiting_on_reused_ = false;
};

HttpTransport::HttpTransport(const OtlpExporterOptions& options) : options_(options) {
  endpoint_ = parse_endpoint(options_.endpoint, false, nullptr).value();
  resolve_host_ = endpoint_.host;
  if (resolve_host_.starts_with('['))
    resolve_host_ = resolve_host_.substr(1, resolve_host_.size() - 2);
  resolve_port_ = endpoint_.port.empty() ? "80" : endpoint_.port;
  // RFC 9112 §3.2: Host carries the port only when it is not the default.
  host_header_ = endpoint_.host;
  if (!endpoint_.port.empty() && endpoint_.port != "80") host_header_ += ":" + endpoint_.port;
}

HttpTransport::~HttpTransport() {
  // Let operations still queued unwind before the objects they use go.
  ++generation_;
  close();
  resolver_.cancel();
  io_.restart();
  io_.poll();
}

template <typename Start>
SendResult HttpTransport::run(Start&& start, Clock::time_point deadline) noexcept {
  const SendResult aborted{SendStatus::kAborted, {}, {}, "exporter shut down"};
  if (shutting_down_.load(std::memory_order_acquire)) return aborted;
  try {
    const std::uint64_t generation = ++generation_;
    result_.reset();
    io_.restart();
    asio::co_spawn(io_, start(generation),
                   [this, generation](std::exception_ptr error, SendResult result) {
                     if (generation != generation_) return;
                     if (error) result = {SendStatus::kRetryable, {}, {}, "internal error"};
                     result_ = std::move(result);
                   });
    // What needs no waiting completes even past the deadline: an answer
    // that arrived while nobody was reading (answer() after write()).
    io_.poll();
    while (!result_ && !io_.stopped() && !shutting_down_.load(std::memory_order_acquire) &&
           Clock::now() < deadline)
      io_.run_one_until(deadline);
    if (result_) return std::move(*result_);

    // Deadline or shutdown with the request in flight: a late response
    // would answer a request we gave up on, so the connection goes too.
    ++generation_;
    close();
    resolver_.cancel();
    io_.poll();
    if (shutting_down_.load(std::memory_order_acquire)) return aborted;
    return {SendStatus::kRetryable, {}, {}, "no response from " + options_.endpoint + " in time"};
  } catch (const std::exception& e) {
    close();
    return {SendStatus::kRetryable, {}, {}, std::string("HTTP transport error: ") + e.what()};
  }
}

// A new request while an answer is unread would take that answer for its
// own: the connection goes first.
void HttpTransport::forget_unread_answer() noexcept {
  if (awaiting_.data() == nullptr) return;
  awaiting_ = {};
  close();
}

SendResult HttpTransport::send(std::string_view body, Clock::time_point deadline) noexcept {
  forget_unread_answer();
  return run([&](std::uint64_t generation) { return exchange(body, generation); }, deadline);
}

SendResult HttpTransport::write(std::string_view body, Clock::time_point deadline) noexcept {
  forget_unread_answer();
  SendResult r =
      run([&](std::uint64_t generation) { return write_only(body, generation); }, deadline);
  if (r.status == SendStatus::kOk) awaiting_ = body;
  return r;
}

SendResult HttpTransport::answer(Clock::time_point deadline) noexcept {
  if (awaiting_.data() == nullptr)
    return {SendStatus::kRetryable, {}, {}, "no request is waiting for an answer"};
  const std::string_view body = std::exchange(awaiting_, {});
  return run([&](std::uint64_t generation) { return read_answer(body, generation); }, deadline);
}

void HttpTransport::shutdown() noexcept {
  shutting_down_.store(true, std::memory_order_release);
  try {
    // Wakes a send() blocked in run_one_until; it does the closing itself.
    asio::post(io_, [] {});
  } catch (...) {
    // Only allocation can fail here; the deadline still ends the send.
  }
}

void HttpTransport::close() noexcept {
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  buffer_.clear();
}

// One request/response on the kept-alive connection, connecting first when
// there is none: write_only() then read_answer().
asio::awaitable<SendResult> HttpTransport::exchange(std::string_view body,
                                                    std::uint64_t generation) {
  SendResult written = co_await write_only(body, generation);
  if (written.status != SendStatus::kOk) co_return written;
  co_return co_await read_answer(body, generation);
}

// The first half of exchange(): kOk once the request is written.
asio::awaitable<SendResult> HttpTransport::write_only(std::string_view body,
                                                      std::uint64_t generation) {
  beast::error_code ec;
  for (int pass = 0; pass < 2; ++pass) {
    const bool reused = socket_.is_open();
    ec = co_await write_request(body, generation);
    if (abandoned(generation)) co_return SendResult{SendStatus::kAborted};
    if (!ec) {
      awaiting_on_reused_ = reused;
      co_return SendResult{SendStatus::kOk};
    }
    close();
    // The server may have closed the idle connection just as we reused it;
    // the request never reached it, so it is owed one fresh connection.
    if (!reused || !connection_dropped(ec)) break;
  }
  co_return cannot_reach(ec);
}

// The second half: the answer to what write_only() wrote. A kept-alive
// connection the server closed instead of answering is owed one fresh
// connection too, as above.
asio::awaitable<SendResult> HttpTransport::read_answer(std::string_view body,
                                                       std::uint64_t generation) {
  SendResult out;
  const beast::error_code ec = co_await read_response(out, generation);
  if (abandoned(generation)) co_return SendResult{SendStatus::kAborted};
  if (!ec) co_return out;
  close();
  if (awaiting_on_reused_ && connection_dropped(ec)) co_return co_await exchange(body, generation);
  co_return cannot_reach(ec);
}

asio::awaitable<beast::error_code> HttpTransport::write_request(std::string_view body,
                                                                std::uint64_t generation) {
  if (!socket_.is_open()) {
    if (auto ec = co_await connect(generation)) co_return ec;
  }
  auto req = make_request(body);
  auto [ec, written] = co_await http::async_write(socket_, req, kNoThrow);
  co_return ec;
}

asio::awaitable<beast::error_code> HttpTransport::read_response(SendResult& out,
                                                                std::uint64_t generation) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  auto [ec, read] = co_await http::async_read(socket_, buffer_, parser, kNoThrow);
  if (abandoned(generation) || ec) co_return ec;
  if (!parser.get().keep_alive()) close();
  out = classify(parser.get());
  co_return ec;
}

// Connection failures are transient (OTLP spec, "Failures": the server may
// be restarting); they are retried like 503.
SendResult HttpTransport::cannot_reach(const beast::error_code& ec) const {
  return {
      SendStatus::kRetryable, {}, {}, "cannot reach " + options_.endpoint + ": " + ec.message()};
}

asio::awaitable<beast::error_code> HttpTransport::connect(std::uint64_t generation) {
  auto [resolve_ec, results] =
      co_await resolver_.async_resolve(resolve_host_, resolve_port_, kNoThrow);
  if (abandoned(generation)) co_return asio::error::operation_aborted;
  if (resolve_ec) co_return resolve_ec;
  auto [connect_ec, peer] = co_await asio::async_connect(socket_, results, kNoThrow);
  if (abandoned(generation)) co_return asio::error::operation_aborted;
  if (!connect_ec) {
    beast::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
  }
  co_return connect_ec;
}

http::request<http::span_body<const char>> HttpTransport::make_request(
    std::string_view body) const {
  http::request<http::span_body<const char>> req{http::verb::post, endpoint_.target, 11};
  req.set(http::field::host, host_header_);
  req.set(http::field::user_agent, kUserAgent);
  req.set(http::field::content_type, options_.protocol == OtlpProtocol::kHttpJson
                                         ? "application/json"
                                         : "application/x-protobuf");
  if (options_.gzip) req.set(http::field::content_encoding, "gzip");
  // User headers last: they may override the User-Agent (OTLP exporter
  // spec, "User Agent" allows a custom one).
  for (const auto& [key, value] : options_.headers) req.set(key, value);
  req.body() = {body.data(), body.size()};
  req.prepare_payload();
  return req;
}

// OTLP spec, "OTLP/HTTP Response": 2xx is success (possibly partial);
// 429/502/503/504 are retryable and may carry Retry-After ("OTLP/HTTP
// Throttling"); every other status is permanent.
SendResult HttpTransport::classify(const http::response<http::string_body>& res) const {
  SendResult result;
  const unsigned code = res.result_int();
  if (code >= 200 && code < 300) {
    result.status = SendStatus::kOk;
    const std::string_view type = res[http::field::content_type];
    if (!res.body().empty()) {
      // A malformed body still means the server took the batch.
      OtlpPartialSuccess partial;
      const bool ok = contains(type, "json") ? decode_otlp_response_json(res.body(), partial)
                                             : decode_otlp_response_proto(res.body(), partial);
      if (ok) result.partial = std::move(partial);
    }
    return result;
  }
  result.error = "HTTP " + std::to_string(code) + describe_body(res);
  if (code == 429 || code == 502 || code == 503 || code == 504) {
    result.status = SendStatus::kRetryable;
    if (auto it = res.find(http::field::retry_after); it != res.end())
      result.retry_after = parse_retry_after(it->value(), std::chrono::system_clock::now());
  } else {
    result.status = SendStatus::kPermanent;
  }
  return result;
}

}  // namespace

std::unique_ptr<Transport> make_http_transport(const OtlpExporterOptions& options) {
  return std::make_unique<HttpTransport>(options);
}

std::optional<std::chrono::nanoseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  // Far beyond any export deadline; also keeps the arithmetic in range.
  constexpr std::chrono::nanoseconds kMax = std::chrono::hours(24);
  value = env::trim(value);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range || seconds > 86400) return kMax;
    return std::chrono::seconds(seconds);
  }
  // IMF-fixdate, then the obsolete RFC 850 and asctime forms recipients must
  // still accept (RFC 9110 §5.6.7). strptime's month and day names are the
  // C locale's, which is what HTTP uses.
  static constexpr const char* kFormats[] = {"%a, %d %b %Y %H:%M:%S GMT",
                                             "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"};
  const std::string text(value);
  for (const char* format : kFormats) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (when <= now) return std::chrono::nanoseconds::zero();
    return std::min<std::chrono::nanoseconds>(when - now, kMax);
  }
  return std::nullopt;
}

}  // namespace spanline::telemetry::otlp
