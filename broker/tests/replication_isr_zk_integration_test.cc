// The leader's ISR writes against a real ZooKeeper (coordinator/tests/zk_test_env.h): the
// conditional setData of .../partitions/P/state at the cached zkVersion (BADVERSION when the
// controller moved it) and the /isr_change_notification/isr_change_<seq> node in Kafka's JSON.
#include <gtest/gtest.h>

#include "broker/replica_manager.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/tests/zk_test_env.h"

namespace kb::broker {
namespace {

class IsrZkIT : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = coordinator::ZkClient::connect(
        coordinator::testing::zk_address() + coordinator::testing::unique_chroot(), 4000, 10000);
    zk_ = std::make_unique<coordinator::KafkaZk>(*client_);
    zk_->create_top_level_paths();
  }
  std::unique_ptr<coordinator::ZkClient> client_;
  std::unique_ptr<coordinator::KafkaZk> zk_;
};

TEST_F(IsrZkIT, ConditionalStateWriteAndChangeNotification) {
  TopicPartition tp{"orders", 2};
  coordinator::LeaderAndIsr initial{
      BrokerId(1), LeaderEpoch(4), {BrokerId(1), BrokerId(2)}, ControllerEpoch(3)};
  ASSERT_EQ(client_->create_recursive("/brokers/topics/orders"), coordinator::ZkCode::kOk);
  auto created = zk_->create_partition_states({{tp, initial}});
  ASSERT_EQ(created.at(tp).code, coordinator::ZkCode::kOk);
  IsrStore store = IsrStore::from_kafka_zk(*zk_);

  auto read = store.read(tp);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->leader_epoch, LeaderEpoch(4));
  ZkVersion version = read->version;

  IsrStore::State shrunk{BrokerId(1), LeaderEpoch(4), {BrokerId(1)}, ControllerEpoch(3), version};
  auto next = store.write(tp, shrunk, version);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->value(), version.value() + 1);
  auto stored = zk_->get_partition_state(tp.topic, tp.partition);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->state.isr, (std::vector<BrokerId>{BrokerId(1)}));
  EXPECT_EQ(stored->state.controller_epoch, ControllerEpoch(3));
  // The old zkVersion no longer matches: BADVERSION, reported as nullopt.
  EXPECT_FALSE(store.write(tp, shrunk, version).has_value());

  store.propagate({tp, TopicPartition{"audit", 0}});
  auto children = client_->get_children("/isr_change_notification");
  ASSERT_EQ(children.code, coordinator::ZkCode::kOk);
  ASSERT_EQ(children.children.size(), 1u);
  EXPECT_EQ(children.children[0].rfind("isr_change_", 0), 0u);
  auto data = client_->get_data("/isr_change_notification/" + children.children[0]);
  auto partitions = coordinator::IsrChangeNotificationSequenceZNode::decode(data.data);
  EXPECT_EQ(partitions, (std::vector<TopicPartition>{TopicPartition{"audit", 0}, tp}));
  EXPECT_NE(data.data.find("\"version\":1"), std::string::npos);
}

}  // namespace
}  // namespace kb::broker
