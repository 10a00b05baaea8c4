#pragma once
// The topic config table: per-topic overrides (CreateTopics, AlterConfigs, /config/topics/T) with
// Kafka 2.4 names. Every key whose default comes from the broker names that broker key in
// Definition::default_from (segment.bytes <- log.segment.bytes).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace kb::config {

const std::vector<Definition>& topic_config_definitions();

// The broker keys that supply `topic_key`'s default, most specific first: one key for most
// topics keys, e.g. {"log.retention.ms", "log.retention.minutes", "log.retention.hours"} for
// retention.ms. Empty for keys without a broker synonym or unknown keys.
std::vector<std::string> broker_synonyms(const std::string& topic_key);

// Topic overrides parsed over the broker's effective values. A key outside the topic table throws
// ConfigError(key, value, "Unknown topic config name"); so does an invalid value (with its own
// reason). CreateTopics and AlterConfigs answer INVALID_CONFIG with e.what().
// originals() of the result is `overrides`; is_set() tells overrides from inherited values.
ConfigValues parse_topic_config(const std::map<std::string, std::string>& overrides,
                                const ConfigValues& broker);

// Where an effective topic value comes from (DescribeConfigs' ConfigSource, reduced).
enum class ValueSource { kTopicOverride, kStaticBroker, kDefault };

struct EffectiveValue {
  std::optional<std::string> value;  // canonical text; nullopt for null
  ValueSource source = ValueSource::kDefault;
  bool is_default = true;  // source == kDefault
  // The key that supplied the value: the topic key itself for an override, the broker key that
  // was set for kStaticBroker, the first broker synonym (or the topic key) for kDefault.
  std::string from_key;
};

// Every topic key with its effective value and source, for DescribeConfigs. Throws like
// parse_topic_config.
std::map<std::string, EffectiveValue> effective_topic_config(
    const std::map<std::string, std::string>& overrides, const ConfigValues& broker);

}  // namespace kb::config
