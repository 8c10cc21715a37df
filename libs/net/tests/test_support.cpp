#include "test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace spanline::net::testing {

// ---------------------------------------------------------------------------
// SpanRecorder
// ---------------------------------------------------------------------------

class SpanRecorder::Exporter final : public telemetry::SpanExporter {
 public:
  explicit Exporter(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  telemetry::ExportResult export_spans(std::span<const std::unique_ptr<telemetry::SpanData>> spans,
                                       telemetry::Deadline) noexcept override {
    std::lock_guard lock(shared_->mu);
    for (const auto& s : spans) shared_->spans.push_back(*s);
    shared_->cv.notify_all();
    return telemetry::ExportResult::kSuccess;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

SpanRecorder::SpanRecorder() : shared_(std::make_shared<Shared>()) {
  telemetry::TracerProviderOptions o;
  o.resource = std::make_shared<const telemetry::Resource>(
      std::vector<telemetry::Attribute>{{"service.name", std::string("net-test")}});
  o.processors.push_back(
      std::make_unique<telemetry::SimpleSpanProcessor>(std::make_unique<Exporter>(shared_)));
  telemetry::set_global_tracer_provider(std::make_unique<telemetry::TracerProvider>(std::move(o)));
}

bool SpanRecorder::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] { return shared_->spans.size() >= n; });
}

std::vector<telemetry::SpanData> SpanRecorder::spans() {
  std::lock_guard lock(shared_->mu);
  return shared_->spans;
}

std::size_t SpanRecorder::count() {
  std::lock_guard lock(shared_->mu);
  return shared_->spans.size();
}

telemetry::SpanData SpanRecorder::find(std::string_view name) {
  std::lock_guard lock(shared_->mu);
  for (const auto& s : shared_->spans)
    if (s.name == name) return s;
  ADD_FAILURE() << "no span named " << name;
  return {};
}

std::string attribute(const telemetry::SpanData& span, std::string_view key) {
  for (const auto& a : span.attributes)
    if (a.key == key) return telemetry::to_display_string(a.value);
  return {};
}

bool has_attribute(const telemetry::SpanData& span, std::string_view key) {
  for (const auto& a : span.attributes)
    if (a.key == key) return true;
  return false;
}

// ---------------------------------------------------------------------------
// RawConnection
// ---------------------------------------------------------------------------

std::string RawResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

RawConnection::RawConnection(std::uint16_t port, std::chrono::milliseconds read_timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{};
  tv.tv_sec = read_timeout.count() / 1000;
  tv.tv_usec = (read_timeout.count() % 1000) * 1000;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    ADD_FAILURE() << "connect: " << std::strerror(errno);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<RawResponse> RawConnection::read_response() {
  char buf[4096];
  auto fill = [&] {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return std::nullopt;
  RawResponse r;
  std::string head = pending_.substr(0, end);
  pending_.erase(0, end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  r.status = std::atoi(status_line.substr(status_line.find(' ') + 1).c_str());
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string line =
        head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
    ++r.header_counts[name];
  }
  const std::size_t length = std::strtoul(r.header("content-length").c_str(), nullptr, 10);
  while (pending_.size() < length)
    if (!fill()) return std::nullopt;
  r.body = pending_.substr(0, length);
  pending_.erase(0, length);
  return r;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout, std::string* received) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (received != nullptr) *received += pending_;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
    if (received != nullptr) received->append(buf, static_cast<std::size_t>(n));
  }
}

// ---------------------------------------------------------------------------
// TestServer
// ---------------------------------------------------------------------------

TestServer::TestServer(Router router, ServerOptions options) {
  options.address = "127.0.0.1";
  options.port = 0;
  if (options.threads == 0) options.threads = 2;
  server_ = std::make_unique<Server>(std::move(router), std::move(options));
  auto started = server_->start();
  if (!started) ADD_FAILURE() << "server start: " << started.error().message();
}

TestServer::~TestServer() {
  server_->shutdown(5s);
}

std::string TestServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

bool listening(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace spanline::net::testing
