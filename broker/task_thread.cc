#include "broker/task_thread.h"

#include "common/logging.h"
#include "common/thread_name.h"

namespace kb::broker {

TaskThread::TaskThread(std::string name)
    : name_(std::move(name)), thread_([this] {
        set_current_thread_name(name_);
        run();
      }) {}

TaskThread::~TaskThread() {
  stop();
}

void TaskThread::post_after(std::chrono::milliseconds delay, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    tasks_.emplace(Clock::now() + delay, std::move(task));
  }
  cv_.notify_one();
}

void TaskThread::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void TaskThread::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (tasks_.empty()) {
      if (stopping_) return;
      cv_.wait(lock);
      continue;
    }
    auto due = tasks_.begin()->first;
    if (stopping_ && due > Clock::now()) return;  // delayed work is abandoned on stop
    if (Clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    auto task = std::move(tasks_.begin()->second);
    tasks_.erase(tasks_.begin());
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      KB_LOG_ERROR(name_) << "Task failed: " << e.what();
    }
    lock.lock();
  }
}

}  // namespace kb::broker
