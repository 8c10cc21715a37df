// W3C tracestate: an ordered list of vendor key/value pairs.
// https://www.w3.org/TR/trace-context/#tracestate-header
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spanline::telemetry {

class TraceState {
 public:
  static constexpr std::size_t kMaxMembers = 32;

  TraceState() = default;

  // Parses one or more tracestate header values (several headers are one
  // list, joined in order). Optional whitespace around members is allowed and
  // empty list members are skipped. Returns nullopt when the combined list is
  // invalid as a whole: a malformed member, a duplicate key, or more than 32
  // members; per the spec the caller then discards tracestate entirely.
  static std::optional<TraceState> parse(std::string_view header);
  static std::optional<TraceState> parse(std::span<const std::string_view> headers);

  static bool is_valid_key(std::string_view key) noexcept;
  static bool is_valid_value(std::string_view value) noexcept;

  std::optional<std::string_view> get(std::string_view key) const noexcept;
  // Adds or updates `key`; the member moves to the front ("Mutating the tracestate Field"). When the
  // list is full the last member is dropped to make room. Invalid key or value
  // → false and nothing changes.
  bool set(std::string_view key, std::string_view value);
  // Removes `key` if present.
  void erase(std::string_view key);

  bool empty() const noexcept { return members_.empty(); }
  std::size_t size() const noexcept { return members_.size(); }
  const std::vector<std::pair<std::string, std::string>>& members() const noexcept {
    return members_;
  }
  // "k1=v1,k2=v2" — no whitespace.
  std::string to_header() const;

  friend bool operator==(const TraceState&, const TraceState&) = default;

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

}  // namespace spanline::telemetry
