#include "broker/purgatory.h"

#include <algorithm>

#include "common/thread_name.h"

namespace kb::broker {

Purgatory::Purgatory(std::string thread_name)
    : expiry_thread_([this, name = std::move(thread_name)] {
        set_current_thread_name(name);
        expiry_loop();
      }) {}

Purgatory::~Purgatory() {
  stop();
}

void Purgatory::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
}

void Purgatory::add(const std::shared_ptr<DelayedOperation>& op,
                    const std::vector<TopicPartition>& keys) {
  bool earliest = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& key : keys) watchers_[key].push_back(op);
    earliest = op->deadline() < wake_at_;
    op->timer_entry_ = deadlines_.emplace(op->deadline(), op);
  }
  // Waking the expiry thread for a deadline after its own wake-up time would only cost a context
  // switch on the request path (nearly every add: fetches and produces share one timeout each).
  if (earliest) cv_.notify_all();
  // An append may have landed between the caller's first attempt and the registration above.
  if (op->try_complete()) {
    std::lock_guard lock(mutex_);
    cancel_timers_locked({op});
  }
}

void Purgatory::cancel_timers_locked(const std::vector<std::shared_ptr<DelayedOperation>>& ops) {
  for (const auto& op : ops) {
    if (!op->done() || !op->timer_entry_) continue;
    deadlines_.erase(*op->timer_entry_);
    op->timer_entry_.reset();
  }
}

void Purgatory::check(const TopicPartition& key) {
  std::vector<std::shared_ptr<DelayedOperation>> ops;
  {
    std::lock_guard lock(mutex_);
    auto it = watchers_.find(key);
    if (it == watchers_.end()) return;
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(), [](const auto& op) { return op->done(); }),
               list.end());
    ops = list;
    if (list.empty()) watchers_.erase(it);
  }
  bool completed = false;
  for (auto& op : ops) {
    if (!op->done() && op->try_complete()) completed = true;
  }
  if (completed) {
    std::lock_guard lock(mutex_);
    cancel_timers_locked(ops);
  }
}

size_t Purgatory::timed_count() const {
  std::lock_guard lock(mutex_);
  return deadlines_.size();
}

size_t Purgatory::expiry_wakeups() const {
  std::lock_guard lock(mutex_);
  return wakeups_;
}

size_t Purgatory::watched_count() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [key, list] : watchers_) n += list.size();
  return n;
}

void Purgatory::expiry_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (deadlines_.empty()) {
      wake_at_ = DelayedOperation::Clock::time_point::max();
      cv_.wait(lock);
      ++wakeups_;
      continue;
    }
    auto first = deadlines_.begin();
    if (DelayedOperation::Clock::now() < first->first) {
      // Still the time to wake up at even if this operation completes meanwhile: one spurious
      // wake-up per timeout period rather than a notification per add.
      wake_at_ = first->first;
      cv_.wait_until(lock, wake_at_);
      ++wakeups_;
      continue;
    }
    auto op = first->second.lock();
    deadlines_.erase(first);
    if (op) op->timer_entry_.reset();
    if (!op || op->done()) continue;
    lock.unlock();
    op->expire();
    lock.lock();
    // Drop finished operations from the watch lists now and then, so idle partitions don't
    // accumulate completed entries.
    if (deadlines_.empty()) {
      for (auto it = watchers_.begin(); it != watchers_.end();) {
        auto& list = it->second;
        list.erase(
            std::remove_if(list.begin(), list.end(), [](const auto& o) { return o->done(); }),
            list.end());
        it = list.empty() ? watchers_.erase(it) : std::next(it);
      }
    }
  }
}

}  // namespace kb::broker
