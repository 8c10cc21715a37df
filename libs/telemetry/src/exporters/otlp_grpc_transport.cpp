// OTLP/gRPC transport: one unary TraceService/Export call per attempt
// through grpc::GenericStub, sending the exporter's hand-encoded bytes as a
// ByteBuffer, so no protobuf message classes are needed (OTLP spec,
// "OTLP/gRPC"). Also the tiny protobuf reader for google.rpc.Status that
// both transports use for error details.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include <condition_variable>
#include <mutex>

#include "exporters/otlp_transport.h"
#include "sdk/env.h"

namespace spanline::telemetry::otlp {
namespace {

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr std::string_view kRetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";

// ---------------------------------------------------------------------------
// Protobuf wire reading, just enough for google.rpc.Status, Any, RetryInfo
// and Duration. Unknown fields are skipped; groups and truncation fail.
// ---------------------------------------------------------------------------

struct WireField {
  std::uint32_t number = 0;
  std::uint32_t type = 0;  // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  std::uint64_t varint = 0;
  std::string_view bytes;
};

bool read_varint(std::string_view& in, std::uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Walks the fields of one message. next() is false at the end and on
// malformed input; ok() tells them apart.
class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }

  bool next(WireField& field) {
    if (in_.empty() || !ok_) return false;
    std::string_view in = in_;
    std::uint64_t key = 0, length = 0;
    ok_ = read_varint(in, key);
    field.number = static_cast<std::uint32_t>(key >> 3);
    field.type = static_cast<std::uint32_t>(key & 7);
    if (ok_) switch (field.type) {
        case 0:
          ok_ = read_varint(in, field.varint);
          break;
        case 1:
          length = 8;
          break;
        case 5:
          length = 4;
          break;
        case 2:
          ok_ = read_varint(in, length);
          break;
        default:
          ok_ = false;
      }
    if (!ok_ || length > in.size()) return ok_ = false;
    field.bytes = in.substr(0, length);
    in_ = in.substr(length);
    return true;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

// google.protobuf.Duration{seconds = 1, nanos = 2}; negative delays are zero.
std::optional<std::chrono::nanoseconds> read_duration(std::string_view in) {
  std::int64_t seconds = 0, nanos = 0;
  WireReader reader(in);
  WireField f;
  while (reader.next(f)) {
    if (f.number == 1 && f.type == 0) seconds = static_cast<std::int64_t>(f.varint);
    if (f.number == 2 && f.type == 0) nanos = static_cast<std::int32_t>(f.varint);
  }
  if (!reader.ok()) return std::nullopt;
  // A day is beyond any export deadline and keeps the arithmetic in range.
  constexpr std::int64_t kMaxSeconds = 86400;
  if (seconds < 0 || (seconds == 0 && nanos < 0)) return std::chrono::nanoseconds::zero();
  if (seconds >= kMaxSeconds) return std::chrono::seconds(kMaxSeconds);
  return std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos);
}

// google.rpc.RetryInfo{retry_delay = 1}.
std::optional<std::chrono::nanoseconds> read_retry_info(std::string_view in) {
  WireReader reader(in);
  WireField f;
  std::optional<std::chrono::nanoseconds> delay;
  while (reader.next(f))
    if (f.number == 1 && f.type == 2) delay = read_duration(f.bytes);
  if (!reader.ok()) return std::nullopt;
  return delay;
}

// ---------------------------------------------------------------------------
// The transport
// ---------------------------------------------------------------------------

const char* code_name(grpc::StatusCode code) {
  // clang-format off
  static constexpr const char* kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  // clang-format on
  const auto i = static_cast<std::size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

class GrpcTransport final : public Transport {
 public:
  explicit GrpcTransport(const OtlpExporterOptions& options);

  SendResult send(std::string_view body, Clock::time_point deadline) noexcept override;
  void shutdown() noexcept override;

 private:
  SendResult classify(const grpc::Status& status, const grpc::ByteBuffer& response) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::vector<std::pair<std::string, std::string>> metadata_;  // keys lowercased
  bool gzip_ = false;

  std::mutex mu_;
  bool shut_down_ = false;                    // guarded by mu_
  grpc::ClientContext* in_flight_ = nullptr;  // guarded by mu_; lives in send()'s frame
};

GrpcTransport::GrpcTransport(const OtlpExporterOptions& options) : gzip_(options.gzip) {
  const Endpoint ep = parse_endpoint(options.endpoint, true, nullptr).value();
  // OTLP exporter spec, "Endpoint (OTLP/gRPC)": an https scheme means TLS and
  // http plaintext; without a scheme the `insecure` option decides.
  const bool secure = ep.scheme.empty() ? !options.insecure : ep.scheme == "https";
  const std::string target = ep.port.empty() ? ep.host : ep.host + ":" + ep.port;
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix(std::string(kUserAgent));
  // Retries are the exporter's, with its backoff and deadline accounting.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  channel_ = grpc::CreateCustomChannel(target,
                                       secure ? grpc::SslCredentials(grpc::SslCredentialsOptions{})
                                              : grpc::InsecureChannelCredentials(),
                                       args);
  stub_ = std::make_unique<grpc::GenericStub>(channel_);
  for (const auto& [key, value] : options.headers)
    metadata_.emplace_back(env::to_lower(key), value);
}

SendResult GrpcTransport::send(std::string_view body, Clock::time_point deadline) noexcept {
  try {
    grpc::ClientContext context;
    const auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
    context.set_deadline(gpr_time_add(
        gpr_now(GPR_CLOCK_MONOTONIC),
        gpr_time_from_nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(left).count(),
                            GPR_TIMESPAN)));
    for (const auto& [key, value] : metadata_) context.AddMetadata(key, value);
    if (gzip_) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);

    grpc::Slice slice(body.data(), body.size());
    const grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::mutex done_mu;
    std::condition_variable done_cv;
    bool done = false;
    grpc::Status status;
    {
      std::lock_guard lock(mu_);
      if (shut_down_) return {SendStatus::kAborted, {}, {}, "exporter shut down"};
      in_flight_ = &context;
    }
    stub_->UnaryCall(&context, kExportMethod, grpc::StubOptions(), &request, &response,
                     [&](grpc::Status s) {
                       std::lock_guard lock(done_mu);
                       status = std::move(s);
                       done = true;
                       done_cv.notify_one();
                     });
    {
      // gRPC ends the call by its deadline or at TryCancel; the callback
      // references this frame, so it must run before we return.
      std::unique_lock lock(done_mu);
      done_cv.wait(lock, [&] { return done; });
    }
    bool shut_down;
    {
      std::lock_guard lock(mu_);
      in_flight_ = nullptr;
      shut_down = shut_down_;
    }
    if (shut_down && status.error_code() == grpc::StatusCode::CANCELLED)
      return {SendStatus::kAborted, {}, {}, "exporter shut down"};
    return classify(status, response);
  } catch (const std::exception& e) {
    return {SendStatus::kRetryable, {}, {}, std::string("gRPC transport error: ") + e.what()};
  }
}

void GrpcTransport::shutdown() noexcept {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  // Before the call starts, TryCancel marks the context and gRPC cancels the
  // call as it starts; either way the callback fires promptly with CANCELLED.
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

// OTLP spec, "OTLP/gRPC Response" and "Failures": the listed codes are
// retryable; RESOURCE_EXHAUSTED only when the server says when to come back
// (RetryInfo), since otherwise it may never recover ("OTLP/gRPC Throttling").
SendResult GrpcTransport::classify(const grpc::Status& status,
                                   const grpc::ByteBuffer& response) const {
  SendResult result;
  if (status.ok()) {
    result.status = SendStatus::kOk;
    std::vector<grpc::Slice> slices;
    if (response.Length() > 0 && response.Dump(&slices).ok()) {
      std::string bytes;
      bytes.reserve(response.Length());
      for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      OtlpPartialSuccess partial;
      if (decode_otlp_response_proto(bytes, partial)) result.partial = std::move(partial);
    }
    return result;
  }
  result.error = std::string("gRPC ") + code_name(status.error_code());
  if (!status.error_message().empty()) result.error += ": " + status.error_message();
  result.retry_after = retry_delay_from_status_details(status.error_details());
  switch (status.error_code()) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      result.status = SendStatus::kRetryable;
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      result.status = result.retry_after ? SendStatus::kRetryable : SendStatus::kPermanent;
      break;
    default:
      result.status = SendStatus::kPermanent;
  }
  return result;
}

}  // namespace

std::unique_ptr<Transport> make_grpc_transport(const OtlpExporterOptions& options) {
  return std::make_unique<GrpcTransport>(options);
}

// google.rpc.Status{code = 1, message = 2, details = 3 (repeated Any)};
// Any{type_url = 1, value = 2}.
std::optional<std::chrono::nanoseconds> retry_delay_from_status_details(std::string_view bytes) {
  WireReader status(bytes);
  WireField f;
  std::optional<std::chrono::nanoseconds> delay;
  while (status.next(f)) {
    if (f.number != 3 || f.type != 2) continue;
    WireReader any(f.bytes);
    WireField a;
    std::string_view type_url, value;
    while (any.next(a)) {
      if (a.number == 1 && a.type == 2) type_url = a.bytes;
      if (a.number == 2 && a.type == 2) value = a.bytes;
    }
    if (any.ok() && type_url == kRetryInfoType)
      if (auto d = read_retry_info(value)) delay = d;
  }
  if (!status.ok()) return std::nullopt;
  return delay;
}

std::optional<std::string> message_from_status(std::string_view bytes) {
  WireReader reader(bytes);
  WireField f;
  std::optional<std::string> message;
  while (reader.next(f))
    if (f.number == 2 && f.type == 2) message = std::string(f.bytes);
  if (!reader.ok()) return std::nullopt;
  return message;
}

}  // namespace spanline::telemetry::otlp
