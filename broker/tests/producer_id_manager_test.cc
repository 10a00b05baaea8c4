#include "broker/producer_id_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "broker/task_thread.h"

namespace kb::broker {
namespace {

using namespace std::chrono_literals;

// Blocks of `size` ids, claimed one after the other, like /latest_producer_id_block.
struct FakeBlocks {
  int64_t size = 3;
  std::atomic<int> claims{0};
  std::atomic<bool> fail{false};
  coordinator::ProducerIdBlock operator()() {
    if (fail) throw std::runtime_error("zookeeper down");
    int n = claims++;
    return {BrokerId(1), n * size, n * size + size - 1};
  }
};

struct Results {
  std::mutex mu;
  std::vector<std::pair<ErrorCode, int64_t>> got;
  ProducerIdManager::Callback callback() {
    return [this](ErrorCode e, int64_t id) {
      std::lock_guard lock(mu);
      got.emplace_back(e, id);
    };
  }
  size_t size() {
    std::lock_guard lock(mu);
    return got.size();
  }
  bool wait_for(size_t n) {
    for (int i = 0; i < 500 && size() < n; ++i) std::this_thread::sleep_for(10ms);
    return size() >= n;
  }
};

TEST(ProducerIdManagerTest, HandsOutUniqueIdsAcrossBlocks) {
  FakeBlocks blocks;
  TaskThread thread("pid-test");
  ProducerIdManager manager([&] { return blocks(); }, thread);
  Results results;
  for (int i = 0; i < 8; ++i) manager.generate(results.callback());
  ASSERT_TRUE(results.wait_for(8));
  std::set<int64_t> ids;
  for (auto [e, id] : results.got) {
    EXPECT_EQ(e, ErrorCode::kNone);
    ids.insert(id);
  }
  EXPECT_EQ(ids, (std::set<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(blocks.claims.load(), 3);
  thread.stop();
}

TEST(ProducerIdManagerTest, FailedClaimAnswersCoordinatorNotAvailableAndRecovers) {
  FakeBlocks blocks;
  blocks.fail = true;
  TaskThread thread("pid-test");
  ProducerIdManager manager([&] { return blocks(); }, thread);
  Results results;
  manager.generate(results.callback());
  ASSERT_TRUE(results.wait_for(1));
  EXPECT_EQ(results.got[0], std::make_pair(ErrorCode::kCoordinatorNotAvailable, int64_t{-1}));
  blocks.fail = false;
  manager.generate(results.callback());
  ASSERT_TRUE(results.wait_for(2));
  EXPECT_EQ(results.got[1], std::make_pair(ErrorCode::kNone, int64_t{0}));
  thread.stop();
}

}  // namespace
}  // namespace kb::broker
