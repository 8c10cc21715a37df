#include "spanline/net/request.h"

#include <boost/beast/http/fields.hpp>

namespace spanline::net {
namespace {

int hex_value(char c);

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode_query_component(std::string_view s) {
  return percent_decode(s, true);
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
  if (fields_ == nullptr) return std::nullopt;
  const auto& fields = *static_cast<const boost::beast::http::fields*>(fields_);
  auto it = fields.find(boost::beast::string_view(name.data(), name.size()));
  if (it == fields.end()) return std::nullopt;
  auto v = it->value();
  return std::string_view(v.data(), v.size());
}

namespace {

// Calls `fn(value)` for each parameter called `name` until it returns false.
template <typename Fn>
void for_each_query_param(std::string_view query, std::string_view name, Fn fn) {
  std::string_view rest = query;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if ((key == name || decode_query_component(key) == name) && !fn(value)) return;
  }
}

}  // namespace

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::optional<std::string> out;
  for_each_query_param(query_, name, [&](std::string_view value) {
    out = decode_query_component(value);
    return false;
  });
  return out;
}

std::vector<std::string> Request::query_params(std::string_view name) const {
  std::vector<std::string> out;
  for_each_query_param(query_, name, [&](std::string_view value) {
    out.push_back(decode_query_component(value));
    return true;
  });
  return out;
}

std::string Request::trace_id() const {
  const auto& sc = context_.span_context();
  return sc.is_valid() ? sc.trace_id().to_hex() : std::string();
}

std::string Request::span_id() const {
  const auto& sc = context_.span_context();
  return sc.is_valid() ? sc.span_id().to_hex() : std::string();
}

}  // namespace spanline::net
