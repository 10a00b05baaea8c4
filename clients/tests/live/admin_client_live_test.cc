// The client library against a real cluster. Not a unit test: integration/test_clients_library.py
// starts ZooKeeper + 3 brokers and runs this binary with
//   KB_TEST_BOOTSTRAP=host:port,...   the cluster
//   KB_TEST_DEAD_BROKER=<id>          (Offline.* only) a broker that was killed
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <thread>

#include "clients/admin_client.h"
#include "clients/errors.h"

namespace kb::clients {
namespace {

ClientConfig live_config() {
  const char* bootstrap = std::getenv("KB_TEST_BOOTSTRAP");
  if (bootstrap == nullptr) throw std::runtime_error("KB_TEST_BOOTSTRAP is not set");
  ClientConfig c;
  c.bootstrap = parse_bootstrap(bootstrap);
  c.api_timeout = std::chrono::milliseconds(30000);
  return c;
}

std::string unique(const std::string& prefix) {
  static std::mt19937 rng(std::random_device{}());
  return prefix + "-" + std::to_string(rng() % 1000000000);
}

// Waits until every partition of `topic` has a leader (the controller has acted).
TopicMetadata wait_led(AdminClient& admin, const std::string& topic, size_t partitions) {
  for (int i = 0; i < 150; ++i) {
    auto t = admin.describe_topics({topic}).at(0);
    if (t.error == ErrorCode::kNone && t.partitions.size() == partitions &&
        std::all_of(t.partitions.begin(), t.partitions.end(),
                    [](const PartitionMetadata& p) { return p.leader.value() >= 0; })) {
      return t;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << topic << " never got " << partitions << " led partitions";
  return {};
}

TEST(Live, ClusterMetadata) {
  AdminClient admin(live_config());
  ClusterMetadata m = admin.describe_cluster();
  ASSERT_EQ(3u, m.brokers.size());
  EXPECT_EQ(BrokerId{1}, m.brokers[0].id);
  EXPECT_EQ(BrokerId{3}, m.brokers[2].id);
  EXPECT_NE(nullptr, m.broker(m.controller_id)) << "controller " << m.controller_id;
  EXPECT_TRUE(m.cluster_id.has_value());
}

TEST(Live, CreateDescribeAlterDelete) {
  AdminClient admin(live_config());
  std::string topic = unique("lib");

  // validate_only creates nothing.
  NewTopic nt{topic, 3, 3, {}, {{"cleanup.policy", "compact"}}};
  auto r = admin.create_topics({nt}, /*validate_only=*/true);
  ASSERT_EQ(1u, r.size());
  EXPECT_TRUE(r[0].ok()) << r[0].message;
  EXPECT_EQ(ErrorCode::kUnknownTopicOrPartition, admin.describe_topics({topic})[0].error);

  r = admin.create_topics({nt});
  ASSERT_TRUE(r[0].ok()) << r[0].message;
  TopicMetadata t = wait_led(admin, topic, 3);
  for (const auto& p : t.partitions) {
    EXPECT_EQ(3u, p.replicas.size());
    EXPECT_TRUE(p.offline_replicas.empty());
    EXPECT_GE(p.leader_epoch.value(), 0);
  }
  auto listed = admin.list_topics(false);
  EXPECT_NE(listed.end(), std::find(listed.begin(), listed.end(), topic));

  // Creating it again: the broker's error, mapped per topic.
  r = admin.create_topics({nt});
  EXPECT_EQ(ErrorCode::kTopicAlreadyExists, r[0].error);
  EXPECT_FALSE(r[0].message.empty());

  // Topic configs: the override is DYNAMIC_TOPIC_CONFIG, untouched keys are not.
  auto d = admin.describe_configs({{ConfigResourceType::kTopic, topic}});
  ASSERT_TRUE(d[0].ok()) << d[0].message;
  const ConfigEntry* policy = d[0].find("cleanup.policy");
  ASSERT_NE(nullptr, policy);
  EXPECT_EQ("compact", policy->value);
  EXPECT_EQ(ConfigSource::kDynamicTopicConfig, policy->source);
  const ConfigEntry* min_isr = d[0].find("min.insync.replicas");
  ASSERT_NE(nullptr, min_isr);
  EXPECT_NE(ConfigSource::kDynamicTopicConfig, min_isr->source);

  // AlterConfigs replaces the whole override set.
  auto a = admin.alter_configs({{{ConfigResourceType::kTopic, topic}, {{"retention.ms", "5000"}}}});
  ASSERT_TRUE(a[0].ok()) << a[0].message;
  d = admin.describe_configs({{ConfigResourceType::kTopic, topic}});
  EXPECT_EQ("5000", d[0].find("retention.ms")->value);
  EXPECT_EQ(ConfigSource::kDynamicTopicConfig, d[0].find("retention.ms")->source);
  EXPECT_NE(ConfigSource::kDynamicTopicConfig, d[0].find("cleanup.policy")->source);
  a = admin.alter_configs({{{ConfigResourceType::kTopic, topic}, {{"retention.ms", "soon"}}}});
  EXPECT_EQ(ErrorCode::kInvalidConfig, a[0].error);

  // Partitions: grow; shrinking is refused per topic.
  auto c = admin.create_partitions({{topic, 5, {}}});
  ASSERT_TRUE(c[0].ok()) << c[0].message;
  wait_led(admin, topic, 5);
  c = admin.create_partitions({{topic, 2, {}}});
  EXPECT_EQ(ErrorCode::kInvalidPartitions, c[0].error);

  auto del = admin.delete_topics({topic});
  ASSERT_TRUE(del[0].ok()) << del[0].message;
  for (int i = 0; i < 150 && admin.describe_topics({topic})[0].error == ErrorCode::kNone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(ErrorCode::kUnknownTopicOrPartition, admin.describe_topics({topic})[0].error);
  del = admin.delete_topics({topic});
  EXPECT_EQ(ErrorCode::kUnknownTopicOrPartition, del[0].error);
}

TEST(Live, ExplicitAssignmentAndDefaults) {
  AdminClient admin(live_config());
  std::string topic = unique("libassign");
  NewTopic nt;
  nt.name = topic;
  nt.assignment = {{0, {BrokerId{3}, BrokerId{1}}}, {1, {BrokerId{2}, BrokerId{3}}}};
  auto r = admin.create_topics({nt});
  ASSERT_TRUE(r[0].ok()) << r[0].message;
  TopicMetadata t = wait_led(admin, topic, 2);
  EXPECT_EQ((std::vector<BrokerId>{BrokerId{3}, BrokerId{1}}), t.partitions[0].replicas);
  EXPECT_EQ((std::vector<BrokerId>{BrokerId{2}, BrokerId{3}}), t.partitions[1].replicas);

  // Neither count nor factor: the broker's num.partitions / default.replication.factor.
  std::string defaults = unique("libdefaults");
  r = admin.create_topics({NewTopic{defaults, std::nullopt, std::nullopt, {}, {}}});
  ASSERT_TRUE(r[0].ok()) << r[0].message;
  wait_led(admin, defaults, 1);

  r = admin.create_topics({NewTopic{unique("libbad"), 1, 7, {}, {}}});
  EXPECT_EQ(ErrorCode::kInvalidReplicationFactor, r[0].error);
  r = admin.create_topics({NewTopic{unique("libbad"), 1, 1, {}, {{"no.such", "1"}}}});
  EXPECT_EQ(ErrorCode::kInvalidConfig, r[0].error);
  admin.delete_topics({topic, defaults});
}

TEST(Live, BrokerConfigsAreRoutedToThatBroker) {
  AdminClient admin(live_config());
  // Each broker only describes itself; a wrong route would come back INVALID_REQUEST.
  auto d = admin.describe_configs({{ConfigResourceType::kBroker, "1"},
                                   {ConfigResourceType::kBroker, "2"},
                                   {ConfigResourceType::kBroker, "3"}});
  ASSERT_EQ(3u, d.size());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(d[i].ok()) << d[i].message;
    const ConfigEntry* id = d[i].find("broker.id");
    ASSERT_NE(nullptr, id);
    EXPECT_EQ(std::to_string(i + 1), id->value);
  }
  EXPECT_THROW(admin.describe_configs({{ConfigResourceType::kBroker, "x"}}), ClientError);
  // Broker configs are static here; the error comes back for that resource.
  auto a =
      admin.alter_configs({{{ConfigResourceType::kBroker, "2"}, {{"log.cleaner.threads", "2"}}}});
  ASSERT_EQ(1u, a.size());
  EXPECT_FALSE(a[0].ok());
  EXPECT_FALSE(a[0].message.empty());
}

// Run after the Python test killed broker KB_TEST_DEAD_BROKER.
TEST(Offline, DeadBrokerShowsAsOfflineReplica) {
  const char* dead_env = std::getenv("KB_TEST_DEAD_BROKER");
  ASSERT_NE(nullptr, dead_env);
  BrokerId dead{std::atoi(dead_env)};
  AdminClient admin(live_config());
  ClusterMetadata m = admin.describe_cluster();
  EXPECT_EQ(nullptr, m.broker(dead));
  EXPECT_EQ(2u, m.brokers.size());
  const char* topic = std::getenv("KB_TEST_TOPIC");
  ASSERT_NE(nullptr, topic);
  auto t = admin.describe_topics({topic}).at(0);
  ASSERT_EQ(ErrorCode::kNone, t.error);
  for (const auto& p : t.partitions) {
    EXPECT_EQ(p.isr.end(), std::find(p.isr.begin(), p.isr.end(), dead));
    EXPECT_NE(dead, p.leader);
    EXPECT_EQ((std::vector<BrokerId>{dead}), p.offline_replicas);
  }
  // The dead broker is unreachable within the deadline, as a NetworkError or unknown broker.
  ClientConfig quick = live_config();
  quick.api_timeout = std::chrono::milliseconds(1500);
  AdminClient short_admin(quick);
  EXPECT_ANY_THROW(
      short_admin.describe_configs({{ConfigResourceType::kBroker, std::to_string(dead.value())}}));
}

}  // namespace
}  // namespace kb::clients
