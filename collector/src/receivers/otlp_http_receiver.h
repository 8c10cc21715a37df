// The OTLP/HTTP transport of the otlp receiver (OTLP spec, "OTLP/HTTP"):
// POST <traces_url_path> with an ExportTraceServiceRequest as
// application/x-protobuf or application/json, optionally gzip/deflate
// encoded; the answer comes in the request's encoding.
//
//   200  accepted (also a request without spans)
//   400  undecodable, or the pipeline refused it for good   google.rpc.Status
//   401  auth configured and the header missing or wrong    google.rpc.Status
//   413  body, or its decompressed size, over max_request_body_size
//   415  another Content-Type or Content-Encoding
//   503  the pipeline may accept it later: Retry-After      google.rpc.Status
//
// CORS (when cors.allowed_origins is set): OPTIONS preflights on the traces
// path are answered, and responses to allowed origins carry
// Access-Control-Allow-Origin.
#pragma once

#include <cstdint>
#include <memory>

#include "receivers/otlp_receiver.h"

namespace boost::asio {
class thread_pool;
}

namespace spanline::net {
class Request;
class Router;
class Server;
struct Response;
}  // namespace spanline::net

namespace spanline::collector {

class OtlpHttpReceiver {
 public:
  // `auth` may be null (no auth); it must outlive this.
  OtlpHttpReceiver(OtlpHttpServerConfig config, const BearerTokenAuth* auth, OtlpIngest ingest);
  ~OtlpHttpReceiver();

  // Binds and serves, handing requests to `workers`, which must stay alive
  // until shutdown() returns and must be joined before this is destroyed.
  // Throws std::runtime_error("cannot listen on <endpoint>: <why>").
  void start(TracesConsumer& next, boost::asio::thread_pool& workers);
  // Stops accepting and lets in-flight requests finish until `deadline`.
  // Safe twice and without start().
  void shutdown(Deadline deadline) noexcept;
  std::uint16_t port() const noexcept;

 private:
  net::Router router(boost::asio::thread_pool& workers);
  // The answer to one export request; runs on a worker thread.
  net::Response respond(const net::Request& request);
  // The answer to a CORS preflight (OPTIONS) on the traces path.
  net::Response preflight(const net::Request& request) const;
  // Adds Access-Control-Allow-Origin when the request's Origin is allowed.
  void add_cors_headers(const net::Request& request, net::Response& response) const;
  bool origin_allowed(std::string_view origin) const;

  OtlpHttpServerConfig config_;
  const BearerTokenAuth* auth_;
  OtlpIngest ingest_;
  std::unique_ptr<net::Server> server_;
};

}  // namespace spanline::collector
