#pragma once
// The catalogue of Kafka's ZooKeeper znodes: one struct per znode with its path builder(s) and
// its JSON encode/decode side by side (see docs/architecture.md "coordinator"). JSON is written
// compactly like Jackson does; readers parse by key, never by position, because Kafka's key order
// is not fixed. Decoders throw ZnodeDecodeError on malformed data.
//
// Thread-safety: everything here is a pure function; safe from any thread.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/types.h"

namespace kb::coordinator {

class ZnodeDecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// partition -> replica broker ids; the first replica is the preferred leader.
using ReplicaAssignment = std::map<int32_t, std::vector<int32_t>>;
using TopicConfigMap = std::map<std::string, std::string>;

// ---- /brokers/ids/N ----
struct EndPoint {
  std::string listener_name;      // "PLAINTEXT", "INTERNAL", ...
  std::string host;               // without IPv6 brackets
  int32_t port = 0;
  std::string security_protocol;  // "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"
  auto operator<=>(const EndPoint&) const = default;
  // "<LISTENER>://<host>:<port>", IPv6 hosts in brackets.
  std::string connection_string() const;
};

struct BrokerInfo {
  BrokerId id{-1};
  std::vector<EndPoint> endpoints;
  std::optional<std::string> rack;
  int32_t jmx_port = -1;
  int64_t timestamp_ms = 0;
  int32_t version = 4;  // the registration format version read (decode) / written (always 4)
};

struct BrokerIdsZNode {
  static std::string path() { return "/brokers/ids"; }
};
struct BrokerIdZNode {
  static std::string path(BrokerId id);
  // v4: listener_security_protocol_map, endpoints, jmx_port, host, port (first PLAINTEXT
  // endpoint, else null / -1), timestamp (string), version, rack when set.
  static std::string encode(const BrokerInfo& info);
  // Accepts v1..v5. v1 has only host/port (PLAINTEXT).
  static BrokerInfo decode(BrokerId id, const std::string& json);
};
// Parses "NAME://host:port" ("[::1]" for IPv6). Throws ZnodeDecodeError.
EndPoint parse_endpoint(const std::string& text,
                        const std::map<std::string, std::string>& protocol_map);

struct BrokerSequenceIdZNode {
  static std::string path() { return "/brokers/seqid"; }
};

// ---- /brokers/topics/T ----
struct TopicAssignment {
  ReplicaAssignment partitions;
  ReplicaAssignment adding_replicas;    // only partitions under reassignment
  ReplicaAssignment removing_replicas;
  std::optional<std::string> topic_id;  // present in v3 (Kafka 2.8); kept when read
  auto operator<=>(const TopicAssignment&) const = default;
};
struct TopicsZNode {
  static std::string path() { return "/brokers/topics"; }
};
struct TopicZNode {
  static std::string path(const std::string& topic);
  // Version 2 (Kafka 2.4); version 3 when topic_id is set.
  static std::string encode(const TopicAssignment& assignment);
  static TopicAssignment decode(const std::string& json);  // v1, v2, v3
};
struct TopicPartitionsZNode {
  static std::string path(const std::string& topic);  // /brokers/topics/T/partitions
};
struct TopicPartitionZNode {
  static std::string path(const std::string& topic, int32_t partition);
};

// ---- /brokers/topics/T/partitions/P/state ----
struct LeaderAndIsr {
  BrokerId leader{-1};  // -1: no leader
  LeaderEpoch leader_epoch{0};
  std::vector<BrokerId> isr;
  ControllerEpoch controller_epoch{0};
  auto operator<=>(const LeaderAndIsr&) const = default;
};
struct TopicPartitionStateZNode {
  static std::string path(const std::string& topic, int32_t partition);
  static std::string encode(const LeaderAndIsr& state);  // version 1
  static LeaderAndIsr decode(const std::string& json);
};

// ---- /controller, /controller_epoch ----
struct ControllerInfo {
  BrokerId broker_id{-1};
  int64_t timestamp_ms = 0;
};
struct ControllerZNode {
  static std::string path() { return "/controller"; }
  static std::string encode(BrokerId id, int64_t timestamp_ms);
  // Also accepts the pre-JSON plain integer form.
  static ControllerInfo decode(const std::string& data);
};
struct ControllerEpochZNode {
  static std::string path() { return "/controller_epoch"; }
  static std::string encode(ControllerEpoch epoch);  // plain decimal, not JSON
  static ControllerEpoch decode(const std::string& data);
};

// ---- /cluster/id ----
struct ClusterIdZNode {
  static std::string path() { return "/cluster/id"; }
  static std::string encode(const std::string& cluster_id);  // "version" is a string: "1"
  static std::string decode(const std::string& json);
};

// ---- /config/... ----
struct ConfigZNode {
  static std::string path() { return "/config"; }
};
struct ConfigEntityTypeZNode {
  static std::string path(const std::string& entity_type);  // /config/topics, /config/brokers...
};
struct ConfigEntityZNode {
  static std::string path(const std::string& entity_type, const std::string& entity_name);
  // {"version":1,"config":{...}}; every value is a string.
  static std::string encode(const TopicConfigMap& config);
  // Non-string values (written by other tools) are converted to their text.
  static TopicConfigMap decode(const std::string& json);
};
struct TopicConfigZNode {
  static std::string path(const std::string& topic);  // /config/topics/T
};
struct ConfigEntityChangeNotificationZNode {
  static std::string path() { return "/config/changes"; }
};
struct ConfigEntityChangeNotificationSequenceZNode {
  static constexpr const char* kPrefix = "config_change_";
  // The path to pass to a sequential create: /config/changes/config_change_
  static std::string create_path();
  static std::string encode(const std::string& entity_path);  // v2 {"entity_path":"topics/T"}
  // Returns the entity path ("topics/T"); also accepts v1 {"entity_type","entity_name"}.
  static std::string decode(const std::string& json);
  static std::optional<int64_t> sequence_number(const std::string& child_name);
};

// ---- /admin/... ----
struct AdminZNode {
  static std::string path() { return "/admin"; }
};
struct DeleteTopicsZNode {
  static std::string path() { return "/admin/delete_topics"; }
};
struct DeleteTopicsTopicZNode {
  static std::string path(const std::string& topic);
};
struct PreferredReplicaElectionZNode {
  static std::string path() { return "/admin/preferred_replica_election"; }
  static std::string encode(const std::vector<TopicPartition>& partitions);
  static std::vector<TopicPartition> decode(const std::string& json);
};
struct ReassignPartitionsZNode {
  static std::string path() { return "/admin/reassign_partitions"; }
  static std::string encode(const std::map<TopicPartition, std::vector<int32_t>>& reassignment);
  static std::map<TopicPartition, std::vector<int32_t>> decode(const std::string& json);
};

// ---- /isr_change_notification ----
struct IsrChangeNotificationZNode {
  static std::string path() { return "/isr_change_notification"; }
};
struct IsrChangeNotificationSequenceZNode {
  static constexpr const char* kPrefix = "isr_change_";
  static std::string create_path();  // /isr_change_notification/isr_change_
  static std::string encode(const std::vector<TopicPartition>& partitions);
  static std::vector<TopicPartition> decode(const std::string& json);
};

// ---- /log_dir_event_notification ----
struct LogDirEventNotificationZNode {
  static std::string path() { return "/log_dir_event_notification"; }
};

// ---- /latest_producer_id_block ----
struct ProducerIdBlock {
  BrokerId broker{-1};
  int64_t block_start = 0;  // inclusive
  int64_t block_end = 0;    // inclusive
  auto operator<=>(const ProducerIdBlock&) const = default;
};
struct ProducerIdBlockZNode {
  static std::string path() { return "/latest_producer_id_block"; }
  static std::string encode(const ProducerIdBlock& block);  // start/end as strings
  static ProducerIdBlock decode(const std::string& json);
};

// ---- others created at startup ----
struct ConsumersZNode {
  static std::string path() { return "/consumers"; }
};
// Offsets committed with OffsetCommit v0, which Kafka 2.4 still keeps in ZooKeeper (the
// pre-0.9 consumers' layout): the offset as decimal text.
struct ConsumerOffsetZNode {
  static std::string path(const std::string& group, const std::string& topic, int32_t partition) {
    return ConsumersZNode::path() + "/" + group + "/offsets/" + topic + "/" +
           std::to_string(partition);
  }
};

// The persistent paths every broker creates at startup (reference §1.1), in creation order.
const std::vector<std::string>& top_level_paths();

}  // namespace kb::coordinator
