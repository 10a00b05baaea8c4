#include "coordinator/controller/channel/request_encoding.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/logging.h"
#include "protocol/messages/leader_and_isr.h"
#include "protocol/messages/stop_replica.h"
#include "protocol/messages/update_metadata.h"
#include "protocol/wire.h"

namespace kb::coordinator::controller {
namespace {

constexpr const char* kLogChannel = "controller-channel";

// ---- inter.broker.protocol.version ----

// A comparable form of an IBP: (major, minor, patch, internal version). "0.10.2" style versions
// use all three numbers; "2.4" style ones have patch 0. A version without "-IVn" means the
// release's last internal version, which no threshold below exceeds.
using IbpKey = std::tuple<int, int, int, int>;
constexpr int kLatestInternalVersion = 1000;

int parse_number(std::string_view text, const std::string& whole) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    throw std::invalid_argument("invalid inter.broker.protocol.version: " + whole);
  }
  return value;
}

IbpKey parse_ibp(const std::string& text) {
  std::string_view view(text);
  int internal = kLatestInternalVersion;
  if (auto dash = view.find('-'); dash != std::string_view::npos) {
    std::string_view suffix = view.substr(dash + 1);
    if (suffix.size() < 3 || suffix.substr(0, 2) != "IV") {
      throw std::invalid_argument("invalid inter.broker.protocol.version: " + text);
    }
    internal = parse_number(suffix.substr(2), text);
    view = view.substr(0, dash);
  }
  std::vector<int> numbers;
  while (true) {
    auto dot = view.find('.');
    numbers.push_back(parse_number(view.substr(0, dot), text));
    if (dot == std::string_view::npos) break;
    view = view.substr(dot + 1);
  }
  if (numbers.size() < 2) {
    throw std::invalid_argument("invalid inter.broker.protocol.version: " + text);
  }
  // Like Kafka, "0.10.2.1" means 0.10.2 and "2.4.1" means 2.4: patch releases share a protocol.
  if (numbers[0] == 0) {
    if (numbers.size() < 3) {
      throw std::invalid_argument("invalid inter.broker.protocol.version: " + text);
    }
    return {0, numbers[1], numbers[2], internal};
  }
  return {numbers[0], numbers[1], 0, internal};
}

// The first IBP at which each version became the controller's choice (Kafka's
// ControllerChannelManager), highest first.
struct VersionStep {
  IbpKey since;
  int16_t version;
};
constexpr std::array kLeaderAndIsrSteps{VersionStep{{2, 4, 0, 1}, 4}, VersionStep{{2, 4, 0, 0}, 3},
                                        VersionStep{{2, 2, 0, 0}, 2}, VersionStep{{1, 0, 0, 0}, 1}};
constexpr std::array kUpdateMetadataSteps{
    VersionStep{{2, 4, 0, 1}, 6},  VersionStep{{2, 2, 0, 0}, 5},  VersionStep{{1, 0, 0, 0}, 4},
    VersionStep{{0, 10, 2, 0}, 3}, VersionStep{{0, 10, 0, 1}, 2}, VersionStep{{0, 9, 0, 0}, 1}};
constexpr std::array kStopReplicaSteps{VersionStep{{2, 4, 0, 1}, 2}, VersionStep{{2, 2, 0, 0}, 1}};

template <size_t N>
int16_t version_for(const IbpKey& ibp, const std::array<VersionStep, N>& steps) {
  for (const auto& step : steps) {
    if (ibp >= step.since) return step.version;
  }
  return 0;
}

// ---- request building helpers ----

std::vector<int32_t> ids(const std::vector<BrokerId>& brokers) {
  std::vector<int32_t> out;
  out.reserve(brokers.size());
  for (BrokerId b : brokers) out.push_back(b.value());
  return out;
}

int64_t broker_epoch_of(const ControllerContext& context, BrokerId target) {
  auto it = context.live_brokers.find(target);
  return it == context.live_brokers.end() ? -1 : it->second.epoch.value();
}

// Kafka's SecurityProtocol ids.
int16_t security_protocol_id(const std::string& name) {
  if (name == "PLAINTEXT") return 0;
  if (name == "SSL") return 1;
  if (name == "SASL_PLAINTEXT") return 2;
  if (name == "SASL_SSL") return 3;
  return 0;  // unknown names only come from hand-written registrations; PLAINTEXT is the default
}

const EndPoint* find_endpoint(const BrokerInfo& info, const std::string& listener_name) {
  for (const auto& endpoint : info.endpoints) {
    if (endpoint.listener_name == listener_name) return &endpoint;
  }
  return nullptr;
}

// Appends one entry per partition to `out`, grouped under their topic (topics in the order in
// which they first appear), for the request versions that group partitions by topic.
template <typename TopicEntry, typename Name, typename Entries, typename Partition,
          typename ToEntry>
void group_by_topic(const std::vector<Partition>& partitions, std::vector<TopicEntry>& out,
                    Name TopicEntry::*name, Entries TopicEntry::*entries, const ToEntry& to_entry) {
  std::unordered_map<std::string_view, size_t> index_of_topic;
  for (const auto& p : partitions) {
    auto [it, added] = index_of_topic.try_emplace(p.partition.topic, out.size());
    if (added) {
      out.emplace_back();
      out.back().*name = p.partition.topic;
    }
    (out[it->second].*entries).push_back(to_entry(p));
  }
}

template <typename Message>
std::vector<uint8_t> encode_body(const Message& message, int16_t version) {
  protocol::OutBuffer out;
  protocol::Writer writer(out);
  message.encode(writer, version);
  return out.flatten();
}

std::vector<int32_t> reassignment_part(const ControllerContext& context, const TopicPartition& tp,
                                       const ReplicaAssignment TopicAssignment::*field) {
  auto topic = context.topics.find(tp.topic);
  if (topic == context.topics.end()) return {};
  const ReplicaAssignment& assignment = topic->second.*field;
  auto it = assignment.find(tp.partition);
  return it == assignment.end() ? std::vector<int32_t>{} : it->second;
}

EncodedRequest encode_leader_and_isr(const ControllerContext& context,
                                     const LeaderAndIsrRequest& request, int16_t version,
                                     const std::string& inter_broker_listener_name) {
  protocol::LeaderAndIsrRequest message;
  message.controller_id = context.controller_id.value();
  message.controller_epoch = context.epoch.value();
  message.broker_epoch = broker_epoch_of(context, request.target);

  auto to_state = [&](const LeaderAndIsrPartition& p) {
    protocol::LeaderAndIsrPartitionState s;
    s.topic_name = p.partition.topic;
    s.partition_index = p.partition.partition;
    s.controller_epoch = p.state.controller_epoch.value();
    s.leader = p.state.leader.value();
    s.leader_epoch = p.state.leader_epoch.value();
    s.isr = ids(p.state.isr);
    s.zk_version = p.zk_version.value();
    s.replicas = ids(p.replicas);
    s.adding_replicas = reassignment_part(context, p.partition, &TopicAssignment::adding_replicas);
    s.removing_replicas =
        reassignment_part(context, p.partition, &TopicAssignment::removing_replicas);
    s.is_new = p.is_new;
    return s;
  };
  if (version >= 2) {
    using Topic = protocol::LeaderAndIsrRequest::LeaderAndIsrTopicState;
    group_by_topic(request.partitions, message.topic_states, &Topic::topic_name,
                   &Topic::partition_states, to_state);
  } else {
    for (const auto& p : request.partitions)
      message.ungrouped_partition_states.push_back(to_state(p));
  }

  for (BrokerId leader : request.live_leaders) {
    auto it = context.live_brokers.find(leader);
    const EndPoint* endpoint = it == context.live_brokers.end()
                                   ? nullptr
                                   : find_endpoint(it->second.info, inter_broker_listener_name);
    if (endpoint == nullptr) {
      // Kafka would fail the whole batch here; leaving the leader out only costs the follower a
      // wait for the UpdateMetadata that names it.
      KB_LOG_WARN(kLogChannel) << "Leader " << leader << " has no " << inter_broker_listener_name
                               << " endpoint; left out of LeaderAndIsr live leaders";
      continue;
    }
    message.live_leaders.push_back({leader.value(), endpoint->host, endpoint->port});
  }
  return {protocol::LeaderAndIsrRequest::kApiKey, version, encode_body(message, version)};
}

EncodedRequest encode_update_metadata(const ControllerContext& context,
                                      const UpdateMetadataRequest& request, int16_t version) {
  protocol::UpdateMetadataRequest message;
  message.controller_id = context.controller_id.value();
  message.controller_epoch = context.epoch.value();
  message.broker_epoch = broker_epoch_of(context, request.target);

  auto to_state = [](const UpdateMetadataPartition& p) {
    protocol::UpdateMetadataPartitionState s;
    s.topic_name = p.partition.topic;
    s.partition_index = p.partition.partition;
    s.controller_epoch = p.state.controller_epoch.value();
    s.leader = p.state.leader.value();  // kLeaderDuringDelete (-2) passes through
    s.leader_epoch = p.state.leader_epoch.value();
    s.isr = ids(p.state.isr);
    s.zk_version = p.zk_version.value();
    s.replicas = ids(p.replicas);
    s.offline_replicas = ids(p.offline_replicas);
    return s;
  };
  if (version >= 5) {
    using Topic = protocol::UpdateMetadataRequest::UpdateMetadataTopicState;
    group_by_topic(request.partitions, message.topic_states, &Topic::topic_name,
                   &Topic::partition_states, to_state);
  } else {
    for (const auto& p : request.partitions)
      message.ungrouped_partition_states.push_back(to_state(p));
  }

  for (BrokerId id : request.live_brokers) {
    auto it = context.live_brokers.find(id);
    if (it == context.live_brokers.end()) continue;
    const BrokerInfo& info = it->second.info;
    protocol::UpdateMetadataRequest::UpdateMetadataBroker broker;
    broker.id = id.value();
    broker.rack = info.rack;
    if (version == 0) {
      // v0 knows a single PLAINTEXT host/port per broker.
      const EndPoint* plaintext = find_endpoint(info, "PLAINTEXT");
      if (plaintext == nullptr) {
        KB_LOG_WARN(kLogChannel) << "Broker " << id
                                 << " has no PLAINTEXT endpoint; left out of UpdateMetadata v0";
        continue;
      }
      broker.v0_host = plaintext->host;
      broker.v0_port = plaintext->port;
    } else {
      for (const auto& endpoint : info.endpoints) {
        broker.endpoints.push_back({endpoint.port, endpoint.host, endpoint.listener_name,
                                    security_protocol_id(endpoint.security_protocol)});
      }
    }
    message.live_brokers.push_back(std::move(broker));
  }
  return {protocol::UpdateMetadataRequest::kApiKey, version, encode_body(message, version)};
}

EncodedRequest encode_stop_replica(const ControllerContext& context,
                                   const StopReplicaRequest& request, int16_t version) {
  protocol::StopReplicaRequest message;
  message.controller_id = context.controller_id.value();
  message.controller_epoch = context.epoch.value();
  message.broker_epoch = broker_epoch_of(context, request.target);
  message.delete_partitions = request.delete_partitions;
  // v0-2 carry no leader epoch (that came with v3, Kafka 2.6): StopReplicaPartition.leader_epoch
  // is not sent.
  if (version >= 1) {
    using Topic = protocol::StopReplicaRequest::StopReplicaTopic;
    group_by_topic(request.partitions, message.topics, &Topic::name, &Topic::partition_indexes,
                   [](const StopReplicaPartition& p) { return p.partition.partition; });
  } else {
    for (const auto& p : request.partitions) {
      message.ungrouped_partitions.push_back({p.partition.topic, p.partition.partition});
    }
  }
  return {protocol::StopReplicaRequest::kApiKey, version, encode_body(message, version)};
}

}  // namespace

InterBrokerVersions inter_broker_versions(const std::string& inter_broker_protocol_version) {
  const IbpKey ibp = parse_ibp(inter_broker_protocol_version);
  InterBrokerVersions versions;
  versions.leader_and_isr = version_for(ibp, kLeaderAndIsrSteps);
  versions.update_metadata = version_for(ibp, kUpdateMetadataSteps);
  versions.stop_replica = version_for(ibp, kStopReplicaSteps);
  return versions;
}

EncodedRequest encode_broker_request(const ControllerContext& context, const BrokerRequest& request,
                                     const InterBrokerVersions& versions,
                                     const std::string& inter_broker_listener_name) {
  struct Visitor {
    const ControllerContext& context;
    const InterBrokerVersions& versions;
    const std::string& listener;
    EncodedRequest operator()(const LeaderAndIsrRequest& r) const {
      return encode_leader_and_isr(context, r, versions.leader_and_isr, listener);
    }
    EncodedRequest operator()(const UpdateMetadataRequest& r) const {
      return encode_update_metadata(context, r, versions.update_metadata);
    }
    EncodedRequest operator()(const StopReplicaRequest& r) const {
      return encode_stop_replica(context, r, versions.stop_replica);
    }
  };
  return std::visit(Visitor{context, versions, inter_broker_listener_name}, request);
}

TopicDeletionStopReplicaResponseEvent decode_stop_replica_response(BrokerId from,
                                                                   int16_t api_version,
                                                                   std::span<const uint8_t> body) {
  TopicDeletionStopReplicaResponseEvent event;
  event.replica = from;
  protocol::StopReplicaResponse response;
  try {
    protocol::Reader reader(body);
    response.decode(reader, api_version);
  } catch (const protocol::DecodeError& e) {
    // An unreadable answer counts as a failure: deletion marks the topic ineligible and retries.
    KB_LOG_WARN(kLogChannel) << "Malformed StopReplica v" << api_version << " response from broker "
                             << from << ": " << e.what();
    event.error = ErrorCode::kUnknownServerError;
    return event;
  }
  event.error = static_cast<ErrorCode>(response.error_code);
  for (const auto& p : response.partition_errors) {
    event.partition_errors[TopicPartition{p.topic_name, p.partition_index}] =
        static_cast<ErrorCode>(p.error_code);
  }
  return event;
}

}  // namespace kb::coordinator::controller
