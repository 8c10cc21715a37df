#include "task-api/task_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

namespace ta = spanline::taskflow::api;
using namespace std::chrono;

namespace {

ta::Task task(std::string text) {
  ta::Task t;
  t.text = std::move(text);
  return t;
}

// Ids "id-1", "id-2", ... and a clock that ticks one millisecond per call.
ta::TaskStoreOptions predictable(std::size_t max_tasks = 100) {
  auto n = std::make_shared<std::atomic<int>>(0);
  auto ms = std::make_shared<std::atomic<int>>(0);
  return {.max_tasks = max_tasks,
          .id_generator = [n] { return "id-" + std::to_string(++*n); },
          .clock = [ms] { return system_clock::time_point{milliseconds{++*ms}}; }};
}

std::vector<std::string> ids(const std::vector<ta::Task>& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks) out.push_back(t.id);
  return out;
}

}  // namespace

TEST(TaskId, IsAVersion4Uuid) {
  const std::regex uuid4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const auto id = ta::new_task_id();
    ASSERT_TRUE(std::regex_match(id, uuid4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(TaskStore, AddFillsIdAndCreatedAt) {
  ta::TaskStore store(predictable());
  const auto added = store.add(task("hello"));
  ASSERT_TRUE(added);
  EXPECT_EQ(added->id, "id-1");
  EXPECT_EQ(added->created_at, "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(added->text, "hello");
  EXPECT_EQ(store.get("id-1"), added);
  EXPECT_EQ(store.size(), 1u);
}

TEST(TaskStore, DefaultIdsAreUuidsAndTimesAreNow) {
  ta::TaskStore store;
  const auto before = ta::format_rfc3339_ms(system_clock::now());
  const auto added = store.add(task("x"));
  const auto after = ta::format_rfc3339_ms(system_clock::now());
  ASSERT_TRUE(added);
  EXPECT_EQ(added->id.size(), 36u);
  EXPECT_LE(before, added->created_at);  // same fixed-width format sorts by time
  EXPECT_GE(after, added->created_at);
}

TEST(TaskStore, KeepsAGivenIdAndRefusesADuplicate) {
  ta::TaskStore store(predictable());
  ta::Task t = task("first");
  t.id = store.new_id();
  ASSERT_TRUE(store.add(t));
  t.text = "second";
  EXPECT_FALSE(store.add(t));
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.get(t.id)->text, "first");
}

TEST(TaskStore, GetUnknownIsEmpty) {
  ta::TaskStore store(predictable());
  ASSERT_TRUE(store.add(task("a")));
  EXPECT_FALSE(store.get("nope"));
  EXPECT_FALSE(store.get(""));
}

TEST(TaskStore, ListsInInsertionOrderWithLimitAndOffset) {
  ta::TaskStore store(predictable());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store.add(task("t" + std::to_string(i))));
  auto page = store.list(std::nullopt, 0);
  EXPECT_EQ(ids(page.tasks), (std::vector<std::string>{"id-1", "id-2", "id-3", "id-4", "id-5"}));
  EXPECT_EQ(page.total, 5u);
  EXPECT_EQ(ids(store.list(2, 0).tasks), (std::vector<std::string>{"id-1", "id-2"}));
  EXPECT_EQ(ids(store.list(2, 3).tasks), (std::vector<std::string>{"id-4", "id-5"}));
  EXPECT_EQ(ids(store.list(10, 4).tasks), (std::vector<std::string>{"id-5"}));
  EXPECT_TRUE(store.list(10, 5).tasks.empty());
  EXPECT_TRUE(store.list(10, 1'000'000).tasks.empty());
  page = store.list(0, 0);
  EXPECT_TRUE(page.tasks.empty());
  EXPECT_EQ(page.total, 5u);  // limit=0 counts without copying
}

TEST(TaskStore, EvictsTheOldestBeyondCapacityAndCountsIt) {
  ta::TaskStore store(predictable(3));
  EXPECT_EQ(store.capacity(), 3u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store.add(task("t")));
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.evictions(), 2u);
  EXPECT_FALSE(store.get("id-1"));
  EXPECT_FALSE(store.get("id-2"));
  EXPECT_TRUE(store.get("id-3"));
  EXPECT_TRUE(store.get("id-5"));
  EXPECT_EQ(ids(store.list(std::nullopt, 0).tasks),
            (std::vector<std::string>{"id-3", "id-4", "id-5"}));
  EXPECT_EQ(ids(store.list(1, 1).tasks), (std::vector<std::string>{"id-4"}));
  // An evicted id is free again; reusing it is not a duplicate.
  ta::Task again = task("back");
  again.id = "id-1";
  ASSERT_TRUE(store.add(again));
  EXPECT_EQ(store.get("id-1")->text, "back");
  EXPECT_EQ(store.evictions(), 3u);
}

TEST(TaskStore, OptionsValidate) {
  EXPECT_EQ(ta::TaskStoreOptions{}.validate(), "");
  EXPECT_NE(ta::TaskStoreOptions{.max_tasks = 0}.validate(), "");
  ta::TaskStore store({.max_tasks = 0});  // treated as 1
  ASSERT_TRUE(store.add(task("a")));
  ASSERT_TRUE(store.add(task("b")));
  EXPECT_EQ(store.size(), 1u);
}

TEST(TaskStore, ConcurrentAddsFromEightThreadsLoseNothing) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  ta::TaskStore store({.max_tasks = kThreads * kPerThread});
  std::atomic<bool> done{false};
  // A reader runs alongside, so shared and exclusive locking are both exercised.
  std::thread reader([&] {
    while (!done.load()) {
      const auto page = store.list(50, 0);
      ASSERT_LE(page.tasks.size(), page.total);
      if (!page.tasks.empty()) {
        ASSERT_TRUE(store.get(page.tasks.back().id));
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&store, t] {
      for (int i = 0; i < kPerThread; ++i)
        ASSERT_TRUE(store.add(task(std::to_string(t) + ":" + std::to_string(i))));
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();

  const auto all = store.list(std::nullopt, 0).tasks;
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(store.evictions(), 0u);
  std::set<std::string> unique_ids;
  std::vector<int> next(kThreads, 0);
  for (const auto& t : all) {
    unique_ids.insert(t.id);
    // Each writer's tasks appear in the order it added them.
    const auto colon = t.text.find(':');
    const int writer = std::stoi(t.text.substr(0, colon));
    EXPECT_EQ(std::stoi(t.text.substr(colon + 1)), next[writer]++);
  }
  EXPECT_EQ(unique_ids.size(), all.size());
}

TEST(TaskStore, ConcurrentAddsPastCapacityStayBounded) {
  ta::TaskStore store({.max_tasks = 100});
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&store] {
      for (int i = 0; i < 500; ++i) ASSERT_TRUE(store.add(task("x")));
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(store.size(), 100u);
  EXPECT_EQ(store.evictions(), 8u * 500u - 100u);
  for (const auto& t : store.list(std::nullopt, 0).tasks) EXPECT_TRUE(store.get(t.id));
}
