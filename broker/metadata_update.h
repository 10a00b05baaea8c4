#pragma once
// How an UpdateMetadata request changes this broker's view of the cluster (Kafka's
// MetadataCache.updateMetadata): the live broker list is replaced, the controller id is taken
// from the request, and the partition states it carries are merged into the previous snapshot.
// A partition whose leader is -2 (LeaderDuringDelete) belongs to a topic being deleted and is
// removed; a topic left without partitions disappears.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "broker/metadata_cache.h"

namespace kb::protocol {
struct UpdateMetadataRequest;
}

namespace kb::broker {

// The leader id the controller sends for partitions of topics being deleted.
inline constexpr int32_t kLeaderDuringDelete = -2;

// The per-topic config values the metadata snapshot carries.
struct TopicConfigValues {
  std::map<std::string, std::string> overrides;
  int32_t min_insync_replicas = 1;
  int32_t max_message_bytes = 1048588;
  bool compacted = false;  // cleanup.policy includes compact: keyless records are refused
  bool operator==(const TopicConfigValues&) const = default;
};
using TopicConfigResolver = std::function<TopicConfigValues(const std::string& topic)>;

struct MetadataUpdateOptions {
  // The listener whose endpoint Metadata responses advertise; the first endpoint when no
  // endpoint has this name (or when empty).
  std::string client_listener;
  // Asked once per topic that is new to the snapshot; existing topics keep their values (config
  // changes arrive through with_topic_config). Unset: TopicConfigValues defaults.
  TopicConfigResolver topic_config;
};

MetadataSnapshot apply_update_metadata(const MetadataSnapshot& previous,
                                       const protocol::UpdateMetadataRequest& request,
                                       int16_t version, const MetadataUpdateOptions& options);

// `previous` with one topic's config values replaced (no change when the topic is unknown).
MetadataSnapshot with_topic_config(const MetadataSnapshot& previous, const std::string& topic,
                                   const TopicConfigValues& values);

// Kafka's SecurityProtocol ids: 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL.
std::string security_protocol_name(int16_t id);
bool is_internal_topic(const std::string& topic);

}  // namespace kb::broker
