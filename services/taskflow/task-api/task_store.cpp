#include "task-api/task_store.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <mutex>
#include <random>

namespace spanline::taskflow::api {

namespace {

void random_bytes(std::array<unsigned char, 16>& out) {
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = getrandom(out.data() + got, out.size() - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      break;  // no getrandom (pre-3.17 kernel or seccomp): fall back below
    }
  }
  if (got == out.size()) return;
  std::random_device device;
  for (auto& b : out) b = static_cast<unsigned char>(device());
}

}  // namespace

std::string new_task_id() {
  std::array<unsigned char, 16> b;
  random_bytes(b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4 (RFC 9562 §5.4)
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[b[i] >> 4]);
    id.push_back(kHex[b[i] & 0x0f]);
  }
  return id;
}

std::string TaskStoreOptions::validate() const {
  if (max_tasks == 0) return "max_tasks must be at least 1";
  return {};
}

TaskStore::TaskStore(TaskStoreOptions options)
    : max_tasks_(options.max_tasks == 0 ? 1 : options.max_tasks),
      id_generator_(options.id_generator ? std::move(options.id_generator) : new_task_id),
      clock_(options.clock ? std::move(options.clock)
                           : [] { return std::chrono::system_clock::now(); }) {}

std::string TaskStore::new_id() const {
  return id_generator_();
}

std::optional<Task> TaskStore::add(Task task) {
  // Id and time are made outside the lock: the generator may be slow (a
  // syscall) and neither needs the store's state.
  if (task.id.empty()) task.id = new_id();
  if (task.created_at.empty()) task.created_at = format_rfc3339_ms(clock_());

  std::unique_lock lock(mutex_);
  if (index_.contains(task.id)) return std::nullopt;
  if (tasks_.size() >= max_tasks_) {
    index_.erase(tasks_.front().id);
    tasks_.pop_front();
    ++first_seq_;
    ++evictions_;
  }
  index_.emplace(task.id, first_seq_ + tasks_.size());
  tasks_.push_back(task);
  return task;
}

std::optional<Task> TaskStore::get(std::string_view id) const {
  std::shared_lock lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return tasks_[static_cast<std::size_t>(it->second - first_seq_)];
}

TaskPage TaskStore::list(std::optional<std::size_t> limit, std::size_t offset) const {
  std::shared_lock lock(mutex_);
  TaskPage page;
  page.total = tasks_.size();
  if (offset >= tasks_.size()) return page;
  const std::size_t available = tasks_.size() - offset;
  const std::size_t n = limit ? std::min(*limit, available) : available;
  page.tasks.assign(tasks_.begin() + static_cast<std::ptrdiff_t>(offset),
                    tasks_.begin() + static_cast<std::ptrdiff_t>(offset + n));
  return page;
}

std::size_t TaskStore::size() const {
  std::shared_lock lock(mutex_);
  return tasks_.size();
}

std::uint64_t TaskStore::evictions() const {
  std::shared_lock lock(mutex_);
  return evictions_;
}

}  // namespace spanline::taskflow::api
