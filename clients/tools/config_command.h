#pragma once
// kafka-configs: the command line (Kafka 2.4's ConfigCommand options and checks), --add-config
// parsing and the describe output, shared by the --bootstrap-server and --zookeeper back ends
// (kafka_configs.cc).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clients/admin_client.h"
#include "clients/tools/options.h"
#include "clients/tools/tool.h"

namespace kb::tools {

struct ConfigCommand {
  bool alter = false;  // else describe
  std::optional<std::string> bootstrap_server;
  std::optional<std::string> zookeeper;
  std::string entity_type;                 // "topics" or "brokers"
  std::optional<std::string> entity_name;  // nullopt: every entity (describe only)
  std::map<std::string, std::string> add;  // --add-config
  std::vector<std::string> remove;         // --delete-config
  bool all = false;                        // --all: every config, not only dynamic ones
};

std::vector<OptionSpec> config_command_options();

// Throws UsageError with Kafka's wording.
ConfigCommand parse_config_command(const ParsedOptions& options);

// "k1=v1,k2=[a,b],k3=v3" -> {k1:v1, k2:"a,b", k3:v3} (square brackets keep commas in a value).
// Throws UsageError for an entry without '='.
std::map<std::string, std::string> parse_add_config(const std::string& text);
// "a,b" -> {a, b}
std::vector<std::string> parse_delete_config(const std::string& text);

// Kafka's lines:
//   ZooKeeper mode: "Configs for topic 't' are a=1,b=2"
//   admin mode:     "Dynamic configs for topic t are:" (or "All configs for ...") then one
//                   "  name=value sensitive=false synonyms={SOURCE:name=value, ...}" per entry.
std::string format_zk_configs(const std::string& entity_type, const std::string& name,
                              const std::map<std::string, std::string>& configs);
std::string format_admin_configs(const std::string& entity_type, const std::string& name,
                                 const std::vector<clients::ConfigEntry>& entries, bool all);
// Entries describe prints: every one with --all, else those set dynamically (Kafka 2.4 shows
// only dynamic configs).
bool is_dynamic(const clients::ConfigEntry& entry);

}  // namespace kb::tools
