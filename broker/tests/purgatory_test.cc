#include "broker/purgatory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kb::broker {
namespace {

using namespace std::chrono_literals;

// Completes once `ready` is set; counts how it ended.
class CountingOp : public DelayedOperation {
 public:
  CountingOp(std::chrono::milliseconds wait, std::atomic<bool>& ready)
      : DelayedOperation(Clock::now() + wait), ready_(ready) {}
  bool try_complete() override {
    if (!ready_.load()) return false;
    if (claim()) completed++;
    return true;
  }
  void expire() override {
    if (claim()) expired++;
  }
  std::atomic<int> completed{0};
  std::atomic<int> expired{0};

 private:
  std::atomic<bool>& ready_;
};

TEST(PurgatoryTest, CompletesWhenCheckedKeyBecomesReady) {
  Purgatory purgatory;
  std::atomic<bool> ready{false};
  auto op = std::make_shared<CountingOp>(10s, ready);
  TopicPartition tp{"t", 0};
  purgatory.add(op, {tp});
  EXPECT_FALSE(op->done());
  ready = true;
  purgatory.check(tp);
  EXPECT_EQ(op->completed.load(), 1);
  EXPECT_EQ(op->expired.load(), 0);
}

TEST(PurgatoryTest, ExpiresAtDeadlineExactlyOnce) {
  Purgatory purgatory;
  std::atomic<bool> ready{false};
  auto op = std::make_shared<CountingOp>(50ms, ready);
  purgatory.add(op, {TopicPartition{"t", 1}});
  for (int i = 0; i < 200 && !op->done(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(op->done());
  EXPECT_EQ(op->expired.load(), 1);
  ready = true;
  purgatory.check(TopicPartition{"t", 1});
  EXPECT_EQ(op->completed.load(), 0);
}

TEST(PurgatoryTest, CheckOfAnotherKeyLeavesOperationWaiting) {
  Purgatory purgatory;
  std::atomic<bool> ready{true};
  std::atomic<bool> not_ready{false};
  auto op = std::make_shared<CountingOp>(10s, not_ready);
  purgatory.add(op, {TopicPartition{"a", 0}});
  purgatory.check(TopicPartition{"b", 0});
  EXPECT_FALSE(op->done());
  EXPECT_EQ(purgatory.watched_count(), 1u);
}

TEST(PurgatoryTest, CompletedOperationsLeaveTheTimer) {
  Purgatory purgatory;
  std::atomic<bool> ready{false};
  TopicPartition tp{"t", 2};
  std::vector<std::shared_ptr<CountingOp>> ops;
  for (int i = 0; i < 100; ++i) {
    ops.push_back(std::make_shared<CountingOp>(10s, ready));
    purgatory.add(ops.back(), {tp});
  }
  EXPECT_EQ(purgatory.timed_count(), 100u);
  ready = true;
  purgatory.check(tp);
  for (const auto& op : ops) EXPECT_EQ(op->completed.load(), 1);
  // Otherwise the expiry thread would wake at each of their deadlines for nothing.
  EXPECT_EQ(purgatory.timed_count(), 0u);
  // One that is ready when added completes there and leaves no timer behind either.
  auto at_once = std::make_shared<CountingOp>(10s, ready);
  purgatory.add(at_once, {tp});
  EXPECT_EQ(at_once->completed.load(), 1);
  EXPECT_EQ(purgatory.timed_count(), 0u);
}

TEST(PurgatoryTest, EarlierDeadlineAddedAfterALaterOneExpiresOnTime) {
  Purgatory purgatory;
  std::atomic<bool> ready{false};
  auto late = std::make_shared<CountingOp>(10s, ready);
  purgatory.add(late, {TopicPartition{"t", 3}});
  auto early = std::make_shared<CountingOp>(50ms, ready);
  auto start = DelayedOperation::Clock::now();
  purgatory.add(early, {TopicPartition{"t", 4}});
  while (!early->done() && DelayedOperation::Clock::now() - start < 5s)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(early->expired.load(), 1);
  EXPECT_LT(DelayedOperation::Clock::now() - start, 2s);
  EXPECT_FALSE(late->done());
  EXPECT_EQ(purgatory.timed_count(), 1u);
}

TEST(PurgatoryTest, AddingLaterDeadlinesDoesNotWakeTheExpiryThread) {
  Purgatory purgatory;
  std::atomic<bool> not_yet{false};
  std::atomic<bool> ready{true};
  TopicPartition tp{"t", 5};
  auto first = std::make_shared<CountingOp>(10s, not_yet);
  purgatory.add(first, {tp});
  std::this_thread::sleep_for(50ms);  // the expiry thread now sleeps until `first`'s deadline
  not_yet = true;
  purgatory.check(tp);  // the timer is empty now, the thread still sleeps until then
  EXPECT_EQ(purgatory.timed_count(), 0u);
  const size_t before = purgatory.expiry_wakeups();
  // Like parked fetches and acks=all produces, each with the same timeout, completing in turn.
  for (int i = 0; i < 200; ++i) purgatory.add(std::make_shared<CountingOp>(10s, ready), {tp});
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(purgatory.expiry_wakeups(), before);
  EXPECT_EQ(purgatory.timed_count(), 0u);
}

}  // namespace
}  // namespace kb::broker
