#include "task-api/task.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace ta = spanline::taskflow::api;
using namespace std::chrono;

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(ta::format_rfc3339_ms(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  // 2024-02-29T23:59:59.999Z, a leap day, plus sub-millisecond noise that is cut.
  const auto t = system_clock::time_point{seconds{1709251199} + microseconds{999'999}};
  EXPECT_EQ(ta::format_rfc3339_ms(t), "2024-02-29T23:59:59.999Z");
}

TEST(Rfc3339, TimesBeforeTheEpochKeepAValidMillisecondField) {
  const auto t = system_clock::time_point{} - milliseconds{1};
  EXPECT_EQ(ta::format_rfc3339_ms(t), "1969-12-31T23:59:59.999Z");
}

TEST(TaskJson, CompletedTaskCarriesItsEnrichment) {
  ta::Task task{.id = "id-1",
                .text = "fix it",
                .created_at = "2024-01-01T00:00:00.000Z",
                .enrichment = boost::json::object{{"priority", "medium"}},
                .enrichment_status = ta::EnrichmentStatus::kCompleted};
  const auto o = ta::to_json(task);
  EXPECT_EQ(boost::json::serialize(o),
            R"({"id":"id-1","text":"fix it","created_at":"2024-01-01T00:00:00.000Z",)"
            R"("enrichment":{"priority":"medium"},"enrichment_status":"completed"})");
}

TEST(TaskJson, FailedTaskHasNullEnrichmentAndTheReason) {
  ta::Task task{.id = "id-2",
                .text = "t",
                .created_at = "2024-01-01T00:00:00.000Z",
                .enrichment_status = ta::EnrichmentStatus::kFailed,
                .enrichment_error = "task-worker unreachable: connection refused"};
  const auto o = ta::to_json(task);
  EXPECT_TRUE(o.at("enrichment").is_null());
  EXPECT_EQ(o.at("enrichment_status").as_string(), "failed");
  EXPECT_EQ(o.at("enrichment_error").as_string(), "task-worker unreachable: connection refused");
}

TEST(TaskJson, ArrayKeepsOrder) {
  std::vector<ta::Task> tasks(3);
  tasks[0].id = "a";
  tasks[1].id = "b";
  tasks[2].id = "c";
  const auto a = ta::to_json(tasks);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].as_object().at("id").as_string(), "a");
  EXPECT_EQ(a[2].as_object().at("id").as_string(), "c");
  EXPECT_FALSE(a[0].as_object().contains("enrichment_error"));
}

TEST(TaskJson, StatusNames) {
  EXPECT_EQ(ta::to_string(ta::EnrichmentStatus::kCompleted), "completed");
  EXPECT_EQ(ta::to_string(ta::EnrichmentStatus::kFailed), "failed");
}
