// TopicConfigCache against a real ZooKeeper (coordinator/tests/zk_test_env.h): first-use reads of
// /config/topics/T and reloads driven by /config/changes notifications.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "broker/topic_config_cache.h"
#include "common/config/broker_config.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/tests/zk_test_env.h"

namespace kb::broker {
namespace {

using namespace std::chrono_literals;

class Changes {
 public:
  TopicConfigCache::ChangeListener listener() {
    return [this](const std::string& topic, const TopicConfigEntry& entry) {
      std::lock_guard lock(mutex_);
      seen_.emplace_back(topic, entry);
      cv_.notify_all();
    };
  }
  bool wait_for(size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= count; });
  }
  std::vector<std::pair<std::string, TopicConfigEntry>> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, TopicConfigEntry>> seen_;
};

class TopicConfigCacheIT : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = coordinator::ZkClient::connect(
        coordinator::testing::zk_address() + coordinator::testing::unique_chroot(), 4000, 10000);
    zk_ = std::make_unique<coordinator::KafkaZk>(*client_);
    zk_->create_top_level_paths();
    broker_ = config::parse_broker_config(
        {{"zookeeper.connect", "unused:2181"}, {"min.insync.replicas", "1"}}, nullptr);
  }

  std::unique_ptr<coordinator::ZkClient> client_;
  std::unique_ptr<coordinator::KafkaZk> zk_;
  config::ConfigValues broker_;
};

TEST_F(TopicConfigCacheIT, ReadsOverridesOnFirstUse) {
  zk_->set_topic_config("orders", {{"min.insync.replicas", "2"}, {"segment.bytes", "1048576"}});
  TopicConfigCache cache(broker_, *zk_);
  cache.start();
  EXPECT_EQ(cache.values("orders").min_insync_replicas, 2);
  EXPECT_EQ(cache.log_config("orders").segment_bytes, 1048576);
  EXPECT_EQ(cache.values("no-overrides").min_insync_replicas, 1);
  EXPECT_TRUE(cache.values("no-overrides").overrides.empty());
  cache.stop();
}

TEST_F(TopicConfigCacheIT, NotificationReloadsCachedTopicAndTellsListener) {
  zk_->set_topic_config("a", {{"max.message.bytes", "1000"}});
  zk_->set_topic_config("b", {{"max.message.bytes", "1000"}});  // notification before start
  TopicConfigCache cache(broker_, *zk_);
  Changes changes;
  cache.set_change_listener(changes.listener());
  cache.start();
  EXPECT_EQ(cache.values("a").max_message_bytes, 1000);

  zk_->set_topic_config("a", {{"max.message.bytes", "2000"}, {"min.insync.replicas", "2"}});
  ASSERT_TRUE(changes.wait_for(1));
  auto seen = changes.seen();
  EXPECT_EQ(seen[0].first, "a");
  EXPECT_EQ(seen[0].second.values.max_message_bytes, 2000);
  EXPECT_EQ(seen[0].second.log_config.max_message_bytes, 2000);
  EXPECT_EQ(cache.values("a").min_insync_replicas, 2);

  // A topic not in use is not reloaded (no listener call); its first use reads the current value.
  zk_->set_topic_config("b", {{"max.message.bytes", "3000"}});
  zk_->set_topic_config("a", {{"max.message.bytes", "4000"}});
  ASSERT_TRUE(changes.wait_for(2));
  std::this_thread::sleep_for(200ms);
  seen = changes.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].first, "a");
  EXPECT_EQ(cache.values("b").max_message_bytes, 3000);
  cache.stop();
}

TEST_F(TopicConfigCacheIT, ForgottenTopicIsReadAfresh) {
  zk_->set_topic_config("t", {{"min.insync.replicas", "2"}});
  TopicConfigCache cache(broker_, *zk_);
  cache.start();
  EXPECT_EQ(cache.values("t").min_insync_replicas, 2);
  // Re-created without overrides: written directly, with no notification.
  client_->set_data("/config/topics/t", R"({"version":1,"config":{}})");
  EXPECT_EQ(cache.values("t").min_insync_replicas, 2);  // still cached
  cache.forget("t");
  EXPECT_EQ(cache.values("t").min_insync_replicas, 1);
  cache.stop();
}

TEST_F(TopicConfigCacheIT, NewSessionReportsOnlyTopicsThatChanged) {
  zk_->set_topic_config("same", {{"retention.ms", "1000"}});
  zk_->set_topic_config("moved", {{"retention.ms", "1000"}});
  TopicConfigCache cache(broker_, *zk_);
  Changes changes;
  cache.set_change_listener(changes.listener());
  cache.start();
  EXPECT_EQ(cache.log_config("same").retention_ms, 1000);
  EXPECT_EQ(cache.log_config("moved").retention_ms, 1000);
  // Changed while "disconnected": the data only, and no notification is seen.
  client_->set_data("/config/topics/moved", R"({"version":1,"config":{"retention.ms":"2000"}})");
  cache.on_new_session();
  ASSERT_TRUE(changes.wait_for(1));
  std::this_thread::sleep_for(200ms);
  auto seen = changes.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "moved");
  EXPECT_EQ(seen[0].second.log_config.retention_ms, 2000);
  cache.stop();
}

TEST_F(TopicConfigCacheIT, PostedTasksRunInOrderOnTheCacheThread) {
  TopicConfigCache cache(broker_, *zk_);
  cache.start();
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    cache.post([&, i] {
      std::lock_guard lock(mutex);
      order.push_back(i);
      cv.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return order.size() == 5; }));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  lock.unlock();
  cache.stop();
}

}  // namespace
}  // namespace kb::broker
