#pragma once
// The controller's event queue (Kafka's ControllerEventManager queue): FIFO, unbounded, many
// producers (watchers, request handlers, channel handlers) and one consumer (the event thread),
// which can wait with a deadline so that periodic work (the imbalance check) runs on the same
// thread.
//
// Thread-safety: push() and close() from any thread; pop_until() from the consumer only.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace kb::coordinator::controller {

template <typename T>
class EventQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // False when the queue is closed (the item is dropped).
  bool push(T item) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
    return true;
  }

  // The oldest item, or nullopt when `deadline` passed first (or the queue is closed and empty).
  std::optional<T> pop_until(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_until(lock, deadline, [this] { return !items_.empty() || closed_; }))
      return std::nullopt;
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // Stops accepting items; returns what was still queued so the caller can answer it.
  std::deque<T> close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    cv_.notify_all();
    return std::exchange(items_, {});
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace kb::coordinator::controller
