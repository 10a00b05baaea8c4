#include "clients/tools/leader_election.h"

#include <algorithm>
#include <set>

#include "clients/errors.h"
#include "coordinator/znodes.h"

namespace kb::tools {

namespace {

std::string join(const std::vector<clients::TopicPartition>& partitions) {
  std::string out;
  for (const auto& tp : partitions) out += (out.empty() ? "" : ", ") + tp.to_string();
  return out;
}

// Kafka prints the exception the admin client raised for the partition's error code.
std::string exception_text(const char* exception, ErrorCode code) {
  return std::string("org.apache.kafka.common.errors.") + exception + ": " +
         clients::error_message(code);
}

// The exception classes of the codes an ElectLeaders answer carries (Kafka's Errors table).
const char* exception_class(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnknownTopicOrPartition:
      return "UnknownTopicOrPartitionException";
    case ErrorCode::kRequestTimedOut:
      return "TimeoutException";
    case ErrorCode::kInvalidTopicException:
      return "InvalidTopicException";
    case ErrorCode::kClusterAuthorizationFailed:
      return "ClusterAuthorizationException";
    case ErrorCode::kNotController:
      return "NotControllerException";
    case ErrorCode::kInvalidRequest:
      return "InvalidRequestException";
    case ErrorCode::kUnsupportedVersion:
      return "UnsupportedVersionException";
    case ErrorCode::kPreferredLeaderNotAvailable:
      return "PreferredLeaderNotAvailableException";
    case ErrorCode::kEligibleLeadersNotAvailable:
      return "EligibleLeadersNotAvailableException";
    case ErrorCode::kElectionNotNeeded:
      return "ElectionNotNeededException";
    default:
      return "UnknownServerException";
  }
}

}  // namespace

std::string election_error_text(ErrorCode code, const std::optional<std::string>& message) {
  return std::string("org.apache.kafka.common.errors.") + exception_class(code) + ": " +
         clients::describe_error(code, message);
}

ElectionSummary summarize_election(
    const std::map<clients::TopicPartition, clients::ElectionResult>& results) {
  ElectionSummary out;
  for (const auto& [tp, r] : results) {
    if (r.error == ErrorCode::kNone) {
      out.succeeded.push_back(tp);
    } else if (r.error == ErrorCode::kElectionNotNeeded) {
      out.not_needed.push_back(tp);
    } else {
      out.failed[tp] = election_error_text(r.error, r.message);
    }
  }
  return out;
}

std::vector<clients::TopicPartition> parse_election_json(const std::string& json) {
  try {
    // Same document shape as the /admin/preferred_replica_election znode (without "version").
    std::vector<clients::TopicPartition> out;
    for (const auto& tp : coordinator::PreferredReplicaElectionZNode::decode(json)) {
      out.push_back({tp.topic, tp.partition});
    }
    return out;
  } catch (const std::exception& e) {
    throw UsageError(std::string("Invalid --path-to-json-file content: ") + e.what());
  }
}

ElectionCommand parse_election_command(
    const ParsedOptions& options, const std::function<std::string(const std::string&)>& read_file) {
  ElectionCommand cmd;
  auto type = options.value("election-type");
  if (!type) throw UsageError("Missing required argument \"[election-type]\"");
  std::string lower = *type;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "preferred") {
    cmd.type = ElectionType::kPreferred;
  } else if (lower == "unclean") {
    cmd.type = ElectionType::kUnclean;
  } else {
    throw UsageError("Invalid value '" + *type + "' for option --election-type: expected " +
                     "preferred or unclean");
  }
  int sources = int(options.has("topic")) + int(options.has("all-topic-partitions")) +
                int(options.has("path-to-json-file"));
  if (sources != 1) {
    throw UsageError(
        "One and only one of the following options is required: all-topic-partitions, topic, "
        "path-to-json-file");
  }
  if (options.has("partition") && !options.has("topic")) {
    throw UsageError("Option --partition is only valid with --topic");
  }
  if (auto topic = options.value("topic")) {
    auto partition = options.value("partition");
    if (!partition) throw UsageError("Missing required option(s) [partition]");
    if (topic->empty()) throw UsageError("Option --topic needs a topic name");
    cmd.partitions.push_back(
        {*topic, static_cast<int32_t>(parse_integer("partition", *partition, 0, INT32_MAX))});
  } else if (auto path = options.value("path-to-json-file")) {
    std::string text;
    try {
      text = read_file(*path);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    cmd.partitions = parse_election_json(text);
    if (cmd.partitions.empty()) {
      throw UsageError("Replica election data is empty in " + *path);
    }
    std::set<clients::TopicPartition> seen;
    for (const auto& tp : cmd.partitions) {
      if (!seen.insert(tp).second) {
        throw UsageError("Replica election data contains duplicate partitions: " + tp.to_string());
      }
    }
  } else {
    cmd.all_partitions = true;
  }
  return cmd;
}

ElectionPlan plan_preferred_election(const ElectionCommand& cmd,
                                     const clients::ClusterMetadata& metadata) {
  std::set<BrokerId> live;
  for (const auto& b : metadata.brokers) live.insert(b.id);
  std::vector<clients::TopicPartition> wanted = cmd.partitions;
  if (cmd.all_partitions) {
    for (const auto& [name, topic] : metadata.topics) {
      for (const auto& p : topic.partitions) wanted.push_back({name, p.id.value()});
    }
  }
  ElectionPlan plan;
  for (const auto& tp : wanted) {
    const clients::PartitionMetadata* found = nullptr;
    auto t = metadata.topics.find(tp.topic);
    if (t != metadata.topics.end()) {
      for (const auto& p : t->second.partitions) {
        if (p.id.value() == tp.partition) found = &p;
      }
    }
    if (!found || found->replicas.empty()) {
      plan.failed[tp] =
          exception_text("UnknownTopicOrPartitionException", ErrorCode::kUnknownTopicOrPartition);
      continue;
    }
    BrokerId preferred = found->replicas.front();
    if (found->leader == preferred) {
      plan.not_needed.push_back(tp);
    } else if (!live.count(preferred) ||
               std::find(found->isr.begin(), found->isr.end(), preferred) == found->isr.end()) {
      plan.failed[tp] = exception_text("PreferredLeaderNotAvailableException",
                                       ErrorCode::kPreferredLeaderNotAvailable);
    } else {
      plan.elect.push_back(tp);
    }
  }
  return plan;
}

std::string format_election_result(ElectionType type,
                                   const std::vector<clients::TopicPartition>& succeeded,
                                   const std::vector<clients::TopicPartition>& not_needed,
                                   const std::map<clients::TopicPartition, std::string>& failed) {
  std::string name = type == ElectionType::kPreferred ? "PREFERRED" : "UNCLEAN";
  std::string out;
  if (!succeeded.empty()) {
    out += "Successfully completed leader election (" + name + ") for partitions " +
           join(succeeded) + "\n";
  }
  // Kafka 2.4 prints the succeeded list here by mistake; we print the right one.
  if (!not_needed.empty()) {
    out += "Valid replica already elected for partitions " + join(not_needed) + "\n";
  }
  for (const auto& [tp, error] : failed) {
    out += "Error completing leader election (" + name + ") for partition: " + tp.to_string() +
           ": " + error + "\n";
  }
  return out;
}

}  // namespace kb::tools
