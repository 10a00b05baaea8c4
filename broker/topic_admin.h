#pragma once
// Topic administration used by CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs and
// auto-creation. Validation happens on the caller's thread (no I/O); ZooKeeper writes run on the
// admin thread, and completion waits for the metadata cache without blocking any thread.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "common/topic_name.h"

namespace kb::coordinator {
class KafkaZk;
}

namespace kb::broker {

class BrokerServices;
class TaskThread;

struct AdminResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;
};

struct NewTopic {
  std::string name;
  int32_t num_partitions = -1;                         // -1: num.partitions
  int16_t replication_factor = -1;                     // -1: default.replication.factor
  std::map<int32_t, std::vector<int32_t>> assignment;  // empty: computed
  std::map<std::string, std::string> configs;
};

using kb::invalid_topic_name_reason;  // common/topic_name.h

class TopicAdmin {
 public:
  using Done = std::function<void(std::vector<AdminResult>)>;
  TopicAdmin(BrokerServices& services, coordinator::KafkaZk& zk, TaskThread& admin_thread)
      : services_(services), zk_(zk), admin_thread_(admin_thread) {}

  // Resolves defaults and computes the assignment; returns an error without touching ZooKeeper.
  AdminResult validate(NewTopic& topic) const;
  void create_topics(std::vector<NewTopic> topics, int32_t timeout_ms, bool validate_only,
                     Done done);
  // Auto-creation on Metadata: at most one attempt in flight per topic.
  void auto_create(const std::string& topic);
  void delete_topics(std::vector<std::string> topics, int32_t timeout_ms, Done done);
  void create_partitions(std::vector<std::pair<std::string, int32_t>> counts,
                         std::vector<std::optional<std::vector<std::vector<int32_t>>>> assignments,
                         int32_t timeout_ms, bool validate_only, Done done);
  void alter_topic_configs(
      std::vector<std::pair<std::string, std::map<std::string, std::string>>> changes,
      bool validate_only, Done done);

 private:
  // Re-checks `ready` every few ms on the admin thread until it holds or the deadline passes.
  void wait_until(std::function<bool()> ready, int64_t deadline_ms, std::function<void(bool)> then);

  BrokerServices& services_;
  coordinator::KafkaZk& zk_;
  TaskThread& admin_thread_;
};

}  // namespace kb::broker
