// KafkaZk against a real ZooKeeper (see zk_test_env.h).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "coordinator/kafka_zk.h"
#include "coordinator/producer_id_block.h"
#include "coordinator/tests/zk_test_env.h"

extern char** environ;

namespace kb::coordinator {
namespace {

using namespace std::chrono_literals;
using testing::unique_chroot;
using testing::zk_address;

std::string g_self_exe = "/proc/self/exe";  // re-run ourselves in the helper mode

BrokerInfo broker(int32_t id, int port = 9092) {
  BrokerInfo b;
  b.id = BrokerId(id);
  b.endpoints = {{"PLAINTEXT", "localhost", port, "PLAINTEXT"}};
  b.timestamp_ms = 1700000000000;
  return b;
}

class Flag {
 public:
  std::function<void()> setter() {
    return [this] {
      std::lock_guard l(mu_);
      ++count_;
      cv_.notify_all();
    };
  }
  bool wait(int at_least = 1, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] { return count_ >= at_least; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

class KafkaZkIT : public ::testing::Test {
 protected:
  void SetUp() override {
    connect_ = zk_address() + unique_chroot();
    client_ = ZkClient::connect(connect_, 4000, 10000);
    zk_ = std::make_unique<KafkaZk>(*client_);
    zk_->create_top_level_paths();
  }
  std::unique_ptr<ZkClient> another_client() { return ZkClient::connect(connect_, 4000, 10000); }

  std::string connect_;
  std::unique_ptr<ZkClient> client_;
  std::unique_ptr<KafkaZk> zk_;
};

TEST_F(KafkaZkIT, TopLevelPathsAndClusterId) {
  for (const auto& p : top_level_paths()) EXPECT_EQ(client_->exists(p).first, ZkCode::kOk) << p;
  zk_->create_top_level_paths();  // idempotent

  std::string id = zk_->get_or_create_cluster_id();
  EXPECT_EQ(id.size(), 22u);
  EXPECT_EQ(id.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(zk_->get_or_create_cluster_id(), id);
  auto other = another_client();
  EXPECT_EQ(KafkaZk(*other).get_or_create_cluster_id(), id);
  EXPECT_EQ(client_->get_data("/cluster/id").data, R"({"version":"1","id":")" + id + "\"}");
}

TEST_F(KafkaZkIT, ProducerIdBlocksAreClaimedOnceEach) {
  // The node exists with null data after startup: the first block starts at 0.
  auto first = claim_producer_id_block(*client_, BrokerId(1));
  EXPECT_EQ(first, (ProducerIdBlock{BrokerId(1), 0, 999}));
  EXPECT_EQ(client_->get_data("/latest_producer_id_block").data,
            R"({"version":1,"broker":1,"block_start":"0","block_end":"999"})");
  // Two brokers racing: conditional writes give each its own block.
  auto other = another_client();
  std::vector<ProducerIdBlock> claimed(2);
  std::thread t1([&] { claimed[0] = claim_producer_id_block(*client_, BrokerId(1)); });
  std::thread t2([&] { claimed[1] = claim_producer_id_block(*other, BrokerId(2)); });
  t1.join();
  t2.join();
  std::set<int64_t> starts{claimed[0].block_start, claimed[1].block_start};
  EXPECT_EQ(starts, (std::set<int64_t>{1000, 2000}));
  // A missing node is created.
  ASSERT_EQ(client_->remove("/latest_producer_id_block"), ZkCode::kOk);
  EXPECT_EQ(claim_producer_id_block(*client_, BrokerId(3)).block_start, 0);
}

TEST_F(KafkaZkIT, RegisterBrokerEpochIsCzxid) {
  BrokerEpoch epoch = zk_->register_broker(broker(1), 4000);
  GetDataResult r = client_->get_data("/brokers/ids/1");
  ASSERT_EQ(r.code, ZkCode::kOk);
  EXPECT_EQ(r.stat.czxid, epoch.value());
  EXPECT_EQ(r.stat.version, 1);  // create(null) + setData(version 0)
  EXPECT_EQ(r.stat.ephemeral_owner, client_->session_id());
  BrokerInfo decoded = BrokerIdZNode::decode(BrokerId(1), r.data);
  EXPECT_EQ(decoded.endpoints, broker(1).endpoints);
  EXPECT_EQ(zk_->get_sorted_broker_ids(), std::vector<BrokerId>{BrokerId(1)});
  auto all = zk_->get_all_brokers_and_epochs();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->second.second, epoch);
  // Registering again from the same session is accepted (a retried create).
  EXPECT_EQ(zk_->register_broker(broker(1), 4000), epoch);
}

TEST_F(KafkaZkIT, DuplicateRegistrationFromLiveSessionFailsClearly) {
  zk_->register_broker(broker(1), 4000);
  auto other = another_client();
  KafkaZk other_zk(*other);
  auto start = std::chrono::steady_clock::now();
  try {
    other_zk.register_broker(broker(1, 9093), 4000);
    FAIL() << "second registration should fail";
  } catch (const ZkError& e) {
    char expected[128];
    std::snprintf(expected, sizeof(expected),
                  "Broker id 1 is already registered by a live broker (session 0x%llx)",
                  static_cast<unsigned long long>(client_->session_id()));
    EXPECT_STREQ(e.what(), expected);
  }
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 4000ms);
  EXPECT_LT(waited, 4000ms + std::chrono::milliseconds(KafkaZk::kExpirySlackMs) + 2000ms);
}

TEST_F(KafkaZkIT, ReRegistrationAfterReconnectGetsNewEpoch) {
  BrokerEpoch first = zk_->register_broker(broker(2), 4000);
  client_->reconnect();
  BrokerEpoch second = zk_->register_broker(broker(2), 4000);
  EXPECT_GT(second, first);
}

// A broker killed with SIGKILL: its session lives on until the server expires it, and a restarted
// broker with the same id must wait for that instead of failing.
TEST_F(KafkaZkIT, ReRegistrationAfterPreviousProcessIsKilled) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipefd[0]);
  std::string mode = "--register-and-hang";
  std::vector<char*> argv{g_self_exe.data(), mode.data(), connect_.data(), nullptr};
  pid_t child = 0;
  ASSERT_EQ(posix_spawn(&child, g_self_exe.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(pipefd[1]);
  char buf[64] = {};
  ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);  // the child prints once registered
  close(pipefd[0]);
  ASSERT_GT(n, 0);
  ASSERT_EQ(std::string(buf, static_cast<size_t>(n)).substr(0, 10), "registered");
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  auto start = std::chrono::steady_clock::now();
  BrokerEpoch epoch = zk_->register_broker(broker(3), 4000);
  EXPECT_GT(epoch.value(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            4000ms + std::chrono::milliseconds(KafkaZk::kExpirySlackMs));
  EXPECT_EQ(client_->exists("/brokers/ids/3").second.ephemeral_owner, client_->session_id());
}

TEST_F(KafkaZkIT, TopicCreateReadAndAddPartitions) {
  ReplicaAssignment a{{0, {0, 1}}, {1, {1, 2}}, {2, {2, 0}}};
  EXPECT_EQ(zk_->create_topic("orders", a, {{"retention.ms", "1000"}}),
            CreateTopicResult::kCreated);
  EXPECT_EQ(zk_->create_topic("orders", a, {}), CreateTopicResult::kAlreadyExists);
  EXPECT_EQ(zk_->get_all_topics(), std::vector<std::string>{"orders"});
  auto got = zk_->get_topic_assignment("orders");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->assignment.partitions, a);
  EXPECT_EQ(got->version, ZkVersion(0));
  EXPECT_EQ(zk_->get_topic_config("orders"), (TopicConfigMap{{"retention.ms", "1000"}}));
  EXPECT_FALSE(zk_->get_topic_assignment("nope"));

  TopicAssignment more = got->assignment;
  more.partitions[3] = {0, 1};
  EXPECT_EQ(zk_->set_topic_assignment("orders", more, ZkVersion(5)), ZkCode::kBadVersion);
  EXPECT_EQ(zk_->set_topic_assignment("orders", more, got->version), ZkCode::kOk);
  EXPECT_EQ(zk_->get_topic_assignment("orders")->assignment.partitions.size(), 4u);
}

TEST_F(KafkaZkIT, PartitionStatesPipelinedAndConditional) {
  ReplicaAssignment a;
  for (int p = 0; p < 100; ++p) a[p] = {p % 3, (p + 1) % 3};
  ASSERT_EQ(zk_->create_topic("t", a, {}), CreateTopicResult::kCreated);
  std::map<TopicPartition, LeaderAndIsr> states;
  for (int p = 0; p < 100; ++p)
    states[{"t", p}] = LeaderAndIsr{BrokerId(p % 3), LeaderEpoch(0),
                                    {BrokerId(p % 3), BrokerId((p + 1) % 3)}, ControllerEpoch(1)};
  auto created = zk_->create_partition_states(states);
  ASSERT_EQ(created.size(), 100u);
  for (auto& [tp, r] : created) {
    EXPECT_EQ(r.code, ZkCode::kOk) << tp.to_string();
    EXPECT_EQ(r.new_version, ZkVersion(0));
  }
  auto again = zk_->create_partition_states({{{"t", 0}, states[{"t", 0}]}});
  EXPECT_EQ(again.at({"t", 0}).code, ZkCode::kNodeExists);

  auto s = zk_->get_partition_state("t", 7);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, (states[{"t", 7}]));
  EXPECT_EQ(s->version, ZkVersion(0));

  LeaderAndIsr next = s->state;
  next.isr = {next.leader};
  PartitionWriteResult ok = zk_->update_partition_state({"t", 7}, next, ZkVersion(0));
  EXPECT_EQ(ok.code, ZkCode::kOk);
  EXPECT_EQ(ok.new_version, ZkVersion(1));
  PartitionWriteResult stale = zk_->update_partition_state({"t", 7}, next, ZkVersion(0));
  EXPECT_EQ(stale.code, ZkCode::kBadVersion);
  EXPECT_FALSE(stale.controller_epoch_mismatch);
  EXPECT_EQ(zk_->get_partition_state("t", 7)->state, next);
  EXPECT_FALSE(zk_->get_partition_state("t", 100));
}

TEST_F(KafkaZkIT, ControllerElectionAndFencing) {
  auto other = another_client();
  KafkaZk other_zk(*other);
  ASSERT_EQ(zk_->create_topic("t", {{0, {2}}}, {}), CreateTopicResult::kCreated);
  EXPECT_FALSE(zk_->get_controller_id());

  auto won = zk_->try_elect_controller(BrokerId(1));
  ASSERT_TRUE(won);
  EXPECT_EQ(won->epoch, ControllerEpoch(1));
  EXPECT_EQ(won->epoch_zk_version, ZkVersion(1));
  EXPECT_FALSE(other_zk.try_elect_controller(BrokerId(2)));
  EXPECT_EQ(other_zk.get_controller_id(), BrokerId(1));
  EXPECT_EQ(client_->exists("/controller").second.ephemeral_owner, client_->session_id());

  // The current controller's fenced write works.
  MultiResult ok = zk_->fenced_multi({ZkOp::create("/fenced-ok", std::nullopt)}, won->epoch_zk_version);
  EXPECT_EQ(ok.code, ZkCode::kOk);

  // Controller 1 goes away; 2 takes over with the next epoch.
  client_->close();
  Flag moved;
  other_zk.watch_controller(moved.setter());
  auto won2 = other_zk.try_elect_controller(BrokerId(2));
  ASSERT_TRUE(won2);
  EXPECT_EQ(won2->epoch, ControllerEpoch(2));
  EXPECT_TRUE(moved.wait());

  // The old controller's epoch zkVersion is stale: its writes are fenced.
  MultiResult stale =
      other_zk.fenced_multi({ZkOp::create("/zombie", std::nullopt)}, won->epoch_zk_version);
  EXPECT_EQ(stale.code, ZkCode::kBadVersion);
  EXPECT_TRUE(KafkaZk::controller_moved(stale));
  EXPECT_EQ(other->exists("/zombie").first, ZkCode::kNoNode);

  auto created = other_zk.create_partition_states(
      {{{"t", 0}, LeaderAndIsr{BrokerId(2), LeaderEpoch(0), {BrokerId(2)}, won2->epoch}}},
      won->epoch_zk_version);
  EXPECT_TRUE(created.at({"t", 0}).controller_epoch_mismatch);
  created = other_zk.create_partition_states(
      {{{"t", 0}, LeaderAndIsr{BrokerId(2), LeaderEpoch(0), {BrokerId(2)}, won2->epoch}}},
      won2->epoch_zk_version);
  EXPECT_EQ(created.at({"t", 0}).code, ZkCode::kOk);

  EXPECT_EQ(other_zk.delete_controller(won->epoch_zk_version), ZkCode::kBadVersion);
  EXPECT_EQ(other_zk.delete_controller(won2->epoch_zk_version), ZkCode::kOk);
  EXPECT_FALSE(other_zk.get_controller_id());
}

TEST_F(KafkaZkIT, WatchesFire) {
  auto other = another_client();
  KafkaZk admin(*other);

  Flag topics, topic, state, configs, deletes, brokers;
  EXPECT_TRUE(zk_->watch_topics(topics.setter()).empty());
  EXPECT_FALSE(zk_->watch_topic("w", topic.setter()));
  EXPECT_TRUE(zk_->watch_broker_ids(brokers.setter()).empty());
  ASSERT_EQ(admin.create_topic("w", {{0, {1}}}, {}), CreateTopicResult::kCreated);
  EXPECT_TRUE(topics.wait());
  EXPECT_TRUE(topic.wait());  // created
  EXPECT_EQ(zk_->watch_topics(topics.setter()), std::vector<std::string>{"w"});  // re-arm

  admin.create_partition_states({{{"w", 0}, LeaderAndIsr{BrokerId(1), LeaderEpoch(0), {BrokerId(1)}, ControllerEpoch(1)}}});
  auto s = zk_->watch_partition_state({"w", 0}, state.setter());
  ASSERT_TRUE(s);
  ASSERT_EQ(admin.update_partition_state({"w", 0}, s->state, s->version).code, ZkCode::kOk);
  EXPECT_TRUE(state.wait());

  EXPECT_TRUE(zk_->watch_config_changes(configs.setter()).empty());
  admin.set_topic_config("w", {{"cleanup.policy", "compact"}});
  EXPECT_TRUE(configs.wait());
  auto changes = zk_->watch_config_changes(configs.setter());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(ConfigEntityChangeNotificationSequenceZNode::decode(
                client_->get_data("/config/changes/" + changes[0]).data),
            "topics/w");
  EXPECT_EQ(zk_->get_topic_config("w"), (TopicConfigMap{{"cleanup.policy", "compact"}}));

  EXPECT_TRUE(zk_->watch_delete_topics(deletes.setter()).empty());
  EXPECT_EQ(admin.mark_topic_for_deletion("w"), ZkCode::kOk);
  EXPECT_TRUE(deletes.wait());
  EXPECT_EQ(admin.mark_topic_for_deletion("w"), ZkCode::kNodeExists);
  EXPECT_EQ(admin.mark_topic_for_deletion("unknown"), ZkCode::kNoNode);
  EXPECT_EQ(zk_->get_topics_marked_for_deletion(), std::vector<std::string>{"w"});

  admin.register_broker(broker(4), 4000);
  EXPECT_TRUE(brokers.wait());
}

TEST_F(KafkaZkIT, DeleteTopicZnodes) {
  ASSERT_EQ(zk_->create_topic("d", {{0, {1}}, {1, {1}}}, {{"a", "b"}}),
            CreateTopicResult::kCreated);
  zk_->create_partition_states(
      {{{"d", 0}, LeaderAndIsr{BrokerId(1), LeaderEpoch(0), {BrokerId(1)}, ControllerEpoch(1)}},
       {{"d", 1}, LeaderAndIsr{BrokerId(1), LeaderEpoch(0), {BrokerId(1)}, ControllerEpoch(1)}}});
  ASSERT_EQ(zk_->mark_topic_for_deletion("d"), ZkCode::kOk);
  auto won = zk_->try_elect_controller(BrokerId(1));
  ASSERT_TRUE(won);
  EXPECT_EQ(zk_->delete_topic_znodes("d", ZkVersion(won->epoch_zk_version.value() + 7)),
            ZkCode::kBadVersion);
  EXPECT_EQ(zk_->delete_topic_znodes("d", won->epoch_zk_version), ZkCode::kOk);
  EXPECT_EQ(client_->exists("/brokers/topics/d").first, ZkCode::kNoNode);
  EXPECT_EQ(client_->exists("/config/topics/d").first, ZkCode::kNoNode);
  EXPECT_EQ(client_->exists("/admin/delete_topics/d").first, ZkCode::kNoNode);
  EXPECT_TRUE(zk_->get_all_topics().empty());
  EXPECT_EQ(zk_->delete_topic_znodes("d"), ZkCode::kOk);  // already gone
}

}  // namespace
}  // namespace kb::coordinator

// Helper mode for ReRegistrationAfterPreviousProcessIsKilled: register broker 3 and hang until
// killed (so the session is never closed).
int kb_test_child_main(int argc, char** argv) {
  using namespace kb::coordinator;
  if (argc < 3 || std::string(argv[1]) != "--register-and-hang") return 2;
  auto client = ZkClient::connect(argv[2], 4000, 10000);
  KafkaZk zk(*client);
  zk.register_broker(broker(3), 4000);
  std::printf("registered\n");
  std::fflush(stdout);
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(60));
}
