// otlp_sink: the smallest OTLP/HTTP receiver that acknowledges every POST with
// an empty ExportTraceServiceResponse. It counts requests and body bytes and
// prints them on SIGTERM. Used as the far end of export benchmarks.
//
//   otlp_sink [PORT]    (0 or none: pick a free port; the port is printed on stdout)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::atomic<unsigned long long> g_requests{0};
std::atomic<unsigned long long> g_bytes{0};

asio::awaitable<void> session(tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto [ec, n] =
        co_await http::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto& req = parser.get();
    g_requests.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(req.body().size(), std::memory_order_relaxed);
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/x-protobuf");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !res.keep_alive()) co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned short port = argc > 1 ? static_cast<unsigned short>(std::atoi(argv[1])) : 0;
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  std::printf("%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, auto) {
    acceptor.close();
    io.stop();
  });
  asio::co_spawn(io, listen(acceptor), asio::detached);
  io.run();
  std::fprintf(stderr, "{\"requests\": %llu, \"bytes\": %llu}\n", g_requests.load(),
               g_bytes.load());
  return 0;
}
