// TopicConfigCache's pure parts: resolving overrides over broker defaults and reading config
// change notifications.
#include <gtest/gtest.h>

#include "broker/topic_config_cache.h"
#include "common/config/broker_config.h"
#include "coordinator/znodes.h"

namespace kb::broker {
namespace {

config::ConfigValues broker_config(std::map<std::string, std::string> extra = {}) {
  extra.emplace("zookeeper.connect", "127.0.0.1:2181");
  return config::parse_broker_config(extra, nullptr);
}

TEST(ResolveTopicConfig, BrokerDefaultsWithoutOverrides) {
  auto broker = broker_config({{"min.insync.replicas", "2"}, {"log.segment.bytes", "2000000"}});
  std::string error;
  auto entry = resolve_topic_config(broker, {}, &error);
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(entry.values.min_insync_replicas, 2);
  EXPECT_EQ(entry.values.max_message_bytes, 1048588);
  EXPECT_EQ(entry.log_config.segment_bytes, 2000000);
  EXPECT_EQ(entry.log_config.cleanup_policy, "delete");
  EXPECT_FALSE(entry.log_config.log_append_time);
}

TEST(ResolveTopicConfig, OverridesWin) {
  auto broker = broker_config();
  std::map<std::string, std::string> overrides = {{"min.insync.replicas", "3"},
                                                  {"max.message.bytes", "4096"},
                                                  {"cleanup.policy", "compact"},
                                                  {"message.timestamp.type", "LogAppendTime"},
                                                  {"retention.ms", "1234"}};
  auto entry = resolve_topic_config(broker, overrides);
  EXPECT_EQ(entry.values.overrides, overrides);
  EXPECT_EQ(entry.values.min_insync_replicas, 3);
  EXPECT_EQ(entry.values.max_message_bytes, 4096);
  EXPECT_EQ(entry.log_config.max_message_bytes, 4096);
  EXPECT_EQ(entry.log_config.cleanup_policy, "compact");
  EXPECT_TRUE(entry.log_config.log_append_time);
  EXPECT_EQ(entry.log_config.retention_ms, 1234);
}

TEST(ResolveTopicConfig, CompactionSettingsReachTheLogConfig) {
  auto broker = broker_config();
  auto entry = resolve_topic_config(broker, {{"cleanup.policy", "compact,delete"},
                                             {"delete.retention.ms", "500"},
                                             {"min.cleanable.dirty.ratio", "0.01"},
                                             {"min.compaction.lag.ms", "7"},
                                             {"max.compaction.lag.ms", "9000"}});
  const auto& c = entry.log_config;
  EXPECT_EQ(c.cleanup_policy, "compact,delete");
  EXPECT_TRUE(c.compacts());
  EXPECT_TRUE(c.deletes_by_retention());
  EXPECT_EQ(c.delete_retention_ms, 500);
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.01);
  EXPECT_EQ(c.min_compaction_lag_ms, 7);
  EXPECT_EQ(c.max_compaction_lag_ms, 9000);
  auto defaults = resolve_topic_config(broker, {}).log_config;
  EXPECT_FALSE(defaults.compacts());
  EXPECT_EQ(defaults.delete_retention_ms, 86400000);
  EXPECT_DOUBLE_EQ(defaults.min_cleanable_dirty_ratio, 0.5);
}

TEST(ResolveTopicConfig, InvalidOverridesFallBackToDefaultsAndSayWhy) {
  auto broker = broker_config();
  std::string error;
  auto entry = resolve_topic_config(broker, {{"min.insync.replicas", "zero"}}, &error);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(entry.values.min_insync_replicas, 1);
  EXPECT_EQ(entry.values.overrides.at("min.insync.replicas"), "zero");  // still visible
}

TEST(TopicOfConfigChange, ReadsBothNotificationVersions) {
  EXPECT_EQ(topic_of_config_change(R"({"version":2,"entity_path":"topics/orders"})"),
            std::optional<std::string>("orders"));
  EXPECT_EQ(
      topic_of_config_change(R"({"version":1,"entity_type":"topics","entity_name":"payments"})"),
      std::optional<std::string>("payments"));
  EXPECT_EQ(topic_of_config_change(R"({"version":2,"entity_path":"brokers/1"})"), std::nullopt);
  EXPECT_EQ(topic_of_config_change(R"({"version":2,"entity_path":"topics/"})"), std::nullopt);
  EXPECT_EQ(topic_of_config_change(
                coordinator::ConfigEntityChangeNotificationSequenceZNode::encode("topics/t1")),
            std::optional<std::string>("t1"));
  EXPECT_THROW(topic_of_config_change("not json"), coordinator::ZnodeDecodeError);
}

}  // namespace
}  // namespace kb::broker
