// The OTLP/gRPC transport of the otlp receiver (OTLP spec, "OTLP/gRPC"):
// opentelemetry.proto.collector.trace.v1.TraceService/Export.
//
//   OK                 accepted (also a request without spans)
//   INVALID_ARGUMENT   a span with a bad id, or the pipeline refused it for good
//   UNAUTHENTICATED    auth configured and the metadata entry missing or wrong
//   RESOURCE_EXHAUSTED the message is over max_recv_msg_size_mib (gRPC itself)
//   UNAVAILABLE        the pipeline may accept it later; grpc-status-details-bin
//                      carries a google.rpc.RetryInfo with the delay
#pragma once

#include <cstdint>
#include <memory>

#include "receivers/otlp_receiver.h"

namespace boost::asio {
class thread_pool;
}

namespace grpc {
class Server;
}

namespace spanline::collector {

class OtlpGrpcReceiver {
 public:
  // `auth` may be null (no auth); it must outlive this.
  OtlpGrpcReceiver(OtlpGrpcServerConfig config, const BearerTokenAuth* auth, OtlpIngest ingest);
  ~OtlpGrpcReceiver();

  // Binds and serves, handing each call to `workers`, which must stay alive
  // until shutdown() returns. Throws std::runtime_error("cannot listen on
  // <endpoint>: <why>").
  void start(TracesConsumer& next, boost::asio::thread_pool& workers);
  // Stops accepting, lets calls finish until `deadline` and cancels the rest;
  // returns once every call has ended (a cancelled call's consume still runs
  // to its end). Safe twice and without start().
  void shutdown(Deadline deadline) noexcept;
  std::uint16_t port() const noexcept { return port_; }

 private:
  class Service;

  OtlpGrpcServerConfig config_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;  // after service_: it must go first
  std::uint16_t port_ = 0;
};

}  // namespace spanline::collector
