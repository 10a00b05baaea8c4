#include "broker/topic_admin.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <set>

#include "broker/broker_services.h"
#include "broker/task_thread.h"
#include "common/config/topic_config.h"
#include "common/logging.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/replica_assignment.h"

namespace kb::broker {

namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Far beyond any real topic; a request above it is refused instead of building an assignment
// that could exhaust memory.
constexpr int32_t kMaxPartitionsPerTopic = 100000;

bool has_leaders(const MetadataSnapshot& s, const std::string& topic, size_t partitions) {
  const TopicInfo* t = s.topic(topic);
  if (t == nullptr || t->partitions.size() < partitions) return false;
  for (const auto& p : t->partitions) {
    if (p.leader < 0) return false;
  }
  return true;
}

coordinator::AssignmentStrategy strategy_from(const std::string& name) {
  if (name == "kafka-random") return coordinator::AssignmentStrategy::kKafkaRandom;
  if (name == "rack-aware") return coordinator::AssignmentStrategy::kRackAware;
  return coordinator::AssignmentStrategy::kRoundRobin;
}

std::vector<coordinator::BrokerInfoLite> live_brokers(const MetadataSnapshot& s) {
  std::vector<coordinator::BrokerInfoLite> out;
  for (const auto& b : s.brokers) out.push_back(coordinator::BrokerInfoLite{b.id, b.rack});
  return out;
}

std::mutex g_auto_create_mutex;
std::set<std::string> g_auto_create_in_flight;

}  // namespace

AdminResult TopicAdmin::validate(NewTopic& topic) const {
  const auto& cfg = *services_.config;
  auto snapshot = services_.metadata->snapshot();
  if (auto reason = invalid_topic_name_reason(topic.name)) {
    return {ErrorCode::kInvalidTopicException, *reason};
  }
  if (snapshot->topic(topic.name)) {
    return {ErrorCode::kTopicAlreadyExists, "Topic '" + topic.name + "' already exists."};
  }
  try {
    config::parse_topic_config(topic.configs, cfg);
  } catch (const std::exception& e) {
    return {ErrorCode::kInvalidConfig, std::string(e.what())};
  }
  std::set<int32_t> live;
  for (const auto& b : snapshot->brokers) live.insert(b.id);

  if (!topic.assignment.empty()) {
    if (topic.num_partitions != -1 || topic.replication_factor != -1) {
      return {ErrorCode::kInvalidRequest,
              "Both numPartitions or replicationFactor and replicasAssignments were set. Both "
              "cannot be used at the same time."};
    }
    int32_t expected = 0;
    size_t rf = topic.assignment.begin()->second.size();
    for (const auto& [p, replicas] : topic.assignment) {
      if (p != expected++) {
        return {ErrorCode::kInvalidReplicaAssignment,
                "Partitions should be a consecutive 0-based integer sequence"};
      }
      std::set<int32_t> distinct(replicas.begin(), replicas.end());
      if (replicas.empty() || distinct.size() != replicas.size() || replicas.size() != rf) {
        return {ErrorCode::kInvalidReplicaAssignment,
                "Duplicate, missing or unevenly sized replica lists in the assignment"};
      }
      for (int32_t b : replicas) {
        if (!live.count(b)) {
          return {ErrorCode::kInvalidReplicaAssignment,
                  "Unknown broker " + std::to_string(b) + " in the replica assignment"};
        }
      }
    }
    topic.num_partitions = static_cast<int32_t>(topic.assignment.size());
    topic.replication_factor = static_cast<int16_t>(rf);
    return {};
  }

  if (topic.num_partitions == -1) topic.num_partitions = cfg.get_int("num.partitions");
  if (topic.replication_factor == -1) {
    topic.replication_factor = static_cast<int16_t>(cfg.get_int("default.replication.factor"));
  }
  if (topic.num_partitions < 1) {
    return {ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0."};
  }
  if (topic.num_partitions > kMaxPartitionsPerTopic) {
    return {ErrorCode::kInvalidPartitions,
            "Number of partitions must be at most " + std::to_string(kMaxPartitionsPerTopic) + "."};
  }
  if (topic.replication_factor < 1) {
    return {ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0."};
  }
  auto assigned = coordinator::assign_replicas(
      live_brokers(*snapshot), topic.num_partitions, topic.replication_factor,
      strategy_from(cfg.get_string("replica.assignment.strategy")));
  if (!assigned.ok()) return {assigned.error, assigned.message};
  topic.assignment = assigned.assignment;
  return {};
}

void TopicAdmin::wait_until(std::function<bool()> ready, int64_t deadline_ms,
                            std::function<void(bool)> then) {
  if (ready()) {
    then(true);
    return;
  }
  if (steady_ms() >= deadline_ms) {
    then(false);
    return;
  }
  admin_thread_.post_after(std::chrono::milliseconds(10),
                           [this, ready = std::move(ready), deadline_ms, then = std::move(then)] {
                             wait_until(ready, deadline_ms, then);
                           });
}

void TopicAdmin::create_topics(std::vector<NewTopic> topics, int32_t timeout_ms, bool validate_only,
                               Done done) {
  auto results = std::make_shared<std::vector<AdminResult>>();
  for (auto& t : topics) results->push_back(validate(t));
  admin_thread_.post([this, topics = std::move(topics), results, timeout_ms, validate_only,
                      done = std::move(done)]() mutable {
    std::vector<std::pair<std::string, size_t>> created;
    for (size_t i = 0; i < topics.size(); ++i) {
      if ((*results)[i].error != ErrorCode::kNone || validate_only) continue;
      try {
        if (zk_.create_topic(topics[i].name, topics[i].assignment, topics[i].configs) ==
            coordinator::CreateTopicResult::kAlreadyExists) {
          (*results)[i] = {ErrorCode::kTopicAlreadyExists,
                           "Topic '" + topics[i].name + "' already exists."};
          continue;
        }
        KB_LOG_INFO("admin") << "Created topic " << topics[i].name << " with "
                             << topics[i].num_partitions << " partitions, replication factor "
                             << topics[i].replication_factor;
        created.emplace_back(topics[i].name, topics[i].assignment.size());
      } catch (const std::exception& e) {
        (*results)[i] = {ErrorCode::kUnknownServerError, std::string(e.what())};
      }
    }
    if (timeout_ms <= 0 || created.empty()) {
      done(*results);
      return;
    }
    auto ready = [this, created] {
      auto s = services_.metadata->snapshot();
      for (const auto& [name, n] : created)
        if (!has_leaders(*s, name, n)) return false;
      return true;
    };
    wait_until(ready, steady_ms() + timeout_ms,
               [this, created, results, topics, done = std::move(done)](bool ok) {
                 if (!ok) {
                   auto s = services_.metadata->snapshot();
                   for (size_t i = 0; i < topics.size(); ++i) {
                     if ((*results)[i].error == ErrorCode::kNone &&
                         !has_leaders(*s, topics[i].name, topics[i].assignment.size())) {
                       (*results)[i] = {ErrorCode::kRequestTimedOut,
                                        "Topic creation did not complete within the timeout"};
                     }
                   }
                 }
                 done(*results);
               });
  });
}

void TopicAdmin::auto_create(const std::string& topic) {
  {
    std::lock_guard lock(g_auto_create_mutex);
    if (!g_auto_create_in_flight.insert(topic).second) return;
  }
  NewTopic nt;
  nt.name = topic;
  if (topic == "__consumer_offsets") {
    // The offsets topic has its own partition count, replication factor and segment size, and
    // is compacted (Kafka's GroupMetadataManager settings).
    const auto& cfg = *services_.config;
    nt.num_partitions = cfg.get_int("offsets.topic.num.partitions");
    nt.replication_factor = static_cast<int16_t>(cfg.get_int("offsets.topic.replication.factor"));
    nt.configs = {{"cleanup.policy", "compact"},
                  {"compression.type", "producer"},
                  {"segment.bytes", std::to_string(cfg.get_int("offsets.topic.segment.bytes"))}};
  }
  create_topics({nt}, 0, false, [topic](std::vector<AdminResult> results) {
    if (results[0].error != ErrorCode::kNone &&
        results[0].error != ErrorCode::kTopicAlreadyExists) {
      KB_LOG_WARN("admin") << "Auto-creation of topic " << topic
                           << " failed: " << error_name(results[0].error) << " "
                           << results[0].message.value_or("");
    }
    std::lock_guard lock(g_auto_create_mutex);
    g_auto_create_in_flight.erase(topic);
  });
}

void TopicAdmin::delete_topics(std::vector<std::string> topics, int32_t timeout_ms, Done done) {
  auto snapshot = services_.metadata->snapshot();
  auto results = std::make_shared<std::vector<AdminResult>>(topics.size());
  bool enabled = services_.config->get_bool("delete.topic.enable");
  for (size_t i = 0; i < topics.size(); ++i) {
    if (!snapshot->topic(topics[i])) {
      (*results)[i] = {ErrorCode::kUnknownTopicOrPartition, std::nullopt};
    } else if (!enabled) {
      (*results)[i] = {ErrorCode::kTopicDeletionDisabled, std::nullopt};
    }
  }
  admin_thread_.post([this, topics, results, timeout_ms, done = std::move(done)] {
    std::vector<std::string> marked;
    for (size_t i = 0; i < topics.size(); ++i) {
      if ((*results)[i].error != ErrorCode::kNone) continue;
      try {
        auto code = zk_.mark_topic_for_deletion(topics[i]);
        if (code == coordinator::ZkCode::kNoNode) {
          (*results)[i] = {ErrorCode::kUnknownTopicOrPartition, std::nullopt};
          continue;
        }
        marked.push_back(topics[i]);
      } catch (const std::exception& e) {
        (*results)[i] = {ErrorCode::kUnknownServerError, std::string(e.what())};
      }
    }
    auto gone = [this, marked] {
      auto s = services_.metadata->snapshot();
      for (const auto& t : marked)
        if (s->topic(t)) return false;
      return true;
    };
    wait_until(gone, steady_ms() + std::max(timeout_ms, 0),
               [results, marked, topics, done = std::move(done)](bool ok) {
                 if (!ok) {
                   for (size_t i = 0; i < topics.size(); ++i) {
                     if ((*results)[i].error == ErrorCode::kNone) {
                       (*results)[i] = {ErrorCode::kRequestTimedOut, std::nullopt};
                     }
                   }
                 }
                 done(*results);
               });
  });
}

void TopicAdmin::create_partitions(
    std::vector<std::pair<std::string, int32_t>> counts,
    std::vector<std::optional<std::vector<std::vector<int32_t>>>> assignments, int32_t timeout_ms,
    bool validate_only, Done done) {
  auto snapshot = services_.metadata->snapshot();
  auto results = std::make_shared<std::vector<AdminResult>>(counts.size());
  std::vector<std::map<int32_t, std::vector<int32_t>>> full(counts.size());
  std::set<int32_t> live;
  for (const auto& b : snapshot->brokers) live.insert(b.id);
  for (size_t i = 0; i < counts.size(); ++i) {
    const auto& [name, count] = counts[i];
    const TopicInfo* t = snapshot->topic(name);
    if (t == nullptr) {
      (*results)[i] = {ErrorCode::kUnknownTopicOrPartition, "Topic '" + name + "' does not exist."};
      continue;
    }
    int32_t current = static_cast<int32_t>(t->partitions.size());
    if (count > kMaxPartitionsPerTopic) {
      (*results)[i] = {
          ErrorCode::kInvalidPartitions,
          "Number of partitions must be at most " + std::to_string(kMaxPartitionsPerTopic) + "."};
      continue;
    }
    if (count <= current) {
      (*results)[i] = {ErrorCode::kInvalidPartitions,
                       "Topic currently has " + std::to_string(current) + " partitions, " +
                           std::to_string(count) + " would not be an increase."};
      continue;
    }
    for (const auto& p : t->partitions) full[i][p.partition] = p.replicas;
    size_t rf = t->partitions.empty() ? 1 : t->partitions[0].replicas.size();
    if (assignments[i]) {
      if (static_cast<int32_t>(assignments[i]->size()) != count - current) {
        (*results)[i] = {ErrorCode::kInvalidReplicaAssignment,
                         "Increasing the number of partitions by " +
                             std::to_string(count - current) + " but " +
                             std::to_string(assignments[i]->size()) + " assignments provided."};
        continue;
      }
      int32_t p = current;
      for (const auto& replicas : *assignments[i]) {
        for (int32_t b : replicas) {
          if (!live.count(b)) {
            (*results)[i] = {ErrorCode::kInvalidReplicaAssignment,
                             "Unknown broker " + std::to_string(b) + " in the assignment"};
          }
        }
        full[i][p++] = replicas;
      }
      continue;
    }
    auto assigned = coordinator::assign_replicas(
        live_brokers(*snapshot), count - current, static_cast<int16_t>(rf),
        strategy_from(services_.config->get_string("replica.assignment.strategy")), current);
    if (!assigned.ok()) {
      (*results)[i] = {assigned.error, assigned.message};
      continue;
    }
    for (const auto& [p, replicas] : assigned.assignment) full[i][p] = replicas;
  }
  admin_thread_.post(
      [this, counts, full, results, timeout_ms, validate_only, done = std::move(done)] {
        if (!validate_only) {
          for (size_t i = 0; i < counts.size(); ++i) {
            if ((*results)[i].error != ErrorCode::kNone) continue;
            try {
              auto current = zk_.get_topic_assignment(counts[i].first);
              if (!current) {
                (*results)[i] = {ErrorCode::kUnknownTopicOrPartition, std::nullopt};
                continue;
              }
              auto updated = current->assignment;
              updated.partitions = full[i];
              if (zk_.set_topic_assignment(counts[i].first, updated, current->version) !=
                  coordinator::ZkCode::kOk) {
                (*results)[i] = {ErrorCode::kReassignmentInProgress,
                                 "The topic's assignment changed concurrently; retry"};
              }
            } catch (const std::exception& e) {
              (*results)[i] = {ErrorCode::kUnknownServerError, std::string(e.what())};
            }
          }
        }
        auto ready = [this, counts, results, validate_only] {
          if (validate_only) return true;
          auto s = services_.metadata->snapshot();
          for (size_t i = 0; i < counts.size(); ++i) {
            if ((*results)[i].error == ErrorCode::kNone &&
                !has_leaders(*s, counts[i].first, static_cast<size_t>(counts[i].second)))
              return false;
          }
          return true;
        };
        wait_until(ready, steady_ms() + std::max(timeout_ms, 0),
                   [results, done = std::move(done)](bool ok) {
                     if (!ok) {
                       for (auto& r : *results)
                         if (r.error == ErrorCode::kNone)
                           r = {ErrorCode::kRequestTimedOut, std::nullopt};
                     }
                     done(*results);
                   });
      });
}

void TopicAdmin::alter_topic_configs(
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> changes,
    bool validate_only, Done done) {
  auto snapshot = services_.metadata->snapshot();
  auto results = std::make_shared<std::vector<AdminResult>>(changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    if (!snapshot->topic(changes[i].first)) {
      (*results)[i] = {ErrorCode::kUnknownTopicOrPartition,
                       "Topic " + changes[i].first + " does not exist."};
      continue;
    }
    try {
      config::parse_topic_config(changes[i].second, *services_.config);
    } catch (const std::exception& e) {
      (*results)[i] = {ErrorCode::kInvalidConfig, std::string(e.what())};
    }
  }
  if (validate_only) {
    done(*results);
    return;
  }
  admin_thread_.post([this, changes, results, done = std::move(done)] {
    for (size_t i = 0; i < changes.size(); ++i) {
      if ((*results)[i].error != ErrorCode::kNone) continue;
      try {
        zk_.set_topic_config(changes[i].first, changes[i].second);
      } catch (const std::exception& e) {
        (*results)[i] = {ErrorCode::kUnknownServerError, std::string(e.what())};
      }
    }
    auto applied = [this, changes] {
      auto s = services_.metadata->snapshot();
      for (const auto& [topic, configs] : changes) {
        const TopicInfo* t = s->topic(topic);
        if (t && t->config_overrides != configs) return false;
      }
      return true;
    };
    wait_until(applied, steady_ms() + 5000,
               [results, done = std::move(done)](bool) { done(*results); });
  });
}

}  // namespace kb::broker
