// kafka-topics --zookeeper: reads and writes the znodes directly, as Kafka 2.4's
// ZookeeperTopicService does (/brokers/topics/T v2, /config/topics/T + change notification,
// /admin/delete_topics/T); the controller reacts to the znodes as it does for Kafka's tool.
#include <algorithm>
#include <memory>
#include <set>
#include <stdexcept>

#include "clients/tools/topic_command.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/replica_assignment.h"
#include "coordinator/zk_client.h"

namespace kb::tools {

namespace {

using coordinator::KafkaZk;
using coordinator::ReplicaAssignment;

struct Session {
  std::unique_ptr<coordinator::ZkClient> client;
  std::unique_ptr<KafkaZk> zk;
};

Session connect(const std::string& connect_string, std::chrono::milliseconds timeout) {
  Session s;
  s.client = connect_zookeeper(connect_string, timeout);
  s.zk = std::make_unique<KafkaZk>(*s.client);
  return s;
}

std::vector<coordinator::BrokerInfoLite> brokers(KafkaZk& zk) {
  std::vector<coordinator::BrokerInfoLite> out;
  for (const auto& [id, info] : zk.get_all_brokers_and_epochs()) {
    out.push_back({id.value(), info.first.rack});
  }
  return out;
}

std::string topic_collision(const std::string& topic, const std::vector<std::string>& existing) {
  auto norm = [](std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
  };
  std::string collisions;
  for (const auto& t : existing) {
    if (t != topic && norm(t) == norm(topic)) collisions += (collisions.empty() ? "" : ", ") + t;
  }
  return collisions;
}

int create(KafkaZk& zk, const TopicCommand& cmd, ToolContext& ctx) {
  const std::string& topic = *cmd.topic;
  auto existing = zk.get_all_topics();
  if (std::find(existing.begin(), existing.end(), topic) != existing.end()) {
    if (cmd.if_not_exists) return 0;
    throw std::runtime_error("Topic '" + topic + "' already exists.");
  }
  if (has_collision_chars(topic)) ctx.out << kCollisionWarning << "\n";
  if (auto c = topic_collision(topic, existing); !c.empty()) {
    throw std::runtime_error("Topic '" + topic + "' collides with existing topics: " + c);
  }
  validate_topic_configs_locally(cmd.configs, *cmd.zookeeper);
  ReplicaAssignment assignment;
  if (!cmd.replica_assignment.empty()) {
    for (size_t p = 0; p < cmd.replica_assignment.size(); ++p) {
      assignment[static_cast<int32_t>(p)] = cmd.replica_assignment[p];
    }
  } else {
    auto strategy = cmd.disable_rack_aware ? coordinator::AssignmentStrategy::kKafkaRandom
                                           : coordinator::AssignmentStrategy::kRackAware;
    auto result = coordinator::assign_replicas(brokers(zk), *cmd.partitions,
                                               *cmd.replication_factor, strategy);
    if (!result.ok()) throw std::runtime_error(result.message);
    assignment = std::move(result.assignment);
  }
  if (zk.create_topic(topic, assignment, cmd.configs) ==
      coordinator::CreateTopicResult::kAlreadyExists) {
    if (cmd.if_not_exists) return 0;
    throw std::runtime_error("Topic '" + topic + "' already exists.");
  }
  ctx.out << "Created topic " << topic << ".\n";
  return 0;
}

std::set<std::string> marked_for_deletion(KafkaZk& zk) {
  auto v = zk.get_topics_marked_for_deletion();
  return std::set<std::string>(v.begin(), v.end());
}

int list(KafkaZk& zk, const TopicCommand& cmd, ToolContext& ctx) {
  auto selected = select_topics(zk.get_all_topics(), cmd.topic, cmd.exclude_internal, {});
  ctx.out << render_list(selected, marked_for_deletion(zk), ctx.output);
  return 0;
}

int describe(KafkaZk& zk, const TopicCommand& cmd, ToolContext& ctx) {
  auto selected = select_topics(zk.get_all_topics(), cmd.topic, cmd.exclude_internal, {});
  ensure_topic_exists(selected, cmd);
  std::set<int32_t> live;
  for (BrokerId id : zk.get_sorted_broker_ids()) live.insert(id.value());
  auto marked = marked_for_deletion(zk);
  // Two pipelined waves (assignments and configs, then every partition state) rather than one
  // round trip per znode: a describe of thousands of partitions stays fast over a WAN link.
  std::vector<std::string> paths;
  for (const auto& topic : selected) {
    paths.push_back(coordinator::TopicZNode::path(topic));
    paths.push_back(coordinator::TopicConfigZNode::path(topic));
  }
  auto topic_data = read_znodes(zk.client(), paths, ctx.timeout);
  std::vector<TopicView> views;
  std::vector<std::string> state_paths;
  for (size_t i = 0; i < selected.size(); ++i) {
    const auto& assignment_json = topic_data[2 * i];
    if (!assignment_json) continue;  // deleted meanwhile
    TopicView v;
    v.name = selected[i];
    v.marked_for_deletion = marked.count(v.name) != 0;
    // Everything under /config/topics/T is an override.
    if (const auto& config_json = topic_data[2 * i + 1]; config_json && !config_json->empty()) {
      for (const auto& [k, val] : coordinator::ConfigEntityZNode::decode(*config_json)) {
        v.configs.emplace_back(k, val);
      }
    }
    for (const auto& [p, replicas] : coordinator::TopicZNode::decode(*assignment_json).partitions) {
      PartitionView pv;
      pv.partition = p;
      pv.replicas = replicas;
      for (int32_t r : replicas) {
        if (!live.count(r)) pv.offline_replicas.push_back(r);
      }
      v.partitions.push_back(std::move(pv));
      state_paths.push_back(coordinator::TopicPartitionStateZNode::path(v.name, p));
    }
    views.push_back(std::move(v));
  }
  auto states = read_znodes(zk.client(), state_paths, ctx.timeout);
  size_t next = 0;
  for (auto& v : views) {
    for (auto& pv : v.partitions) {
      const auto& json = states[next++];
      if (!json) continue;  // the controller has not created it yet: no leader, empty ISR
      auto state = coordinator::TopicPartitionStateZNode::decode(*json);
      if (state.leader.value() >= 0) pv.leader = state.leader.value();
      for (BrokerId b : state.isr) pv.isr.push_back(b.value());
    }
  }
  std::vector<DescribedTopic> described;
  for (const auto& v : views) described.push_back(select_for_describe(v, cmd.filter, live));
  ctx.out << render_describe(described, ctx.output);
  return 0;
}

void alter_configs(KafkaZk& zk, const std::string& topic, const TopicCommand& cmd,
                   ToolContext& ctx) {
  ctx.out << "WARNING: Altering topic configuration from this script has been deprecated and "
             "may be removed in future releases.\n"
             "         Going forward, please use kafka-configs.sh for this functionality\n";
  auto configs = zk.get_topic_config(topic);
  for (const auto& [k, v] : cmd.configs) configs[k] = v;
  for (const auto& k : cmd.delete_configs) configs.erase(k);
  validate_topic_configs_locally(configs, *cmd.zookeeper);
  zk.set_topic_config(topic, configs);
  ctx.out << "Updated config for topic " << topic << ".\n";
}

void add_partitions(KafkaZk& zk, const std::string& topic, const TopicCommand& cmd,
                    ToolContext& ctx) {
  if (topic == "__consumer_offsets") {
    throw std::runtime_error("The number of partitions for the offsets topic cannot be changed.");
  }
  ctx.out << kAddPartitionsWarning << "\n";
  auto current = zk.get_topic_assignment(topic);
  if (!current) throw std::runtime_error("Topic '" + topic + "' does not exist as expected");
  const ReplicaAssignment& existing = current->assignment.partitions;
  int32_t total = *cmd.partitions;
  if (total <= static_cast<int32_t>(existing.size())) {
    throw std::runtime_error("The number of partitions for a topic can only be increased. Topic " +
                             topic + " currently has " + std::to_string(existing.size()) +
                             " partitions, " + std::to_string(total) +
                             " would not be an increase.");
  }
  coordinator::TopicAssignment updated = current->assignment;
  auto live = brokers(zk);
  if (!cmd.replica_assignment.empty()) {
    size_t skip = cmd.replica_assignment.size() == static_cast<size_t>(total) ? existing.size() : 0;
    size_t rf = existing.empty() ? 0 : existing.begin()->second.size();
    if (cmd.replica_assignment.size() - skip != total - existing.size()) {
      throw std::runtime_error("Increasing the number of partitions by " +
                               std::to_string(total - existing.size()) + " but " +
                               std::to_string(cmd.replica_assignment.size() - skip) +
                               " assignments provided.");
    }
    for (size_t i = skip; i < cmd.replica_assignment.size(); ++i) {
      const auto& replicas = cmd.replica_assignment[i];
      if (replicas.size() != rf) {
        throw std::runtime_error(
            "Inconsistent replication factor between partitions, partition 0 "
            "has " +
            std::to_string(rf) + " while partitions [" +
            std::to_string(existing.size() + i - skip) +
            "] have replication "
            "factors [" +
            std::to_string(replicas.size()) + "], respectively.");
      }
      for (int32_t b : replicas) {
        bool known = std::any_of(live.begin(), live.end(),
                                 [&](const coordinator::BrokerInfoLite& x) { return x.id == b; });
        if (!known) {
          throw std::runtime_error("Unknown broker id " + std::to_string(b) +
                                   " in the replica assignment");
        }
      }
      updated.partitions[static_cast<int32_t>(existing.size() + i - skip)] = replicas;
    }
  } else {
    auto strategy = cmd.disable_rack_aware ? coordinator::AssignmentStrategy::kKafkaRandom
                                           : coordinator::AssignmentStrategy::kRackAware;
    auto result = coordinator::assign_added_partitions(live, existing, total, strategy);
    if (!result.ok()) throw std::runtime_error(result.message);
    for (const auto& [p, replicas] : result.assignment) updated.partitions[p] = replicas;
  }
  auto code = zk.set_topic_assignment(topic, updated, current->version);
  if (code == coordinator::ZkCode::kBadVersion) {
    throw std::runtime_error("Topic " + topic + " was modified concurrently; try again");
  }
  if (code != coordinator::ZkCode::kOk) {
    throw std::runtime_error("Topic '" + topic + "' does not exist as expected");
  }
  ctx.out << "Adding partitions succeeded!\n";
}

int alter(KafkaZk& zk, const TopicCommand& cmd, ToolContext& ctx) {
  auto selected = select_topics(zk.get_all_topics(), cmd.topic, false, {});
  ensure_topic_exists(selected, cmd);
  for (const auto& topic : selected) {
    if (!cmd.configs.empty() || !cmd.delete_configs.empty()) alter_configs(zk, topic, cmd, ctx);
    if (cmd.partitions) add_partitions(zk, topic, cmd, ctx);
  }
  return 0;
}

int remove(KafkaZk& zk, const TopicCommand& cmd, ToolContext& ctx) {
  auto selected = select_topics(zk.get_all_topics(), cmd.topic, false, {});
  ensure_topic_exists(selected, cmd);
  for (const auto& topic : selected) {
    if (is_internal_topic(topic)) {
      throw std::runtime_error("Topic " + topic +
                               " is a kafka internal topic and is not allowed to be marked for "
                               "deletion.");
    }
    auto code = zk.mark_topic_for_deletion(topic);
    if (code == coordinator::ZkCode::kNodeExists) {
      ctx.out << "Topic " << topic << " is already marked for deletion.\n";
    } else if (code == coordinator::ZkCode::kOk) {
      ctx.out << "Topic " << topic << " is marked for deletion.\n"
              << "Note: This will have no impact if delete.topic.enable is not set to true.\n";
    } else if (!cmd.if_exists) {
      throw std::runtime_error("Topic '" + topic + "' does not exist as expected");
    }
  }
  return 0;
}

}  // namespace

int run_topics_zookeeper(const TopicCommand& cmd, ToolContext& ctx) {
  Session s = connect(*cmd.zookeeper, ctx.timeout);
  switch (cmd.action) {
    case TopicAction::kCreate:
      return create(*s.zk, cmd, ctx);
    case TopicAction::kList:
      return list(*s.zk, cmd, ctx);
    case TopicAction::kDescribe:
      return describe(*s.zk, cmd, ctx);
    case TopicAction::kAlter:
      return alter(*s.zk, cmd, ctx);
    case TopicAction::kDelete:
      return remove(*s.zk, cmd, ctx);
  }
  return 1;
}

}  // namespace kb::tools
