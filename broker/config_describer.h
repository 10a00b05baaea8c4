#pragma once
// Turns the config tables plus the current overrides into DescribeConfigs entries, with Kafka's
// config sources: a topic override, a static broker setting, or the default.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kb::config {
class ConfigValues;
}

namespace kb::broker {

// DescribeConfigs ConfigSource values.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kDynamicTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
};

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source;
};

struct DescribedConfig {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::kDefault;
  bool read_only = false;
  bool sensitive = false;
  int8_t type = 0;  // DescribeConfigs v3 ConfigType
  std::string doc;
  std::vector<ConfigSynonym> synonyms;  // most specific first
};

std::vector<DescribedConfig> describe_topic_configs(
    const config::ConfigValues& broker, const std::map<std::string, std::string>& overrides);
std::vector<DescribedConfig> describe_broker_configs(const config::ConfigValues& broker);

}  // namespace kb::broker
