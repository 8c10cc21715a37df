// TaskStore: task-api's thread-safe, bounded, in-memory task store.
//
// Ids are UUID v4 strings (see new_task_id). Listing is in insertion order,
// oldest first, as the originals return tasks. The store holds at most
// `max_tasks`; adding one more evicts the oldest and counts it, so memory stays
// bounded however long the service runs. Eviction shifts offsets: a client
// paging with limit/offset while tasks are added may skip evicted ones.
//
// Thread safety: every member function may be called concurrently. Readers
// (get, list, size, evictions) share one std::shared_mutex; add takes it
// exclusively. Results are copies, so they stay valid after the call.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "task-api/task.h"

namespace spanline::taskflow::api {

// A random (version 4) UUID, lower-case and hyphenated, from getrandom(2).
// Why not "task-<n>": the id can be made before the task is stored (task-api
// passes it to the worker first), it is unique across restarts and replicas
// (a client holding an old id never gets someone else's task), and it says
// nothing about how many tasks exist.
std::string new_task_id();

struct TaskStoreOptions {
  // Tasks kept; the oldest is evicted beyond it. 10000 tasks of the maximum
  // text size (4 KiB) plus enrichment stay under ~60 MB.
  std::size_t max_tasks = 10'000;
  // Makes ids; empty means new_task_id. Injected by tests.
  std::function<std::string()> id_generator;
  // Stamps created_at; empty means std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;

  // Empty when usable, else why not (max_tasks must be at least 1).
  std::string validate() const;
};

// One page of GET /tasks plus the total it was cut from, read under one lock
// so that the two agree.
struct TaskPage {
  std::vector<Task> tasks;
  std::size_t total = 0;
};

class TaskStore {
 public:
  // `options` must validate(); a zero max_tasks is treated as 1.
  explicit TaskStore(TaskStoreOptions options = {});

  // A fresh id from the configured generator, for callers that need the id
  // before add() (it is not reserved; add() still checks it is unused).
  std::string new_id() const;

  // Stores `task` and returns the stored copy. An empty id is filled with
  // new_id() and an empty created_at with the clock's time. Returns nullopt
  // and stores nothing when the id is already in use (a generator bug; with
  // UUID v4 it does not happen).
  [[nodiscard]] std::optional<Task> add(Task task);

  // The task with this id, or nullopt if unknown or evicted.
  std::optional<Task> get(std::string_view id) const;

  // Up to `limit` tasks (nullopt: all) starting `offset` tasks after the
  // oldest, oldest first. An offset past the end gives an empty page.
  TaskPage list(std::optional<std::size_t> limit, std::size_t offset) const;

  std::size_t size() const;
  std::size_t capacity() const { return max_tasks_; }
  // Tasks dropped to stay within capacity since construction.
  std::uint64_t evictions() const;

 private:
  // Transparent hashing lets get() look up a string_view without a copy.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const std::size_t max_tasks_;
  const std::function<std::string()> id_generator_;
  const std::function<std::chrono::system_clock::time_point()> clock_;

  mutable std::shared_mutex mutex_;
  // tasks_[i] has sequence number first_seq_ + i; index_ maps an id to its
  // sequence number, so eviction from the front never renumbers anything.
  std::deque<Task> tasks_;
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> index_;
  std::uint64_t first_seq_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace spanline::taskflow::api
