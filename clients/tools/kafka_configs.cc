// kafka-configs: describe and alter topic and broker configs (Kafka 2.4's ConfigCommand), through
// the admin API (--bootstrap-server) or, for topics, the znodes (--zookeeper).
#include <iostream>
#include <memory>
#include <set>
#include <stdexcept>

#include "clients/admin_client.h"
#include "clients/errors.h"
#include "clients/tools/config_command.h"
#include "clients/tools/output.h"
#include "clients/tools/tool.h"
#include "clients/tools/topic_command.h"
#include "common/logging.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/zk_client.h"

namespace kb::tools {
namespace {

using clients::ConfigResource;
using clients::ConfigResourceType;

void check_deletable(const std::vector<std::string>& remove, const std::set<std::string>& present) {
  std::string missing;
  for (const auto& k : remove) {
    if (!present.count(k)) missing += (missing.empty() ? "" : ",") + k;
  }
  if (!missing.empty()) throw std::invalid_argument("Invalid config(s): " + missing);
}

ConfigResourceType resource_type(const ConfigCommand& cmd) {
  return cmd.entity_type == "topics" ? ConfigResourceType::kTopic : ConfigResourceType::kBroker;
}

int run_admin(const ConfigCommand& cmd, ToolContext& ctx) {
  clients::AdminClient admin(ctx.client);
  std::vector<std::string> names;
  if (cmd.entity_name) {
    names.push_back(*cmd.entity_name);
  } else if (cmd.entity_type == "topics") {
    names = admin.list_topics(true);
  } else {
    for (const auto& b : admin.describe_cluster().brokers) {
      names.push_back(std::to_string(b.id.value()));
    }
  }
  std::vector<ConfigResource> resources;
  for (const auto& n : names) resources.push_back({resource_type(cmd), n});
  auto described = admin.describe_configs(resources, /*include_synonyms=*/true);
  for (const auto& d : described) {
    if (!d.ok()) throw clients::ClientError(d.error, d.message);
  }
  if (!cmd.alter) {
    if (ctx.output == OutputFormat::kText) {
      for (const auto& d : described) {
        ctx.out << format_admin_configs(cmd.entity_type, d.resource.name, d.entries, cmd.all);
      }
      return 0;
    }
    JsonWriter w;
    w.begin_object().key("entities").begin_array();
    for (const auto& d : described) {
      w.begin_object().key("entity_type").value(cmd.entity_type);
      w.key("name").value(d.resource.name).key("configs").begin_array();
      for (const auto& e : d.entries) {
        if (!cmd.all && !is_dynamic(e)) continue;
        w.begin_object().key("name").value(e.name).key("value");
        e.value ? w.value(*e.value) : w.null();
        w.key("source").value(clients::config_source_name(e.source));
        w.key("sensitive").value(e.is_sensitive).key("read_only").value(e.read_only);
        w.end_object();
      }
      w.end_array().end_object();
    }
    w.end_array().end_object();
    ctx.out << w.str() << "\n";
    return 0;
  }
  // AlterConfigs replaces the whole dynamic set: start from what is set dynamically now.
  std::map<std::string, std::string> updated;
  std::set<std::string> present;
  for (const auto& e : described.front().entries) {
    if (is_dynamic(e) && e.value) {
      updated[e.name] = *e.value;
      present.insert(e.name);
    }
  }
  check_deletable(cmd.remove, present);
  for (const auto& [k, v] : cmd.add) updated[k] = v;
  for (const auto& k : cmd.remove) updated.erase(k);
  auto results = admin.alter_configs({{resources.front(), updated}});
  for (const auto& r : results) {
    if (!r.ok()) throw clients::ClientError(r.error, r.message);
  }
  ctx.out << "Completed updating config for " << (cmd.entity_type == "topics" ? "topic" : "broker")
          << " " << *cmd.entity_name << ".\n";
  return 0;
}

int run_zookeeper(const ConfigCommand& cmd, ToolContext& ctx) {
  auto client = connect_zookeeper(*cmd.zookeeper, ctx.timeout);
  coordinator::KafkaZk zk(*client);
  if (!cmd.alter) {
    std::vector<std::string> names =
        cmd.entity_name ? std::vector<std::string>{*cmd.entity_name} : zk.get_all_topics();
    JsonWriter w;
    w.begin_object().key("entities").begin_array();
    for (const auto& n : names) {
      auto configs = zk.get_topic_config(n);
      if (ctx.output == OutputFormat::kText) {
        ctx.out << format_zk_configs(cmd.entity_type, n, configs);
        continue;
      }
      w.begin_object().key("entity_type").value(cmd.entity_type).key("name").value(n);
      w.key("configs").begin_object();
      for (const auto& [k, v] : configs) w.key(k).value(v);
      w.end_object().end_object();
    }
    w.end_array().end_object();
    if (ctx.output == OutputFormat::kJson) ctx.out << w.str() << "\n";
    return 0;
  }
  const std::string& topic = *cmd.entity_name;
  if (!zk.get_topic_assignment(topic)) {
    throw std::invalid_argument("Topic '" + topic + "' does not exist.");
  }
  auto configs = zk.get_topic_config(topic);
  std::set<std::string> present;
  for (const auto& [k, v] : configs) present.insert(k);
  check_deletable(cmd.remove, present);
  for (const auto& [k, v] : cmd.add) configs[k] = v;
  for (const auto& k : cmd.remove) configs.erase(k);
  validate_topic_configs_locally(configs, *cmd.zookeeper);
  zk.set_topic_config(topic, configs);  // also writes the change notification
  ctx.out << "Completed Updating config for entity: topic '" << topic << "'.\n";
  return 0;
}

}  // namespace
}  // namespace kb::tools

int main(int argc, char** argv) {
  using namespace kb::tools;
  kb::log::init(kb::log::Settings{kb::log::Level::kError, "", true});
  // Kafka's prefix also repeats the command line; a short, stable prefix is easier to match.
  ToolInfo info{"kafka-configs",
                "This tool helps to manipulate and describe entity config for a topic or broker.",
                config_command_options(), "Error while executing config command : "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    ConfigCommand cmd = parse_config_command(ctx.options);
    return cmd.zookeeper ? run_zookeeper(cmd, ctx) : run_admin(cmd, ctx);
  });
}
