// kafka-topics --bootstrap-server: every action through the admin API (Kafka 2.4's
// AdminClientTopicService).
#include <iostream>
#include <set>
#include <stdexcept>

#include "clients/admin_client.h"
#include "clients/errors.h"
#include "clients/tools/topic_command.h"

namespace kb::tools {

namespace {

using clients::AdminClient;

void throw_if_failed(const std::vector<clients::OperationResult>& results) {
  for (const auto& r : results) {
    if (!r.ok()) throw clients::ClientError(r.error, r.message);
  }
}

std::vector<std::string> all_topics(AdminClient& admin, std::set<std::string>* internal) {
  auto metadata = admin.metadata().fetch(std::nullopt, admin.metadata().default_deadline());
  std::vector<std::string> names;
  for (const auto& [name, t] : metadata.topics) {
    if (t.error != ErrorCode::kNone && t.partitions.empty()) continue;
    names.push_back(name);
    if (t.is_internal && internal != nullptr) internal->insert(name);
  }
  return names;
}

std::vector<int32_t> ids(const std::vector<BrokerId>& v) {
  std::vector<int32_t> out;
  for (BrokerId b : v) out.push_back(b.value());
  return out;
}

int create(AdminClient& admin, const TopicCommand& cmd, ToolContext& ctx) {
  const std::string& topic = *cmd.topic;
  if (cmd.if_not_exists) {
    auto existing = all_topics(admin, nullptr);
    if (std::find(existing.begin(), existing.end(), topic) != existing.end()) return 0;
  }
  if (has_collision_chars(topic)) ctx.out << kCollisionWarning << "\n";
  clients::NewTopic nt;
  nt.name = topic;
  nt.num_partitions = cmd.partitions;
  nt.replication_factor = cmd.replication_factor;
  for (size_t p = 0; p < cmd.replica_assignment.size(); ++p) {
    for (int32_t b : cmd.replica_assignment[p]) {
      nt.assignment[static_cast<int32_t>(p)].push_back(BrokerId{b});
    }
  }
  nt.configs = cmd.configs;
  auto results = admin.create_topics({nt});
  for (const auto& r : results) {
    if (r.error == ErrorCode::kTopicAlreadyExists && cmd.if_not_exists) return 0;
  }
  throw_if_failed(results);
  ctx.out << "Created topic " << topic << ".\n";
  return 0;
}

int list(AdminClient& admin, const TopicCommand& cmd, ToolContext& ctx) {
  std::set<std::string> internal;
  auto names = all_topics(admin, &internal);
  auto selected = select_topics(names, cmd.topic, cmd.exclude_internal, internal);
  ctx.out << render_list(selected, {}, ctx.output);
  return 0;
}

int describe(AdminClient& admin, const TopicCommand& cmd, ToolContext& ctx) {
  std::set<std::string> internal;
  auto selected =
      select_topics(all_topics(admin, &internal), cmd.topic, cmd.exclude_internal, internal);
  ensure_topic_exists(selected, cmd);
  std::vector<TopicView> views;
  std::set<int32_t> live;
  if (!selected.empty()) {
    auto metadata = admin.metadata().fetch(selected, admin.metadata().default_deadline());
    for (const auto& b : metadata.brokers) live.insert(b.id.value());
    std::vector<clients::ConfigResource> resources;
    for (const auto& t : selected) {
      resources.push_back({clients::ConfigResourceType::kTopic, t});
    }
    auto configs = admin.describe_configs(resources);
    for (size_t i = 0; i < selected.size(); ++i) {
      auto it = metadata.topics.find(selected[i]);
      if (it == metadata.topics.end()) continue;                              // deleted meanwhile
      if (configs[i].error == ErrorCode::kUnknownTopicOrPartition) continue;  // deleted meanwhile
      if (!configs[i].ok()) throw clients::ClientError(configs[i].error, configs[i].message);
      TopicView v;
      v.name = selected[i];
      for (const auto& e : configs[i].entries) {
        if (!e.is_default()) v.configs.emplace_back(e.name, e.value.value_or("null"));
        if (e.name == "min.insync.replicas" && e.value) {
          try {
            v.min_isr = std::stoi(*e.value);
          } catch (const std::exception&) {
          }
        }
      }
      for (const auto& p : it->second.partitions) {
        PartitionView pv;
        pv.partition = p.id.value();
        if (p.leader.value() >= 0) pv.leader = p.leader.value();
        pv.replicas = ids(p.replicas);
        pv.isr = ids(p.isr);
        pv.offline_replicas = ids(p.offline_replicas);
        v.partitions.push_back(std::move(pv));
      }
      views.push_back(std::move(v));
    }
  }
  std::vector<DescribedTopic> described;
  for (const auto& v : views) described.push_back(select_for_describe(v, cmd.filter, live));
  ctx.out << render_describe(described, ctx.output);
  return 0;
}

int alter(AdminClient& admin, const TopicCommand& cmd, ToolContext& ctx) {
  std::set<std::string> internal;
  auto selected = select_topics(all_topics(admin, &internal), cmd.topic, false, internal);
  ensure_topic_exists(selected, cmd);
  if (selected.empty()) return 0;
  auto metadata = admin.metadata().fetch(selected, admin.metadata().default_deadline());
  std::vector<clients::NewPartitions> requests;
  for (const auto& t : selected) {
    clients::NewPartitions np;
    np.topic = t;
    np.total_count = *cmd.partitions;
    size_t existing = metadata.topics.count(t) ? metadata.topics.at(t).partitions.size() : 0;
    // The assignment may list every partition (Kafka's form) or only the added ones.
    size_t skip =
        cmd.replica_assignment.size() == static_cast<size_t>(*cmd.partitions) ? existing : 0;
    for (size_t i = skip; i < cmd.replica_assignment.size(); ++i) {
      std::vector<BrokerId> replicas;
      for (int32_t b : cmd.replica_assignment[i]) replicas.emplace_back(b);
      np.new_assignments.push_back(std::move(replicas));
    }
    requests.push_back(std::move(np));
  }
  ctx.out << kAddPartitionsWarning << "\n";
  throw_if_failed(admin.create_partitions(requests));
  return 0;
}

int remove(AdminClient& admin, const TopicCommand& cmd, ToolContext& ctx) {
  std::set<std::string> internal;
  auto selected = select_topics(all_topics(admin, &internal), cmd.topic, false, internal);
  ensure_topic_exists(selected, cmd);
  if (selected.empty()) return 0;
  throw_if_failed(admin.delete_topics(selected));
  return 0;
}

}  // namespace

int run_topics_admin(const TopicCommand& cmd, ToolContext& ctx) {
  AdminClient admin(ctx.client);
  switch (cmd.action) {
    case TopicAction::kCreate:
      return create(admin, cmd, ctx);
    case TopicAction::kList:
      return list(admin, cmd, ctx);
    case TopicAction::kDescribe:
      return describe(admin, cmd, ctx);
    case TopicAction::kAlter:
      return alter(admin, cmd, ctx);
    case TopicAction::kDelete:
      return remove(admin, cmd, ctx);
  }
  return 1;
}

}  // namespace kb::tools
