// kafka-configs command line and output.
#include "clients/tools/config_command.h"

#include <algorithm>

#include "clients/tools/output.h"

namespace kb::tools {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// "topics" -> "topic", as Kafka names an entity in messages.
std::string singular(const std::string& entity_type) {
  return entity_type.empty() ? entity_type : entity_type.substr(0, entity_type.size() - 1);
}

}  // namespace

std::vector<OptionSpec> config_command_options() {
  return {
      {"bootstrap-server", "server to connect to",
       "The Kafka server(s) to connect to (host:port,...); topics and brokers."},
      {"zookeeper", "urls",
       "The ZooKeeper connection string (host:port[/chroot]); topics only. The tool\n"
       "reads and writes /config/topics/T and the change notification itself."},
      {"describe", "", "List configs for the given entity."},
      {"alter", "", "Alter the configuration for the entity."},
      {"entity-type", "topics|brokers", "Type of entity."},
      {"entity-name", "name", "Name of entity (topic name or broker id)."},
      {"add-config", "k1=v1,k2=[v1,v2]",
       "Key=value pairs of configs to add; square brackets group values that\n"
       "contain commas."},
      {"delete-config", "k1,k2", "Config keys to remove."},
      {"all", "", "With --describe and --bootstrap-server: every config, not only dynamic\nones."},
  };
}

ConfigCommand parse_config_command(const ParsedOptions& o) {
  if (o.has("alter") == o.has("describe")) {
    throw UsageError("Command must include exactly one action: --describe, --alter");
  }
  if (o.has("bootstrap-server") == o.has("zookeeper")) {
    throw UsageError("Only one of --bootstrap-server or --zookeeper must be specified");
  }
  ConfigCommand cmd;
  cmd.alter = o.has("alter");
  cmd.bootstrap_server = o.value("bootstrap-server");
  cmd.zookeeper = o.value("zookeeper");
  auto type = o.value("entity-type");
  if (!type) throw UsageError("Missing required argument \"[entity-type]\"");
  if (*type != "topics" && *type != "brokers") {
    throw UsageError("Invalid entity-type " + *type +
                     ", --entity-type must be one of topics, "
                     "brokers (clients, users and broker-loggers are not supported)");
  }
  cmd.entity_type = *type;
  if (cmd.zookeeper && cmd.entity_type == "brokers") {
    throw UsageError(
        "Broker configs are static on this cluster; describe them with "
        "--bootstrap-server");
  }
  cmd.entity_name = o.value("entity-name");
  if (cmd.entity_name && cmd.entity_name->empty()) {
    throw UsageError("an entity name must be specified with --entity-name");
  }
  if (cmd.entity_type == "brokers" && cmd.entity_name) {
    parse_integer("entity-name", *cmd.entity_name, 0, INT32_MAX);
  }
  if (auto add = o.value("add-config")) cmd.add = parse_add_config(*add);
  if (auto del = o.value("delete-config")) cmd.remove = parse_delete_config(*del);
  cmd.all = o.has("all");
  if (cmd.alter) {
    if (!cmd.entity_name) throw UsageError("an entity name must be specified with --alter");
    if (cmd.add.empty() && cmd.remove.empty()) {
      throw UsageError(
          "At least one of --add-config or --delete-config must be specified with "
          "--alter");
    }
    for (const auto& k : cmd.remove) {
      if (cmd.add.count(k)) throw UsageError("Config " + k + " is both added and deleted");
    }
    if (cmd.all) throw UsageError("Option \"[all]\" can't be used with option \"[alter]\"");
  } else if (o.has("add-config") || o.has("delete-config")) {
    throw UsageError("Option \"[" +
                     std::string(o.has("add-config") ? "add-config" : "delete-config") +
                     "]\" can't be used with option \"[describe]\"");
  }
  if (cmd.all && cmd.zookeeper) {
    throw UsageError("Option \"[all]\" can't be used with option \"[zookeeper]\"");
  }
  return cmd;
}

std::map<std::string, std::string> parse_add_config(const std::string& text) {
  std::map<std::string, std::string> out;
  std::string entry;
  int depth = 0;
  auto flush = [&] {
    std::string e = trim(entry);
    entry.clear();
    if (e.empty()) return;
    size_t eq = e.find('=');
    if (eq == std::string::npos || trim(e.substr(0, eq)).empty()) {
      throw UsageError(
          "Invalid entity config: all configs to be added must be in the format "
          "\"key=val\".");
    }
    std::string value = trim(e.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
      value = value.substr(1, value.size() - 2);
    }
    out[trim(e.substr(0, eq))] = value;
  };
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']') depth = std::max(0, depth - 1);
    if (c == ',' && depth == 0) {
      flush();
    } else {
      entry += c;
    }
  }
  flush();
  if (out.empty()) throw UsageError("--add-config needs at least one key=value");
  return out;
}

std::vector<std::string> parse_delete_config(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string k = trim(text.substr(start, comma == std::string::npos ? comma : comma - start));
    if (!k.empty()) out.push_back(k);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) throw UsageError("--delete-config needs at least one key");
  return out;
}

std::string format_zk_configs(const std::string& entity_type, const std::string& name,
                              const std::map<std::string, std::string>& configs) {
  std::string list;
  for (const auto& [k, v] : configs) list += (list.empty() ? "" : ",") + k + "=" + v;
  return "Configs for " + singular(entity_type) + " '" + name + "' are " + list + "\n";
}

bool is_dynamic(const clients::ConfigEntry& e) {
  using clients::ConfigSource;
  return e.source == ConfigSource::kDynamicTopicConfig ||
         e.source == ConfigSource::kDynamicBrokerConfig ||
         e.source == ConfigSource::kDynamicDefaultBrokerConfig ||
         e.source == ConfigSource::kDynamicBrokerLoggerConfig;
}

std::string format_admin_configs(const std::string& entity_type, const std::string& name,
                                 const std::vector<clients::ConfigEntry>& entries, bool all) {
  std::string out = std::string(all ? "All" : "Dynamic") + " configs for " + singular(entity_type) +
                    " " + name + " are:\n";
  for (const auto& e : entries) {
    if (!all && !is_dynamic(e)) continue;
    std::string synonyms;
    for (const auto& s : e.synonyms) {
      synonyms += (synonyms.empty() ? "" : ", ") + std::string(config_source_name(s.source)) + ":" +
                  s.name + "=" + s.value.value_or("null");
    }
    out += "  " + e.name + "=" + e.value.value_or("null") +
           " sensitive=" + (e.is_sensitive ? "true" : "false") + " synonyms={" + synonyms + "}\n";
  }
  return out;
}

}  // namespace kb::tools
