// Two in-process brokers replicating over loopback sockets through the real dispatcher: the
// follower's fetcher thread (Fetch v11 as a replica, OffsetForLeaderEpoch truncation), the
// leader's high watermark and acks=all completion, and KIP-101 divergence repair after a
// leader change.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "broker/broker_services.h"
#include "broker/network/socket_server.h"
#include "broker/replica_manager.h"
#include "broker/replication/blocking_client.h"
#include "broker/request_dispatcher.h"
#include "broker/storage/log_manager.h"
#include "broker/storage/tests/test_util.h"
#include "common/config/broker_config.h"
#include "protocol/messages/produce.h"
#include "protocol/records/batch_header.h"

namespace kb::broker {
namespace {

using namespace std::chrono_literals;
using storage::testing::make_batch;
using storage::testing::TempDir;

const TopicPartition kTp{"events", 0};

struct InProcessBroker {
  InProcessBroker(int32_t id, const std::string& dir) : id(id) {
    config = config::parse_broker_config({{"zookeeper.connect", "unused:2181"},
                                          {"broker.id", std::to_string(id)},
                                          {"log.dirs", dir},
                                          {"listeners", "PLAINTEXT://127.0.0.1:0"}},
                                         nullptr);
    storage::LogManagerOptions options;
    options.log_dirs = {dir};
    logs = std::make_unique<storage::LogManager>(options);
    logs->load();
    replicas = std::make_unique<ReplicaManager>(*logs, purgatory, BrokerId(id));
    services.config = &config;
    services.broker_id = id;
    services.metadata = &metadata;
    services.replicas = replicas.get();
    services.fetch_purgatory = &purgatory;
    dispatcher = std::make_unique<RequestDispatcher>(services);
    network::ServerOptions net;
    net.listeners.push_back({"PLAINTEXT", "127.0.0.1", 0});
    net.num_network_threads = 1;
    server = std::make_unique<network::SocketServer>(net, *dispatcher);
    server->start();
    port = server->bound_port("PLAINTEXT");
    ReplicationSettings settings = ReplicationSettings::from_config(config);
    settings.fetcher.max_wait_ms = 100;
    settings.fetcher.backoff_ms = 100;
    replicas->start(settings, IsrStore{});  // no ZooKeeper: the ISR stays as given
  }
  ~InProcessBroker() {
    replicas->shutdown();
    server->stop();
    purgatory.stop();
    replicas.reset();
    logs->shutdown();
  }
  std::map<TopicPartition, ErrorCode> apply(int32_t leader, int32_t epoch,
                                            const InProcessBroker& leader_broker) {
    PartitionRole r;
    r.tp = kTp;
    r.controller_epoch = ControllerEpoch(1);
    r.leader = BrokerId(leader);
    r.leader_epoch = LeaderEpoch(epoch);
    r.isr = {BrokerId(1), BrokerId(2)};
    r.replicas = {BrokerId(1), BrokerId(2)};
    std::map<BrokerId, LeaderEndpoint> leaders{
        {BrokerId(leader), LeaderEndpoint{BrokerId(leader), "127.0.0.1", leader_broker.port}}};
    return replicas->apply_leader_and_isr(BrokerId(id), {r}, leaders,
                                          [](const std::string&) { return storage::LogConfig{}; });
  }
  std::shared_ptr<storage::Log> log() { return replicas->get_hosted(kTp)->log(); }

  int32_t id;
  config::ConfigValues config;
  MetadataCache metadata;
  std::unique_ptr<storage::LogManager> logs;
  Purgatory purgatory;
  std::unique_ptr<ReplicaManager> replicas;
  BrokerServices services;
  std::unique_ptr<RequestDispatcher> dispatcher;
  std::unique_ptr<network::SocketServer> server;
  int port = 0;
};

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

int32_t batch_epoch_at(storage::Log& log, int64_t offset) {
  auto read = log.read(Offset(offset), 1 << 20, log.log_end_offset(), true);
  auto bytes = storage::testing::read_slices(read.slices);
  records::BatchHeader h{};
  if (bytes.size() < records::kBatchHeaderSize ||
      !records::parse_batch_header(
          std::span<const uint8_t>(bytes.data(), records::kBatchHeaderSize), &h)) {
    return -100;
  }
  return h.partition_leader_epoch;
}

// Publishes `kTp` (2 replicas) in the broker's metadata, as UpdateMetadata would, so that the
// Produce handler accepts it; min.insync.replicas as given.
void publish_topic(InProcessBroker& b, int32_t min_insync_replicas) {
  b.metadata.update([&](const MetadataSnapshot& old) {
    MetadataSnapshot next = old;
    TopicInfo t;
    t.name = kTp.topic;
    PartitionInfo p;
    p.partition = 0;
    p.leader = 1;
    p.replicas = {1, 2};
    p.isr = {1, 2};
    t.partitions.push_back(p);
    t.min_insync_replicas = min_insync_replicas;
    next.topics[t.name] = t;
    return next;
  });
}

// One Produce v8 over a real connection; returns the partition's (error, base offset).
std::pair<int16_t, int64_t> produce_over_wire(const InProcessBroker& leader, int16_t acks,
                                              int32_t timeout_ms, int records) {
  protocol::ProduceRequest request;
  request.acks = acks;
  request.timeout_ms = timeout_ms;
  auto batch = make_batch(records);
  protocol::ProduceRequest::PartitionProduceData pd;
  pd.index = kTp.partition;
  pd.records = protocol::Records::owned(batch);
  request.topic_data.push_back({kTp.topic, {pd}});
  protocol::OutBuffer out;
  protocol::Writer w(out);
  request.encode(w, 8);
  replication::BlockingClient client("127.0.0.1", leader.port, "test-producer", 20s);
  auto body = client.roundtrip(protocol::ProduceRequest::kApiKey, 8, out.flatten());
  protocol::ProduceResponse response;
  protocol::Reader r(body.data(), body.size());
  response.decode(r, 8);
  const auto& part = response.responses.at(0).partition_responses.at(0);
  return {part.error_code, part.base_offset};
}

class ReplicationEndToEnd : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(ReplicationEndToEnd, FollowerReplicatesAndAdvancesTheHighWatermark) {
  InProcessBroker b1(1, dir_.sub("b1"));
  InProcessBroker b2(2, dir_.sub("b2"));
  ASSERT_EQ(b1.apply(1, 1, b1)[kTp], ErrorCode::kNone);
  auto bytes = make_batch(5);
  ASSERT_EQ(b1.replicas->append(kTp, bytes, 1, 1).error, ErrorCode::kNone);
  EXPECT_EQ(b1.log()->high_watermark().value(), 0);  // follower 2 (in the ISR) has nothing
  ASSERT_EQ(b2.apply(1, 1, b1)[kTp], ErrorCode::kNone);
  EXPECT_TRUE(eventually([&] { return b2.log()->log_end_offset().value() == 5; }));
  EXPECT_TRUE(eventually([&] { return b1.log()->high_watermark().value() == 5; }));
  EXPECT_TRUE(eventually([&] { return b2.log()->high_watermark().value() == 5; }));
  EXPECT_EQ(b2.log()->leader_epochs().latest_epoch(), 1);

  // acks=all completes once the follower has fetched past the append.
  auto more = make_batch(2);
  auto out = b1.replicas->append(kTp, more, -1, 2);
  ASSERT_EQ(out.error, ErrorCode::kNone);
  EXPECT_TRUE(
      eventually([&] { return b1.replicas->check_replicated(kTp, out.last_offset + 1, 2).done; }));
  EXPECT_EQ(b1.replicas->check_replicated(kTp, out.last_offset + 1, 2).error, ErrorCode::kNone);
}

TEST_F(ReplicationEndToEnd, DivergedFollowerTruncatesByLeaderEpoch) {
  InProcessBroker b1(1, dir_.sub("b1"));
  InProcessBroker b2(2, dir_.sub("b2"));
  ASSERT_EQ(b1.apply(1, 1, b1)[kTp], ErrorCode::kNone);
  ASSERT_EQ(b2.apply(1, 1, b1)[kTp], ErrorCode::kNone);
  auto first = make_batch(5);
  ASSERT_EQ(b1.replicas->append(kTp, first, 1, 1).error, ErrorCode::kNone);  // 0..4
  ASSERT_TRUE(eventually([&] { return b2.log()->log_end_offset().value() == 5; }));

  // Broker 2 takes over at epoch 2 while broker 1 still writes at epoch 1 (it has not heard).
  ASSERT_EQ(b2.apply(2, 2, b2)[kTp], ErrorCode::kNone);
  auto stale = make_batch(3);
  ASSERT_EQ(b1.replicas->append(kTp, stale, 1, 1).error, ErrorCode::kNone);  // 5..7, epoch 1
  auto fresh = make_batch(2);
  ASSERT_EQ(b2.replicas->append(kTp, fresh, 1, 1).error, ErrorCode::kNone);  // 5..6, epoch 2

  // Broker 1 learns it follows broker 2: epoch 1 ends at 5 on the leader, so 5..7 go.
  ASSERT_EQ(b1.apply(2, 2, b2)[kTp], ErrorCode::kNone);
  EXPECT_TRUE(eventually([&] { return b1.log()->log_end_offset().value() == 7; }));
  EXPECT_EQ(batch_epoch_at(*b1.log(), 5), 2);
  EXPECT_EQ(b1.log()->leader_epochs().entries(),
            (std::vector<storage::EpochEntry>{{1, 0}, {2, 5}}));
  EXPECT_TRUE(eventually([&] { return b2.log()->high_watermark().value() == 7; }));
}

TEST_F(ReplicationEndToEnd, AcksAllProduceAnswersOnceTheFollowerHasTheData) {
  InProcessBroker b1(1, dir_.sub("b1"));
  InProcessBroker b2(2, dir_.sub("b2"));
  publish_topic(b1, 2);
  ASSERT_EQ(b1.apply(1, 1, b1)[kTp], ErrorCode::kNone);

  // Follower 2 is in the ISR but not fetching yet: the produce waits.
  std::atomic<bool> answered{false};
  std::pair<int16_t, int64_t> result{-100, -100};
  std::thread producer([&] {
    result = produce_over_wire(b1, -1, 15000, 3);
    answered = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(answered.load());
  ASSERT_EQ(b2.apply(1, 1, b1)[kTp], ErrorCode::kNone);
  EXPECT_TRUE(eventually([&] { return answered.load(); }));
  producer.join();
  EXPECT_EQ(result.first, 0);
  EXPECT_EQ(result.second, 0);
  EXPECT_EQ(b2.log()->log_end_offset().value(), 3);

  // acks=1 answers after the local append.
  EXPECT_EQ(produce_over_wire(b1, 1, 15000, 1), std::make_pair(int16_t{0}, int64_t{3}));
}

TEST_F(ReplicationEndToEnd, AcksAllTimesOutOrRefusesWithoutEnoughReplicas) {
  InProcessBroker b1(1, dir_.sub("b1"));
  publish_topic(b1, 2);
  ASSERT_EQ(b1.apply(1, 1, b1)[kTp], ErrorCode::kNone);
  // Follower 2 never fetches: REQUEST_TIMED_OUT after timeout_ms.
  auto start = std::chrono::steady_clock::now();
  auto timed_out = produce_over_wire(b1, -1, 300, 1);
  EXPECT_EQ(timed_out.first, to_wire(ErrorCode::kRequestTimedOut));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  // min.insync.replicas above the ISR size: refused before appending.
  publish_topic(b1, 3);
  auto refused = produce_over_wire(b1, -1, 300, 1);
  EXPECT_EQ(refused.first, to_wire(ErrorCode::kNotEnoughReplicas));
  EXPECT_EQ(b1.log()->log_end_offset().value(), 1);
}

}  // namespace
}  // namespace kb::broker
