#pragma once
// One thread draining a FIFO of tasks, with optional delays. Used for work that may block
// (ZooKeeper round trips) so that network threads never do.
//
// Thread safety: post()/post_after() from any thread; tasks run one at a time, in order of due
// time.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace kb::broker {

class TaskThread {
 public:
  using Clock = std::chrono::steady_clock;
  explicit TaskThread(std::string name);
  ~TaskThread();
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  void post(std::function<void()> task) {
    post_after(std::chrono::milliseconds(0), std::move(task));
  }
  void post_after(std::chrono::milliseconds delay, std::function<void()> task);
  // Runs the queued tasks that are due, then stops; later posts are dropped.
  void stop();

 private:
  void run();
  std::string name_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kb::broker
