#pragma once
// kafka-topics: the command line (Kafka 2.4's TopicCommandOptions and its checks), the pieces
// both back ends share (topic selection, replica-assignment and config parsing, name
// validation, describe filters) and the output (Kafka 2.4's text lines, or JSON).
//
// The back ends: topics_admin.cc (--bootstrap-server, through the admin API) and topics_zk.cc
// (--zookeeper, reading and writing znodes as Kafka 2.4's ZookeeperTopicService does).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clients/tools/options.h"
#include "clients/tools/tool.h"

namespace kb::coordinator {
class ZkClient;
}

namespace kb::tools {

enum class TopicAction { kCreate, kList, kDescribe, kAlter, kDelete };

// Which partitions --describe prints (Kafka's DescribeOptions).
struct DescribeFilter {
  bool under_replicated = false;
  bool unavailable = false;
  bool under_min_isr = false;
  bool at_min_isr = false;
  bool topics_with_overrides = false;
  // The topic header line is printed unless a partition filter is given.
  bool describe_configs() const {
    return !under_replicated && !unavailable && !under_min_isr && !at_min_isr;
  }
  bool describe_partitions() const { return !topics_with_overrides; }
};

struct TopicCommand {
  TopicAction action = TopicAction::kList;
  std::optional<std::string> bootstrap_server;
  std::optional<std::string> zookeeper;
  std::optional<std::string> topic;  // a regular expression for list/describe/alter/delete
  std::optional<int32_t> partitions;
  std::optional<int16_t> replication_factor;
  std::vector<std::vector<int32_t>> replica_assignment;  // empty when not given
  std::map<std::string, std::string> configs;
  std::vector<std::string> delete_configs;
  bool if_exists = false;
  bool if_not_exists = false;
  bool exclude_internal = false;
  bool disable_rack_aware = false;
  DescribeFilter filter;
};

std::vector<OptionSpec> topic_command_options();

// Kafka 2.4's checkArgs, plus value parsing. Throws UsageError with Kafka's wording
// ("Command must include exactly one action: ...", "Option \"[x]\" can't be used with option
// \"[y]\"", "Missing required argument \"[topic]\"").
TopicCommand parse_topic_command(const ParsedOptions& options);

// "0:1:2,1:2:0" -> {{0,1,2},{1,2,0}}: partition i gets list i. Throws UsageError on duplicates
// within a list, differing list sizes, or non-numeric ids.
std::vector<std::vector<int32_t>> parse_replica_assignment(const std::string& text);

// {"a=1","b = 2"} -> {a:1, b:2}. Throws UsageError unless every entry is key=value.
std::map<std::string, std::string> parse_topic_configs(const std::vector<std::string>& entries);

// Kafka's Topic.validate: empty when legal, else the reason (one line).
std::string validate_topic_name(const std::string& name);
// True when the name has both '.' and '_'-style collision characters (Kafka warns).
bool has_collision_chars(const std::string& name);
extern const char* const kCollisionWarning;
extern const char* const kAddPartitionsWarning;

// Topics of `all` selected by --topic (a regex over the whole name, ',' meaning '|', as Kafka's
// Whitelist) and --exclude-internal; sorted.
std::vector<std::string> select_topics(const std::vector<std::string>& all,
                                       const std::optional<std::string>& pattern,
                                       bool exclude_internal,
                                       const std::set<std::string>& internal_topics);
bool is_internal_topic(const std::string& name);  // __consumer_offsets, __transaction_state
// Kafka's ensureTopicExists: an empty selection for a given --topic is an error ("Topic 't' does
// not exist as expected", std::invalid_argument) unless --if-exists was given.
void ensure_topic_exists(const std::vector<std::string>& selected, const TopicCommand& cmd);

// ---- describe ----
struct PartitionView {
  int32_t partition = 0;
  std::optional<int32_t> leader;  // nullopt: none
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  std::vector<int32_t> offline_replicas;
};

struct TopicView {
  std::string name;
  std::vector<std::pair<std::string, std::string>> configs;  // non-default, sorted
  bool marked_for_deletion = false;
  std::optional<int32_t> min_isr;         // min.insync.replicas when known (bootstrap mode)
  std::vector<PartitionView> partitions;  // sorted by partition
};

// What --describe prints for one topic after the filters: the header (or not) and the selected
// partitions.
struct DescribedTopic {
  const TopicView* topic = nullptr;
  bool show_header = false;
  std::vector<const PartitionView*> partitions;
};

DescribedTopic select_for_describe(const TopicView& topic, const DescribeFilter& filter,
                                   const std::set<int32_t>& live_brokers);

// Kafka 2.4's lines (no trailing newline):
//   "Topic: t\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: a=1,b=2"
//   "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3"
// each with "\tMarkedForDeletion: true" appended when marked.
std::string format_topic_line(const TopicView& topic);
std::string format_partition_line(const TopicView& topic, const PartitionView& partition);

// Whole outputs (trailing newline included).
std::string render_describe(const std::vector<DescribedTopic>& topics, OutputFormat format);
std::string render_list(const std::vector<std::string>& topics,
                        const std::set<std::string>& marked_for_deletion, OutputFormat format);

// A ZooKeeper session for a --zookeeper tool, connected within `timeout`. Unlike a broker it
// never creates a missing chroot: that is an error. Throws coordinator::ZkError /
// std::runtime_error with one-line messages.
std::unique_ptr<coordinator::ZkClient> connect_zookeeper(const std::string& connect_string,
                                                         std::chrono::milliseconds timeout);

// The data of every path (nullopt for a missing node), read with pipelined asynchronous calls:
// one round trip's latency for thousands of partition states instead of one per node. Throws
// std::runtime_error on another ZooKeeper error or when `timeout` passes.
std::vector<std::optional<std::string>> read_znodes(coordinator::ZkClient& zk,
                                                    const std::vector<std::string>& paths,
                                                    std::chrono::milliseconds timeout);

// Checks topic config overrides against the built-in broker defaults before a --zookeeper tool
// writes them (no broker sees them first). Throws config::ConfigError (one-line what()).
void validate_topic_configs_locally(const std::map<std::string, std::string>& configs,
                                    const std::string& zk_connect);

// Runs the validated command against the cluster; returns the exit code.
int run_topics_admin(const TopicCommand& cmd, ToolContext& ctx);
int run_topics_zookeeper(const TopicCommand& cmd, ToolContext& ctx);

}  // namespace kb::tools
