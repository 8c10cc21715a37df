// Endpoint and URL syntax. Deliberately small: it rejects what would fail
// later at bind/connect time for a syntactic reason, with a message saying
// which form was expected, and nothing the Collector accepts for these forms.
#include "config/endpoint.h"

#include <charconv>

#include "config/config.h"

namespace spanline::collector {
namespace {

// Characters no host (name, IPv4 or bracketed IPv6 content) contains.
bool valid_host_chars(std::string_view host) {
  for (char c : host) {
    if (c <= ' ' || c == '/' || c == '[' || c == ']' || c == '@' || c == '?' || c == '#' ||
        c == '\x7f') {
      return false;
    }
  }
  return true;
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

bool split_endpoint(std::string_view endpoint, std::string& host, std::uint16_t& port) {
  std::string_view h, p;
  if (!endpoint.empty() && endpoint[0] == '[') {
    std::size_t close = endpoint.find(']');
    if (close == std::string_view::npos || close + 1 >= endpoint.size() ||
        endpoint[close + 1] != ':') {
      return false;
    }
    h = endpoint.substr(1, close - 1);
    p = endpoint.substr(close + 2);
    if (h.empty() || h.find(':') == std::string_view::npos) return false;
  } else {
    std::size_t colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return false;
    h = endpoint.substr(0, colon);
    p = endpoint.substr(colon + 1);
    if (h.find(':') != std::string_view::npos) return false;  // IPv6 needs brackets
  }
  if (!valid_host_chars(h) || !parse_port(p, port)) return false;
  host = h;
  return true;
}

namespace detail {

bool check_listen_endpoint(std::string_view endpoint, std::string& why) {
  std::string host;
  std::uint16_t port = 0;
  if (split_endpoint(endpoint, host, port)) return true;
  why = "expected \"host:port\", \"[ipv6]:port\" or \":port\"";
  return false;
}

bool check_grpc_target(std::string_view target, std::string& why) {
  std::string_view rest = target;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  }
  std::string host;
  std::uint16_t port = 0;
  if (split_endpoint(rest, host, port) && !host.empty()) return true;
  why = "expected \"host:port\" (optionally after http:// or https://)";
  return false;
}

bool check_http_url(std::string_view url, std::string& why) {
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else {
    why = "expected an http:// or https:// URL";
    return false;
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  std::string_view tail = rest.substr(authority.size());
  std::string host;
  std::uint16_t port = 0;
  bool has_port = authority.find(':') != std::string_view::npos;
  bool ok = has_port ? split_endpoint(authority, host, port) && !host.empty()
                     : !authority.empty() && valid_host_chars(authority);
  for (char c : tail) ok = ok && c > ' ' && c != '\x7f';
  if (ok) return true;
  why = "expected \"http(s)://host[:port][/path]\"";
  return false;
}

}  // namespace detail
}  // namespace spanline::collector
