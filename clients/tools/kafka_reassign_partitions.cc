// kafka-reassign-partitions: move partition replicas between brokers (Kafka 2.4's
// ReassignPartitionsCommand). Two back ends:
// - --zookeeper, as Kafka 2.4: the current assignment from /brokers/topics/T, the plan written
//   to /admin/reassign_partitions (refused while that node exists), progress read back from it.
// - --bootstrap-server, as Kafka 2.5+: Metadata for the current assignment,
//   AlterPartitionReassignments to start, ListPartitionReassignments for progress.
// Either way the controller runs the reassignment (KIP-455 phases).
#include <iostream>
#include <set>
#include <thread>

#include "clients/admin_client.h"
#include "clients/errors.h"
#include "clients/tools/reassign_partitions.h"
#include "clients/tools/tool.h"
#include "clients/tools/topic_command.h"
#include "common/logging.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/zk_client.h"
#include "coordinator/znodes.h"

namespace {

using namespace kb::tools;
using kb::clients::TopicPartition;

// What a back end reads from the cluster and how it starts a plan.
class Cluster {
 public:
  virtual ~Cluster() = default;
  // All partitions of `topics` (unknown topics are left out).
  virtual PartitionAssignment assignment(const std::vector<std::string>& topics) = 0;
  virtual std::set<std::string> topics() = 0;
  virtual std::set<int32_t> brokers() = 0;
  virtual std::map<int32_t, std::string> racks() = 0;
  // Partitions of `plan` whose reassignment is still running.
  virtual std::set<TopicPartition> in_progress(const PartitionAssignment& plan) = 0;
  // Starts the plan; per-partition failures as one-line messages.
  virtual std::vector<std::string> start(const PartitionAssignment& plan, std::ostream& out) = 0;
};

class ZkCluster : public Cluster {
 public:
  ZkCluster(const std::string& connect, std::chrono::milliseconds timeout)
      : zk_(connect_zookeeper(connect, timeout)), kzk_(*zk_) {}

  PartitionAssignment assignment(const std::vector<std::string>& topics) override {
    PartitionAssignment out;
    for (const auto& t : topics) {
      auto found = kzk_.get_topic_assignment(t);
      if (!found) continue;
      for (const auto& [p, replicas] : found->assignment.partitions) out[{t, p}] = replicas;
      // A reassignment in progress shows RS = target + origin; the plan compares with the target.
      for (const auto& [p, removing] : found->assignment.removing_replicas) {
        auto& rs = out[{t, p}];
        std::erase_if(rs, [&](int32_t r) {
          return std::find(removing.begin(), removing.end(), r) != removing.end();
        });
      }
      for (const auto& [p, _] : found->assignment.adding_replicas) reassigning_.insert({t, p});
      for (const auto& [p, _] : found->assignment.removing_replicas) reassigning_.insert({t, p});
    }
    return out;
  }
  std::set<std::string> topics() override {
    auto all = kzk_.get_all_topics();
    return {all.begin(), all.end()};
  }
  std::set<int32_t> brokers() override {
    std::set<int32_t> out;
    for (auto id : kzk_.get_sorted_broker_ids()) out.insert(id.value());
    return out;
  }
  std::map<int32_t, std::string> racks() override {
    std::map<int32_t, std::string> out;
    for (const auto& [id, info] : kzk_.get_all_brokers_and_epochs())
      if (info.first.rack) out[id.value()] = *info.first.rack;
    return out;
  }
  std::set<TopicPartition> in_progress(const PartitionAssignment& plan) override {
    std::set<TopicPartition> out;
    auto r = zk_->get_data(kb::coordinator::ReassignPartitionsZNode::path());
    if (r.code == kb::coordinator::ZkCode::kOk && !r.data.empty()) {
      for (const auto& [tp, _] : kb::coordinator::ReassignPartitionsZNode::decode(r.data))
        out.insert({tp.topic, tp.partition});
    }
    // Reassignments started through the API are not in the znode (Kafka 2.4); their
    // adding/removing replicas in /brokers/topics/T say they are running.
    std::vector<std::string> topics;
    for (const auto& [tp, _] : plan) topics.push_back(tp.topic);
    reassigning_.clear();
    assignment(topics);
    out.insert(reassigning_.begin(), reassigning_.end());
    return out;
  }
  std::vector<std::string> start(const PartitionAssignment& plan, std::ostream&) override {
    std::map<kb::TopicPartition, std::vector<int32_t>> znode;
    for (const auto& [tp, replicas] : plan) znode[{tp.topic, tp.partition}] = replicas;
    auto created = zk_->create(kb::coordinator::ReassignPartitionsZNode::path(),
                               kb::coordinator::ReassignPartitionsZNode::encode(znode));
    if (created.code == kb::coordinator::ZkCode::kNodeExists) {
      throw std::runtime_error("There is an existing assignment running.");
    }
    if (created.code != kb::coordinator::ZkCode::kOk) {
      throw std::runtime_error("Failed to create " +
                               kb::coordinator::ReassignPartitionsZNode::path());
    }
    return {};
  }
  bool reassignment_running() {
    return zk_->exists(kb::coordinator::ReassignPartitionsZNode::path()).first ==
           kb::coordinator::ZkCode::kOk;
  }

 private:
  std::unique_ptr<kb::coordinator::ZkClient> zk_;
  kb::coordinator::KafkaZk kzk_;
  std::set<TopicPartition> reassigning_;
};

class ApiCluster : public Cluster {
 public:
  explicit ApiCluster(const kb::clients::ClientConfig& config) : admin_(config) {}

  PartitionAssignment assignment(const std::vector<std::string>& topics) override {
    PartitionAssignment out;
    for (const auto& t : admin_.describe_topics(topics)) {
      if (t.error != kb::ErrorCode::kNone) continue;
      for (const auto& p : t.partitions) {
        auto& rs = out[{t.name, p.id.value()}];
        for (auto r : p.replicas) rs.push_back(r.value());
      }
    }
    return out;
  }
  std::set<std::string> topics() override {
    auto all = admin_.list_topics(true);
    return {all.begin(), all.end()};
  }
  std::set<int32_t> brokers() override {
    std::set<int32_t> out;
    for (const auto& b : cluster().brokers) out.insert(b.id.value());
    return out;
  }
  std::map<int32_t, std::string> racks() override {
    std::map<int32_t, std::string> out;
    for (const auto& b : cluster().brokers)
      if (b.rack) out[b.id.value()] = *b.rack;
    return out;
  }
  std::set<TopicPartition> in_progress(const PartitionAssignment& plan) override {
    std::vector<TopicPartition> asked;
    for (const auto& [tp, _] : plan) asked.push_back(tp);
    std::set<TopicPartition> out;
    for (const auto& [tp, _] : admin_.list_partition_reassignments(asked)) out.insert(tp);
    return out;
  }
  std::vector<std::string> start(const PartitionAssignment& plan, std::ostream&) override {
    std::map<TopicPartition, std::optional<std::vector<kb::BrokerId>>> request;
    for (const auto& [tp, replicas] : plan) {
      std::vector<kb::BrokerId> ids;
      for (int32_t r : replicas) ids.push_back(kb::BrokerId(r));
      request[tp] = std::move(ids);
    }
    std::vector<std::string> failures;
    for (const auto& [tp, result] : admin_.alter_partition_reassignments(request)) {
      if (!result.ok()) failures.push_back(tp.to_string() + ": " + result.message);
    }
    return failures;
  }

 private:
  const kb::clients::ClusterMetadata& cluster() {
    if (!cluster_) cluster_ = admin_.describe_cluster();
    return *cluster_;
  }
  kb::clients::AdminClient admin_;
  std::optional<kb::clients::ClusterMetadata> cluster_;
};

std::vector<std::string> topics_of(const PartitionAssignment& plan) {
  std::set<std::string> names;
  for (const auto& [tp, _] : plan) names.insert(tp.topic);
  return {names.begin(), names.end()};
}

int generate(ToolContext& ctx, const ReassignCommand& cmd, Cluster& cluster) {
  validate_generate_inputs(cmd.topics_to_move, cluster.topics(), cmd.broker_list,
                           cluster.brokers());
  const PartitionAssignment current = cluster.assignment(cmd.topics_to_move);
  const PartitionAssignment proposed =
      generate_assignment(current, cmd.broker_list, cluster.racks(), cmd.disable_rack_aware);
  ctx.out << format_generate(current, proposed, ctx.output);
  return 0;
}

int execute(ToolContext& ctx, const ReassignCommand& cmd, Cluster& cluster) {
  if (auto* zk = dynamic_cast<ZkCluster*>(&cluster); zk && zk->reassignment_running()) {
    // Kafka 2.4 prints this and does nothing; a non-zero exit tells scripts nothing started.
    throw std::runtime_error("There is an existing assignment running.");
  }
  const PartitionAssignment current = cluster.assignment(topics_of(cmd.reassignment));
  validate_against_cluster(cmd.reassignment, current, cluster.brokers());
  ctx.out << format_current_for_rollback(current);
  auto failures = cluster.start(cmd.reassignment, ctx.out);
  if (!failures.empty()) {
    for (const auto& f : failures) ctx.out << "Failed to reassign partition " << f << "\n";
    ctx.out.flush();
    throw std::runtime_error(std::to_string(failures.size()) +
                             " partition reassignment(s) could not be started");
  }
  ctx.out << "Successfully started reassignment of partitions.\n";
  return 0;
}

int verify(ToolContext& ctx, const ReassignCommand& cmd, Cluster& cluster) {
  const auto deadline = std::chrono::steady_clock::now() + ctx.timeout;
  std::string last_progress;
  while (true) {
    const auto running = cluster.in_progress(cmd.reassignment);
    const PartitionAssignment current = cluster.assignment(topics_of(cmd.reassignment));
    const auto statuses = reassignment_statuses(cmd.reassignment, current, running);
    const bool pending = !running.empty();
    if (cmd.wait && pending && std::chrono::steady_clock::now() < deadline) {
      const std::string progress = format_progress(statuses);
      if (progress != last_progress) ctx.err << progress << "\n";
      last_progress = progress;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    ctx.out << format_verify(statuses, cmd.reassignment, current, ctx.output);
    for (const auto& [_, s] : statuses)
      if (s == ReassignmentStatus::kFailed) return 1;
    if (cmd.wait && pending) {
      ctx.out.flush();
      ctx.err << "Error: reassignments still in progress after " << ctx.timeout.count() << " ms\n";
      return 1;
    }
    return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // ZooKeeper session chatter would break the one-line error rule; only errors get through.
  kb::log::init(kb::log::Settings{kb::log::Level::kError, "", true});
  ToolInfo info{
      "kafka-reassign-partitions",
      "This tool helps to moves topic partitions between replicas.",
      {{"bootstrap-server", "host:port",
        "The server(s) to use: the reassignment goes through the\n"
        "AlterPartitionReassignments / ListPartitionReassignments API (KIP-455).\n"
        "Either this or --zookeeper is required."},
       {"zookeeper", "urls",
        "The connection string for the zookeeper connection in the form\n"
        "host:port. Multiple URLS can be given to allow fail-over. The plan is\n"
        "written to /admin/reassign_partitions (Kafka 2.4)."},
       {"generate", "",
        "Generate a candidate partition reassignment configuration. Note\n"
        "that this only generates a candidate assignment, it does not execute it."},
       {"execute", "",
        "Kick off the reassignment as specified by the\n--reassignment-json-file option."},
       {"verify", "",
        "Verify if the reassignment completed as specified by the\n"
        "--reassignment-json-file option."},
       {"reassignment-json-file", "manual assignment json file path",
        "The JSON file with the partition reassignment configuration. The format\n"
        "to use is - {\"partitions\": [{\"topic\": \"foo\", \"partition\": 1,\n"
        "\"replicas\": [1,2,3], \"log_dirs\": [\"any\",\"any\",\"any\"]}],\n"
        "\"version\":1}. log_dirs is optional; only \"any\" is supported."},
       {"topics-to-move-json-file", "topics to reassign json file path",
        "Generate a reassignment configuration to move the partitions of the\n"
        "specified topics to the list of brokers specified by --broker-list.\n"
        "The format to use is - {\"topics\": [{\"topic\": \"foo\"},{\"topic\":\n"
        "\"foo1\"}], \"version\":1}"},
       {"broker-list", "brokerlist",
        "The list of brokers to which the partitions need to be reassigned in\n"
        "the form \"0,1,2\". This is required if --topics-to-move-json-file is\n"
        "used to generate reassignment configuration"},
       {"disable-rack-aware", "", "Disable rack aware replica assignment"},
       {"throttle", "throttle", "Not supported: the brokers have no replication quotas (refused)."},
       {"replica-alter-log-dirs-throttle", "replicaAlterLogDirsThrottle",
        "Not supported (refused)."},
       {"timeout", "timeout",
        "The maximum time in ms allowed to wait for partition reassignment\n"
        "execution to be successfully initiated (default: 10000)"},
       {"wait", "",
        "With --verify: poll until no partition of the plan is in progress\n"
        "(bounded by --timeout-ms), printing progress to stderr."}},
      "Partitions reassignment failed due to "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    ReassignCommand cmd = parse_reassign_command(
        ctx.options, [](const std::string& path) { return read_text_file(path); });
    if (ctx.output == OutputFormat::kJson && cmd.action == ReassignAction::kExecute)
      throw UsageError("--output json is only supported with --generate and --verify");
    if (auto t = ctx.options.value("timeout")) {
      const std::chrono::milliseconds limit(parse_integer("timeout", *t, 1, 3600 * 1000));
      ctx.timeout = std::min(ctx.timeout, limit);
      ctx.client.api_timeout = std::min(ctx.client.api_timeout, limit);
    }
    std::unique_ptr<Cluster> cluster;
    if (cmd.zookeeper) {
      cluster = std::make_unique<ZkCluster>(*cmd.zookeeper, ctx.timeout);
    } else {
      cluster = std::make_unique<ApiCluster>(ctx.client);
    }
    switch (cmd.action) {
      case ReassignAction::kGenerate:
        return generate(ctx, cmd, *cluster);
      case ReassignAction::kExecute:
        return execute(ctx, cmd, *cluster);
      case ReassignAction::kVerify:
        break;
    }
    return verify(ctx, cmd, *cluster);
  });
}
