#include "spanline/net/method.h"

namespace spanline::net {

std::string_view to_string(Method method) noexcept {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kPatch:
      return "PATCH";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kConnect:
      return "CONNECT";
    case Method::kTrace:
      return "TRACE";
    case Method::kOther:
      break;
  }
  return "_OTHER";
}

Method parse_method(std::string_view name) noexcept {
  static constexpr Method kKnown[] = {Method::kGet,     Method::kHead,    Method::kPost,
                                      Method::kPut,     Method::kDelete,  Method::kPatch,
                                      Method::kOptions, Method::kConnect, Method::kTrace};
  for (Method m : kKnown)
    if (to_string(m) == name) return m;
  return Method::kOther;
}

bool is_idempotent(Method method) noexcept {
  switch (method) {
    case Method::kGet:
    case Method::kHead:
    case Method::kPut:
    case Method::kDelete:
    case Method::kOptions:
    case Method::kTrace:
      return true;
    default:
      return false;
  }
}

}  // namespace spanline::net
