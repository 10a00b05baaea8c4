// kafka-leader-election: preferred or unclean leader election (Kafka 2.4's
// LeaderElectionCommand) through ElectLeaders (API 43) at the controller.
//
// Brokers that do not serve ElectLeaders (checked with ApiVersions) get the route Kafka 2.4's
// kafka-preferred-replica-election takes: the partitions are written to
// /admin/preferred_replica_election in ZooKeeper (--zookeeper), the controller elects the
// preferred replicas and deletes the node, and the outcome is read back from the brokers'
// metadata. That route has no unclean elections.
#include <algorithm>
#include <iostream>
#include <thread>

#include "clients/admin_client.h"
#include "clients/errors.h"
#include "clients/metadata.h"
#include "clients/tools/leader_election.h"
#include "clients/tools/tool.h"
#include "coordinator/zk_client.h"
#include "coordinator/znodes.h"

namespace {

// Kafka's tool uses a 30 s ZooKeeper session; connecting is bounded by --timeout-ms.
constexpr int kSessionTimeoutMs = 30000;

using kb::clients::TopicPartition;
using kb::tools::ElectionCommand;
using kb::tools::ElectionPlan;
using kb::tools::ElectionSummary;
using kb::tools::ElectionType;

// Brokers without ElectLeaders: /admin/preferred_replica_election, then poll the metadata until
// the preferred replicas lead or the deadline passes.
ElectionSummary elect_through_zookeeper(kb::tools::ToolContext& ctx, const ElectionCommand& cmd,
                                        const std::string& zk_connect) {
  kb::clients::MetadataClient md(ctx.client);
  auto deadline = kb::clients::Clock::now() + ctx.timeout;
  std::optional<std::vector<std::string>> topics;
  if (!cmd.all_partitions) {
    topics.emplace();
    for (const auto& tp : cmd.partitions) topics->push_back(tp.topic);
  }
  auto metadata = md.fetch(topics, deadline);
  ElectionPlan plan = plan_preferred_election(cmd, metadata);
  ElectionSummary out{{}, plan.not_needed, plan.failed};
  if (plan.elect.empty()) return out;

  auto zk = kb::coordinator::ZkClient::connect(zk_connect, kSessionTimeoutMs,
                                               static_cast<int>(ctx.timeout.count()));
  std::vector<kb::TopicPartition> request;
  for (const auto& tp : plan.elect) request.push_back({tp.topic, tp.partition});
  auto path = kb::coordinator::PreferredReplicaElectionZNode::path();
  auto created = zk->create(path, kb::coordinator::PreferredReplicaElectionZNode::encode(request));
  if (created.code == kb::coordinator::ZkCode::kNodeExists) {
    throw std::runtime_error("Preferred replica leader election currently in progress (" + path +
                             " exists). Aborting operation");
  }
  if (created.code != kb::coordinator::ZkCode::kOk) {
    throw std::runtime_error("Failed to create " + path);
  }
  // The controller acts on the node asynchronously; the result shows in the metadata.
  std::vector<TopicPartition> pending = plan.elect;
  while (!pending.empty()) {
    std::vector<std::string> names;
    for (const auto& tp : pending) names.push_back(tp.topic);
    auto now = md.fetch(names, deadline);
    std::vector<TopicPartition> still;
    for (const auto& tp : pending) {
      bool done = false;
      auto t = now.topics.find(tp.topic);
      if (t != now.topics.end()) {
        for (const auto& p : t->second.partitions) {
          done |=
              p.id.value() == tp.partition && !p.replicas.empty() && p.leader == p.replicas.front();
        }
      }
      (done ? out.succeeded : still).push_back(tp);
    }
    pending = std::move(still);
    if (pending.empty() || kb::clients::Clock::now() + std::chrono::milliseconds(200) >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (const auto& tp : pending) {
    out.failed[tp] =
        "org.apache.kafka.common.errors.TimeoutException: the controller did not elect the "
        "preferred replica within the timeout";
  }
  std::sort(out.succeeded.begin(), out.succeeded.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{
      "kafka-leader-election",
      "This tool attempts to elect a new leader for a set of topic partitions. The type of "
      "elections supported are preferred replicas and unclean replicas.",
      {{"bootstrap-server", "host:port",
        "A hostname and port for the broker to connect to, in the form\n"
        "host:port. Multiple comma separated URLs can be given. REQUIRED."},
       {"admin.config", "config file",
        "Configuration properties files to pass to the admin\n"
        "client (same as --command-config)."},
       {"zookeeper", "host:port",
        "Only for brokers that do not serve ElectLeaders (API 43): the\n"
        "ZooKeeper connect string; preferred elections are then requested\n"
        "through /admin/preferred_replica_election."},
       {"election-type", "election type",
        "Type of election to attempt. Possible values are \"preferred\" for\n"
        "preferred leader election or \"unclean\" for unclean leader election.\n"
        "REQUIRED."},
       {"topic", "topic name",
        "Name of topic for which to perform an election. REQUIRED if\n"
        "--partition is specified."},
       {"partition", "partition id",
        "Partition id for which to perform an election. REQUIRED if --topic is\n"
        "specified."},
       {"all-topic-partitions", "", "Perform election on all of the eligible topic partitions."},
       {"path-to-json-file", "Path to JSON file",
        "The JSON file with the list of partition for which leader elections\n"
        "should be performed. Format: {\"partitions\": [{\"topic\": \"foo\",\n"
        "\"partition\": 1}, ...]}"}},
      "Error: "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    // Kafka's tool has no JSON output; refuse rather than print text under --output json.
    if (ctx.output == OutputFormat::kJson) {
      throw UsageError("--output json is not supported by kafka-leader-election (text only)");
    }
    if (auto admin_config = ctx.options.value("admin.config")) {
      if (ctx.options.has("command-config")) {
        throw UsageError("Option --admin.config is not valid with --command-config");
      }
      try {
        kb::clients::apply_properties(ctx.client, kb::clients::load_properties(*admin_config));
        if (auto servers = ctx.options.value("bootstrap-server")) {
          ctx.client.bootstrap = kb::clients::parse_bootstrap(*servers);
        }
        // The file must not lift the client timeouts above the tool's bound.
        ctx.client.api_timeout = std::min(ctx.client.api_timeout, ctx.timeout);
        ctx.client.request_timeout = std::min(ctx.client.request_timeout, ctx.timeout);
        ctx.client.connect_timeout = std::min(ctx.client.connect_timeout, ctx.timeout);
      } catch (const std::exception& e) {
        throw UsageError(e.what());
      }
    }
    if (ctx.client.bootstrap.empty()) {
      throw UsageError("Missing required argument \"[bootstrap-server]\"");
    }
    ElectionCommand cmd = parse_election_command(
        ctx.options, [](const std::string& path) { return read_text_file(path); });

    ElectionSummary summary;
    kb::clients::AdminClient admin(ctx.client);
    if (admin.supports_elect_leaders()) {
      std::optional<std::vector<TopicPartition>> partitions;
      if (!cmd.all_partitions) partitions = cmd.partitions;
      std::map<TopicPartition, kb::clients::ElectionResult> results;
      try {
        results = admin.elect_leaders(cmd.type, partitions);
      } catch (const kb::clients::NetworkError&) {
        ctx.out << "Timeout waiting for election results\n";
        throw;
      }
      summary = summarize_election(results);
    } else {
      if (cmd.type == ElectionType::kUnclean) {
        throw std::runtime_error(
            "Unclean leader election needs the ElectLeaders API (43), which these brokers do not "
            "serve");
      }
      auto zk_connect = ctx.options.value("zookeeper");
      if (!zk_connect) {
        throw UsageError(
            "Missing required argument \"[zookeeper]\": these brokers do not serve ElectLeaders "
            "(API 43), the election is requested through ZooKeeper");
      }
      summary = elect_through_zookeeper(ctx, cmd, *zk_connect);
    }
    const auto& failed = summary.failed;
    ctx.out << format_election_result(cmd.type, summary.succeeded, summary.not_needed, failed);
    if (!failed.empty()) {
      ctx.out.flush();
      ctx.err << "Error: " << failed.size() << " replica(s) could not be elected\n";
      return 1;
    }
    return 0;
  });
}
