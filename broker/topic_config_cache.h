#pragma once
// Per-topic config overrides (/config/topics/T) over the broker's defaults, as the log layer and
// the produce path need them. A topic's overrides are read from ZooKeeper on its first use and
// kept current by watching /config/changes, Kafka's config change notifications (reference §9.4):
// each new config_change_<seq> naming "topics/T" re-reads T and tells the change listener, which
// applies the config to live logs and republishes the metadata snapshot.
//
// The cache owns one TaskThread. ZooKeeper watch callbacks only enqueue onto it; reads happen on
// it. The controller-request handlers run on it too (post()), so LeaderAndIsr creating a log and
// a config change applying to it never interleave.
//
// Thread-safety: log_config/values may be called from any thread except the ZooKeeper completion
// thread (on a miss they read ZooKeeper; call them from this cache's thread where latency
// matters). The change listener runs on this cache's thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "broker/metadata_update.h"
#include "broker/storage/log_config.h"
#include "broker/task_thread.h"

namespace kb::config {
class ConfigValues;
}
namespace kb::coordinator {
class KafkaZk;
}

namespace kb::broker {

struct TopicConfigEntry {
  TopicConfigValues values;  // overrides + effective min.insync.replicas / max.message.bytes
  storage::LogConfig log_config;
};

// Resolves overrides over the broker defaults. An invalid override set (a bad value written by
// an old tool) falls back to the broker defaults, as the topic's log would otherwise be unusable;
// `error` then says why.
TopicConfigEntry resolve_topic_config(const config::ConfigValues& broker,
                                      const std::map<std::string, std::string>& overrides,
                                      std::string* error = nullptr);

// The topic a config change notification is about, or nullopt when it concerns another entity
// type (brokers, clients, users). Accepts v1 {"entity_type","entity_name"} and v2
// {"entity_path":"topics/T"}. Throws coordinator::ZnodeDecodeError on malformed JSON.
std::optional<std::string> topic_of_config_change(const std::string& notification_json);

class MetadataCache;
class ReplicaManager;

class TopicConfigCache {
 public:
  using ChangeListener = std::function<void(const std::string& topic, const TopicConfigEntry&)>;

  TopicConfigCache(const config::ConfigValues& broker, coordinator::KafkaZk& zk);
  ~TopicConfigCache();
  TopicConfigCache(const TopicConfigCache&) = delete;
  TopicConfigCache& operator=(const TopicConfigCache&) = delete;

  // Set before start().
  void set_change_listener(ChangeListener listener) { listener_ = std::move(listener); }
  // Arms the /config/changes watch; notifications already present are taken as seen (nothing is
  // cached yet, so first uses read the current configs). Blocking; call once at startup, before
  // stop(). Throws what the ZooKeeper read throws.
  void start();
  // Re-arms the watch after a new ZooKeeper session (watches die with the old one) and re-reads
  // every cached topic, since changes may have been missed meanwhile.
  void on_new_session();
  // Runs the queued tasks, then stops the thread; later posts are dropped.
  void stop();

  // Runs `task` on this cache's thread, in order.
  void post(std::function<void()> task) { thread_.post(std::move(task)); }

  // LogConfigLookup-compatible.
  storage::LogConfig log_config(const std::string& topic) { return entry(topic).log_config; }
  TopicConfigValues values(const std::string& topic) { return entry(topic).values; }
  TopicConfigEntry entry(const std::string& topic);
  // Drops a deleted topic so that a topic re-created with the same name is read afresh.
  void forget(const std::string& topic);

 private:
  // Watch callback (ZooKeeper completion thread): only enqueues, coalescing bursts.
  void schedule_changes();
  void process_changes();
  // Re-reads a cached topic and tells the listener (always, or only when its values changed).
  void reload(const std::string& topic, bool only_if_changed);
  TopicConfigEntry read(const std::string& topic);

  const config::ConfigValues& broker_;
  coordinator::KafkaZk& zk_;
  ChangeListener listener_;
  std::mutex mutex_;
  std::map<std::string, TopicConfigEntry> entries_;  // guarded by mutex_
  // Highest notification sequence number processed; this cache's thread only.
  int64_t last_seen_change_ = -1;
  std::atomic<bool> pending_{false};
  std::atomic<bool> stopped_{false};
  TaskThread thread_{"broker-metadata"};
};

// The usual change listener: applies the new config to the topic's live logs and republishes the
// metadata snapshot with the topic's new effective values (min.insync.replicas for acks=all,
// max.message.bytes for produce). Both must outlive the cache.
TopicConfigCache::ChangeListener apply_topic_config_changes(ReplicaManager& replicas,
                                                            MetadataCache& metadata);

}  // namespace kb::broker
