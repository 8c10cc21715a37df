// Fake OTLP collectors for the exporter tests, on 127.0.0.1 port 0: an
// HTTP/1.1 server (Beast, its own io_context thread) and a real gRPC
// TraceService. Both record what arrives and answer from a script; after the
// script runs out they accept everything.
#pragma once

#include <grpcpp/grpcpp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace spanline::telemetry::otlp_test {

using TestClock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// HTTP

struct HttpRequestRecord {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;                            // as sent (maybe gzip)
  int connection = 0;                          // which accepted connection carried it
  TestClock::time_point at;
};

struct HttpReply {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};
  // Close the connection after answering, without saying so (what an idle
  // timeout on the server looks like to a keep-alive client).
  bool close_after = false;
  // Close the connection instead of answering (the request was read).
  bool close_instead = false;
};

class FakeHttpCollector {
 public:
  FakeHttpCollector() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeHttpCollector() {
    io_.stop();
    thread_.join();
  }

  std::string url(std::string_view path = "/v1/traces") const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
           std::string(path);
  }
  void script(std::vector<HttpReply> replies) {
    std::lock_guard lock(mu_);
    script_.assign(replies.begin(), replies.end());
  }
  std::vector<HttpRequestRecord> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  bool wait_for_requests(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  using tcp = boost::asio::ip::tcp;

// GCC 12 with ASan misreads Asio's recycling coroutine-frame allocator as a
// new/delete mismatch (a known false positive); the frames are fine.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
  boost::asio::awaitable<void> accept_loop() {
    for (int id = 1;; ++id) {
      auto [ec, socket] =
          co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      boost::asio::co_spawn(io_, session(std::move(socket), id), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> session(tcp::socket socket, int id) {
    namespace http = boost::beast::http;
    constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(socket, buffer, req, kNoThrow);
      if (ec) co_return;
      HttpReply reply;
      {
        std::lock_guard lock(mu_);
        HttpRequestRecord rec{std::string(req.method_string()),
                              std::string(req.target()),
                              {},
                              req.body(),
                              id,
                              TestClock::now()};
        for (const auto& field : req) {
          std::string name(field.name_string());
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          rec.headers[name] = std::string(field.value());
        }
        requests_.push_back(std::move(rec));
        if (!script_.empty()) {
          reply = std::move(script_.front());
          script_.pop_front();
        }
      }
      cv_.notify_all();
      if (reply.delay.count() > 0) {
        boost::asio::steady_timer timer(io_, reply.delay);
        co_await timer.async_wait(kNoThrow);
      }
      if (reply.close_instead) co_return;
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      for (const auto& [k, v] : reply.headers) res.set(k, v);
      res.body() = reply.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [wec, w] = co_await http::async_write(socket, res, kNoThrow);
      if (wec || reply.close_after || !req.keep_alive()) co_return;
    }
  }
#pragma GCC diagnostic pop

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<HttpReply> script_;
  std::vector<HttpRequestRecord> requests_;
};

// ---------------------------------------------------------------------------
// gRPC

namespace pb_collector_service = opentelemetry::proto::collector::trace::v1;

struct GrpcReply {
  grpc::Status status = grpc::Status::OK;
  std::chrono::milliseconds delay{0};
  std::int64_t rejected_spans = 0;
  std::string error_message;
};

struct GrpcRequestRecord {
  pb_collector_service::ExportTraceServiceRequest request;
  std::multimap<std::string, std::string> metadata;
  TestClock::time_point at;
};

class FakeGrpcCollector final : public pb_collector_service::TraceService::Service {
 public:
  // A collector with gzip disabled fails compressed calls (UNIMPLEMENTED),
  // which shows a client really compressed.
  explicit FakeGrpcCollector(bool accept_gzip = true) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    if (!accept_gzip) builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakeGrpcCollector() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_->Wait();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  void script(std::vector<GrpcReply> replies) {
    std::lock_guard lock(mu_);
    script_.assign(replies.begin(), replies.end());
  }
  std::vector<GrpcRequestRecord> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  bool wait_for_requests(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  grpc::Status Export(grpc::ServerContext* context,
                      const pb_collector_service::ExportTraceServiceRequest* request,
                      pb_collector_service::ExportTraceServiceResponse* response) override {
    GrpcReply reply;
    std::unique_lock lock(mu_);
    GrpcRequestRecord rec{*request, {}, TestClock::now()};
    for (const auto& [k, v] : context->client_metadata())
      rec.metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    requests_.push_back(std::move(rec));
    if (!script_.empty()) {
      reply = std::move(script_.front());
      script_.pop_front();
    }
    cv_.notify_all();
    // Sleeps in slices so that a cancelled call or the fixture's end stops it.
    const auto until = TestClock::now() + reply.delay;
    while (!stopping_ && !context->IsCancelled() && TestClock::now() < until)
      cv_.wait_for(lock, std::chrono::milliseconds(10));
    if (reply.rejected_spans != 0 || !reply.error_message.empty()) {
      response->mutable_partial_success()->set_rejected_spans(reply.rejected_spans);
      response->mutable_partial_success()->set_error_message(reply.error_message);
    }
    return reply.status;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<GrpcReply> script_;
  std::vector<GrpcRequestRecord> requests_;
};

// ---------------------------------------------------------------------------
// google.rpc.Status with a RetryInfo detail, hand-encoded (the tests have no
// googleapis protos).

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
inline void put_bytes(std::string& out, int field, std::string_view bytes) {
  put_varint(out, static_cast<std::uint64_t>(field) << 3 | 2);
  put_varint(out, bytes.size());
  out.append(bytes);
}
inline void put_int(std::string& out, int field, std::uint64_t v) {
  put_varint(out, static_cast<std::uint64_t>(field) << 3);
  put_varint(out, v);
}

inline std::string status_with_retry_info(int code, std::string_view message, std::int64_t seconds,
                                          std::int32_t nanos) {
  std::string duration, retry_info, any, status;
  put_int(duration, 1, static_cast<std::uint64_t>(seconds));
  put_int(duration, 2, static_cast<std::uint64_t>(static_cast<std::int64_t>(nanos)));
  put_bytes(retry_info, 1, duration);
  put_bytes(any, 1, "type.googleapis.com/google.rpc.RetryInfo");
  put_bytes(any, 2, retry_info);
  put_int(status, 1, static_cast<std::uint64_t>(code));
  put_bytes(status, 2, message);
  put_bytes(status, 3, any);
  return status;
}

}  // namespace spanline::telemetry::otlp_test
