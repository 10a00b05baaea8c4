#include "coordinator/controller/runtime/event_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace kb::coordinator::controller {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(ControllerEventQueue, FifoOrder) {
  EventQueue<int> q;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(q.push(i));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.pop_until(Clock::now() + 1s), i);
}

TEST(ControllerEventQueue, DeadlinePassesWhenEmpty) {
  EventQueue<int> q;
  const auto start = Clock::now();
  EXPECT_FALSE(q.pop_until(start + 50ms).has_value());
  EXPECT_GE(Clock::now() - start, 50ms);
}

TEST(ControllerEventQueue, ProducersOnOtherThreadsKeepTheirOwnOrder) {
  EventQueue<std::pair<int, int>> q;
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p)
    producers.emplace_back([&q, p] {
      for (int i = 0; i < 1000; ++i) q.push({p, i});
    });
  std::vector<int> next(3, 0);
  for (int n = 0; n < 3000; ++n) {
    auto item = q.pop_until(Clock::now() + 5s);
    ASSERT_TRUE(item.has_value());
    EXPECT_EQ(item->second, next[item->first]++);
  }
  for (auto& t : producers) t.join();
}

TEST(ControllerEventQueue, CloseReturnsLeftoversAndRefusesMore) {
  EventQueue<int> q;
  q.push(1);
  q.push(2);
  auto left = q.close();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0], 1);
  EXPECT_FALSE(q.push(3));
  EXPECT_FALSE(q.pop_until(Clock::now() + 1s).has_value());  // closed: no wait
}

}  // namespace
}  // namespace kb::coordinator::controller
