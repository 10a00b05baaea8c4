#include "broker/topic_config_cache.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <vector>

#include "broker/metadata_cache.h"
#include "broker/replica_manager.h"
#include "common/config/config.h"
#include "common/config/topic_config.h"
#include "common/logging.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/znodes.h"

namespace kb::broker {

namespace {

using coordinator::ConfigEntityChangeNotificationSequenceZNode;
using coordinator::ConfigEntityChangeNotificationZNode;

constexpr std::string_view kTopicEntityPrefix = "topics/";
// How long a config change notification stays in /config/changes (Kafka: 15 minutes).
constexpr int64_t kNotificationExpiryMs = 15 * 60 * 1000;

TopicConfigEntry entry_from(const config::ConfigValues& effective,
                            std::map<std::string, std::string> overrides) {
  TopicConfigEntry out;
  out.values.overrides = std::move(overrides);
  out.values.min_insync_replicas = effective.get_int("min.insync.replicas");
  out.values.max_message_bytes = effective.get_int("max.message.bytes");
  storage::LogConfig& c = out.log_config;
  c.segment_bytes = effective.get_int("segment.bytes");
  c.segment_ms = effective.get_long("segment.ms");
  c.index_interval_bytes = effective.get_int("index.interval.bytes");
  c.segment_index_bytes = effective.get_int("segment.index.bytes");
  c.retention_ms = effective.get_long("retention.ms");
  c.retention_bytes = effective.get_long("retention.bytes");
  c.flush_messages = effective.get_long("flush.messages");
  c.flush_ms = effective.get_long("flush.ms");
  c.file_delete_delay_ms = effective.get_long("file.delete.delay.ms");
  c.max_message_bytes = out.values.max_message_bytes;
  auto policies = effective.get_list("cleanup.policy");
  // Both policies may be listed ("compact,delete"): storage looks for each by name.
  c.cleanup_policy.clear();
  for (const auto& p : policies) c.cleanup_policy += (c.cleanup_policy.empty() ? "" : ",") + p;
  if (c.cleanup_policy.empty()) c.cleanup_policy = "delete";
  c.delete_retention_ms = effective.get_long("delete.retention.ms");
  c.min_cleanable_dirty_ratio = effective.get_double("min.cleanable.dirty.ratio");
  c.min_compaction_lag_ms = effective.get_long("min.compaction.lag.ms");
  c.max_compaction_lag_ms = effective.get_long("max.compaction.lag.ms");
  out.values.compacted = c.compacts();
  c.log_append_time = effective.get_string("message.timestamp.type") == "LogAppendTime";
  c.preallocate = effective.get_bool("preallocate");
  return out;
}

}  // namespace

TopicConfigEntry resolve_topic_config(const config::ConfigValues& broker,
                                      const std::map<std::string, std::string>& overrides,
                                      std::string* error) {
  try {
    return entry_from(config::parse_topic_config(overrides, broker), overrides);
  } catch (const std::exception& e) {
    if (error != nullptr) *error = e.what();
    // Keep the overrides visible (DescribeConfigs shows what is stored) but run on defaults.
    return entry_from(config::parse_topic_config({}, broker), overrides);
  }
}

std::optional<std::string> topic_of_config_change(const std::string& notification_json) {
  std::string entity_path = ConfigEntityChangeNotificationSequenceZNode::decode(notification_json);
  if (entity_path.rfind(kTopicEntityPrefix, 0) != 0) return std::nullopt;
  std::string topic = entity_path.substr(kTopicEntityPrefix.size());
  if (topic.empty()) return std::nullopt;
  return topic;
}

TopicConfigCache::TopicConfigCache(const config::ConfigValues& broker, coordinator::KafkaZk& zk)
    : broker_(broker), zk_(zk) {}

TopicConfigCache::~TopicConfigCache() {
  stop();
}

void TopicConfigCache::schedule_changes() {
  if (stopped_.load() || pending_.exchange(true)) return;  // a pass is queued already
  thread_.post([this] { process_changes(); });
}

void TopicConfigCache::start() {
  // On the cache's thread, like every other use of last_seen_change_ (the watch may fire and
  // queue a pass before this returns).
  std::promise<void> done;
  thread_.post([this, &done] {
    try {
      for (const auto& child : zk_.watch_config_changes([this] { schedule_changes(); })) {
        if (auto seq = ConfigEntityChangeNotificationSequenceZNode::sequence_number(child))
          last_seen_change_ = std::max(last_seen_change_, *seq);
      }
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  done.get_future().get();
  KB_LOG_INFO("config") << "Watching topic config changes in "
                        << ConfigEntityChangeNotificationZNode::path();
}

void TopicConfigCache::on_new_session() {
  thread_.post([this] {
    std::vector<std::string> cached;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [topic, entry] : entries_) cached.push_back(topic);
    }
    for (const auto& topic : cached) reload(topic, /*only_if_changed=*/true);
    process_changes();
  });
}

void TopicConfigCache::stop() {
  stopped_ = true;
  thread_.stop();
}

TopicConfigEntry TopicConfigCache::entry(const std::string& topic) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(topic);
    if (it != entries_.end()) return it->second;
  }
  TopicConfigEntry fresh = read(topic);
  std::lock_guard lock(mutex_);
  // A concurrent reader may have stored it first; both read the same znode, keep the first.
  return entries_.try_emplace(topic, std::move(fresh)).first->second;
}

void TopicConfigCache::forget(const std::string& topic) {
  std::lock_guard lock(mutex_);
  entries_.erase(topic);
}

TopicConfigEntry TopicConfigCache::read(const std::string& topic) {
  std::string error;
  TopicConfigEntry entry = resolve_topic_config(broker_, zk_.get_topic_config(topic), &error);
  if (!error.empty()) {
    KB_LOG_WARN("config") << "Topic " << topic << " has an invalid config (" << error
                          << "); using the broker defaults";
  }
  return entry;
}

void TopicConfigCache::reload(const std::string& topic, bool only_if_changed) {
  {
    std::lock_guard lock(mutex_);
    // Not in use here: its first use will read the current config.
    if (!entries_.count(topic)) return;
  }
  TopicConfigEntry entry = read(topic);
  {
    std::lock_guard lock(mutex_);
    auto& cached = entries_[topic];
    if (only_if_changed && cached.values == entry.values) return;
    cached = entry;
  }
  KB_LOG_INFO("config") << "Processing override for topic " << topic << ": "
                        << entry.values.overrides.size() << " override(s)";
  if (listener_) listener_(topic, entry);
}

void TopicConfigCache::process_changes() {
  pending_ = false;
  if (stopped_.load()) return;
  try {
    std::vector<std::pair<int64_t, std::string>> notifications;
    for (const auto& child : zk_.watch_config_changes([this] { schedule_changes(); })) {
      if (auto seq = ConfigEntityChangeNotificationSequenceZNode::sequence_number(child))
        notifications.emplace_back(*seq, child);
    }
    std::sort(notifications.begin(), notifications.end());
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    for (const auto& [seq, child] : notifications) {
      std::string path = ConfigEntityChangeNotificationZNode::path() + "/" + child;
      auto data = zk_.client().get_data(path);
      if (data.code != coordinator::ZkCode::kOk) continue;  // purged by another broker
      if (seq > last_seen_change_) {
        try {
          if (auto topic = topic_of_config_change(data.data)) reload(*topic, false);
        } catch (const coordinator::ZnodeDecodeError& e) {
          KB_LOG_WARN("config") << "Ignoring config change notification " << child << ": "
                                << e.what();
        }
        last_seen_change_ = seq;
      }
      // Every broker removes notifications old enough that all brokers have seen them
      // (Kafka's purgeObsoleteNotifications); a missing node is fine.
      if (now_ms - data.stat.ctime > kNotificationExpiryMs) zk_.client().remove(path);
    }
  } catch (const std::exception& e) {
    KB_LOG_ERROR("config") << "Processing config change notifications failed: " << e.what()
                           << "; retrying in 1 s";
    thread_.post_after(std::chrono::seconds(1), [this] { process_changes(); });
  }
}

TopicConfigCache::ChangeListener apply_topic_config_changes(ReplicaManager& replicas,
                                                            MetadataCache& metadata) {
  return [&replicas, &metadata](const std::string& topic, const TopicConfigEntry& entry) {
    replicas.update_config(topic, entry.log_config);
    metadata.update([&](const MetadataSnapshot& previous) {
      return with_topic_config(previous, topic, entry.values);
    });
  };
}

}  // namespace kb::broker
