// ack_server: the smallest keep-alive HTTP/1.1 server that answers every
// request at once — the far end and the ceiling of the benchmarks.
//
//   ack_server MODE [PORT] [THREADS]
//     MODE hello: "Hello, World!" as text/plain (the bare-Beast HTTP ceiling)
//     MODE otlp:  an empty ExportTraceServiceResponse (application/x-protobuf),
//                 accepting bodies up to 64 MiB (an OTLP/HTTP receiver that acks)
//   PORT 0 or none: pick a free port; the port is printed on stdout. On
//   SIGTERM it prints {"requests", "bytes"} (request bodies) on stderr.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Mode {
  std::string_view content_type;
  std::string_view body;
  std::uint64_t body_limit;
};

std::atomic<unsigned long long> g_requests{0};
std::atomic<unsigned long long> g_bytes{0};

asio::awaitable<void> session(tcp::socket socket, Mode mode) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(mode.body_limit);
    auto [ec, n] =
        co_await http::async_read(socket, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto& req = parser.get();
    g_requests.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(req.body().size(), std::memory_order_relaxed);
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, mode.content_type);
    res.body() = mode.body;
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(socket, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !res.keep_alive()) co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, Mode mode) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), mode), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view name = argc > 1 ? argv[1] : "";
  Mode mode;
  if (name == "hello") {
    mode = {"text/plain", "Hello, World!", 1 << 20};
  } else if (name == "otlp") {
    mode = {"application/x-protobuf", "", 64 << 20};
  } else {
    std::fprintf(stderr, "usage: %s hello|otlp [PORT] [THREADS]\n", argv[0]);
    return 2;
  }
  const auto port = static_cast<unsigned short>(argc > 2 ? std::atoi(argv[2]) : 0);
  const int threads = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
  asio::io_context io(threads);
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
  std::printf("%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, auto) {
    acceptor.close();
    io.stop();
  });
  asio::co_spawn(io, listen(acceptor, mode), asio::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  std::fprintf(stderr, "{\"requests\": %llu, \"bytes\": %llu}\n", g_requests.load(),
               g_bytes.load());
  return 0;
}
