// The controller event loop against a real ZooKeeper (see coordinator/tests/zk_test_env.h), with
// a recording fake ControllerChannel in place of the brokers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "coordinator/controller/channel.h"
#include "coordinator/controller/runtime/controller.h"
#include "coordinator/controller/runtime/controller_zk.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/tests/zk_test_env.h"
#include "protocol/messages/stop_replica.h"

namespace kb::coordinator::controller {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::unique_chroot;
using testing::zk_address;

constexpr int16_t kLeaderAndIsrKey = 4;

class FakeChannel : public ControllerChannel {
 public:
  struct Sent {
    BrokerId target;
    int16_t api_key;
  };
  void add_broker(BrokerId id, const EndPoint& endpoint) override {
    std::lock_guard lock(mutex_);
    brokers_[id] = endpoint;
  }
  void remove_broker(BrokerId id) override {
    std::lock_guard lock(mutex_);
    brokers_.erase(id);
  }
  // Builds a response body from a request (api key, version, body); empty answer by default.
  using Responder =
      std::function<std::vector<uint8_t>(int16_t, int16_t, const std::vector<uint8_t>&)>;
  Responder responder;  // set before the controller starts

  // Answers at once (the controller's handlers only enqueue).
  void send(BrokerId target, int16_t api_key, int16_t api_version, std::vector<uint8_t> body,
            ResponseHandler handler) override {
    {
      std::lock_guard lock(mutex_);
      sent_.push_back({target, api_key});
    }
    std::vector<uint8_t> answer;
    if (responder) answer = responder(api_key, api_version, body);
    if (handler) handler(ChannelResponse{true, api_key, api_version, std::move(answer)});
  }
  void shutdown() override {
    std::lock_guard lock(mutex_);
    brokers_.clear();
  }
  std::map<BrokerId, EndPoint> brokers() const {
    std::lock_guard lock(mutex_);
    return brokers_;
  }
  int count(BrokerId target, int16_t api_key) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& s : sent_) n += s.target == target && s.api_key == api_key;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::map<BrokerId, EndPoint> brokers_;
  std::vector<Sent> sent_;
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

BrokerInfo broker_info(int32_t id) {
  BrokerInfo b;
  b.id = BrokerId(id);
  b.endpoints = {{"PLAINTEXT", "localhost", 9000 + id, "PLAINTEXT"}};
  b.timestamp_ms = 1700000000000;
  return b;
}

// One broker's controller: its own session, its own fake channel.
struct Node {
  std::unique_ptr<ZkClient> client;
  std::unique_ptr<KafkaZk> zk;
  FakeChannel channel;
  std::unique_ptr<Controller> controller;
};

class ControllerIT : public ::testing::Test {
 protected:
  void SetUp() override {
    connect_ = zk_address() + unique_chroot();
    admin_client_ = ZkClient::connect(connect_, 6000, 10000);
    admin_ = std::make_unique<KafkaZk>(*admin_client_);
    admin_->create_top_level_paths();
  }
  void TearDown() override {
    for (auto& n : nodes_)
      if (n->controller) n->controller->shutdown();
  }

  Node& start_controller(int32_t id, FakeChannel::Responder responder = {},
                         std::function<void(ControllerOptions&)> configure = {}) {
    auto node = std::make_unique<Node>();
    node->channel.responder = std::move(responder);
    node->client = ZkClient::connect(connect_, 6000, 10000);
    node->zk = std::make_unique<KafkaZk>(*node->client);
    ControllerOptions options;
    options.broker_id = BrokerId(id);
    options.auto_leader_rebalance_enable = false;
    if (configure) configure(options);
    node->controller = std::make_unique<Controller>(*node->zk, node->channel, options);
    node->controller->startup();
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }

  // Registers a fake broker: an ephemeral /brokers/ids/N in the admin session. Returns its epoch.
  BrokerEpoch register_broker(int32_t id) {
    CreateResult r =
        admin_client_->create(BrokerIdZNode::path(BrokerId(id)),
                              BrokerIdZNode::encode(broker_info(id)), CreateMode::kEphemeral);
    EXPECT_EQ(r.code, ZkCode::kOk);
    return BrokerEpoch(admin_client_->get_data(BrokerIdZNode::path(BrokerId(id))).stat.czxid);
  }

  std::optional<LeaderAndIsr> state(const std::string& topic, int32_t p) {
    auto s = admin_->get_partition_state(topic, p);
    if (!s) return std::nullopt;
    return s->state;
  }

  ControllerEpoch zk_epoch() {
    auto e = admin_->get_controller_epoch();
    return e ? e->epoch : ControllerEpoch(0);
  }

  std::string connect_;
  std::unique_ptr<ZkClient> admin_client_;
  std::unique_ptr<KafkaZk> admin_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

int active_count(const std::vector<std::unique_ptr<Node>>& nodes) {
  int n = 0;
  for (const auto& node : nodes) n += node->controller->is_active();
  return n;
}

TEST_F(ControllerIT, ExactlyOneOfTwoBecomesActiveAndBumpsTheEpoch) {
  Node& a = start_controller(1);
  Node& b = start_controller(2);
  ASSERT_TRUE(eventually([&] { return active_count(nodes_) == 1; }));
  Node& active = a.controller->is_active() ? a : b;
  Node& standby = a.controller->is_active() ? b : a;
  const BrokerId active_id = active.controller->controller_id();
  EXPECT_EQ(zk_epoch(), ControllerEpoch(1));
  EXPECT_EQ(active.controller->epoch(), ControllerEpoch(1));
  EXPECT_EQ(standby.controller->epoch(), ControllerEpoch(0));
  EXPECT_TRUE(eventually([&] { return standby.controller->controller_id() == active_id; }));
  EXPECT_EQ(admin_->get_controller_id(), active_id);
  EXPECT_TRUE(active.controller->metrics().active);
  EXPECT_EQ(active.controller->metrics().controller_changes, 1);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(active_count(nodes_), 1);
}

TEST_F(ControllerIT, StandbyTakesOverWithTheNextEpochWhenTheActiveShutsDown) {
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  Node& b = start_controller(2);
  ASSERT_TRUE(eventually([&] { return b.controller->controller_id() == BrokerId(1); }));
  EXPECT_FALSE(b.controller->is_active());

  a.controller->shutdown();  // resigns: deletes /controller fenced on its epoch
  EXPECT_FALSE(a.controller->is_active());
  ASSERT_TRUE(eventually([&] { return b.controller->is_active(); }));
  EXPECT_EQ(b.controller->epoch(), ControllerEpoch(2));
  EXPECT_EQ(zk_epoch(), ControllerEpoch(2));
  EXPECT_EQ(admin_->get_controller_id(), BrokerId(2));
}

TEST_F(ControllerIT, NewTopicGetsPartitionStatesLedByLiveBrokers) {
  register_broker(1);
  register_broker(2);
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  ASSERT_TRUE(eventually([&] { return a.channel.brokers().size() == 2; }));
  EXPECT_EQ(a.channel.brokers().at(BrokerId(2)).port, 9002);

  ASSERT_EQ(admin_->create_topic("orders", {{0, {1, 2}}, {1, {2, 1}}, {2, {3, 1}}}, {}),
            CreateTopicResult::kCreated);
  ASSERT_TRUE(
      eventually([&] { return state("orders", 0) && state("orders", 1) && state("orders", 2); }));
  EXPECT_EQ(state("orders", 0)->leader, BrokerId(1));
  EXPECT_EQ(state("orders", 0)->isr, (std::vector<BrokerId>{BrokerId(1), BrokerId(2)}));
  EXPECT_EQ(state("orders", 1)->leader, BrokerId(2));
  EXPECT_EQ(state("orders", 2)->leader, BrokerId(1));  // broker 3 is not registered
  EXPECT_EQ(state("orders", 2)->isr, (std::vector<BrokerId>{BrokerId(1)}));
  EXPECT_EQ(state("orders", 0)->controller_epoch, a.controller->epoch());
  EXPECT_TRUE(eventually([&] { return a.channel.count(BrokerId(1), kLeaderAndIsrKey) >= 1; }));
  EXPECT_TRUE(eventually([&] { return a.channel.count(BrokerId(2), kLeaderAndIsrKey) >= 1; }));
}

TEST_F(ControllerIT, DeadBrokerLosesLeadershipAndChannel) {
  register_broker(1);
  register_broker(2);
  ASSERT_EQ(admin_->create_topic("t", {{0, {1, 2}}}, {}), CreateTopicResult::kCreated);
  ASSERT_EQ(admin_->create_topic("single", {{0, {1}}}, {}), CreateTopicResult::kCreated);
  Node& a = start_controller(2);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  ASSERT_TRUE(eventually([&] { return state("t", 0) && state("t", 0)->leader == BrokerId(1); }));

  ASSERT_EQ(admin_client_->remove(BrokerIdZNode::path(BrokerId(1))), ZkCode::kOk);
  ASSERT_TRUE(eventually([&] { return state("t", 0)->leader == BrokerId(2); }));
  EXPECT_EQ(state("t", 0)->isr, (std::vector<BrokerId>{BrokerId(2)}));
  EXPECT_TRUE(eventually([&] { return !a.channel.brokers().contains(BrokerId(1)); }));
  EXPECT_EQ(a.controller->metrics().offline_partitions, 1);  // single-0 has no replica left
  EXPECT_EQ(state("single", 0)->leader, BrokerId(-1));
}

TEST_F(ControllerIT, AutoRebalanceRestoresThePreferredLeader) {
  register_broker(1);
  register_broker(2);
  ASSERT_EQ(admin_->create_topic("t", {{0, {1, 2}}}, {}), CreateTopicResult::kCreated);
  Node& a = start_controller(2, {}, [](ControllerOptions& o) {
    o.auto_leader_rebalance_enable = true;
    o.leader_imbalance_check_interval = std::chrono::milliseconds(200);
  });
  ASSERT_TRUE(eventually([&] { return a.controller->is_active() && state("t", 0).has_value(); }));
  ASSERT_EQ(admin_client_->remove(BrokerIdZNode::path(BrokerId(1))), ZkCode::kOk);
  ASSERT_TRUE(eventually([&] { return state("t", 0)->leader == BrokerId(2); }));
  register_broker(1);
  // Broker 1 catches up; the leader puts it back in the ISR and announces it.
  auto current = admin_->get_partition_state("t", 0);
  LeaderAndIsr expanded = current->state;
  expanded.isr = {BrokerId(2), BrokerId(1)};
  ASSERT_EQ(admin_->update_partition_state({"t", 0}, expanded, current->version).code, ZkCode::kOk);
  ASSERT_EQ(admin_client_
                ->create(IsrChangeNotificationSequenceZNode::create_path(),
                         IsrChangeNotificationSequenceZNode::encode({{"t", 0}}),
                         CreateMode::kPersistentSequential)
                .code,
            ZkCode::kOk);
  EXPECT_TRUE(eventually([&] { return state("t", 0)->leader == BrokerId(1); }));
}

TEST_F(ControllerIT, ControlledShutdownMovesLeadershipAndChecksTheBrokerEpoch) {
  const BrokerEpoch epoch1 = register_broker(1);
  register_broker(2);
  ASSERT_EQ(admin_->create_topic("t", {{0, {1, 2}}, {1, {1}}}, {}), CreateTopicResult::kCreated);
  Node& a = start_controller(2);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  ASSERT_TRUE(eventually([&] { return state("t", 1).has_value(); }));

  auto ask = [&](Controller& c, BrokerEpoch e) {
    auto promise = std::make_shared<std::promise<ControlledShutdownReply>>();
    auto future = promise->get_future();
    c.controlled_shutdown(BrokerId(1), e,
                          [promise](const ControlledShutdownReply& r) { promise->set_value(r); });
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  };
  EXPECT_EQ(ask(*a.controller, BrokerEpoch(epoch1.value() - 1)).error,
            ErrorCode::kStaleBrokerEpoch);
  ControlledShutdownReply ok = ask(*a.controller, epoch1);
  EXPECT_EQ(ok.error, ErrorCode::kNone);
  // t-0 moved to broker 2; the single-replica t-1 cannot move and, as in Kafka, is not reported.
  EXPECT_TRUE(ok.remaining_partitions.empty());
  EXPECT_EQ(state("t", 0)->leader, BrokerId(2));

  Node& b = start_controller(3);  // not the controller
  ASSERT_TRUE(eventually([&] { return b.controller->controller_id() == BrokerId(2); }));
  EXPECT_EQ(ask(*b.controller, epoch1).error, kControllerMoved);
}

TEST_F(ControllerIT, FencedWriteMakesTheOldControllerResign) {
  register_broker(1);
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  // Another controller bumped the epoch (as an election would), without touching /controller.
  auto current = admin_->get_controller_epoch();
  ASSERT_TRUE(current.has_value());
  ASSERT_EQ(
      admin_client_
          ->set_data(ControllerEpochZNode::path(), ControllerEpochZNode::encode(ControllerEpoch(5)),
                     current->epoch_zk_version.value())
          .first,
      ZkCode::kOk);

  ASSERT_EQ(admin_->create_topic("late", {{0, {1}}}, {}), CreateTopicResult::kCreated);
  ASSERT_TRUE(eventually([&] { return !a.controller->is_active(); }));
  EXPECT_FALSE(state("late", 0).has_value());  // the write was refused
  EXPECT_TRUE(a.channel.brokers().empty());
  EXPECT_EQ(a.controller->epoch(), ControllerEpoch(0));
}

TEST_F(ControllerIT, IsrChangeNotificationIsPropagatedAndConsumed) {
  register_broker(1);
  register_broker(2);
  ASSERT_EQ(admin_->create_topic("t", {{0, {1, 2}}}, {}), CreateTopicResult::kCreated);
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active() && state("t", 0).has_value(); }));
  constexpr int16_t kUpdateMetadataKey = 6;
  ASSERT_TRUE(eventually([&] { return a.channel.count(BrokerId(2), kUpdateMetadataKey) >= 2; }));
  const int before = a.channel.count(BrokerId(2), kUpdateMetadataKey);

  // The leader shrinks the ISR itself, then announces it.
  auto current = admin_->get_partition_state("t", 0);
  LeaderAndIsr shrunk = current->state;
  shrunk.isr = {BrokerId(1)};
  ASSERT_EQ(admin_->update_partition_state({"t", 0}, shrunk, current->version).code, ZkCode::kOk);
  CreateResult n = admin_client_->create(IsrChangeNotificationSequenceZNode::create_path(),
                                         IsrChangeNotificationSequenceZNode::encode({{"t", 0}}),
                                         CreateMode::kPersistentSequential);
  ASSERT_EQ(n.code, ZkCode::kOk);
  EXPECT_TRUE(eventually([&] { return admin_client_->exists(n.path).first == ZkCode::kNoNode; }));
  EXPECT_TRUE(
      eventually([&] { return a.channel.count(BrokerId(2), kUpdateMetadataKey) > before; }));
  EXPECT_EQ(state("t", 0)->isr, (std::vector<BrokerId>{BrokerId(1)}));  // not rewritten
}

TEST_F(ControllerIT, AdminPreferredElectionMovesLeadershipBack) {
  register_broker(1);
  register_broker(2);
  ASSERT_EQ(admin_->create_topic("t", {{0, {1, 2}}}, {}), CreateTopicResult::kCreated);
  Node& a = start_controller(2);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active() && state("t", 0).has_value(); }));
  ASSERT_EQ(admin_client_->remove(BrokerIdZNode::path(BrokerId(1))), ZkCode::kOk);
  ASSERT_TRUE(eventually([&] { return state("t", 0)->leader == BrokerId(2); }));
  register_broker(1);  // back, but not leader again by itself (auto rebalance is off)
  ASSERT_TRUE(eventually([&] { return a.channel.brokers().contains(BrokerId(1)); }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(state("t", 0)->leader, BrokerId(2));

  // The follower caught up: the leader expands the ISR and announces it.
  auto current = admin_->get_partition_state("t", 0);
  LeaderAndIsr expanded = current->state;
  expanded.isr = {BrokerId(2), BrokerId(1)};
  ASSERT_EQ(admin_->update_partition_state({"t", 0}, expanded, current->version).code, ZkCode::kOk);
  CreateResult n = admin_client_->create(IsrChangeNotificationSequenceZNode::create_path(),
                                         IsrChangeNotificationSequenceZNode::encode({{"t", 0}}),
                                         CreateMode::kPersistentSequential);
  ASSERT_TRUE(eventually([&] { return admin_client_->exists(n.path).first == ZkCode::kNoNode; }));
  ASSERT_EQ(admin_client_
                ->create(PreferredReplicaElectionZNode::path(),
                         PreferredReplicaElectionZNode::encode({{"t", 0}}))
                .code,
            ZkCode::kOk);
  EXPECT_TRUE(eventually([&] { return state("t", 0)->leader == BrokerId(1); }));
  EXPECT_TRUE(eventually([&] {
    return admin_client_->exists(PreferredReplicaElectionZNode::path()).first == ZkCode::kNoNode;
  }));
  // The watch is re-armed: a second request is consumed too.
  ASSERT_EQ(admin_client_
                ->create(PreferredReplicaElectionZNode::path(),
                         PreferredReplicaElectionZNode::encode({{"t", 0}}))
                .code,
            ZkCode::kOk);
  EXPECT_TRUE(eventually([&] {
    return admin_client_->exists(PreferredReplicaElectionZNode::path()).first == ZkCode::kNoNode;
  }));
  EXPECT_EQ(state("t", 0)->leader, BrokerId(1));
}

TEST_F(ControllerIT, SessionExpiryResignsAndTheNewSessionElectsAgain) {
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  a.controller->on_session_expired();
  ASSERT_TRUE(eventually([&] { return !a.controller->is_active(); }));
  a.client->reconnect();  // the old session (and its /controller) is gone
  a.controller->on_new_session();
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  EXPECT_EQ(a.controller->epoch(), ControllerEpoch(2));
  EXPECT_EQ(a.controller->metrics().controller_changes, 2);
}

TEST_F(ControllerIT, AddedPartitionsGetStates) {
  register_broker(1);
  ASSERT_EQ(admin_->create_topic("t", {{0, {1}}}, {}), CreateTopicResult::kCreated);
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active() && state("t", 0).has_value(); }));
  auto current = admin_->get_topic_assignment("t");
  TopicAssignment grown = current->assignment;
  grown.partitions[1] = {1};
  ASSERT_EQ(admin_->set_topic_assignment("t", grown, current->version), ZkCode::kOk);
  ASSERT_TRUE(eventually([&] { return state("t", 1).has_value(); }));
  EXPECT_EQ(state("t", 1)->leader, BrokerId(1));
}

// Every replica acknowledges StopReplica for all the partitions it was asked to stop.
std::vector<uint8_t> stop_replica_ok(int16_t api_key, int16_t version,
                                     const std::vector<uint8_t>& body) {
  if (api_key != protocol::StopReplicaRequest::kApiKey) return {};
  protocol::StopReplicaRequest request;
  protocol::Reader reader(std::span<const uint8_t>(body.data(), body.size()));
  request.decode(reader, version);
  protocol::StopReplicaResponse response;
  for (const auto& p : request.ungrouped_partitions)
    response.partition_errors.push_back({p.topic_name, p.partition_index, 0});
  for (const auto& t : request.topics)
    for (int32_t p : t.partition_indexes) response.partition_errors.push_back({t.name, p, 0});
  protocol::OutBuffer out;
  protocol::Writer writer(out);
  response.encode(writer, version);
  return out.flatten();
}

TEST_F(ControllerIT, MarkedTopicIsDeletedAfterEveryReplicaStopped) {
  register_broker(1);
  register_broker(2);
  ASSERT_EQ(admin_->create_topic("gone", {{0, {1, 2}}, {1, {2, 1}}}, {{"retention.ms", "1"}}),
            CreateTopicResult::kCreated);
  ASSERT_EQ(admin_->create_topic("kept", {{0, {1, 2}}}, {}), CreateTopicResult::kCreated);
  Node& a = start_controller(1, stop_replica_ok);
  ASSERT_TRUE(
      eventually([&] { return a.controller->is_active() && state("gone", 1).has_value(); }));

  ASSERT_EQ(admin_->mark_topic_for_deletion("gone"), ZkCode::kOk);
  EXPECT_TRUE(eventually(
      [&] { return admin_client_->exists(TopicZNode::path("gone")).first == ZkCode::kNoNode; }));
  EXPECT_EQ(admin_client_->exists(DeleteTopicsTopicZNode::path("gone")).first, ZkCode::kNoNode);
  EXPECT_EQ(admin_client_->exists(TopicConfigZNode::path("gone")).first, ZkCode::kNoNode);
  EXPECT_GE(a.channel.count(BrokerId(1), protocol::StopReplicaRequest::kApiKey), 2);
  EXPECT_GE(a.channel.count(BrokerId(2), protocol::StopReplicaRequest::kApiKey), 2);
  EXPECT_TRUE(state("kept", 0).has_value());
}

TEST_F(ControllerIT, FailoverLoadsTwentyThousandPartitionStatesPipelined) {
  constexpr int kTopics = 20;
  constexpr int kPartitionsPerTopic = 1000;
  register_broker(1);
  register_broker(2);
  std::map<TopicPartition, LeaderAndIsr> states;
  for (int t = 0; t < kTopics; ++t) {
    const std::string topic = "load" + std::to_string(t);
    ReplicaAssignment assignment;
    for (int p = 0; p < kPartitionsPerTopic; ++p) {
      assignment[p] = {1 + p % 2, 2 - p % 2};
      LeaderAndIsr s;
      s.leader = BrokerId(1 + p % 2);
      s.leader_epoch = LeaderEpoch(0);
      s.isr = {BrokerId(1), BrokerId(2)};
      s.controller_epoch = ControllerEpoch(0);
      states[{topic, p}] = s;
    }
    ASSERT_EQ(admin_->create_topic(topic, assignment, {}), CreateTopicResult::kCreated);
  }
  for (const auto& [tp, r] : admin_->create_partition_states(states))
    ASSERT_EQ(r.code, ZkCode::kOk) << tp.to_string();

  const auto start = Clock::now();
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->metrics().last_failover_ms >= 0; }, 60s));
  const auto total =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  std::printf(
      "failover over %d partition states: %lld ms from election to UpdateMetadata "
      "answered (%lld ms from startup)\n",
      kTopics * kPartitionsPerTopic,
      static_cast<long long>(a.controller->metrics().last_failover_ms),
      static_cast<long long>(total));
  EXPECT_TRUE(a.controller->is_active());
  // LeaderAndIsr follows the UpdateMetadata whose answer completed the failover.
  EXPECT_TRUE(eventually([&] { return a.channel.count(BrokerId(1), kLeaderAndIsrKey) >= 1; }));
  EXPECT_TRUE(eventually([&] { return a.channel.count(BrokerId(2), kLeaderAndIsrKey) >= 1; }));
  EXPECT_EQ(a.controller->metrics().offline_partitions, 0);
  // Online partitions keep their leaders: failover does not elect again.
  EXPECT_EQ(state("load7", 11)->leader, BrokerId(2));
  EXPECT_EQ(state("load7", 11)->leader_epoch, LeaderEpoch(0));
}

// The controller decides on its cache first; a partition it did not write is re-read, and a
// stale one (here the ISR grew in ZooKeeper without a notification) gets a second decision.
TEST_F(ControllerIT, ControlledShutdownDecidesAgainWhenAnUnwrittenStateWasStale) {
  const BrokerEpoch epoch1 = register_broker(1);
  register_broker(2);
  ASSERT_EQ(admin_->create_topic("s", {{0, {1, 2}}}, {}), CreateTopicResult::kCreated);
  const LeaderAndIsr alone{BrokerId(1), LeaderEpoch(3), {BrokerId(1)}, ControllerEpoch(0)};
  ASSERT_EQ(admin_->create_partition_states({{{"s", 0}, alone}}).at({"s", 0}).code, ZkCode::kOk);
  Node& a = start_controller(2);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  ASSERT_TRUE(eventually([&] { return a.controller->metrics().last_failover_ms >= 0; }));
  // The leader takes broker 2 back into the ISR; the controller is not told.
  auto current = admin_->get_partition_state("s", 0);
  ASSERT_TRUE(current);
  LeaderAndIsr grown = current->state;
  grown.isr = {BrokerId(1), BrokerId(2)};
  ASSERT_EQ(admin_->update_partition_state({"s", 0}, grown, current->version).code,
            ZkCode::kOk);

  auto promise = std::make_shared<std::promise<ControlledShutdownReply>>();
  auto future = promise->get_future();
  a.controller->controlled_shutdown(
      BrokerId(1), epoch1, [promise](const ControlledShutdownReply& r) { promise->set_value(r); });
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  ControlledShutdownReply reply = future.get();
  EXPECT_EQ(reply.error, ErrorCode::kNone);
  EXPECT_TRUE(reply.remaining_partitions.empty());
  EXPECT_EQ(state("s", 0)->leader, BrokerId(2));
}

// Partition-state writes share multis; one stale version must fail alone and the rest land.
TEST_F(ControllerIT, BatchedStateWritesIsolateTheOneWithAStaleVersion) {
  constexpr int kPartitions = 250;  // more than two multis' worth
  Node& a = start_controller(1);
  ASSERT_TRUE(eventually([&] { return a.controller->is_active(); }));
  a.controller->shutdown();  // keep the epoch; we write with it below
  ASSERT_EQ(admin_->create_topic("w", {}, {}), CreateTopicResult::kCreated);
  std::vector<ZkWrite> creates;
  for (int p = 0; p < kPartitions; ++p) {
    creates.push_back(zk::CreatePartitionState{
        {"w", p}, LeaderAndIsr{BrokerId(1), LeaderEpoch(0), {BrokerId(1)}, ControllerEpoch(1)}});
  }
  const ZkVersion epoch_version(admin_client_->get_data(ControllerEpochZNode::path()).stat.version);
  ControllerZk writer(*admin_);
  for (const WriteOutcome& o : writer.write(creates, epoch_version))
    ASSERT_EQ(o.status, WriteStatus::kOk) << zk_code_name(o.code);

  std::vector<ZkWrite> updates;
  for (int p = 0; p < kPartitions; ++p) {
    updates.push_back(zk::UpdatePartitionState{
        {"w", p}, LeaderAndIsr{BrokerId(1), LeaderEpoch(1), {BrokerId(1)}, ControllerEpoch(1)},
        ZkVersion(p == 150 ? 7 : 0)});
  }
  std::vector<WriteOutcome> outcomes = writer.write(updates, epoch_version);
  for (int p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(outcomes[p].status, p == 150 ? WriteStatus::kBadVersion : WriteStatus::kOk) << p;
    EXPECT_EQ(state("w", p)->leader_epoch, LeaderEpoch(p == 150 ? 0 : 1)) << p;
  }
  // A stale epoch version fences the whole batch.
  std::vector<WriteOutcome> fenced = writer.write(updates, ZkVersion(epoch_version.value() + 5));
  for (const WriteOutcome& o : fenced) EXPECT_EQ(o.status, WriteStatus::kFenced);
}

}  // namespace
}  // namespace kb::coordinator::controller
