#include "receivers/otlp_grpc_receiver.h"

#include <grpcpp/grpcpp.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <cctype>
#include <climits>
#include <stdexcept>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace spanline::collector {
namespace {

using opentelemetry::proto::collector::trace::v1::TraceService;

grpc::Status to_grpc_status(const ConsumeResult& result) {
  switch (result.status) {
    case ConsumeResult::Status::kOk:
      break;
    case ConsumeResult::Status::kPermanent:
      return {grpc::StatusCode::INVALID_ARGUMENT, result.message};
    case ConsumeResult::Status::kRetryable:
      // The OTLP spec's throttling signal: RetryInfo in the status details.
      return {grpc::StatusCode::UNAVAILABLE, result.message,
              encode_rpc_status(RpcCode::kUnavailable, result.message, result.retry_after)};
  }
  return grpc::Status::OK;
}

// gRPC wants "host:port" with IPv6 hosts bracketed; an empty host means all
// interfaces, as it does for the HTTP transport.
std::string grpc_address(const std::string& host, std::uint16_t port) {
  if (host.empty()) return "0.0.0.0:" + std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::chrono::system_clock::time_point wall_clock(Deadline deadline) {
  const auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(left);
}

}  // namespace

class OtlpGrpcReceiver::Service final : public TraceService::CallbackService {
 public:
  Service(const BearerTokenAuth* auth, OtlpIngest ingest) : auth_(auth), ingest_(ingest) {
    if (auth_ != nullptr) {
      // gRPC metadata keys are lowercase on the wire.
      metadata_key_ = auth_->header_name();
      std::transform(metadata_key_.begin(), metadata_key_.end(), metadata_key_.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
  }

  void start(TracesConsumer& next, boost::asio::thread_pool& workers) {
    ingest_.set_next(&next);
    workers_ = &workers;
  }

  grpc::ServerUnaryReactor* Export(
      grpc::CallbackServerContext* context, const ExportTraceServiceRequest* request,
      ExportTraceServiceResponse* /*response: empty on success*/) override;

 private:
  bool authenticated(const grpc::CallbackServerContext& context) const;

  const BearerTokenAuth* auth_;
  std::string metadata_key_;
  OtlpIngest ingest_;
  boost::asio::thread_pool* workers_ = nullptr;
};

grpc::ServerUnaryReactor* OtlpGrpcReceiver::Service::Export(
    grpc::CallbackServerContext* context, const ExportTraceServiceRequest* request,
    ExportTraceServiceResponse*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (auth_ != nullptr && !authenticated(*context)) {
    reactor->Finish({grpc::StatusCode::UNAUTHENTICATED, "missing or invalid credentials"});
    return reactor;
  }
  std::string error;
  if (!check_ids(*request, error)) {
    reactor->Finish({grpc::StatusCode::INVALID_ARGUMENT, error});
    return reactor;
  }
  // gRPC deserializes into a mutable per-call message it reads no more (the
  // generated signature is merely const); taking its contents saves a deep
  // copy of up to max_recv_msg_size_mib.
  Traces traces = Traces::from_request(std::move(*const_cast<ExportTraceServiceRequest*>(request)));
  // The consume may block for an exporter's timeout: not on a gRPC thread.
  // Finish may be called from any thread.
  boost::asio::post(*workers_, [this, reactor, traces = std::move(traces)]() mutable {
    reactor->Finish(to_grpc_status(ingest_.deliver(std::move(traces))));
  });
  return reactor;
}

bool OtlpGrpcReceiver::Service::authenticated(const grpc::CallbackServerContext& context) const {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find(metadata_key_);
  if (it == metadata.end()) return auth_->authenticate(std::nullopt);
  return auth_->authenticate(std::string_view(it->second.data(), it->second.size()));
}

OtlpGrpcReceiver::OtlpGrpcReceiver(OtlpGrpcServerConfig config, const BearerTokenAuth* auth,
                                   OtlpIngest ingest)
    : config_(std::move(config)), service_(std::make_unique<Service>(auth, ingest)) {}

OtlpGrpcReceiver::~OtlpGrpcReceiver() {
  shutdown(Clock::now());
}

void OtlpGrpcReceiver::start(TracesConsumer& next, boost::asio::thread_pool& workers) {
  const std::string failure = "cannot listen on " + config_.endpoint + ": ";
  std::string host;
  std::uint16_t port = 0;
  if (!split_endpoint(config_.endpoint, host, port))
    throw std::runtime_error(failure + "not a host:port endpoint");
  service_->start(next, workers);

  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort(grpc_address(host, port), grpc::InsecureServerCredentials(), &bound);
  const std::size_t max_bytes = config_.max_recv_msg_size_mib * 1024 * 1024;
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<std::size_t>(max_bytes, INT_MAX)));
  // gRPC sets SO_REUSEPORT by default, which would let a second collector
  // bind the same port and silently split the traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || bound == 0) {
    server_.reset();
    throw std::runtime_error(failure + "bind failed (address in use or not available)");
  }
  port_ = static_cast<std::uint16_t>(bound);
}

void OtlpGrpcReceiver::shutdown(Deadline deadline) noexcept {
  if (!server_) return;
  // Blocks until every call has finished (the callback API counts them):
  // ours end when their worker calls Finish, however long after the deadline
  // their consume returns.
  server_->Shutdown(wall_clock(deadline));
  server_->Wait();
  server_.reset();
}

}  // namespace spanline::collector
