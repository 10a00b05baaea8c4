#include "broker/metadata_update.h"

#include <algorithm>

#include "protocol/messages/update_metadata.h"

namespace kb::broker {

namespace {

using protocol::UpdateMetadataPartitionState;
using protocol::UpdateMetadataRequest;

// A slot for a partition number the controller has not described (yet); it has no replicas.
bool is_unknown_slot(const PartitionInfo& p) {
  return p.replicas.empty();
}

std::vector<BrokerEndpoint> live_brokers(const UpdateMetadataRequest& request, int16_t version,
                                         const std::string& client_listener) {
  std::vector<BrokerEndpoint> out;
  for (const auto& b : request.live_brokers) {
    BrokerEndpoint e;
    e.id = b.id;
    if (version == 0) {
      e.endpoints.push_back({"PLAINTEXT", b.v0_host, b.v0_port, 0});
    } else {
      for (const auto& ep : b.endpoints) {
        // Before v3 an endpoint has no listener name; its security protocol names it.
        std::string listener =
            version >= 3 ? ep.listener : security_protocol_name(ep.security_protocol);
        e.endpoints.push_back({std::move(listener), ep.host, ep.port, ep.security_protocol});
      }
    }
    if (version >= 2) e.rack = b.rack;
    const ListenerEndpoint* advertised = e.endpoints.empty() ? nullptr : &e.endpoints.front();
    for (const auto& ep : e.endpoints) {
      if (ep.listener == client_listener) {
        advertised = &ep;
        break;
      }
    }
    if (advertised != nullptr) {
      e.host = advertised->host;
      e.port = advertised->port;
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

void remove_partition(std::map<std::string, TopicInfo>& topics, const std::string& topic,
                      int32_t partition) {
  auto it = topics.find(topic);
  if (it == topics.end()) return;
  auto& partitions = it->second.partitions;
  if (partition >= 0 && partition < static_cast<int32_t>(partitions.size())) {
    partitions[partition] = PartitionInfo{};
    partitions[partition].partition = partition;
  }
  while (!partitions.empty() && is_unknown_slot(partitions.back())) partitions.pop_back();
  if (partitions.empty()) topics.erase(it);
}

void merge_partition(MetadataSnapshot& next, const std::string& topic,
                     const UpdateMetadataPartitionState& state,
                     const MetadataUpdateOptions& options) {
  if (state.partition_index < 0) return;
  if (state.leader == kLeaderDuringDelete) {
    remove_partition(next.topics, topic, state.partition_index);
    return;
  }
  auto [it, inserted] = next.topics.try_emplace(topic);
  TopicInfo& info = it->second;
  if (inserted) {
    info.name = topic;
    info.internal = is_internal_topic(topic);
    if (options.topic_config) {
      TopicConfigValues values = options.topic_config(topic);
      info.config_overrides = std::move(values.overrides);
      info.min_insync_replicas = values.min_insync_replicas;
      info.max_message_bytes = values.max_message_bytes;
      info.compacted = values.compacted;
    }
  }
  auto index = static_cast<size_t>(state.partition_index);
  while (info.partitions.size() <= index) {
    PartitionInfo slot;
    slot.partition = static_cast<int32_t>(info.partitions.size());
    info.partitions.push_back(std::move(slot));
  }
  PartitionInfo& p = info.partitions[index];
  p.partition = state.partition_index;
  p.leader = state.leader;
  p.leader_epoch = state.leader_epoch;
  p.controller_epoch = state.controller_epoch;
  p.replicas = state.replicas;
  p.isr = state.isr;
  p.offline_replicas = state.offline_replicas;  // empty before v4, as in Kafka
}

}  // namespace

std::string security_protocol_name(int16_t id) {
  switch (id) {
    case 0:
      return "PLAINTEXT";
    case 1:
      return "SSL";
    case 2:
      return "SASL_PLAINTEXT";
    case 3:
      return "SASL_SSL";
    default:
      return "UNKNOWN_" + std::to_string(id);
  }
}

bool is_internal_topic(const std::string& topic) {
  return topic == "__consumer_offsets" || topic == "__transaction_state";
}

MetadataSnapshot apply_update_metadata(const MetadataSnapshot& previous,
                                       const UpdateMetadataRequest& request, int16_t version,
                                       const MetadataUpdateOptions& options) {
  MetadataSnapshot next = previous;
  next.controller_id = request.controller_id;
  next.brokers = live_brokers(request, version, options.client_listener);
  if (version <= 4) {
    for (const auto& state : request.ungrouped_partition_states)
      merge_partition(next, state.topic_name, state, options);
  } else {
    for (const auto& topic : request.topic_states) {
      for (const auto& state : topic.partition_states)
        merge_partition(next, topic.topic_name, state, options);
    }
  }
  return next;
}

MetadataSnapshot with_topic_config(const MetadataSnapshot& previous, const std::string& topic,
                                   const TopicConfigValues& values) {
  MetadataSnapshot next = previous;
  auto it = next.topics.find(topic);
  if (it == next.topics.end()) return next;
  it->second.config_overrides = values.overrides;
  it->second.min_insync_replicas = values.min_insync_replicas;
  it->second.max_message_bytes = values.max_message_bytes;
  it->second.compacted = values.compacted;
  return next;
}

}  // namespace kb::broker
