// Reading OTEL_* environment variables: one place for trimming, empty-means-
// unset (OpenTelemetry configuration spec: "an empty value is treated as
// unset") and the warnings malformed values produce.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spanline::telemetry::env {

// The trimmed value; nullopt when unset or empty.
std::optional<std::string> get(const char* name);
// "true" (case-insensitive) → true; anything else → false.
bool get_bool(const char* name);
// A non-negative integer; malformed → nullopt and a warning naming the variable.
std::optional<std::uint64_t> get_uint(const char* name, std::vector<std::string>* warnings);
std::optional<std::chrono::milliseconds> get_millis(const char* name,
                                                    std::vector<std::string>* warnings);

std::string_view trim(std::string_view s) noexcept;
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string to_lower(std::string_view s);
// Decodes %XX escapes; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace spanline::telemetry::env
