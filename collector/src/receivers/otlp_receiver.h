// otlp receiver: trace exports over OTLP/HTTP (protobuf and JSON) and
// OTLP/gRPC, as the Collector's otlpreceiver takes them, decoded into Traces
// and pushed to the next consumer.
//
// Threads: both transports hand each decoded request to a pool of worker
// threads owned here, because the pipeline's consume() may block for as long
// as an exporter's timeout; an HTTP I/O thread or a gRPC callback thread
// blocked on it would stall every other connection it serves.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "extensions/bearer_token_auth.h"
#include "pipeline/component.h"
#include "pipeline/metrics.h"

namespace boost::asio {
class thread_pool;
}

namespace spanline::collector {

class OtlpHttpReceiver;
class OtlpGrpcReceiver;

// ------------------------------------------------- shared by the transports

// Where one transport's decoded requests go, and its span counters
// (otelcol_receiver_{accepted,refused}_spans{receiver, transport}).
class OtlpIngest {
 public:
  OtlpIngest(Metrics& metrics, const std::string& receiver_id, std::string_view transport);

  // Set before the transport serves its first request.
  void set_next(TracesConsumer* next) noexcept { next_ = next; }

  // Passes `traces` on and counts its spans as accepted or refused. A request
  // without spans is accepted without bothering the pipeline (as the
  // Collector does). Blocks for as long as the pipeline's consume().
  ConsumeResult deliver(Traces traces) noexcept;

 private:
  TracesConsumer* next_ = nullptr;
  Counter& accepted_;
  Counter& refused_;
};

// google.rpc.Status codes the receiver answers with.
enum class RpcCode : int {
  kInvalidArgument = 3,
  kResourceExhausted = 8,
  kUnavailable = 14,
  kUnauthenticated = 16,
};

// A serialized google.rpc.Status (code, message), with a google.rpc.RetryInfo
// detail when `retry_after` > 0: the OTLP failure body over HTTP and the
// grpc-status-details-bin trailer over gRPC.
std::string encode_rpc_status(RpcCode code, std::string_view message,
                              std::chrono::seconds retry_after = std::chrono::seconds(0));

// False, with `error` naming the first offending field, when a trace or span
// id has a length other than 16 or 8 bytes (or 0, "not set"). Protobuf
// `bytes` accept any length; the Collector rejects such requests as
// undecodable, and exporters downstream assume the lengths.
bool check_ids(const ExportTraceServiceRequest& request, std::string& error);

// ----------------------------------------------------------------- receiver

class OtlpReceiver : public Receiver {
 public:
  // `authenticators`: extension id → auth, for resolving auth.authenticator
  // (validated already; a missing one throws std::runtime_error).
  OtlpReceiver(std::string id, OtlpReceiverConfig config, Metrics& metrics,
               const std::map<std::string, const BearerTokenAuth*>& authenticators);
  ~OtlpReceiver() override;

  // Binds every configured protocol. Throws std::runtime_error("receiver
  // otlp: cannot listen on localhost:4318: ...") after releasing whatever it
  // had bound.
  void start() override;
  // Stops accepting on both protocols at once, lets in-flight requests finish
  // until `deadline` (then cuts them off), and waits for the consumes they
  // started, even past the deadline: once it returns nothing calls into the
  // pipeline any more, so the components after it can flush and stop. A
  // consume is bounded by the pipeline's own timeouts. Safe twice and
  // without start().
  void shutdown(Deadline deadline) noexcept override;

  // The bound ports (an endpoint with port 0 gets a free one); 0 when the
  // protocol is off or not started.
  std::uint16_t http_port() const noexcept;
  std::uint16_t grpc_port() const noexcept;

 private:
  std::string id_;
  std::unique_ptr<OtlpHttpReceiver> http_;
  std::unique_ptr<OtlpGrpcReceiver> grpc_;
  // Declared after the transports, so destroyed (joined) before them: a
  // worker finishing a request posts back to the HTTP server's io_context.
  std::unique_ptr<boost::asio::thread_pool> workers_;
  std::mutex lifecycle_mu_;  // serializes start() and shutdown()
  bool stopped_ = false;
};

}  // namespace spanline::collector
