#pragma once
// kafka-reassign-partitions (Kafka 2.4's ReassignPartitionsCommand): option validation, the two
// JSON documents (topics to move, reassignment plan), --generate's placement, the checks of a
// plan against the cluster, --verify's statuses and the output lines. The cluster side
// (ZooKeeper or the KIP-455 API) lives in kafka_reassign_partitions.cc.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clients/consumer_groups.h"
#include "clients/tools/options.h"
#include "clients/tools/tool.h"

namespace kb::tools {

// partition -> replicas, sorted (the order every document and output line uses).
using PartitionAssignment = std::map<clients::TopicPartition, std::vector<int32_t>>;

enum class ReassignAction { kGenerate, kExecute, kVerify };

struct ReassignCommand {
  ReassignAction action = ReassignAction::kVerify;
  std::optional<std::string> zookeeper;  // else --bootstrap-server (the KIP-455 API)
  // --generate
  std::vector<std::string> topics_to_move;
  std::vector<int32_t> broker_list;
  bool disable_rack_aware = false;
  // --execute / --verify
  PartitionAssignment reassignment;
  bool wait = false;  // --verify --wait: poll until nothing is in progress
};

// Validates the options as Kafka 2.4 does (exactly one action, each action's required file
// options, --broker-list only with --generate, ...), refuses --throttle (the brokers have no
// replication quotas) and reads the JSON files through `read_file` (tests pass a fake). Throws
// UsageError, or std::runtime_error for a bad document (Kafka's AdminCommandFailedException).
ReassignCommand parse_reassign_command(
    const ParsedOptions& options, const std::function<std::string(const std::string&)>& read_file);

// {"version":1,"topics":[{"topic":"foo"}]}: the topic names, in order. Throws runtime_error for
// malformed JSON, an unsupported version and duplicate topics.
std::vector<std::string> parse_topics_to_move_json(const std::string& json);

// {"version":1,"partitions":[{"topic":..,"partition":..,"replicas":[..],"log_dirs":[..]}]}.
// Throws runtime_error with Kafka's messages: invalid JSON, unsupported version, empty plan,
// empty replica list, duplicate partitions, duplicate replicas, log_dirs of another size, and
// log dirs other than "any" (moving between log dirs needs AlterReplicaLogDirs).
PartitionAssignment parse_reassignment_json(const std::string& json);

// Kafka's formatAsReassignmentJson (log_dirs all "any"), compact, partitions sorted.
std::string format_reassignment_json(const PartitionAssignment& assignment);

// "1,2,3" -> ids. Throws UsageError for a malformed id or duplicates.
std::vector<int32_t> parse_broker_list(const std::string& text);

// --generate: each topic of `current` gets Kafka's AdminUtils placement over `brokers` with its
// partition count and the replication factor of its first partition; rack-aware when `racks`
// names a rack for a broker and not disabled. `fixed_start_index` replaces Kafka's random
// start index and shift (tests). Throws runtime_error when a replication factor exceeds the
// broker count ("Replication factor: 3 larger than available brokers: 2.").
PartitionAssignment generate_assignment(const PartitionAssignment& current,
                                        const std::vector<int32_t>& brokers,
                                        const std::map<int32_t, std::string>& racks,
                                        bool disable_rack_aware,
                                        std::optional<int32_t> fixed_start_index = std::nullopt);

// Kafka's parseAndValidate against the cluster: every partition must exist in `current` and
// every replica must be a registered broker. Throws runtime_error with Kafka's messages.
void validate_against_cluster(const PartitionAssignment& proposed,
                              const PartitionAssignment& current, const std::set<int32_t>& brokers);

// Unknown topics in --topics-to-move-json-file, and broker ids of --broker-list that are not
// registered: one-line errors (Kafka 2.4 silently ignores both).
void validate_generate_inputs(const std::vector<std::string>& topics,
                              const std::set<std::string>& existing_topics,
                              const std::vector<int32_t>& broker_list,
                              const std::set<int32_t>& brokers);

enum class ReassignmentStatus { kCompleted, kInProgress, kFailed };

// Kafka's checkIfPartitionReassignmentSucceeded: in progress when `in_progress` holds the
// partition, completed when its replicas equal the plan's, failed otherwise.
std::map<clients::TopicPartition, ReassignmentStatus> reassignment_statuses(
    const PartitionAssignment& proposed, const PartitionAssignment& current,
    const std::set<clients::TopicPartition>& in_progress);

// "Status of partition reassignment:" and one line per partition ("Reassignment of partition
// foo-0 completed successfully" / "is still in progress" / "failed"); the "ERROR: Assigned
// replicas (..) don't match ..." line before a failure as Kafka prints it. JSON: {"partitions":
// [{"topic":..,"partition":..,"status":"completed|in_progress|failed"}]}.
std::string format_verify(const std::map<clients::TopicPartition, ReassignmentStatus>& statuses,
                          const PartitionAssignment& proposed, const PartitionAssignment& current,
                          OutputFormat format);

// --generate's output: "Current partition replica assignment", the current plan, a blank line,
// "Proposed partition reassignment configuration" and the proposal. JSON: {"current":..,
// "proposed":..}.
std::string format_generate(const PartitionAssignment& current, const PartitionAssignment& proposed,
                            OutputFormat format);

// --execute's rollback note: "Current partition replica assignment\n\n<json>\n\nSave this to use
// as the --reassignment-json-file option during rollback\n".
std::string format_current_for_rollback(const PartitionAssignment& current);

// The progress line of --verify --wait: "Waiting for 2 of 5 partition reassignment(s) to
// complete" (stderr).
std::string format_progress(const std::map<clients::TopicPartition, ReassignmentStatus>& statuses);

}  // namespace kb::tools
