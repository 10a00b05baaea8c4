// Topic config checks for the tools that write /config/topics/T themselves (--zookeeper).
#include "clients/tools/topic_command.h"
#include "common/config/broker_config.h"
#include "common/config/config.h"
#include "common/config/topic_config.h"

namespace kb::tools {

void validate_topic_configs_locally(const std::map<std::string, std::string>& configs,
                                    const std::string& zk_connect) {
  // No broker sees these values before they are written, so check them here, against the
  // built-in defaults (the brokers' own property files are not visible to the tool).
  if (configs.empty()) return;
  config::ConfigValues broker;
  try {
    broker = config::parse_broker_config({{"zookeeper.connect", zk_connect}}, nullptr);
  } catch (const std::exception&) {
    return;  // no defaults to check against; the brokers will reject bad values
  }
  config::parse_topic_config(configs, broker);  // throws ConfigError with a one-line what()
}

}  // namespace kb::tools
