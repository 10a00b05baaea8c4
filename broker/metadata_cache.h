#pragma once
// What this broker knows of the cluster: live brokers, the controller, and every partition's
// leader, epoch, replicas and ISR. Metadata requests are answered from it.
//
// Thread safety: readers take an immutable snapshot (a shared_ptr copy under a short lock).
// Writers either publish a whole snapshot or derive the next one from the current with update(),
// which serialises writers (UpdateMetadata and topic config changes may come from different
// threads) without making readers wait for the derivation. No reader ever blocks on ZooKeeper.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace kb::broker {

// One listener of a broker, as UpdateMetadata lists them.
struct ListenerEndpoint {
  std::string listener;  // "PLAINTEXT", "INTERNAL", ...
  std::string host;
  int32_t port = 0;
  int16_t security_protocol = 0;  // 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL
  bool operator==(const ListenerEndpoint&) const = default;
};

struct BrokerEndpoint {
  int32_t id = -1;
  // The endpoint Metadata responses advertise (the client listener's).
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  std::vector<ListenerEndpoint> endpoints;  // every listener; empty when unknown
};

struct PartitionInfo {
  int32_t partition = 0;
  int32_t leader = -1;
  int32_t leader_epoch = -1;
  int32_t controller_epoch = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  std::vector<int32_t> offline_replicas;
};

struct TopicInfo {
  std::string name;
  bool internal = false;
  std::vector<PartitionInfo> partitions;  // indexed by partition number
  std::map<std::string, std::string> config_overrides;
  // Effective values the produce path needs, resolved once per metadata update.
  int32_t min_insync_replicas = 1;
  int32_t max_message_bytes = 1048588;
  bool compacted = false;  // cleanup.policy includes compact
};

struct MetadataSnapshot {
  std::vector<BrokerEndpoint> brokers;  // sorted by id
  int32_t controller_id = -1;
  std::map<std::string, TopicInfo> topics;

  const TopicInfo* topic(const std::string& name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : &it->second;
  }
  const PartitionInfo* partition(const std::string& topic_name, int32_t p) const {
    const TopicInfo* t = topic(topic_name);
    if (t == nullptr || p < 0 || p >= static_cast<int32_t>(t->partitions.size())) return nullptr;
    return &t->partitions[p];
  }
};

class MetadataCache {
 public:
  MetadataCache() : snapshot_(std::make_shared<MetadataSnapshot>()) {}
  std::shared_ptr<const MetadataSnapshot> snapshot() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
  }
  void publish(std::shared_ptr<const MetadataSnapshot> next) {
    std::lock_guard writer(writer_mutex_);
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(next);
  }
  // Publishes derive(current snapshot). Writers are serialised so no update is lost; readers
  // keep seeing the previous snapshot until the new one is published.
  void update(const std::function<MetadataSnapshot(const MetadataSnapshot&)>& derive) {
    std::lock_guard writer(writer_mutex_);
    auto next = std::make_shared<const MetadataSnapshot>(derive(*snapshot()));
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(next);
  }

 private:
  std::mutex writer_mutex_;
  mutable std::mutex mutex_;
  std::shared_ptr<const MetadataSnapshot> snapshot_;
};

}  // namespace kb::broker
