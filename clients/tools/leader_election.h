#pragma once
// kafka-leader-election (Kafka 2.4's LeaderElectionCommand): option validation, turning the
// ElectLeaders answers into Kafka's result lines, and (for brokers without ElectLeaders, see
// docs/tools.md) deciding per partition whether a preferred election through ZooKeeper is needed.
// The cluster side lives in kafka_leader_election.cc.
// Thread-safety: pure functions.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clients/admin_client.h"
#include "clients/consumer_groups.h"
#include "clients/metadata.h"
#include "clients/tools/options.h"

namespace kb::tools {

using ElectionType = clients::ElectionType;

struct ElectionCommand {
  ElectionType type = ElectionType::kPreferred;
  bool all_partitions = false;
  // The partitions named by --topic/--partition or --path-to-json-file (empty with
  // --all-topic-partitions).
  std::vector<clients::TopicPartition> partitions;
};

// Validates the options as Kafka 2.4 does (--election-type required, exactly one of --topic,
// --all-topic-partitions, --path-to-json-file; --partition only and always with --topic) and reads
// the JSON file ({"partitions": [{"topic": "t", "partition": 0}, ...]}). `read_file` returns the
// file's text (tests pass a fake). Throws UsageError.
ElectionCommand parse_election_command(
    const ParsedOptions& options, const std::function<std::string(const std::string&)>& read_file);

// Decodes the --path-to-json-file document. Throws UsageError for malformed JSON or entries.
std::vector<clients::TopicPartition> parse_election_json(const std::string& json);

struct ElectionPlan {
  std::vector<clients::TopicPartition> elect;       // leader is not the preferred replica yet
  std::vector<clients::TopicPartition> not_needed;  // the preferred replica leads already
  // Failures with Kafka's "<exception class>: <message>" text.
  std::map<clients::TopicPartition, std::string> failed;
};

// What the controller would answer for each partition (Kafka 2.4's ElectLeaders semantics for
// PREFERRED): ELECTION_NOT_NEEDED when the first replica leads, PREFERRED_LEADER_NOT_AVAILABLE
// when it is offline or out of the ISR, UNKNOWN_TOPIC_OR_PARTITION when the partition does not
// exist. With all_partitions every partition of `metadata` is considered.
ElectionPlan plan_preferred_election(const ElectionCommand& cmd,
                                     const clients::ClusterMetadata& metadata);

// Kafka's text for a partition's failure, Java's Throwable.toString() of the exception the
// admin client raises: "org.apache.kafka.common.errors.<Class>: <message>" (the broker's message
// when it sent one).
std::string election_error_text(ErrorCode code, const std::optional<std::string>& message);

// Sorts ElectLeaders results the way Kafka's tool does: no error = succeeded,
// ELECTION_NOT_NEEDED = already valid, everything else failed.
struct ElectionSummary {
  std::vector<clients::TopicPartition> succeeded;
  std::vector<clients::TopicPartition> not_needed;
  std::map<clients::TopicPartition, std::string> failed;
};
ElectionSummary summarize_election(
    const std::map<clients::TopicPartition, clients::ElectionResult>& results);

// Kafka's result lines: "Successfully completed leader election (PREFERRED) for partitions a-0,
// b-1", "Valid replica already elected for partitions ...", and one "Error completing leader
// election (PREFERRED) for partition: t-0: <error>" per failure.
std::string format_election_result(ElectionType type,
                                   const std::vector<clients::TopicPartition>& succeeded,
                                   const std::vector<clients::TopicPartition>& not_needed,
                                   const std::map<clients::TopicPartition, std::string>& failed);

}  // namespace kb::tools
