// W3C tracestate: an ordered list of vendor key/value pairs.
// https://www.w3.org/TR/trace-context/#tracestate-header
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spanline::telemetry {

// Stored as its canonical header ("k1=v1,k2=v2") plus inline member offsets:
// a parsed list costs one string, injecting it costs no formatting, and the
// object needs no allocation of its own besides that string.
class TraceState {
 public:
  static constexpr std::size_t kMaxMembers = 32;

  TraceState() noexcept {}
  TraceState(const TraceState& other) : header_(other.header_) { copy_members(other); }
  TraceState(TraceState&& other) noexcept : header_(std::move(other.header_)) {
    copy_members(other);
    other.size_ = 0;
  }
  TraceState& operator=(const TraceState& other) {
    if (this != &other) {
      header_ = other.header_;
      copy_members(other);
    }
    return *this;
  }
  TraceState& operator=(TraceState&& other) noexcept {
    if (this != &other) {
      header_ = std::move(other.header_);
      copy_members(other);
      other.size_ = 0;
    }
    return *this;
  }

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
  // Adds or updates `key`; the member moves to the front ("Mutating the tracestate Field"). When
  // the list is full the last member is dropped to make room. Invalid key or value → false and
  // nothing changes.
  bool set(std::string_view key, std::string_view value);
  // Removes `key` if present.
  void erase(std::string_view key);

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::string_view key(std::size_t i) const noexcept {
    return std::string_view(header_).substr(members_[i].key_at, members_[i].key_size);
  }
  std::string_view value(std::size_t i) const noexcept {
    return std::string_view(header_).substr(members_[i].value_at, members_[i].value_size);
  }
  // The members in order, as views into this object.
  std::vector<std::pair<std::string_view, std::string_view>> members() const;
  // "k1=v1,k2=v2" — no whitespace.
  const std::string& to_header() const noexcept { return header_; }

  // Equal lists have equal canonical headers.
  friend bool operator==(const TraceState& a, const TraceState& b) noexcept {
    return a.header_ == b.header_;
  }

 private:
  // Offsets into header_; a full list is at most 32 * (256 + 1 + 256) + 31
  // bytes, so 16 bits hold them.
  struct Member {
    std::uint16_t key_at, key_size, value_at, value_size;
  };
  void copy_members(const TraceState& other) noexcept {
    size_ = other.size_;
    for (std::size_t i = 0; i < size_; ++i) members_[i] = other.members_[i];
  }
  // Appends "key=value" (with a ',' first unless empty) and records it.
  void append(std::string_view key, std::string_view value);
  // Rebuilds the list from `members` (views that may point into header_).
  void assign(std::span<const std::pair<std::string_view, std::string_view>> members);

  std::string header_;
  // Only the first size_ entries are set: a TraceState is built per request.
  Member members_[kMaxMembers];
  std::uint8_t size_ = 0;
};

}  // namespace spanline::telemetry
