#include "broker/task_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kb::broker {
namespace {

using namespace std::chrono_literals;

TEST(TaskThreadTest, RunsTasksInDueOrder) {
  std::vector<int> order;
  std::atomic<int> done{0};
  {
    TaskThread thread("test");
    thread.post_after(60ms, [&] {
      order.push_back(3);
      done++;
    });
    thread.post([&] {
      order.push_back(1);
      done++;
    });
    thread.post_after(20ms, [&] {
      order.push_back(2);
      done++;
    });
    for (int i = 0; i < 200 && done < 3; ++i) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(TaskThreadTest, ATaskThatThrowsDoesNotStopTheThread) {
  std::atomic<bool> ran{false};
  TaskThread thread("test");
  thread.post([] { throw std::runtime_error("boom"); });
  thread.post([&] { ran = true; });
  for (int i = 0; i < 200 && !ran; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace kb::broker
