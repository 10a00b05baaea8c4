#pragma once
// Topic, config and consumer group administration over the Kafka protocol, routed as Kafka's
// AdminClient does: CreateTopics, DeleteTopics, CreatePartitions and Alter/List-
// PartitionReassignments go to the active controller (retried on NOT_CONTROLLER after a
// metadata refresh); DescribeConfigs/AlterConfigs of a broker go to that broker, of a topic to any
// broker; listing and describing topics use Metadata. Groups (admin_groups.cc): ListGroups goes to
// every broker (each lists the groups it coordinates); the other group calls go to the group's
// coordinator (FindCoordinator, retried on NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE /
// COORDINATOR_LOAD_IN_PROGRESS); ListOffsets goes to each partition's leader.
//
// Every call is bounded by the ClientConfig's api_timeout (or the deadline passed). Per-topic and
// per-resource failures come back as results with an error code and message; failures of the
// whole call (no broker reachable, no shared API version) throw NetworkError / ClientError.
//
// Thread-safety: none; an AdminClient belongs to one thread at a time.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clients/client_config.h"
#include "clients/consumer_groups.h"
#include "clients/metadata.h"
#include "common/error_code.h"
#include "common/types.h"

namespace kb::clients {

struct NewTopic {
  std::string name;
  // Unset: the broker's num.partitions / default.replication.factor (KIP-464). Ignored when
  // `assignment` is given.
  std::optional<int32_t> num_partitions;
  std::optional<int16_t> replication_factor;
  std::map<int32_t, std::vector<BrokerId>> assignment;  // partition -> replicas
  std::map<std::string, std::string> configs;
};

struct NewPartitions {
  std::string topic;
  int32_t total_count = 0;
  // Replicas of each added partition, in order; empty lets the controller place them.
  std::vector<std::vector<BrokerId>> new_assignments;
};

// The outcome for one topic or config resource.
struct OperationResult {
  std::string name;
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // empty when ok
  bool ok() const { return error == ErrorCode::kNone; }
};

enum class ConfigResourceType : int8_t { kUnknown = 0, kTopic = 2, kBroker = 4 };

struct ConfigResource {
  ConfigResourceType type = ConfigResourceType::kTopic;
  std::string name;  // topic name, or broker id as text ("" = cluster-wide broker default)
  auto operator<=>(const ConfigResource&) const = default;
};

// Kafka's ConfigEntry.ConfigSource wire values.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kDynamicTopicConfig = 1,
  kDynamicBrokerConfig = 2,
  kDynamicDefaultBrokerConfig = 3,
  kStaticBrokerConfig = 4,
  kDefaultConfig = 5,
  kDynamicBrokerLoggerConfig = 6,
};
const char* config_source_name(ConfigSource source);  // "DYNAMIC_TOPIC_CONFIG", ...

// Where else a value could come from, most specific first (DescribeConfigs v1+ synonyms).
struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::kUnknown;
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // null for sensitive values
  ConfigSource source = ConfigSource::kUnknown;
  bool read_only = false;
  bool is_sensitive = false;
  // Kafka's ConfigEntry.isDefault(): the value is the built-in default (DEFAULT_CONFIG). A topic
  // value inherited from a static broker setting is not a default and shows in describe output.
  bool is_default() const { return source == ConfigSource::kDefaultConfig; }
  std::vector<ConfigSynonym> synonyms;  // only when asked for
};

struct ConfigDescription {
  ConfigResource resource;
  ErrorCode error = ErrorCode::kNone;
  std::string message;
  std::vector<ConfigEntry> entries;
  bool ok() const { return error == ErrorCode::kNone; }
  const ConfigEntry* find(const std::string& name) const;
};

// An ongoing reassignment (ListPartitionReassignments): the full replica set and its halves.
struct PartitionReassignment {
  std::vector<BrokerId> replicas;
  std::vector<BrokerId> adding_replicas;
  std::vector<BrokerId> removing_replicas;
};

// Kafka's ElectionType (KIP-460); the values are the ElectLeaders v1+ wire values.
enum class ElectionType : int8_t { kPreferred = 0, kUnclean = 1 };

// One partition's ElectLeaders outcome: kNone when the wanted replica now leads.
struct ElectionResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;  // the broker's, when it sent one
};

class AdminClient {
 public:
  explicit AdminClient(ClientConfig config);

  MetadataClient& metadata() { return metadata_; }

  // One result per topic, in the order given. Success means the controller accepted the
  // change; as with Kafka, leaders may still be being elected (poll describe_topics to wait).
  // validate_only checks everything (name, counts, assignment, configs) and changes nothing.
  std::vector<OperationResult> create_topics(const std::vector<NewTopic>& topics,
                                             bool validate_only = false);
  std::vector<OperationResult> delete_topics(const std::vector<std::string>& topics);
  // total_count is the new partition count (it must grow: INVALID_PARTITIONS otherwise).
  std::vector<OperationResult> create_partitions(const std::vector<NewPartitions>& requests,
                                                 bool validate_only = false);
  // Topic names, sorted; internal topics only when asked.
  std::vector<std::string> list_topics(bool include_internal);
  // Metadata of the named topics, in the order asked; a missing topic comes back with
  // UNKNOWN_TOPIC_OR_PARTITION as its error.
  std::vector<TopicMetadata> describe_topics(const std::vector<std::string>& topics);
  // The live brokers and the controller.
  ClusterMetadata describe_cluster();

  // One description per resource, in the order given (entries sorted by name). Synonyms come
  // only when asked for and the broker speaks DescribeConfigs v1+.
  std::vector<ConfigDescription> describe_configs(const std::vector<ConfigResource>& resources,
                                                  bool include_synonyms = false);
  // Replaces the whole dynamic config of each resource (AlterConfigs semantics: keys not given
  // revert to their defaults).
  std::vector<OperationResult> alter_configs(
      const std::map<ConfigResource, std::map<std::string, std::string>>& configs,
      bool validate_only = false);

  // ---- partition reassignment (admin_reassignments.cc; KIP-455, at the controller) ----
  // Per partition: a replica list starts (or replaces) a reassignment, nullopt cancels the
  // ongoing one. One result per partition (named "topic-partition"): INVALID_REPLICA_ASSIGNMENT,
  // NO_REASSIGNMENT_IN_PROGRESS, UNKNOWN_TOPIC_OR_PARTITION... Success means the reassignment
  // started; poll list_partition_reassignments to see it finish.
  std::map<TopicPartition, OperationResult> alter_partition_reassignments(
      const std::map<TopicPartition, std::optional<std::vector<BrokerId>>>& reassignments);
  // The ongoing reassignments among `partitions` (nullopt: all). Throws ClientError on a
  // top-level error.
  std::map<TopicPartition, PartitionReassignment> list_partition_reassignments(
      const std::optional<std::vector<TopicPartition>>& partitions = std::nullopt);

  // ---- leader elections (admin_elections.cc) ----
  // Whether some broker serves ElectLeaders (API 43); brokers without it need the ZooKeeper
  // route (/admin/preferred_replica_election).
  bool supports_elect_leaders();
  // ElectLeaders at the controller (retried on NOT_CONTROLLER like create_topics). nullopt
  // partitions means every partition; the controller then reports only the partitions that
  // needed an election, as in Kafka 2.4. `timeout` bounds the controller's wait for the new
  // leaders (REQUEST_TIMED_OUT per partition after it); default: what is left of the call's
  // deadline. UNCLEAN needs ElectLeaders v1: ClientError(UNSUPPORTED_VERSION) on a v0 broker.
  // A top-level error throws ClientError.
  std::map<TopicPartition, ElectionResult> elect_leaders(
      ElectionType type, const std::optional<std::vector<TopicPartition>>& partitions,
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // ---- consumer groups (admin_groups.cc) ----
  // Every group of every broker, sorted by id; only "consumer" and "" (offsets-only) protocol
  // types unless `all_protocol_types`. Throws when a broker cannot be asked.
  std::vector<GroupListing> list_groups(bool all_protocol_types = false);
  // The coordinator of `group` (the __consumer_offsets partition leader).
  GroupCoordinator find_coordinator(const std::string& group);
  // One description per group, in order; an unknown group comes back with state "Dead".
  std::vector<GroupDescription> describe_groups(const std::vector<std::string>& groups);
  // Every committed offset of the group. Throws ClientError on a group-level error.
  std::map<TopicPartition, CommittedOffset> list_group_offsets(const std::string& group);
  // Commits `offsets` as a non-member (generation -1, empty member id): the coordinator accepts
  // that only while the group has no members. Per-partition errors.
  std::map<TopicPartition, ErrorCode> alter_group_offsets(
      const std::string& group, const std::map<TopicPartition, int64_t>& offsets);
  std::vector<OperationResult> delete_groups(const std::vector<std::string>& groups);
  // OffsetDelete (KIP-496): the group-level error and the per-partition ones.
  ErrorCode delete_group_offsets(const std::string& group,
                                 const std::vector<TopicPartition>& partitions,
                                 std::map<TopicPartition, ErrorCode>* partition_errors);
  // ListOffsets at each partition's leader. A partition whose leader is unknown or keeps failing
  // comes back with its error.
  std::map<TopicPartition, ListedOffset> list_offsets(
      const std::map<TopicPartition, OffsetQuery>& queries);

 private:
  Clock::time_point deadline() const { return metadata_.default_deadline(); }
  int32_t timeout_ms(Clock::time_point deadline) const;
  Connection& route(const ConfigResource& resource, Clock::time_point deadline);

  MetadataClient metadata_;
};

}  // namespace kb::clients
