#include "broker/config_describer.h"

#include "common/config/broker_config.h"
#include "common/config/config.h"
#include "common/config/topic_config.h"

namespace kb::broker {

namespace {

// DescribeConfigs v3 ConfigType numbering.
int8_t wire_type(config::Type type) {
  switch (type) {
    case config::Type::kBoolean:
      return 1;
    case config::Type::kString:
      return 2;
    case config::Type::kInt:
      return 3;
    case config::Type::kShort:
      return 4;
    case config::Type::kLong:
      return 5;
    case config::Type::kDouble:
      return 6;
    case config::Type::kList:
      return 7;
    case config::Type::kClass:
      return 8;
    case config::Type::kPassword:
      return 9;
  }
  return 0;
}

const config::Definition* find_definition(const std::vector<config::Definition>& table,
                                          const std::string& name) {
  for (const auto& d : table)
    if (d.name == name) return &d;
  return nullptr;
}

// The broker's value for `key`: what the properties file set, else the table default.
std::optional<std::string> broker_value(const config::ConfigValues& broker, const std::string& key,
                                        ConfigSource* source) {
  const auto& originals = broker.originals();
  auto it = originals.find(key);
  if (it != originals.end()) {
    *source = ConfigSource::kStaticBroker;
    return it->second;
  }
  *source = ConfigSource::kDefault;
  const auto* def = find_definition(config::broker_config_definitions(), key);
  return def ? def->default_value : std::nullopt;
}

}  // namespace

std::vector<DescribedConfig> describe_topic_configs(
    const config::ConfigValues& broker, const std::map<std::string, std::string>& overrides) {
  std::vector<DescribedConfig> out;
  auto effective = config::effective_topic_config(overrides, broker);
  for (const auto& def : config::topic_config_definitions()) {
    auto it = effective.find(def.name);
    if (it == effective.end()) continue;
    const auto& ev = it->second;
    DescribedConfig c;
    c.name = def.name;
    c.type = wire_type(def.type);
    c.doc = def.doc;
    c.sensitive = def.type == config::Type::kPassword;
    c.value = ev.value;
    switch (ev.source) {
      case config::ValueSource::kTopicOverride:
        c.source = ConfigSource::kDynamicTopic;
        break;
      case config::ValueSource::kStaticBroker:
        c.source = ConfigSource::kStaticBroker;
        break;
      case config::ValueSource::kDefault:
        c.source = ConfigSource::kDefault;
        break;
    }
    // Synonyms, most specific first: the override, then each broker key that supplies it.
    if (auto o = overrides.find(def.name); o != overrides.end()) {
      c.synonyms.push_back({def.name, o->second, ConfigSource::kDynamicTopic});
    }
    for (const auto& key : config::broker_synonyms(def.name)) {
      ConfigSource source = ConfigSource::kDefault;
      auto value = broker_value(broker, key, &source);
      if (source == ConfigSource::kDefault && !value) continue;
      c.synonyms.push_back({key, value, source});
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<DescribedConfig> describe_broker_configs(const config::ConfigValues& broker) {
  std::vector<DescribedConfig> out;
  for (const auto& def : config::broker_config_definitions()) {
    DescribedConfig c;
    c.name = def.name;
    c.type = wire_type(def.type);
    c.doc = def.doc;
    c.sensitive = def.type == config::Type::kPassword;
    c.read_only = true;  // no dynamic broker configs yet
    ConfigSource source = ConfigSource::kDefault;
    c.value = broker_value(broker, def.name, &source);
    c.source = source;
    c.synonyms.push_back({def.name, c.value, source});
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kb::broker
