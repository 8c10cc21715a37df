#include "task-api/task.h"

#include <cstdio>
#include <ctime>

namespace spanline::taskflow::api {

std::string_view to_string(EnrichmentStatus status) {
  return status == EnrichmentStatus::kCompleted ? "completed" : "failed";
}

std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // floor, not duration_cast: times before 1970 must round toward the past so
  // that the millisecond field stays in [0, 999].
  const auto ms = floor<milliseconds>(t.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];  // room for any int fields, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ms - secs).count()));
  return buf;
}

boost::json::object to_json(const Task& task) {
  boost::json::object o;
  o["id"] = task.id;
  o["text"] = task.text;
  o["created_at"] = task.created_at;
  if (task.enrichment) {
    o["enrichment"] = *task.enrichment;
  } else {
    o["enrichment"] = nullptr;
  }
  o["enrichment_status"] = to_string(task.enrichment_status);
  if (task.enrichment_error) o["enrichment_error"] = *task.enrichment_error;
  return o;
}

boost::json::array to_json(const std::vector<Task>& tasks) {
  boost::json::array a;
  a.reserve(tasks.size());
  for (const auto& t : tasks) a.emplace_back(to_json(t));
  return a;
}

}  // namespace spanline::taskflow::api
