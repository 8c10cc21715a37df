#include "receivers/otlp_http_receiver.h"

#include "extensions/http_endpoint.h"

#include <zlib.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <stdexcept>

#include "otlp/otlp_wire.h"
#include "spanline/net/request.h"
#include "spanline/net/response.h"
#include "spanline/net/router.h"
#include "spanline/net/server.h"

namespace spanline::collector {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::string_view kProtobufType = "application/x-protobuf";

enum class Encoding { kProtobuf, kJson };

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The encoding a Content-Type names, parameters ignored; nullopt for any
// other media type (415).
std::optional<Encoding> media_encoding(std::optional<std::string_view> content_type) {
  if (!content_type) return std::nullopt;
  const std::string_view media = trim(content_type->substr(0, content_type->find(';')));
  if (iequals(media, kProtobufType)) return Encoding::kProtobuf;
  if (iequals(media, "application/json")) return Encoding::kJson;
  return std::nullopt;
}

enum class Coding { kIdentity, kInflate, kUnsupported };

// gzip and deflate (zlib format, as HTTP defines it) both go through zlib's
// header auto-detection; anything else is 415 (RFC 9110 §15.5.16).
Coding content_coding(std::optional<std::string_view> content_encoding) {
  if (!content_encoding) return Coding::kIdentity;
  const std::string_view coding = trim(*content_encoding);
  if (coding.empty() || iequals(coding, "identity")) return Coding::kIdentity;
  if (iequals(coding, "gzip") || iequals(coding, "x-gzip") || iequals(coding, "deflate"))
    return Coding::kInflate;
  return Coding::kUnsupported;
}

enum class InflateStatus { kOk, kTooLarge, kCorrupt };

// Decompresses `in` into `out`, giving up as soon as the output passes
// `limit`, so that a small zip bomb costs no more than `limit` bytes of
// memory. Concatenated gzip members are one body, as in Go's reader.
InflateStatus inflate_body(std::string_view in, std::size_t limit, std::string& out) {
  if (in.size() > UINT_MAX) return InflateStatus::kTooLarge;  // zlib counts in uInt
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return InflateStatus::kCorrupt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::array<char, 64 * 1024> chunk;
  InflateStatus status = InflateStatus::kCorrupt;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = chunk.size() - zs.avail_out;
    if (out.size() + produced > limit) {
      status = InflateStatus::kTooLarge;
      break;
    }
    out.append(chunk.data(), produced);
    if (rc == Z_STREAM_END && zs.avail_in == 0) {
      status = InflateStatus::kOk;
      break;
    }
    if (rc == Z_STREAM_END) {
      inflateReset(&zs);
    } else if (rc != Z_OK) {
      break;  // corrupt, or truncated (Z_BUF_ERROR: input ended mid-stream)
    }
  }
  inflateEnd(&zs);
  return status;
}

// A failure answer: google.rpc.Status in the request's encoding (OTLP spec,
// "Failures"), plain text when the encoding is unknown.
net::Response status_response(int http_status, RpcCode code, std::string_view message,
                              std::optional<Encoding> encoding,
                              std::chrono::seconds retry_after = 0s) {
  net::Response response;
  response.status = http_status;
  if (!encoding) {
    response.content_type = net::Response::kText;
    response.body = message;
  } else if (*encoding == Encoding::kProtobuf) {
    response.content_type = kProtobufType;
    response.body = encode_rpc_status(code, message, retry_after);
  } else {
    response.content_type = net::Response::kJson;
    response.body = boost::json::serialize(
        boost::json::object{{"code", static_cast<int>(code)}, {"message", message}});
  }
  return response;
}

// An ExportTraceServiceResponse without partial_success: the pipeline takes
// or refuses a request whole.
net::Response success_response(Encoding encoding) {
  const ExportTraceServiceResponse message;
  net::Response response;
  if (encoding == Encoding::kProtobuf) {
    response.content_type = kProtobufType;
    response.body = message.SerializeAsString();
  } else {
    encode_otlp_json(message, response.body);
  }
  return response;
}

net::Response consume_response(const ConsumeResult& result, Encoding encoding) {
  switch (result.status) {
    case ConsumeResult::Status::kOk:
      break;
    case ConsumeResult::Status::kPermanent:
      return status_response(400, RpcCode::kInvalidArgument, result.message, encoding);
    case ConsumeResult::Status::kRetryable: {
      net::Response response =
          status_response(503, RpcCode::kUnavailable, result.message, encoding, result.retry_after);
      if (result.retry_after.count() > 0)
        response.headers.emplace_back("Retry-After", std::to_string(result.retry_after.count()));
      return response;
    }
  }
  return success_response(encoding);
}

// Turns the body into `out`; the failure answer when it cannot. Protobuf
// stays in wire form (scanned, not decoded); JSON is decoded.
std::optional<net::Response> decode(const net::Request& request, Encoding encoding,
                                    std::size_t limit, Traces& out) {
  std::string_view body = request.body();
  std::string inflated;
  switch (content_coding(request.header("Content-Encoding"))) {
    case Coding::kIdentity:
      break;
    case Coding::kUnsupported:
      return net::Response::text(415, "unsupported Content-Encoding: want gzip, deflate or none");
    case Coding::kInflate: {
      const InflateStatus status = inflate_body(body, limit, inflated);
      if (status == InflateStatus::kTooLarge)
        return status_response(413, RpcCode::kResourceExhausted,
                               "decompressed body larger than " + std::to_string(limit) + " bytes",
                               encoding);
      if (status == InflateStatus::kCorrupt)
        return status_response(400, RpcCode::kInvalidArgument, "corrupt gzip/deflate body",
                               encoding);
      body = inflated;
    }
  }
  if (encoding == Encoding::kProtobuf) {
    WireScan scan = scan_export_request(body);
    if (!scan.ok) return status_response(400, RpcCode::kInvalidArgument, scan.error, encoding);
    out = Traces::from_wire(inflated.empty() ? std::string(body) : std::move(inflated), scan.spans);
    return std::nullopt;
  }
  ExportTraceServiceRequest decoded;
  std::string error;
  if (!decode_otlp_json(body, decoded, &error) || !check_ids(decoded, error))
    return status_response(400, RpcCode::kInvalidArgument, error, encoding);
  out = Traces::from_request(std::move(decoded));
  return std::nullopt;
}

// An allowed origin as configured: "*", an exact origin, or one with a single
// '*' standing for any run of characters ("https://*.example.com").
// Origins compare case-insensitively.
bool origin_matches(std::string_view pattern, std::string_view origin) {
  if (pattern == "*") return true;
  const std::size_t star = pattern.find('*');
  if (star == std::string_view::npos) return iequals(pattern, origin);
  const std::string_view prefix = pattern.substr(0, star);
  const std::string_view suffix = pattern.substr(star + 1);
  return origin.size() >= prefix.size() + suffix.size() &&
         iequals(origin.substr(0, prefix.size()), prefix) &&
         iequals(origin.substr(origin.size() - suffix.size()), suffix);
}

// Access-Control-Allow-Headers for a preflight: what an OTLP exporter sends,
// plus the configured headers; "*" among them grants whatever was asked.
std::string allowed_headers(const CorsConfig& cors, const net::Request& request) {
  const bool any = std::find(cors.allowed_headers.begin(), cors.allowed_headers.end(), "*") !=
                   cors.allowed_headers.end();
  const auto requested = request.header("Access-Control-Request-Headers");
  if (any && requested) return std::string(*requested);
  std::string headers = "Accept, Content-Type, Content-Encoding, X-Requested-With";
  for (const std::string& header : cors.allowed_headers) {
    if (header != "*") headers += ", " + header;
  }
  return headers;
}

}  // namespace

OtlpHttpReceiver::OtlpHttpReceiver(OtlpHttpServerConfig config, const BearerTokenAuth* auth,
                                   OtlpIngest ingest)
    : config_(std::move(config)), auth_(auth), ingest_(ingest) {}

// Destroying the server frees its io_contexts; the owner has joined the
// workers by now, so none of them can still be posting a completion there.
OtlpHttpReceiver::~OtlpHttpReceiver() = default;

void OtlpHttpReceiver::start(TracesConsumer& next, asio::thread_pool& workers) {
  ingest_.set_next(&next);
  net::ServerOptions options;
  options.body_limit = config_.max_request_body_size;
  server_ = start_http_server(config_.endpoint, router(workers), options);
}

net::Router OtlpHttpReceiver::router(asio::thread_pool& workers) {
  net::Router router;
  const net::RouteOptions untraced{.instrumentation = net::Instrumentation::kOff};
  // Decoding and the pipeline's consume block, so they run on a worker while
  // this I/O thread goes on serving its other connections.
  using Reply = asio::awaitable<net::Response>;
  net::Handler on_export = [this, &workers](net::Request& request) -> Reply {
    auto work = [this, &request]() -> Reply { co_return respond(request); };
    net::Response response = co_await asio::co_spawn(workers, work, asio::use_awaitable);
    add_cors_headers(request, response);
    co_return response;
  };
  router.post(config_.traces_url_path, std::move(on_export), untraced);
  if (config_.cors && !config_.cors->allowed_origins.empty()) {
    net::SyncHandler on_preflight = [this](net::Request& request) { return preflight(request); };
    router.route(net::Method::kOptions, config_.traces_url_path, std::move(on_preflight), untraced);
  }
  return router;
}

void OtlpHttpReceiver::shutdown(Deadline deadline) noexcept {
  if (!server_) return;
  const auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
  server_->shutdown(std::chrono::ceil<std::chrono::milliseconds>(left));
}

std::uint16_t OtlpHttpReceiver::port() const noexcept {
  return server_ ? server_->port() : 0;
}

net::Response OtlpHttpReceiver::respond(const net::Request& request) {
  const std::optional<Encoding> encoding = media_encoding(request.header("Content-Type"));
  // Auth comes first, as the Collector's auth middleware does: an
  // unauthenticated client learns nothing about what the endpoint accepts.
  if (auth_ != nullptr && !auth_->authenticate(request.header(auth_->header_name())))
    return status_response(401, RpcCode::kUnauthenticated, "missing or invalid credentials",
                           encoding);
  if (!encoding)
    return net::Response::text(
        415, "unsupported Content-Type: want application/x-protobuf or application/json");
  Traces traces;
  if (auto failure = decode(request, *encoding, config_.max_request_body_size, traces))
    return std::move(*failure);
  return consume_response(ingest_.deliver(std::move(traces)), *encoding);
}

bool OtlpHttpReceiver::origin_allowed(std::string_view origin) const {
  if (!config_.cors) return false;
  const auto& origins = config_.cors->allowed_origins;
  return std::any_of(origins.begin(), origins.end(), [origin](const std::string& pattern) {
    return origin_matches(pattern, origin);
  });
}

// Fetch standard, "CORS-preflight request": a refusal is the same 204
// without the Access-Control-Allow-* headers; the browser then blocks the
// actual request.
net::Response OtlpHttpReceiver::preflight(const net::Request& request) const {
  net::Response response;
  response.status = 204;
  response.content_type = {};
  response.headers.emplace_back("Vary", "Origin");
  const auto origin = request.header("Origin");
  const auto method = request.header("Access-Control-Request-Method");
  if (!origin || !origin_allowed(*origin) || (method && *method != "POST")) return response;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
  response.headers.emplace_back("Access-Control-Allow-Methods", "POST");
  response.headers.emplace_back("Access-Control-Allow-Headers",
                                allowed_headers(*config_.cors, request));
  if (config_.cors->max_age.count() > 0)
    response.headers.emplace_back("Access-Control-Max-Age",
                                  std::to_string(config_.cors->max_age.count()));
  return response;
}

void OtlpHttpReceiver::add_cors_headers(const net::Request& request,
                                        net::Response& response) const {
  const auto origin = request.header("Origin");
  if (!origin || !origin_allowed(*origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
  response.headers.emplace_back("Vary", "Origin");
}

}  // namespace spanline::collector
