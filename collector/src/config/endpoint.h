// Internal to collector_config: the address forms components accept, checked
// by validate(). split_endpoint itself is public (config.h).
#pragma once

#include <string>
#include <string_view>

namespace spanline::collector::detail {

// "http://host[:port][/path][?query]" or https; no userinfo. On failure
// returns false and says why in `why`.
bool check_http_url(std::string_view url, std::string& why);

// A gRPC exporter target as the Collector accepts it: "host:port", optionally
// behind "http://" (plaintext) or "https://", which the Collector strips.
bool check_grpc_target(std::string_view target, std::string& why);

// A listening address: "host:port", "[v6]:port" or ":port".
bool check_listen_endpoint(std::string_view endpoint, std::string& why);

}  // namespace spanline::collector::detail
