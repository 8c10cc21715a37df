// W3C Baggage: user-defined name/value pairs propagated with the context.
// https://www.w3.org/TR/baggage/
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spanline::telemetry {

class Baggage {
 public:
  struct Entry {
    std::string name;      // verbatim: an RFC 7230 token, never percent-encoded
    std::string value;     // percent-decoded
    std::string metadata;  // property list after the first ';', verbatim (trimmed)
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  // The W3C Baggage spec ("Limits") asks for at least 64 members and 8192
  // bytes; we accept more members.
  static constexpr std::size_t kMaxMembers = 180;
  static constexpr std::size_t kMaxBytes = 8192;

  Baggage() = default;

  // Parses one or more baggage header values (joined as one list). Malformed
  // members are skipped; a later duplicate name overrides an earlier one.
  // Members beyond the limits are dropped. Never fails.
  static Baggage parse(std::string_view header);
  static Baggage parse(std::span<const std::string_view> headers);

  std::optional<std::string_view> get(std::string_view name) const noexcept;
  // Adds or replaces `name`. Returns false (unchanged) when `name` is not a
  // valid token or `metadata` is not a valid property list.
  bool set(std::string_view name, std::string_view value, std::string_view metadata = {});
  void erase(std::string_view name);

  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  // Header form: values percent-encoded; entries that would push the header
  // past kMaxBytes are left out.
  std::string to_header() const;

  friend bool operator==(const Baggage&, const Baggage&) = default;

 private:
  std::vector<Entry> entries_;
};

}  // namespace spanline::telemetry
