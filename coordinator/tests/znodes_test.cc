#include "coordinator/znodes.h"

#include <gtest/gtest.h>

namespace kb::coordinator {
namespace {

TEST(ZnodesTest, Paths) {
  EXPECT_EQ(BrokerIdZNode::path(BrokerId(3)), "/brokers/ids/3");
  EXPECT_EQ(TopicZNode::path("t"), "/brokers/topics/t");
  EXPECT_EQ(TopicPartitionsZNode::path("t"), "/brokers/topics/t/partitions");
  EXPECT_EQ(TopicPartitionStateZNode::path("t", 7), "/brokers/topics/t/partitions/7/state");
  EXPECT_EQ(TopicConfigZNode::path("t"), "/config/topics/t");
  EXPECT_EQ(ConfigEntityChangeNotificationSequenceZNode::create_path(),
            "/config/changes/config_change_");
  EXPECT_EQ(DeleteTopicsTopicZNode::path("t"), "/admin/delete_topics/t");
  EXPECT_EQ(IsrChangeNotificationSequenceZNode::create_path(),
            "/isr_change_notification/isr_change_");
  EXPECT_EQ(ControllerZNode::path(), "/controller");
  EXPECT_EQ(ControllerEpochZNode::path(), "/controller_epoch");
  EXPECT_EQ(ClusterIdZNode::path(), "/cluster/id");
  EXPECT_EQ(ProducerIdBlockZNode::path(), "/latest_producer_id_block");
  EXPECT_EQ(PreferredReplicaElectionZNode::path(), "/admin/preferred_replica_election");
  EXPECT_EQ(ReassignPartitionsZNode::path(), "/admin/reassign_partitions");
}

TEST(ZnodesTest, TopLevelPathsMatchReference) {
  std::vector<std::string> expected = {
      "/consumers",        "/brokers/ids",     "/brokers/topics",
      "/config/changes",   "/admin/delete_topics", "/brokers/seqid",
      "/isr_change_notification", "/latest_producer_id_block", "/log_dir_event_notification",
      "/config/topics",    "/config/clients",  "/config/users",
      "/config/brokers",   "/config/ips"};
  EXPECT_EQ(top_level_paths(), expected);
}

BrokerInfo sample_broker() {
  BrokerInfo b;
  b.id = BrokerId(1);
  b.endpoints = {{"PLAINTEXT", "kafka1", 9092, "PLAINTEXT"}, {"SSL", "kafka1", 9093, "SSL"}};
  b.timestamp_ms = 1620000000000;
  return b;
}

TEST(ZnodesTest, BrokerEncodeV4) {
  BrokerInfo b = sample_broker();
  EXPECT_EQ(BrokerIdZNode::encode(b),
            R"({"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},)"
            R"("endpoints":["PLAINTEXT://kafka1:9092","SSL://kafka1:9093"],"jmx_port":-1,)"
            R"("host":"kafka1","port":9092,"timestamp":"1620000000000","version":4})");
  b.rack = "dc1";
  EXPECT_NE(BrokerIdZNode::encode(b).find(R"("rack":"dc1")"), std::string::npos);
}

TEST(ZnodesTest, BrokerRoundTrip) {
  BrokerInfo b = sample_broker();
  b.rack = "r1";
  b.jmx_port = 9999;
  BrokerInfo d = BrokerIdZNode::decode(BrokerId(1), BrokerIdZNode::encode(b));
  EXPECT_EQ(d.id, BrokerId(1));
  EXPECT_EQ(d.endpoints, b.endpoints);
  EXPECT_EQ(d.rack, b.rack);
  EXPECT_EQ(d.jmx_port, 9999);
  EXPECT_EQ(d.timestamp_ms, 1620000000000);
  EXPECT_EQ(d.version, 4);
}

TEST(ZnodesTest, BrokerWithoutPlaintextHasNullHost) {
  BrokerInfo b;
  b.id = BrokerId(2);
  b.endpoints = {{"INTERNAL", "h", 1234, "SSL"}};
  std::string json = BrokerIdZNode::encode(b);
  EXPECT_NE(json.find(R"("host":null,"port":-1)"), std::string::npos) << json;
  BrokerInfo d = BrokerIdZNode::decode(BrokerId(2), json);
  ASSERT_EQ(d.endpoints.size(), 1u);
  EXPECT_EQ(d.endpoints[0].security_protocol, "SSL");
  EXPECT_EQ(d.endpoints[0].listener_name, "INTERNAL");
}

TEST(ZnodesTest, BrokerDecodeKafkaExampleV5AnyOrder) {
  // The reference's v5 example, with keys in Kafka's (hash) order.
  const std::string json =
      R"({"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},)"
      R"("endpoints":["PLAINTEXT://kafka1:9092","SSL://kafka1:9093"],"jmx_port":-1,"features":{},)"
      R"("host":"kafka1","timestamp":"1620000000000","port":9092,"version":5,"rack":"dc1"})";
  BrokerInfo d = BrokerIdZNode::decode(BrokerId(1), json);
  EXPECT_EQ(d.version, 5);
  ASSERT_EQ(d.endpoints.size(), 2u);
  EXPECT_EQ(d.endpoints[1], (EndPoint{"SSL", "kafka1", 9093, "SSL"}));
  EXPECT_EQ(d.rack, "dc1");
  EXPECT_EQ(d.timestamp_ms, 1620000000000);
}

TEST(ZnodesTest, BrokerDecodeOldVersions) {
  BrokerInfo v1 = BrokerIdZNode::decode(BrokerId(0), R"({"port":9092,"host":"h","version":1})");
  ASSERT_EQ(v1.endpoints.size(), 1u);
  EXPECT_EQ(v1.endpoints[0], (EndPoint{"PLAINTEXT", "h", 9092, "PLAINTEXT"}));
  // v2: no protocol map -> the listener name is the protocol.
  BrokerInfo v2 = BrokerIdZNode::decode(
      BrokerId(0), R"({"version":2,"endpoints":["SSL://h:9093"],"host":null,"port":-1,"jmx_port":-1,"timestamp":"5"})");
  ASSERT_EQ(v2.endpoints.size(), 1u);
  EXPECT_EQ(v2.endpoints[0].security_protocol, "SSL");
  EXPECT_EQ(v2.timestamp_ms, 5);
}

TEST(ZnodesTest, EndpointIpv6) {
  EndPoint ep = parse_endpoint("PLAINTEXT://[::1]:9092", {});
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, 9092);
  EXPECT_EQ(ep.connection_string(), "PLAINTEXT://[::1]:9092");
  EXPECT_THROW(parse_endpoint("nonsense", {}), ZnodeDecodeError);
}

TEST(ZnodesTest, BrokerDecodeErrors) {
  EXPECT_THROW(BrokerIdZNode::decode(BrokerId(0), "not json"), ZnodeDecodeError);
  EXPECT_THROW(BrokerIdZNode::decode(BrokerId(0), R"({"version":4})"), ZnodeDecodeError);
  EXPECT_THROW(BrokerIdZNode::decode(BrokerId(0), "[1,2]"), ZnodeDecodeError);
}

TEST(ZnodesTest, TopicEncodeV2) {
  TopicAssignment a;
  a.partitions = {{0, {1, 2}}, {1, {2, 0}}, {10, {0, 1}}};
  EXPECT_EQ(TopicZNode::encode(a),
            R"({"version":2,"partitions":{"0":[1,2],"1":[2,0],"10":[0,1]},)"
            R"("adding_replicas":{},"removing_replicas":{}})");
  EXPECT_EQ(TopicZNode::decode(TopicZNode::encode(a)), a);
}

TEST(ZnodesTest, TopicDecodeKafkaExamples) {
  TopicAssignment v1 = TopicZNode::decode(R"({"version":1,"partitions":{"0":[1,2,3],"1":[2,3,1]}})");
  EXPECT_EQ(v1.partitions, (ReplicaAssignment{{0, {1, 2, 3}}, {1, {2, 3, 1}}}));
  EXPECT_TRUE(v1.adding_replicas.empty());
  TopicAssignment v3 = TopicZNode::decode(
      R"({"version":3,"partitions":{"0":[1,2],"1":[2,0],"2":[0,1]},"adding_replicas":{},)"
      R"("removing_replicas":{},"topic_id":"r8Xo2m1ZRZ6m8dYk4y1m8w"})");
  EXPECT_EQ(v3.partitions.size(), 3u);
  EXPECT_EQ(v3.partitions.at(2), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(v3.topic_id, "r8Xo2m1ZRZ6m8dYk4y1m8w");
  // Reassignment in flight, keys in another order.
  TopicAssignment r = TopicZNode::decode(
      R"({"removing_replicas":{"0":[3]},"adding_replicas":{"0":[4]},"partitions":{"0":[4,1,3]},"version":2})");
  EXPECT_EQ(r.adding_replicas.at(0), (std::vector<int32_t>{4}));
  EXPECT_EQ(r.removing_replicas.at(0), (std::vector<int32_t>{3}));
  EXPECT_THROW(TopicZNode::decode(R"({"version":2,"partitions":{"x":[1]}})"), ZnodeDecodeError);
  EXPECT_THROW(TopicZNode::decode(R"({"version":2})"), ZnodeDecodeError);
}

TEST(ZnodesTest, PartitionState) {
  LeaderAndIsr s{BrokerId(1), LeaderEpoch(5), {BrokerId(1), BrokerId(2)}, ControllerEpoch(3)};
  EXPECT_EQ(TopicPartitionStateZNode::encode(s),
            R"({"controller_epoch":3,"leader":1,"version":1,"leader_epoch":5,"isr":[1,2]})");
  // Kafka's example, and the same keys in another order.
  EXPECT_EQ(TopicPartitionStateZNode::decode(
                R"({"controller_epoch":3,"leader":1,"version":1,"leader_epoch":5,"isr":[1,2]})"),
            s);
  EXPECT_EQ(TopicPartitionStateZNode::decode(
                R"({"isr":[1,2],"leader_epoch":5,"version":1,"leader":1,"controller_epoch":3})"),
            s);
  LeaderAndIsr none = TopicPartitionStateZNode::decode(
      R"({"controller_epoch":1,"leader":-1,"version":1,"leader_epoch":0,"isr":[2]})");
  EXPECT_EQ(none.leader, BrokerId(-1));
  EXPECT_THROW(TopicPartitionStateZNode::decode(R"({"leader":1})"), ZnodeDecodeError);
}

TEST(ZnodesTest, Controller) {
  EXPECT_EQ(ControllerZNode::encode(BrokerId(2), 1234),
            R"({"version":1,"brokerid":2,"timestamp":"1234"})");
  ControllerInfo c = ControllerZNode::decode(R"({"timestamp":"1620000000000","brokerid":7,"version":1})");
  EXPECT_EQ(c.broker_id, BrokerId(7));
  EXPECT_EQ(c.timestamp_ms, 1620000000000);
  EXPECT_EQ(ControllerZNode::decode("4").broker_id, BrokerId(4));
  EXPECT_THROW(ControllerZNode::decode("{}"), ZnodeDecodeError);
}

TEST(ZnodesTest, ControllerEpoch) {
  EXPECT_EQ(ControllerEpochZNode::encode(ControllerEpoch(7)), "7");
  EXPECT_EQ(ControllerEpochZNode::decode("7"), ControllerEpoch(7));
  EXPECT_EQ(ControllerEpochZNode::decode("0"), ControllerEpoch(0));
  EXPECT_THROW(ControllerEpochZNode::decode(""), ZnodeDecodeError);
  EXPECT_THROW(ControllerEpochZNode::decode("7x"), ZnodeDecodeError);
}

TEST(ZnodesTest, ClusterId) {
  EXPECT_EQ(ClusterIdZNode::encode("abc"), R"({"version":"1","id":"abc"})");
  EXPECT_EQ(ClusterIdZNode::decode(R"({"id":"XyZ-_0123456789abcdefg","version":"1"})"),
            "XyZ-_0123456789abcdefg");
  EXPECT_THROW(ClusterIdZNode::decode(R"({"version":"1"})"), ZnodeDecodeError);
}

TEST(ZnodesTest, TopicConfig) {
  TopicConfigMap cfg{{"retention.ms", "1000"}, {"cleanup.policy", "compact"}};
  std::string json = ConfigEntityZNode::encode(cfg);
  EXPECT_EQ(json, R"({"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}})");
  EXPECT_EQ(ConfigEntityZNode::decode(json), cfg);
  EXPECT_EQ(ConfigEntityZNode::decode(R"({"config":{"segment.bytes":"1024"},"version":1})"),
            (TopicConfigMap{{"segment.bytes", "1024"}}));
  EXPECT_EQ(ConfigEntityZNode::decode(R"({"version":1,"config":{}})"), TopicConfigMap{});
  EXPECT_EQ(ConfigEntityZNode::decode(""), TopicConfigMap{});
  // Numbers written by another tool are read as their text.
  EXPECT_EQ(ConfigEntityZNode::decode(R"({"version":1,"config":{"x":5}})").at("x"), "5");
}

TEST(ZnodesTest, ConfigChangeNotification) {
  using N = ConfigEntityChangeNotificationSequenceZNode;
  EXPECT_EQ(N::encode("topics/t"), R"({"version":2,"entity_path":"topics/t"})");
  EXPECT_EQ(N::decode(R"({"entity_path":"topics/t","version":2})"), "topics/t");
  EXPECT_EQ(N::decode(R"({"version":1,"entity_type":"topics","entity_name":"T"})"), "topics/T");
  EXPECT_EQ(N::sequence_number("config_change_0000000012"), 12);
  EXPECT_EQ(N::sequence_number("other_0000000012"), std::nullopt);
  EXPECT_EQ(N::sequence_number("config_change_"), std::nullopt);
}

TEST(ZnodesTest, PartitionListNodes) {
  std::vector<TopicPartition> tps{{"T", 0}, {"U", 3}};
  std::string json = IsrChangeNotificationSequenceZNode::encode(tps);
  EXPECT_EQ(json, R"({"version":1,"partitions":[{"topic":"T","partition":0},{"topic":"U","partition":3}]})");
  EXPECT_EQ(IsrChangeNotificationSequenceZNode::decode(json), tps);
  EXPECT_EQ(PreferredReplicaElectionZNode::decode(
                R"({"partitions":[{"partition":0,"topic":"T"}],"version":1})"),
            (std::vector<TopicPartition>{{"T", 0}}));
}

TEST(ZnodesTest, ReassignPartitions) {
  std::map<TopicPartition, std::vector<int32_t>> r{{{"T", 0}, {1, 2, 3}}};
  std::string json = ReassignPartitionsZNode::encode(r);
  EXPECT_EQ(json, R"({"version":1,"partitions":[{"topic":"T","partition":0,"replicas":[1,2,3]}]})");
  EXPECT_EQ(ReassignPartitionsZNode::decode(json), r);
  EXPECT_EQ(ReassignPartitionsZNode::decode(
                R"({"partitions":[{"replicas":[1,2,3],"partition":0,"topic":"T"}],"version":1})"),
            r);
}

TEST(ZnodesTest, ProducerIdBlock) {
  ProducerIdBlock b{BrokerId(1), 0, 999};
  std::string json = ProducerIdBlockZNode::encode(b);
  EXPECT_EQ(json, R"({"version":1,"broker":1,"block_start":"0","block_end":"999"})");
  EXPECT_EQ(ProducerIdBlockZNode::decode(json), b);
  EXPECT_EQ(ProducerIdBlockZNode::decode(
                R"({"block_end":"1999","broker":2,"version":1,"block_start":"1000"})"),
            (ProducerIdBlock{BrokerId(2), 1000, 1999}));
}

}  // namespace
}  // namespace kb::coordinator
