#include "clients/tools/api_versions_format.h"

#include <algorithm>

namespace kb::tools {

namespace {

// Kafka 2.4's ApiKeys, by id.
const char* const kKafkaApiNames[] = {
    "Produce",
    "Fetch",
    "ListOffsets",
    "Metadata",
    "LeaderAndIsr",
    "StopReplica",
    "UpdateMetadata",
    "ControlledShutdown",
    "OffsetCommit",
    "OffsetFetch",
    "FindCoordinator",
    "JoinGroup",
    "Heartbeat",
    "LeaveGroup",
    "SyncGroup",
    "DescribeGroups",
    "ListGroups",
    "SaslHandshake",
    "ApiVersions",
    "CreateTopics",
    "DeleteTopics",
    "DeleteRecords",
    "InitProducerId",
    "OffsetForLeaderEpoch",
    "AddPartitionsToTxn",
    "AddOffsetsToTxn",
    "EndTxn",
    "WriteTxnMarkers",
    "TxnOffsetCommit",
    "DescribeAcls",
    "CreateAcls",
    "DeleteAcls",
    "DescribeConfigs",
    "AlterConfigs",
    "AlterReplicaLogDirs",
    "DescribeLogDirs",
    "SaslAuthenticate",
    "CreatePartitions",
    "CreateDelegationToken",
    "RenewDelegationToken",
    "ExpireDelegationToken",
    "DescribeDelegationToken",
    "DeleteGroups",
    "ElectLeaders",
    "IncrementalAlterConfigs",
    "AlterPartitionReassignments",
    "ListPartitionReassignments",
    "OffsetDelete",
};
static_assert(std::size(kKafkaApiNames) == kLastKafkaApiKey + 1);

std::string range_text(const clients::VersionRange& r) {
  if (r.min_version == r.max_version) return std::to_string(r.min_version);
  return std::to_string(r.min_version) + " to " + std::to_string(r.max_version);
}

}  // namespace

std::optional<std::string> kafka_api_name(int16_t key) {
  if (key < 0 || key > kLastKafkaApiKey) return std::nullopt;
  return kKafkaApiNames[key];
}

std::string format_node(const std::string& host, int32_t port, int32_t id,
                        const std::optional<std::string>& rack) {
  return host + ":" + std::to_string(port) + " (id: " + std::to_string(id) +
         " rack: " + rack.value_or("null") + ")";
}

std::string format_api_versions(const std::map<int16_t, clients::VersionRange>& broker) {
  std::map<int16_t, std::string> lines;
  for (const auto& [key, range] : broker) {
    auto name = kafka_api_name(key);
    std::string line =
        (name ? *name : "UNKNOWN") + "(" + std::to_string(key) + "): " + range_text(range);
    if (name) {
      if (auto ours = clients::client_versions(key)) {
        if (ours->max_version < range.min_version) {
          line += " [unusable: node too new]";
        } else if (range.max_version < ours->min_version) {
          line += " [unusable: node too old]";
        } else {
          line +=
              " [usable: " + std::to_string(std::min(ours->max_version, range.max_version)) + "]";
        }
      }
    }
    lines[key] = std::move(line);
  }
  // Keys the broker does not list at all (an older broker) show as UNSUPPORTED.
  for (int16_t key = 0; key <= kLastKafkaApiKey; ++key) {
    if (!lines.count(key))
      lines[key] = *kafka_api_name(key) + "(" + std::to_string(key) + "): UNSUPPORTED";
  }
  std::string out = "(\n\t";
  bool first = true;
  for (const auto& [key, line] : lines) {
    if (!first) out += ",\n\t";
    first = false;
    out += line;
  }
  return out + "\n)";
}

}  // namespace kb::tools
