// The controller-plane handlers end to end: requests over a loopback socket through the real
// dispatcher, applied to a real replica manager (temp log dir) and metadata cache.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <random>

#include "broker/broker_services.h"
#include "broker/network/socket_server.h"
#include "broker/request_dispatcher.h"
#include "broker/topic_config_cache.h"
#include "common/config/broker_config.h"
#include "protocol/header.h"
#include "protocol/messages/controlled_shutdown.h"
#include "protocol/messages/leader_and_isr.h"
#include "protocol/messages/stop_replica.h"
#include "protocol/messages/update_metadata.h"

namespace kb::broker {
namespace {

using Bytes = std::vector<uint8_t>;

class Connection {
 public:
  explicit Connection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      ADD_FAILURE() << "connect failed";
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Connection() { ::close(fd_); }

  template <typename Request>
  void send(const Request& request, int16_t version, int32_t correlation_id) {
    protocol::OutBuffer out;
    protocol::Writer w(out);
    protocol::encode_request_header(
        w, protocol::RequestHeader{Request::kApiKey, version, correlation_id, "controller-1"});
    request.encode(w, version);
    Bytes payload = out.flatten();
    auto size = static_cast<uint32_t>(payload.size());
    Bytes frame{uint8_t(size >> 24), uint8_t(size >> 16), uint8_t(size >> 8), uint8_t(size)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    ASSERT_EQ(::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(frame.size()));
  }

  template <typename Response>
  std::optional<Response> receive(int16_t version, int32_t expected_correlation_id) {
    uint8_t h[4];
    if (!read_exact(h, 4)) return std::nullopt;
    uint32_t size = (uint32_t(h[0]) << 24) | (uint32_t(h[1]) << 16) | (uint32_t(h[2]) << 8) | h[3];
    Bytes body(size);
    if (!read_exact(body.data(), size)) return std::nullopt;
    protocol::Reader r(body.data(), body.size());
    EXPECT_EQ(r.read_int32(), expected_correlation_id);
    if (protocol::request_is_flexible(Response::kApiKey, version)) r.read_uvarint();  // no tags
    Response response;
    response.decode(r, version);
    return response;
  }

  template <typename Response, typename Request>
  Response round_trip(const Request& request, int16_t version) {
    int32_t correlation_id = next_correlation_id_++;
    send(request, version, correlation_id);
    auto response = receive<Response>(version, correlation_id);
    EXPECT_TRUE(response.has_value()) << "no response";
    return response.value_or(Response{});
  }

 private:
  bool read_exact(uint8_t* dst, size_t n) {
    size_t off = 0;
    while (off < n) {
      ssize_t got = ::recv(fd_, dst + off, n - off, 0);
      if (got <= 0) return false;
      off += static_cast<size_t>(got);
    }
    return true;
  }
  int fd_ = -1;
  int32_t next_correlation_id_ = 1;
};

constexpr int32_t kSelf = 1;
constexpr int64_t kBrokerEpoch = 500;

class ControlPlaneHandlers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("kb-control-plane-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    config_ = config::parse_broker_config({{"zookeeper.connect", "unused:2181"},
                                           {"broker.id", std::to_string(kSelf)},
                                           {"log.dirs", dir_.string()},
                                           {"listeners", "PLAINTEXT://127.0.0.1:0"}},
                                          nullptr);
    storage::LogManagerOptions options;
    options.log_dirs = {dir_.string()};
    logs_ = std::make_unique<storage::LogManager>(options);
    logs_->load();
    purgatory_ = std::make_unique<Purgatory>();
    replicas_ = std::make_unique<ReplicaManager>(*logs_, *purgatory_);
    services_.config = &config_;
    services_.broker_id = kSelf;
    services_.metadata = &metadata_;
    services_.replicas = replicas_.get();
    services_.fetch_purgatory = purgatory_.get();
    services_.broker_epoch = kBrokerEpoch;
    services_.controller_epoch = 0;
    dispatcher_ = std::make_unique<RequestDispatcher>(services_);
    network::ServerOptions net;
    net.listeners.push_back({"PLAINTEXT", "127.0.0.1", 0});
    net.num_network_threads = 1;
    server_ = std::make_unique<network::SocketServer>(net, *dispatcher_);
    server_->start();
    port_ = server_->bound_port("PLAINTEXT");
  }
  void TearDown() override {
    server_->stop();
    purgatory_->stop();
    replicas_.reset();
    logs_->shutdown();
    logs_.reset();
    std::filesystem::remove_all(dir_);
  }

  static protocol::LeaderAndIsrPartitionState lead(const std::string& topic, int32_t p,
                                                   int32_t leader, int32_t leader_epoch) {
    protocol::LeaderAndIsrPartitionState s;
    s.topic_name = topic;
    s.partition_index = p;
    s.controller_epoch = 3;
    s.leader = leader;
    s.leader_epoch = leader_epoch;
    s.isr = {kSelf};
    s.replicas = {kSelf};
    s.is_new = true;
    return s;
  }
  static protocol::LeaderAndIsrRequest leader_and_isr(int32_t controller_epoch,
                                                      int64_t broker_epoch, int32_t leader_epoch) {
    protocol::LeaderAndIsrRequest r;
    r.controller_id = 0;
    r.controller_epoch = controller_epoch;
    r.broker_epoch = broker_epoch;
    r.topic_states.push_back({"t", {lead("t", 0, kSelf, leader_epoch)}});
    r.live_leaders.push_back({kSelf, "127.0.0.1", 9092});
    return r;
  }

  std::filesystem::path dir_;
  config::ConfigValues config_;
  MetadataCache metadata_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<Purgatory> purgatory_;
  std::unique_ptr<ReplicaManager> replicas_;
  BrokerServices services_;
  std::unique_ptr<RequestDispatcher> dispatcher_;
  std::unique_ptr<network::SocketServer> server_;
  int port_ = 0;
};

TEST_F(ControlPlaneHandlers, LeaderAndIsrMakesLeaderAndFencesStaleEpochs) {
  Connection c(port_);
  auto ok = c.round_trip<protocol::LeaderAndIsrResponse>(leader_and_isr(3, kBrokerEpoch, 1), 4);
  EXPECT_EQ(ok.error_code, 0);
  ASSERT_EQ(ok.partition_errors.size(), 1u);
  EXPECT_EQ(ok.partition_errors[0].topic_name, "t");
  EXPECT_EQ(ok.partition_errors[0].error_code, 0);
  auto partition = replicas_->get({"t", 0});
  ASSERT_NE(partition, nullptr);
  EXPECT_EQ(partition->leader_epoch(), LeaderEpoch(1));
  EXPECT_EQ(services_.controller_epoch.load(), 3);

  auto stale_controller =
      c.round_trip<protocol::LeaderAndIsrResponse>(leader_and_isr(2, kBrokerEpoch, 2), 4);
  EXPECT_EQ(stale_controller.error_code, to_wire(ErrorCode::kStaleControllerEpoch));
  ASSERT_EQ(stale_controller.partition_errors.size(), 1u);
  EXPECT_EQ(stale_controller.partition_errors[0].error_code,
            to_wire(ErrorCode::kStaleControllerEpoch));

  auto stale_broker =
      c.round_trip<protocol::LeaderAndIsrResponse>(leader_and_isr(3, kBrokerEpoch - 1, 2), 3);
  EXPECT_EQ(stale_broker.error_code, to_wire(ErrorCode::kStaleBrokerEpoch));
  EXPECT_EQ(replicas_->get({"t", 0})->leader_epoch(), LeaderEpoch(1));  // nothing applied

  // v0-1 carry no broker epoch; the flat layout still applies.
  protocol::LeaderAndIsrRequest v1;
  v1.controller_id = 0;
  v1.controller_epoch = 4;
  v1.ungrouped_partition_states = {lead("t", 0, kSelf, 5), lead("u", 0, kSelf, 0)};
  auto flat = c.round_trip<protocol::LeaderAndIsrResponse>(v1, 1);
  EXPECT_EQ(flat.error_code, 0);
  ASSERT_EQ(flat.partition_errors.size(), 2u);
  EXPECT_EQ(flat.partition_errors[1].topic_name, "u");
  EXPECT_EQ(replicas_->get({"t", 0})->leader_epoch(), LeaderEpoch(5));
  EXPECT_NE(replicas_->get({"u", 0}), nullptr);
}

TEST_F(ControlPlaneHandlers, UpdateMetadataPublishesSnapshot) {
  Connection c(port_);
  protocol::UpdateMetadataRequest r;
  r.controller_id = 7;
  r.controller_epoch = 2;
  r.broker_epoch = kBrokerEpoch;
  protocol::UpdateMetadataPartitionState s;
  s.partition_index = 0;
  s.controller_epoch = 2;
  s.leader = kSelf;
  s.leader_epoch = 4;
  s.isr = {kSelf};
  s.replicas = {kSelf};
  r.topic_states.push_back({"orders", {s}});
  protocol::UpdateMetadataRequest::UpdateMetadataBroker b;
  b.id = kSelf;
  b.endpoints.push_back({9092, "broker-host", "PLAINTEXT", 0});
  b.rack = std::nullopt;
  r.live_brokers.push_back(b);
  auto ok = c.round_trip<protocol::UpdateMetadataResponse>(r, 6);
  EXPECT_EQ(ok.error_code, 0);
  auto snap = metadata_.snapshot();
  EXPECT_EQ(snap->controller_id, 7);
  ASSERT_EQ(snap->brokers.size(), 1u);
  EXPECT_EQ(snap->brokers[0].host, "broker-host");
  ASSERT_NE(snap->partition("orders", 0), nullptr);
  EXPECT_EQ(snap->partition("orders", 0)->leader_epoch, 4);

  r.controller_epoch = 1;
  r.controller_id = 8;
  auto stale = c.round_trip<protocol::UpdateMetadataResponse>(r, 6);
  EXPECT_EQ(stale.error_code, to_wire(ErrorCode::kStaleControllerEpoch));
  EXPECT_EQ(metadata_.snapshot()->controller_id, 7);
}

TEST_F(ControlPlaneHandlers, StopReplicaDeletesPartitions) {
  Connection c(port_);
  ASSERT_EQ(c.round_trip<protocol::LeaderAndIsrResponse>(leader_and_isr(3, kBrokerEpoch, 1), 4)
                .error_code,
            0);
  ASSERT_NE(replicas_->get({"t", 0}), nullptr);
  protocol::StopReplicaRequest r;
  r.controller_id = 0;
  r.controller_epoch = 3;
  r.broker_epoch = kBrokerEpoch;
  r.delete_partitions = true;
  r.topics = {{"t", {0}}};
  auto response = c.round_trip<protocol::StopReplicaResponse>(r, 2);
  EXPECT_EQ(response.error_code, 0);
  ASSERT_EQ(response.partition_errors.size(), 1u);
  EXPECT_EQ(response.partition_errors[0].error_code, 0);
  EXPECT_EQ(replicas_->get({"t", 0}), nullptr);

  r.controller_epoch = 2;
  auto stale = c.round_trip<protocol::StopReplicaResponse>(r, 2);
  EXPECT_EQ(stale.error_code, to_wire(ErrorCode::kStaleControllerEpoch));
  EXPECT_TRUE(stale.partition_errors.empty());
}

TEST_F(ControlPlaneHandlers, PipelinedRequestsAreAnsweredInOrder) {
  Connection c(port_);
  protocol::UpdateMetadataRequest update;
  update.controller_id = 0;
  update.controller_epoch = 3;
  c.send(leader_and_isr(3, kBrokerEpoch, 1), 4, 10);
  c.send(update, 6, 11);
  c.send(leader_and_isr(3, kBrokerEpoch, 2), 4, 12);
  auto first = c.receive<protocol::LeaderAndIsrResponse>(4, 10);
  auto second = c.receive<protocol::UpdateMetadataResponse>(6, 11);
  auto third = c.receive<protocol::LeaderAndIsrResponse>(4, 12);
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(third->partition_errors.at(0).error_code, 0);
  EXPECT_EQ(replicas_->get({"t", 0})->leader_epoch(), LeaderEpoch(2));
}

TEST_F(ControlPlaneHandlers, ConfigChangeApplierUpdatesLogsAndSnapshot) {
  Connection c(port_);
  ASSERT_EQ(c.round_trip<protocol::LeaderAndIsrResponse>(leader_and_isr(3, kBrokerEpoch, 1), 4)
                .error_code,
            0);
  MetadataSnapshot snap;
  snap.topics["t"].name = "t";
  metadata_.publish(std::make_shared<MetadataSnapshot>(snap));

  auto entry =
      resolve_topic_config(config_, {{"retention.ms", "4321"}, {"min.insync.replicas", "2"}});
  apply_topic_config_changes(*replicas_, metadata_)("t", entry);
  EXPECT_EQ(replicas_->get({"t", 0})->log()->config().retention_ms, 4321);
  EXPECT_EQ(metadata_.snapshot()->topic("t")->min_insync_replicas, 2);
  EXPECT_EQ(metadata_.snapshot()->topic("t")->config_overrides.at("retention.ms"), "4321");
}

TEST_F(ControlPlaneHandlers, ControlledShutdownWithoutActiveControllerSaysControllerMoved) {
  Connection c(port_);
  protocol::ControlledShutdownRequest r;
  r.broker_id = 2;
  r.broker_epoch = 9;
  for (int16_t v : {int16_t{0}, int16_t{1}, int16_t{2}, int16_t{3}}) {
    auto response = c.round_trip<protocol::ControlledShutdownResponse>(r, v);
    EXPECT_EQ(response.error_code, to_wire(ErrorCode::kStaleControllerEpoch)) << "v" << v;
  }
}

}  // namespace
}  // namespace kb::broker
