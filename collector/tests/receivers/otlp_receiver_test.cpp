#include "receivers/otlp_receiver.h"

#include <gtest/gtest.h>

#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <zlib.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace spanline::collector {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using google::protobuf::util::MessageDifferencer;
using opentelemetry::proto::collector::trace::v1::TraceService;

// ------------------------------------------------------------------ fakes

// Records what reaches it and answers with `result`; optionally holds each
// consume until release() (for the shutdown test).
class RecordingConsumer : public TracesConsumer {
 public:
  ConsumeResult consume(Traces traces) noexcept override {
    std::unique_lock lock(mu_);
    received_.push_back(traces.merged());
    span_counts_.push_back(traces.span_count());
    entered_.notify_all();
    released_.wait(lock, [&] { return !hold_; });
    return result_;
  }
  void answer(ConsumeResult result) {
    std::lock_guard lock(mu_);
    result_ = std::move(result);
  }
  void hold() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  void wait_entered(std::size_t n) {
    std::unique_lock lock(mu_);
    entered_.wait(lock, [&] { return received_.size() >= n; });
  }
  void release() {
    std::lock_guard lock(mu_);
    hold_ = false;
    released_.notify_all();
  }
  std::vector<ExportTraceServiceRequest> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::vector<std::size_t> span_counts() {
    std::lock_guard lock(mu_);
    return span_counts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable entered_, released_;
  bool hold_ = false;
  ConsumeResult result_;
  std::vector<ExportTraceServiceRequest> received_;
  std::vector<std::size_t> span_counts_;
};

ExportTraceServiceRequest sample_request(int spans) {
  ExportTraceServiceRequest request;
  auto* resource_spans = request.add_resource_spans();
  auto* attribute = resource_spans->mutable_resource()->add_attributes();
  attribute->set_key("service.name");
  attribute->mutable_value()->set_string_value("checkout");
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name("test");
  for (int i = 0; i < spans; ++i) {
    auto* span = scope_spans->add_spans();
    span->set_trace_id(std::string(15, '\x5b') + static_cast<char>(i + 1));
    span->set_span_id(std::string(7, '\xee') + static_cast<char>(i + 1));
    span->set_name("span " + std::to_string(i));
    span->set_start_time_unix_nano(1'700'000'000'000'000'000 + i);
    span->set_end_time_unix_nano(1'700'000'000'000'000'100 + i);
  }
  return request;
}

std::string compress(std::string_view data, bool gzip) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Field `number` of a serialized message: its bytes (length-delimited) or
// its value (varint); for reading google.rpc.Status without its .proto.
std::string field_bytes(const std::string& message, int number) {
  google::protobuf::UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(message));
  for (int i = 0; i < fields.field_count(); ++i)
    if (fields.field(i).number() == number) return fields.field(i).length_delimited();
  return {};
}
std::uint64_t field_varint(const std::string& message, int number) {
  google::protobuf::UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(message));
  for (int i = 0; i < fields.field_count(); ++i)
    if (fields.field(i).number() == number) return fields.field(i).varint();
  return 0;
}

// ----------------------------------------------------- a blocking client

struct Reply {
  int status = 0;
  http::fields headers;
  std::string body;
  std::string header(std::string_view name) const { return std::string(headers[name]); }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

Reply call(std::uint16_t port, http::verb verb, std::string target, std::string body,
           const HeaderList& headers) {
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();
  boost::beast::error_code ec;
  // May fail when the server refuses the body early; its answer is still there.
  http::write(socket, request, ec);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response, ec);
  if (ec) return {};
  return {static_cast<int>(response.result_int()), response.base(), response.body()};
}

Reply post(std::uint16_t port, std::string body, std::string content_type,
           HeaderList headers = {}) {
  headers.emplace_back("Content-Type", std::move(content_type));
  return call(port, http::verb::post, "/v1/traces", std::move(body), headers);
}

Reply post_proto(std::uint16_t port, const ExportTraceServiceRequest& request,
                 HeaderList headers = {}) {
  return post(port, request.SerializeAsString(), "application/x-protobuf", std::move(headers));
}

// ---------------------------------------------------------------- harness

OtlpHttpServerConfig http_config() {
  return {.endpoint = "127.0.0.1:0"};
}
OtlpGrpcServerConfig grpc_config() {
  return {.endpoint = "127.0.0.1:0"};
}

struct Harness {
  explicit Harness(OtlpReceiverConfig config, bool start = true) {
    receiver = std::make_unique<OtlpReceiver>(
        "otlp", std::move(config), metrics,
        std::map<std::string, const BearerTokenAuth*>{{"bearertokenauth", &auth}});
    receiver->set_next(&consumer);
    if (start) receiver->start();
  }
  ~Harness() { receiver->shutdown(Clock::now() + 5s); }

  std::uint64_t count(const char* name, const char* transport) {
    return metrics.counter(name, "", {{"receiver", "otlp"}, {"transport", transport}}).value();
  }
  std::unique_ptr<TraceService::Stub> stub() {
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(receiver->grpc_port()),
                                       grpc::InsecureChannelCredentials());
    return TraceService::NewStub(channel);
  }

  Metrics metrics;
  RecordingConsumer consumer;
  BearerTokenAuth auth{BearerTokenAuthConfig{.token = "s3cret"}};
  std::unique_ptr<OtlpReceiver> receiver;
};

std::string hex_bytes(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

}  // namespace

// ------------------------------------------------------------- OTLP/HTTP

TEST(OtlpReceiverHttp, ProtobufRequestArrivesIntact) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  const auto sent = sample_request(3);
  const Reply reply = post_proto(h.receiver->http_port(), sent);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/x-protobuf");
  ExportTraceServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(reply.body));
  EXPECT_FALSE(response.has_partial_success());
  ASSERT_EQ(h.consumer.received().size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(h.consumer.received()[0], sent));
  EXPECT_EQ(h.consumer.span_counts()[0], 3u);
}

TEST(OtlpReceiverHttp, JsonRequestArrivesIntact) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  const std::string json = R"({"resourceSpans":[{"resource":{"attributes":[
    {"key":"service.name","value":{"stringValue":"checkout"}}]},
    "scopeSpans":[{"scope":{"name":"manual"},"spans":[{
    "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
    "name":"GET /cart","kind":2,"startTimeUnixNano":"1544712660000000000",
    "endTimeUnixNano":"1544712661000000000",
    "attributes":[{"key":"http.status_code","value":{"intValue":"200"}}]}]}]}]})";
  ExportTraceServiceRequest expected;
  auto* resource_spans = expected.add_resource_spans();
  auto* resource_attribute = resource_spans->mutable_resource()->add_attributes();
  resource_attribute->set_key("service.name");
  resource_attribute->mutable_value()->set_string_value("checkout");
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name("manual");
  auto* span = scope_spans->add_spans();
  span->set_trace_id(hex_bytes("5b8efff798038103d269b633813fc60c"));
  span->set_span_id(hex_bytes("eee19b7ec3c1b174"));
  span->set_name("GET /cart");
  span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(1544712660000000000);
  span->set_end_time_unix_nano(1544712661000000000);
  auto* attribute = span->add_attributes();
  attribute->set_key("http.status_code");
  attribute->mutable_value()->set_int_value(200);

  const Reply reply = post(h.receiver->http_port(), json, "application/json; charset=utf-8");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/json");
  EXPECT_EQ(boost::json::parse(reply.body), boost::json::parse("{}"));
  ASSERT_EQ(h.consumer.received().size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(h.consumer.received()[0], expected));
}

TEST(OtlpReceiverHttp, GzipAndDeflateBodiesAreDecompressed) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  const auto sent = sample_request(2);
  for (const bool gzip : {true, false}) {
    const Reply reply =
        post(h.receiver->http_port(), compress(sent.SerializeAsString(), gzip),
             "application/x-protobuf", {{"Content-Encoding", gzip ? "gzip" : "deflate"}});
    EXPECT_EQ(reply.status, 200) << reply.body;
  }
  ASSERT_EQ(h.consumer.received().size(), 2u);
  EXPECT_TRUE(MessageDifferencer::Equals(h.consumer.received()[0], sent));
  EXPECT_TRUE(MessageDifferencer::Equals(h.consumer.received()[1], sent));
}

TEST(OtlpReceiverHttp, OtherMediaTypesAndCodingsAre415) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  const std::uint16_t port = h.receiver->http_port();
  EXPECT_EQ(post(port, "hello", "text/plain").status, 415);
  EXPECT_EQ(call(port, http::verb::post, "/v1/traces", "x", {}).status, 415);
  EXPECT_EQ(post(port, sample_request(1).SerializeAsString(), "application/x-protobuf",
                 {{"Content-Encoding", "br"}})
                .status,
            415);
  EXPECT_TRUE(h.consumer.received().empty());
}

TEST(OtlpReceiverHttp, UndecodableBodiesAre400WithStatusInTheRequestEncoding) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  const std::uint16_t port = h.receiver->http_port();

  const Reply proto = post(port, "\xff\xff\xff\xff", "application/x-protobuf");
  EXPECT_EQ(proto.status, 400);
  EXPECT_EQ(proto.header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(field_varint(proto.body, 1), 3u);  // INVALID_ARGUMENT
  EXPECT_FALSE(field_bytes(proto.body, 2).empty());

  const Reply json = post(port, "{\"resourceSpans\": [", "application/json");
  EXPECT_EQ(json.status, 400);
  const auto status = boost::json::parse(json.body).as_object();
  EXPECT_EQ(status.at("code").to_number<int>(), 3);
  EXPECT_FALSE(status.at("message").as_string().empty());

  auto bad_id = sample_request(2);
  bad_id.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_span_id("abc");
  const Reply ids = post_proto(port, bad_id);
  EXPECT_EQ(ids.status, 400);
  EXPECT_EQ(field_bytes(ids.body, 2),
            "resourceSpans[0].scopeSpans[0].spans[1].spanId: 3 bytes, want 8");

  const Reply corrupt =
      post(port, "not gzip", "application/x-protobuf", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(corrupt.status, 400);
  EXPECT_TRUE(h.consumer.received().empty());
}

TEST(OtlpReceiverHttp, BodiesOverTheLimitAre413EvenWhenCompressed) {
  auto config = http_config();
  config.max_request_body_size = 64 * 1024;
  Harness h(OtlpReceiverConfig{.http = config});
  const std::uint16_t port = h.receiver->http_port();
  EXPECT_EQ(post(port, std::string(200 * 1024, 'x'), "application/x-protobuf").status, 413);
  const std::string bomb = compress(std::string(16 << 20, '\0'), true);
  ASSERT_LT(bomb.size(), config.max_request_body_size);
  const Reply reply = post(port, bomb, "application/x-protobuf", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(field_varint(reply.body, 1), 8u);  // RESOURCE_EXHAUSTED
  EXPECT_TRUE(h.consumer.received().empty());
}

TEST(OtlpReceiverHttp, AuthenticatorGuardsTheEndpoint) {
  auto config = http_config();
  config.authenticator = "bearertokenauth";
  Harness h(OtlpReceiverConfig{.http = config});
  const std::uint16_t port = h.receiver->http_port();
  const auto sent = sample_request(2);
  EXPECT_EQ(post_proto(port, sent).status, 401);
  EXPECT_EQ(post_proto(port, sent, {{"Authorization", "Bearer guess"}}).status, 401);
  EXPECT_TRUE(h.consumer.received().empty());
  EXPECT_EQ(post_proto(port, sent, {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(h.consumer.received().size(), 1u);
  EXPECT_EQ(h.count("otelcol_receiver_accepted_spans", "http"), 2u);
  EXPECT_EQ(h.count("otelcol_receiver_refused_spans", "http"), 0u);
}

TEST(OtlpReceiverHttp, PipelineRefusalsMapTo503And400) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  const std::uint16_t port = h.receiver->http_port();
  h.consumer.answer(ConsumeResult::retryable("queue full", 7s));
  const Reply retry = post_proto(port, sample_request(3));
  EXPECT_EQ(retry.status, 503);
  EXPECT_EQ(retry.header("Retry-After"), "7");
  EXPECT_EQ(field_varint(retry.body, 1), 14u);  // UNAVAILABLE
  EXPECT_EQ(field_bytes(retry.body, 2), "queue full");

  h.consumer.answer(ConsumeResult::permanent("no exporter takes this"));
  const Reply json = post(port, "{}", "application/json");  // no spans: never consumed
  EXPECT_EQ(json.status, 200);
  const Reply permanent = post_proto(port, sample_request(1));
  EXPECT_EQ(permanent.status, 400);
  EXPECT_EQ(field_bytes(permanent.body, 2), "no exporter takes this");

  EXPECT_EQ(h.consumer.received().size(), 2u);
  EXPECT_EQ(h.count("otelcol_receiver_accepted_spans", "http"), 0u);
  EXPECT_EQ(h.count("otelcol_receiver_refused_spans", "http"), 4u);
}

TEST(OtlpReceiverHttp, EmptyRequestIsAcceptedWithoutConsuming) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  EXPECT_EQ(post_proto(h.receiver->http_port(), ExportTraceServiceRequest()).status, 200);
  EXPECT_EQ(post_proto(h.receiver->http_port(), sample_request(0)).status, 200);
  EXPECT_TRUE(h.consumer.received().empty());
}

TEST(OtlpReceiverHttp, UnknownPathsAndMethods) {
  auto config = http_config();
  config.traces_url_path = "/custom/traces";
  Harness h(OtlpReceiverConfig{.http = config});
  const std::uint16_t port = h.receiver->http_port();
  EXPECT_EQ(post_proto(port, sample_request(1)).status, 404);  // /v1/traces
  EXPECT_EQ(call(port, http::verb::get, "/custom/traces", "", {}).status, 405);
  EXPECT_EQ(call(port, http::verb::options, "/custom/traces", "", {}).status, 405);  // no CORS
  EXPECT_EQ(call(port, http::verb::post, "/custom/traces", sample_request(1).SerializeAsString(),
                 {{"Content-Type", "application/x-protobuf"}})
                .status,
            200);
}

TEST(OtlpReceiverHttp, CorsPreflightAndResponses) {
  auto config = http_config();
  config.cors = CorsConfig{.allowed_origins = {"https://*.example.com", "http://localhost:3000"},
                           .allowed_headers = {"X-Tenant"},
                           .max_age = 600s};
  Harness h(OtlpReceiverConfig{.http = config});
  const std::uint16_t port = h.receiver->http_port();
  const HeaderList ask = {{"Origin", "https://app.example.com"},
                          {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "content-type,x-tenant"}};
  const Reply allowed = call(port, http::verb::options, "/v1/traces", "", ask);
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(allowed.header("Access-Control-Allow-Methods"), "POST");
  EXPECT_NE(allowed.header("Access-Control-Allow-Headers").find("Content-Type"), std::string::npos);
  EXPECT_NE(allowed.header("Access-Control-Allow-Headers").find("X-Tenant"), std::string::npos);
  EXPECT_EQ(allowed.header("Access-Control-Max-Age"), "600");

  const Reply denied =
      call(port, http::verb::options, "/v1/traces", "", {{"Origin", "https://evil.test"}});
  EXPECT_EQ(denied.status, 204);
  EXPECT_EQ(denied.header("Access-Control-Allow-Origin"), "");

  const Reply actual = post_proto(port, sample_request(1), {{"Origin", "http://localhost:3000"}});
  EXPECT_EQ(actual.status, 200);
  EXPECT_EQ(actual.header("Access-Control-Allow-Origin"), "http://localhost:3000");
  const Reply other = post_proto(port, sample_request(1), {{"Origin", "http://localhost:4000"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.header("Access-Control-Allow-Origin"), "");
}

// ------------------------------------------------------------- OTLP/gRPC

TEST(OtlpReceiverGrpc, ExportArrivesIntact) {
  Harness h(OtlpReceiverConfig{.grpc = grpc_config()});
  ASSERT_NE(h.receiver->grpc_port(), 0);
  EXPECT_EQ(h.receiver->http_port(), 0);
  const auto sent = sample_request(4);
  grpc::ClientContext context;
  ExportTraceServiceResponse response;
  const grpc::Status status = h.stub()->Export(&context, sent, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.has_partial_success());
  ASSERT_EQ(h.consumer.received().size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(h.consumer.received()[0], sent));
  EXPECT_EQ(h.count("otelcol_receiver_accepted_spans", "grpc"), 4u);
  EXPECT_EQ(h.count("otelcol_receiver_accepted_spans", "http"), 0u);
}

TEST(OtlpReceiverGrpc, AuthenticatorReadsMetadata) {
  auto config = grpc_config();
  config.authenticator = "bearertokenauth";
  Harness h(OtlpReceiverConfig{.grpc = config});
  auto stub = h.stub();
  auto export_with = [&](const char* token) {
    grpc::ClientContext context;
    if (token != nullptr) context.AddMetadata("authorization", token);
    ExportTraceServiceResponse response;
    return stub->Export(&context, sample_request(1), &response).error_code();
  };
  EXPECT_EQ(export_with(nullptr), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(export_with("Bearer guess"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(h.consumer.received().empty());
  EXPECT_EQ(export_with("Bearer s3cret"), grpc::StatusCode::OK);
  EXPECT_EQ(h.consumer.received().size(), 1u);
}

TEST(OtlpReceiverGrpc, PipelineRefusalsMapToUnavailableAndInvalidArgument) {
  Harness h(OtlpReceiverConfig{.grpc = grpc_config()});
  auto stub = h.stub();
  h.consumer.answer(ConsumeResult::retryable("busy", 3s));
  grpc::ClientContext context;
  ExportTraceServiceResponse response;
  const grpc::Status retry = stub->Export(&context, sample_request(2), &response);
  EXPECT_EQ(retry.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(retry.error_message(), "busy");
  // google.rpc.Status{details: [Any{RetryInfo{retry_delay: {seconds: 3}}}]}
  const std::string any = field_bytes(retry.error_details(), 3);
  EXPECT_EQ(field_bytes(any, 1), "type.googleapis.com/google.rpc.RetryInfo");
  EXPECT_EQ(field_varint(field_bytes(field_bytes(any, 2), 1), 1), 3u);

  h.consumer.answer(ConsumeResult::permanent("never"));
  grpc::ClientContext context2;
  EXPECT_EQ(stub->Export(&context2, sample_request(1), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(h.count("otelcol_receiver_refused_spans", "grpc"), 3u);
}

TEST(OtlpReceiverGrpc, OversizedMessageIsRejected) {
  auto config = grpc_config();
  config.max_recv_msg_size_mib = 1;
  Harness h(OtlpReceiverConfig{.grpc = config});
  auto big = sample_request(1);
  big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(
      std::string(2 << 20, 'n'));
  grpc::ClientContext context;
  ExportTraceServiceResponse response;
  EXPECT_EQ(h.stub()->Export(&context, big, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(h.consumer.received().empty());
}

// ------------------------------------------------------------- lifecycle

TEST(OtlpReceiverLifecycle, ShutdownTwiceAndWithoutStart) {
  Harness idle(OtlpReceiverConfig{.grpc = grpc_config(), .http = http_config()}, false);
  EXPECT_EQ(idle.receiver->http_port(), 0);
  idle.receiver->shutdown(Clock::now() + 1s);
  idle.receiver->shutdown(Clock::now() + 1s);

  Harness running(OtlpReceiverConfig{.grpc = grpc_config(), .http = http_config()});
  EXPECT_NE(running.receiver->http_port(), 0);
  EXPECT_NE(running.receiver->grpc_port(), 0);
  running.receiver->shutdown(Clock::now() + 1s);
  running.receiver->shutdown(Clock::now() + 1s);
}

TEST(OtlpReceiverLifecycle, PortInUseFailsStartWithAClearMessage) {
  Harness first(OtlpReceiverConfig{.grpc = grpc_config(), .http = http_config()});
  for (const bool http_taken : {true, false}) {
    auto http = http_config();
    auto grpc = grpc_config();
    (http_taken ? http.endpoint : grpc.endpoint) =
        "127.0.0.1:" +
        std::to_string(http_taken ? first.receiver->http_port() : first.receiver->grpc_port());
    Harness second(OtlpReceiverConfig{.grpc = grpc, .http = http}, false);
    try {
      second.receiver->start();
      ADD_FAILURE() << "started on a port in use";
    } catch (const std::runtime_error& e) {
      const std::string expected =
          "receiver otlp: cannot listen on " + (http_taken ? http.endpoint : grpc.endpoint) + ": ";
      EXPECT_EQ(std::string(e.what()).substr(0, expected.size()), expected) << e.what();
    }
  }
}

TEST(OtlpReceiverLifecycle, ShutdownLetsInFlightRequestsFinish) {
  Harness h(OtlpReceiverConfig{.http = http_config()});
  h.consumer.hold();
  const std::uint16_t port = h.receiver->http_port();
  auto in_flight =
      std::async(std::launch::async, [port] { return post_proto(port, sample_request(1)).status; });
  h.consumer.wait_entered(1);
  std::thread releaser([&] {
    std::this_thread::sleep_for(200ms);
    h.consumer.release();
  });
  h.receiver->shutdown(Clock::now() + 5s);
  releaser.join();
  EXPECT_EQ(in_flight.get(), 200);
}

// Past the deadline the connections and calls are cut off, but shutdown
// still waits for the consumes they started: after it returns, nothing
// calls into the pipeline any more.
TEST(OtlpReceiverLifecycle, ShutdownPastTheDeadlineWaitsForRunningConsumes) {
  Harness h(OtlpReceiverConfig{.grpc = grpc_config(), .http = http_config()});
  h.consumer.hold();
  const std::uint16_t port = h.receiver->http_port();
  auto over_http =
      std::async(std::launch::async, [port] { return post_proto(port, sample_request(1)).status; });
  auto stub = h.stub();
  auto over_grpc = std::async(std::launch::async, [&stub] {
    grpc::ClientContext context;
    ExportTraceServiceResponse response;
    return stub->Export(&context, sample_request(1), &response).error_code();
  });
  h.consumer.wait_entered(2);
  std::atomic<bool> released{false};
  std::thread releaser([&] {
    std::this_thread::sleep_for(300ms);
    released = true;
    h.consumer.release();
  });
  h.receiver->shutdown(Clock::now() + 50ms);
  EXPECT_TRUE(released.load());
  releaser.join();
  EXPECT_NE(over_http.get(), 200);
  EXPECT_NE(over_grpc.get(), grpc::StatusCode::OK);
}

}  // namespace spanline::collector
