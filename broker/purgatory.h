#pragma once
// Requests that must wait (a long-poll fetch now; acks=all produce once replication lands) park
// here keyed by partition. They complete when an append to one of their partitions makes them
// satisfiable, or when their deadline passes. No network thread ever blocks on them.
//
// Thread safety: all methods may be called from any thread. An operation completes exactly once:
// `try_complete` and `expire` race through `claim()`.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/types.h"

namespace kb::broker {

class DelayedOperation {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DelayedOperation(Clock::time_point deadline) : deadline_(deadline) {}
  virtual ~DelayedOperation() = default;
  // Completes (responds) and returns true when the operation can finish now. Must call claim()
  // before responding.
  virtual bool try_complete() = 0;
  // Called once the deadline passed and nobody completed it; must call claim() before responding.
  virtual void expire() = 0;
  Clock::time_point deadline() const { return deadline_; }
  bool done() const { return done_.load(); }

 protected:
  // True for the single caller allowed to respond.
  bool claim() { return !done_.exchange(true); }

 private:
  friend class Purgatory;
  using TimerMap = std::multimap<Clock::time_point, std::weak_ptr<DelayedOperation>>;

  Clock::time_point deadline_;
  std::atomic<bool> done_{false};
  // The operation's entry in its purgatory's timer, guarded by that purgatory's mutex.
  std::optional<TimerMap::iterator> timer_entry_;
};

class Purgatory {
 public:
  // `thread_name` names the expiry thread (see common/thread_name.h).
  explicit Purgatory(std::string thread_name = "reaper");
  ~Purgatory();
  Purgatory(const Purgatory&) = delete;
  Purgatory& operator=(const Purgatory&) = delete;

  // Parks `op` under `keys` unless it completes right away.
  void add(const std::shared_ptr<DelayedOperation>& op, const std::vector<TopicPartition>& keys);
  // Something changed for `key` (data appended, high watermark moved): retry its operations.
  void check(const TopicPartition& key);
  void stop();
  size_t watched_count() const;
  // Operations whose deadline is still pending (completed ones leave the timer at once).
  size_t timed_count() const;
  // How often the expiry thread has woken up (for tests).
  size_t expiry_wakeups() const;

 private:
  void expiry_loop();
  // Takes completed operations off the timer, so the expiry thread never wakes for them (as
  // Kafka's timing wheel cancels an operation's timer task when it completes). Caller holds mutex_.
  void cancel_timers_locked(const std::vector<std::shared_ptr<DelayedOperation>>& ops);

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::unordered_map<TopicPartition, std::vector<std::shared_ptr<DelayedOperation>>> watchers_;
  DelayedOperation::TimerMap deadlines_;
  // When the expiry thread wakes up on its own next (max: only when notified). A deadline after
  // that needs no notification: the thread re-reads the timer when it wakes.
  DelayedOperation::Clock::time_point wake_at_ = DelayedOperation::Clock::time_point::max();
  size_t wakeups_ = 0;
  bool stopping_ = false;
  std::thread expiry_thread_;
};

}  // namespace kb::broker
