#include "session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "connection_deadline.h"
#include "request_access.h"
#include "server_span.h"
#include "spanline/net/log.h"

namespace spanline::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using BeastResponse = http::response<http::string_body>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
using namespace std::string_view_literals;
// The first read of a request: most requests arrive whole in one segment.
constexpr std::size_t kFirstRead = 4096;
// A connection closed for a protocol error gets this long to take its error
// response, and then this much of what it still sends is read and dropped
// (so that closing does not reset the connection before the client has read
// the response: RFC 9112 §9.6).
constexpr std::chrono::seconds kRejectWriteTimeout{2};
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerBytes = 4 << 20;

enum class ReadResult { kRequest, kClose, kBadRequest, kTimeout, kHeaderTooLarge, kBodyTooLarge };

// `timed_out`: the connection's deadline cancelled the read.
ReadResult classify(const beast::error_code& ec, bool timed_out) {
  if (timed_out) return ReadResult::kTimeout;
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return ReadResult::kHeaderTooLarge;
  if (ec == http::error::body_limit) return ReadResult::kBodyTooLarge;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == http::error::short_read ||
      ec.category() != http::make_error_code(http::error::end_of_stream).category())
    return ReadResult::kClose;  // peer gone, reset, or cancelled by shutdown
  return ReadResult::kBadRequest;
}

Response rejection(ReadResult why) {
  switch (why) {
    case ReadResult::kTimeout:
      return Response::error(408, "request_timeout", "the request did not arrive in time");
    case ReadResult::kHeaderTooLarge:
      return Response::error(431, "header_too_large", "the request headers are too large");
    case ReadResult::kBodyTooLarge:
      return Response::error(413, "payload_too_large", "the request body is too large");
    default:
      return Response::error(400, "bad_request", "malformed HTTP request");
  }
}

std::string_view view(beast::string_view s) noexcept {
  return {s.data(), s.size()};
}

Method to_method(http::verb verb, std::string_view name) noexcept {
  switch (verb) {
    case http::verb::get:
      return Method::kGet;
    case http::verb::head:
      return Method::kHead;
    case http::verb::post:
      return Method::kPost;
    case http::verb::put:
      return Method::kPut;
    case http::verb::delete_:
      return Method::kDelete;
    case http::verb::patch:
      return Method::kPatch;
    case http::verb::options:
      return Method::kOptions;
    default:
      return parse_method(name);
  }
}

std::string_view span_name(const Router::Match& match, Method method) noexcept {
  if (match.endpoint != nullptr) return match.endpoint->span_name;
  return method == Method::kOther ? std::string_view("HTTP") : to_string(method);
}

BeastResponse to_beast(Response&& response, unsigned version, bool keep_alive, bool head) {
  BeastResponse out;
  out.version(version);
  const bool valid = response.status >= 100 && response.status <= 999;
  out.result(valid ? static_cast<unsigned>(response.status) : 500u);
  if (!response.content_type.empty())
    out.set(http::field::content_type,
            beast::string_view(response.content_type.data(), response.content_type.size()));
  for (const auto& [name, value] : response.headers) out.insert(name, value);
  out.body() = std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head) out.body().clear();  // Content-Length stays that of the GET answer
  return out;
}

std::chrono::steady_clock::duration shortest_timeout(const ServerOptions& o) {
  return std::min({o.header_timeout, o.body_timeout, o.idle_timeout, o.write_timeout});
}

bool wants_continue(const http::request<http::string_body>& msg) {
  auto it = msg.find(http::field::expect);
  return it != msg.end() && beast::iequals(it->value(), "100-continue");
}

}  // namespace

// Declared in server_state.h (workers list their sessions), hence not in the
// anonymous namespace.
class Session {
 public:
  Session(ServerState& state, Worker& worker, tcp::socket socket)
      : state_(state),
        worker_(worker),
        socket_(std::move(socket)),
        deadline_(std::make_shared<ConnectionDeadline>(socket_, shortest_timeout(state.options))) {
    beast::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) {
      client_address_ = peer.address().to_string();
      client_port_ = peer.port();
    }
    next_ = worker_.sessions;
    if (next_ != nullptr) next_->prev_ = this;
    worker_.sessions = this;
  }
  ~Session() {
    deadline_->stop();
    if (prev_ != nullptr) prev_->next_ = next_;
    if (next_ != nullptr) next_->prev_ = prev_;
    if (worker_.sessions == this) worker_.sessions = next_;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::awaitable<void> run();

  Session* next() const noexcept { return next_; }
  // Waiting for a request (no part of one being served).
  bool waiting() const noexcept { return waiting_; }
  void cancel() noexcept {
    beast::error_code ignored;
    socket_.cancel(ignored);
  }
  void close() noexcept {
    beast::error_code ignored;
    socket_.close(ignored);
  }

 private:
  asio::awaitable<ReadResult> read_request(bool first);
  beast::error_code parse_buffered();
  asio::awaitable<bool> serve_request();
  Response invoke_failed(std::exception_ptr failure, const Request& request, ServerSpan& span);
  asio::awaitable<void> reject(ReadResult why);
  // Writes `out` (its body omitted for HEAD already), with a traceresponse
  // header when `traceresponse` is not empty: it replaces one the handler set.
  asio::awaitable<std::tuple<beast::error_code, std::size_t>> write_response(
      const BeastResponse& out, std::string_view traceresponse);

  ServerState& state_;
  Worker& worker_;
  tcp::socket socket_;
  std::shared_ptr<ConnectionDeadline> deadline_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string client_address_;
  std::uint16_t client_port_ = 0;
  ConnectionAttributes span_attributes_;  // shared by this connection's server spans
  std::string head_;                      // the response head being written (kept for its capacity)
  bool waiting_ = true;
  Session* prev_ = nullptr;
  Session* next_ = nullptr;
};

asio::awaitable<void> Session::run() {
  for (bool first = true;; first = false) {
    // Shutdown cancels waiting sessions from this thread; checking here
    // covers a session that was between two requests when that happened.
    if (state_.stopping.load(std::memory_order_acquire)) break;
    waiting_ = true;
    const ReadResult result = co_await read_request(first);
    waiting_ = false;
    if (result == ReadResult::kClose) break;
    if (result != ReadResult::kRequest) {
      co_await reject(result);
      co_return;
    }
    if (!co_await serve_request()) break;
  }
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
}

// Reads one request into parser_. On a new connection the whole header
// must arrive within header_timeout of the accept; on a kept-alive one the
// first byte gets idle_timeout and the header header_timeout from there.
// The body then gets body_timeout.
asio::awaitable<ReadResult> Session::read_request(bool first) {
  const ServerOptions& o = state_.options;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(o.header_limit));
  parser_->body_limit(o.body_limit);
  if (buffer_.size() == 0) {
    deadline_->expires_after(first ? o.header_timeout : o.idle_timeout);
    auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(kFirstRead), kNoThrow);
    if (ec) co_return ReadResult::kClose;  // nothing of a request arrived
    buffer_.commit(n);
  }
  // Most requests are already whole in the buffer: parse them here rather
  // than through async_read_header/async_read, which would each complete
  // through one more trip round the io_context.
  beast::error_code ec = parse_buffered();
  if (ec) co_return classify(ec, false);
  if (!parser_->is_header_done()) {
    if (!first) deadline_->expires_after(o.header_timeout);
    auto [hec, hn] = co_await http::async_read_header(socket_, buffer_, *parser_, kNoThrow);
    if (hec) co_return classify(hec, deadline_->expired());
  }
  waiting_ = false;
  if (!parser_->is_done()) {
    if (wants_continue(parser_->get())) {
      http::response<http::empty_body> go_on(http::status::continue_, parser_->get().version());
      deadline_->expires_after(o.write_timeout);
      auto [wec, wn] = co_await http::async_write(socket_, go_on, kNoThrow);
      if (wec) co_return ReadResult::kClose;
    }
    deadline_->expires_after(o.body_timeout);
    auto [bec, bn] = co_await http::async_read(socket_, buffer_, *parser_, kNoThrow);
    if (bec) co_return classify(bec, deadline_->expired());
  }
  deadline_->disarm();  // handlers take the time they take
  co_return ReadResult::kRequest;
}

// Feeds the buffered bytes to the parser: the header, and with it as much
// of the body as has arrived. An incomplete header is left for
// async_read_header (it needs the whole header in one piece).
beast::error_code Session::parse_buffered() {
  parser_->eager(true);
  beast::error_code ec;
  while (buffer_.size() > 0 && !parser_->is_done()) {
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) return {};
    if (ec || used == 0) break;
  }
  return ec;
}

// Routes, runs the handler under its span, writes the response. Returns
// whether the connection stays open for another request.
asio::awaitable<bool> Session::serve_request() {
  http::request<http::string_body>& msg = parser_->get();
  Request request;
  const std::string_view method_name = view(msg.method_string());
  const Method method = to_method(msg.method(), method_name);
  RequestAccess::set_message(request, method, method_name, view(msg.target()), msg.version(), msg,
                             msg.body());
  RequestAccess::set_client(request, client_address_, client_port_);
  const Router::Match match =
      state_.router.match(method, request.path(), RequestAccess::params(request));
  if (match.kind == Router::Match::Kind::kFound)
    RequestAccess::set_route(request, match.route->pattern);

  ServerSpan span;
  if (state_.options.instrument) {
    const bool record = match.endpoint == nullptr || match.endpoint->instrumented;
    span.start(record ? &state_.tracer.get() : nullptr, msg, request, span_name(match, method),
               span_attributes_, state_.endpoint_attributes.find(match.endpoint));
  }

  Response response;
  if (match.kind == Router::Match::Kind::kNotFound) {
    response = Response::error(404, "not_found", "no route for " + std::string(request.path()));
  } else if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
    response = Response::error(405, "method_not_allowed",
                               std::string(method_name) + " is not allowed on " +
                                   match.route->pattern + " (allowed: " + match.route->allow + ")");
    response.headers.emplace_back("Allow", match.route->allow);
  } else {
    std::exception_ptr failure;
    try {
      const Router::Endpoint& endpoint = *match.handler;  // GET's for a HEAD it serves
      if (endpoint.sync_handler) {
        response = endpoint.sync_handler(request);
      } else {
        response = co_await endpoint.handler(request);
      }
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) response = invoke_failed(failure, request, span);
  }

  const int status = response.status;
  const bool keep_alive = msg.keep_alive() && !state_.stopping.load(std::memory_order_acquire);
  BeastResponse out =
      to_beast(std::move(response), msg.version(), keep_alive, method == Method::kHead);
  char traceresponse_value[telemetry::kTraceparentSize];
  const std::string_view traceresponse = span.finish(status, traceresponse_value);
  deadline_->expires_after(state_.options.write_timeout);
  auto [ec, n] = co_await write_response(out, traceresponse);
  span.end();
  co_return !ec && keep_alive;
}

Response Session::invoke_failed(std::exception_ptr failure, const Request& request,
                                ServerSpan& span) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    span.record_exception(&e);
    log_error(request, "handler failed",
              {{"error.type", exception_type_name(e)}, {"error.message", e.what()}});
  } catch (...) {
    span.record_exception(nullptr);
    log_error(request, "handler failed", {{"error.type", "_OTHER"}});
  }
  return Response::error(500, "internal_error", "the server failed to handle the request");
}

// Answers a request that could not be read and closes the connection,
// draining what the client still sends for a moment (see kLingerBytes).
asio::awaitable<void> Session::reject(ReadResult why) {
  BeastResponse out = to_beast(rejection(why), 11, false, false);
  deadline_->expires_after(kRejectWriteTimeout);
  auto [ec, n] = co_await write_response(out, {});
  if (ec) co_return;
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  deadline_->expires_after(kLingerTimeout);
  std::size_t drained = 0;
  while (drained < kLingerBytes) {
    buffer_.clear();
    auto [rec, rn] = co_await socket_.async_read_some(buffer_.prepare(64 * 1024), kNoThrow);
    if (rec) break;
    drained += rn;
  }
}

// The head is written into one buffer by hand: Beast's serializer hands the
// socket a buffer per header field and costs more than the copy. The body
// goes out as a second buffer of the same write.
asio::awaitable<std::tuple<beast::error_code, std::size_t>> Session::write_response(
    const BeastResponse& out, std::string_view traceresponse) {
  head_.clear();
  head_.append(out.version() == 10 ? "HTTP/1.0 "sv : "HTTP/1.1 "sv);
  char code[8];
  const auto [code_end, code_ec] = std::to_chars(code, code + sizeof code, out.result_int());
  head_.append(code, code_end);
  head_.push_back(' ');
  const auto reason = out.reason();
  head_.append(reason.data(), reason.size());
  head_.append("\r\n"sv);
  for (const auto& field : out) {
    const auto name = field.name_string();
    if (!traceresponse.empty() && field.name() == http::field::unknown &&
        beast::iequals(name, "traceresponse"))
      continue;  // ours, written below, replaces it
    const auto value = field.value();
    head_.append(name.data(), name.size());
    head_.append(": "sv);
    head_.append(value.data(), value.size());
    head_.append("\r\n"sv);
  }
  if (!traceresponse.empty()) {
    head_.append("traceresponse: "sv);
    head_.append(traceresponse);
    head_.append("\r\n"sv);
  }
  head_.append("\r\n"sv);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(out.body())};
  // The write waits behind the handlers already queued on this thread, so a
  // busy thread sends its responses in a burst: the client's event loop is
  // woken once for several rather than once per response (a cross-CPU
  // wake-up costs the sender more than this trip round the io_context).
  co_await asio::post(socket_.get_executor(), asio::use_awaitable);
  co_return co_await asio::async_write(socket_, buffers, kNoThrow);
}

namespace {

// Counts a connection as open from its accept until its coroutine frame is
// gone — even a frame that never started, destroyed with its io_context.
// As a coroutine parameter it lives in the frame (the caller's copy is moved from).
class OpenSession {
 public:
  explicit OpenSession(ServerState& state) noexcept : state_(&state) { state.session_opened(); }
  OpenSession(OpenSession&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  OpenSession& operator=(OpenSession&&) = delete;
  ~OpenSession() {
    if (state_ != nullptr) state_->session_closed();
  }

 private:
  ServerState* state_;
};

asio::awaitable<void> session_main(OpenSession, ServerState& state, Worker& worker,
                                   tcp::socket socket) {
  try {
    Session session(state, worker, std::move(socket));
    co_await session.run();
  } catch (const std::exception& e) {
    log_error("connection failed", {{"error.message", e.what()}});
  }
}

}  // namespace

asio::awaitable<void> run_session(ServerState& state, Worker& worker, tcp::socket socket) {
  return session_main(OpenSession(state), state, worker, std::move(socket));
}

void cancel_idle_sessions(Worker& worker) noexcept {
  for (Session* s = worker.sessions; s != nullptr; s = s->next())
    if (s->waiting()) s->cancel();
}

void close_all_sessions(Worker& worker) noexcept {
  for (Session* s = worker.sessions; s != nullptr; s = s->next()) s->close();
}

}  // namespace spanline::net::detail
