#pragma once
// kafka-consumer-groups (Kafka 2.4's ConsumerGroupCommand): the command line and its checks
// (group_options.cc), the reset-offset computation as a pure function (group_reset.cc), the
// output in Kafka 2.4's column layout or JSON (group_format.cc), and the run against the cluster
// through kb_clients (consumer_groups_admin.cc).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clients/consumer_groups.h"
#include "clients/tools/options.h"
#include "clients/tools/tool.h"

namespace kb::tools {

using clients::TopicPartition;

enum class GroupAction { kList, kDescribe, kDelete, kResetOffsets, kDeleteOffsets };
enum class DescribeMode { kOffsets, kMembers, kState };

enum class ResetMode {
  kToEarliest,
  kToLatest,
  kToCurrent,
  kToOffset,
  kShiftBy,
  kToDatetime,
  kByDuration,
  kFromFile
};

struct ResetSpec {
  ResetMode mode = ResetMode::kToEarliest;
  int64_t offset = 0;       // kToOffset
  int64_t shift = 0;        // kShiftBy
  int64_t timestamp = 0;    // kToDatetime: milliseconds since the epoch
  int64_t duration_ms = 0;  // kByDuration: the target is now minus this
  std::string file;         // kFromFile
};

// --topic value: "t" (every partition) or "t:0,2".
struct TopicScope {
  std::string topic;
  std::vector<int32_t> partitions;  // empty: all
  bool operator==(const TopicScope&) const = default;
};

struct GroupCommand {
  GroupAction action = GroupAction::kList;
  std::vector<std::string> groups;
  bool all_groups = false;
  DescribeMode describe_mode = DescribeMode::kOffsets;
  bool verbose = false;
  std::vector<TopicScope> topics;
  bool all_topics = false;
  std::optional<ResetSpec> reset;
  bool execute = false;
  // Neither --dry-run nor --execute: a dry run, with Kafka's notice on stderr.
  bool dry_run_implicit = false;
  bool export_csv = false;
  std::optional<int64_t> timeout_ms;  // --timeout
};

std::vector<OptionSpec> group_command_options();

// Kafka 2.4's checkArgs plus value parsing. Throws UsageError with Kafka's wording
// ("Command must include exactly one action: ...", "Option [describe] takes one of these
// options: [group], [all-groups]", "Option \"[x]\" can't be used with option \"[y]\"").
GroupCommand parse_group_command(const ParsedOptions& options);

// "2024-01-31T12:00:00.000" (UTC), with an optional zone "Z", "+01", "+0100" or "+01:00";
// milliseconds since the epoch. The fraction may have 1-3 digits or be left out. Throws
// UsageError naming the required format.
int64_t parse_datetime(const std::string& text);
// ISO-8601 duration as Java's Duration.parse reads it ("PnDTnHnMn.nS", e.g. "P1DT2H",
// "PT30M", "-PT1S"); milliseconds. Throws UsageError.
int64_t parse_duration_ms(const std::string& text);
TopicScope parse_topic_scope(const std::string& text);
// A --from-file plan: lines "topic,partition,offset" (when exactly one --group is given) or
// "group,topic,partition,offset"; blank lines ignored. Throws UsageError naming the bad line.
std::map<std::string, std::map<TopicPartition, int64_t>> parse_reset_plan(
    const std::string& csv, const std::vector<std::string>& groups);

extern const char* const kDryRunNotice;

// ---- reset computation ----
// What is known about one partition when the new offset is computed. Missing values are the
// ones the cluster could not give (or were not asked for).
struct PartitionOffsets {
  std::optional<int64_t> committed;
  std::optional<int64_t> log_start;
  std::optional<int64_t> log_end;
  // ListOffsets by timestamp: nullopt when not asked or failed, -1 when no record is that new.
  std::optional<int64_t> at_timestamp;
  std::optional<int64_t> requested;  // --from-file: the plan's offset
};

struct ResetPlan {
  std::map<TopicPartition, int64_t> offsets;
  std::vector<std::string> warnings;  // Kafka's clamping warnings, one line each
};

// Kafka 2.4's prepareOffsetsToReset for one group: to-earliest/to-latest take the log start/end;
// to-current keeps the committed offset (the log end when there is none); to-offset, shift-by
// and from-file are clamped to [log start, log end] with a warning; to-datetime/by-duration take
// the first offset at or after the time (the log end when every record is older). Throws
// std::runtime_error naming the partition when a needed value is missing (shift-by without a
// committed offset, an offset the cluster did not return).
ResetPlan compute_reset(const ResetSpec& spec,
                        const std::map<TopicPartition, PartitionOffsets>& partitions);

// ---- output ----
// One row of --describe --offsets; unset values print as "-".
struct OffsetRow {
  std::string group;
  std::optional<std::string> topic;
  std::optional<int32_t> partition;
  std::optional<int64_t> current_offset;
  std::optional<int64_t> log_end_offset;
  std::optional<int64_t> lag;
  std::optional<std::string> consumer_id;
  std::optional<std::string> host;
  std::optional<std::string> client_id;
};

struct MemberRow {
  std::string group;
  std::string consumer_id;
  std::string group_instance_id;  // empty without static membership
  std::string host;
  std::string client_id;
  std::vector<TopicPartition> assignment;
};

struct StateRow {
  std::string group;
  std::string coordinator;  // "host:port (id)"
  std::string assignment_strategy;
  std::string state;
  int32_t members = 0;
};

// What one group's --describe shows; `exists` false for a group in state Dead.
struct GroupReport {
  std::string group;
  std::string state;
  bool exists = true;
  std::vector<OffsetRow> offsets;
  std::vector<MemberRow> members;
  std::optional<StateRow> state_row;
};

// Kafka's rows: members with partitions first (most partitions first), each member's partitions
// in order, then committed partitions no member owns, with "-" for the consumer columns.
std::vector<OffsetRow> build_offset_rows(
    const clients::GroupDescription& group,
    const std::map<TopicPartition, clients::CommittedOffset>& committed,
    const std::map<TopicPartition, clients::ListedOffset>& log_end);

// The text tables, each starting with the blank line Kafka prints (trailing newline included).
std::string format_offsets_table(const std::vector<OffsetRow>& rows);
std::string format_members_table(const std::vector<MemberRow>& rows, bool verbose);
std::string format_state_table(const StateRow& row);
// What stderr gets before a group's table: "\nConsumer group 'g' has no active members.\n" for
// an Empty group, the rebalancing warning, or "" for a stable one.
std::string group_state_notice(const std::string& group, const std::string& state);
std::string format_reset_plan(const std::map<std::string, std::map<TopicPartition, int64_t>>& plan);
std::string format_reset_csv(const std::map<std::string, std::map<TopicPartition, int64_t>>& plan,
                             bool with_group);

std::string render_group_list(const std::vector<clients::GroupListing>& groups,
                              OutputFormat format);
std::string render_describe_json(const std::vector<GroupReport>& reports, DescribeMode mode);

int run_consumer_groups(const GroupCommand& cmd, ToolContext& ctx);

}  // namespace kb::tools
