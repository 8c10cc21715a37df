// A task as task-api stores and returns it (POST /tasks, GET /tasks[/{id}]).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spanline::taskflow::api {

// "failed" still means the task was stored: a worker that is down, slow or
// answering 5xx never costs the user the task (issue 3).
enum class EnrichmentStatus { kCompleted, kFailed };

// "completed" or "failed" — the wire form.
std::string_view to_string(EnrichmentStatus status);

struct Task {
  std::string id;          // assigned by TaskStore (UUID v4)
  std::string text;        // exactly as submitted (not trimmed)
  std::string created_at;  // RFC 3339, UTC, milliseconds: "2024-05-01T12:34:56.789Z"
  std::optional<boost::json::object> enrichment;  // the worker's answer, when it gave one
  EnrichmentStatus enrichment_status = EnrichmentStatus::kFailed;
  std::optional<std::string> enrichment_error;  // why enrichment failed, for the user

  friend bool operator==(const Task&, const Task&) = default;
};

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for `t` (truncated to milliseconds, UTC).
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);

// {"id", "text", "created_at", "enrichment": {...} | null, "enrichment_status",
//  "enrichment_error"?}: the key set is stable for clients, except that
// "enrichment_error" appears only when there is one.
boost::json::object to_json(const Task& task);

// A JSON array of to_json(task), in the given order.
boost::json::array to_json(const std::vector<Task>& tasks);

}  // namespace spanline::taskflow::api
