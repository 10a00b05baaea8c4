#pragma once
// Shorthand for writing config tables (internal to common/config/).
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "common/config/config.h"

namespace kb::config::table {

inline constexpr std::nullopt_t kNull = std::nullopt;
inline const std::string kLongMax = std::to_string(std::numeric_limits<int64_t>::max());
inline const std::string kIntMax = std::to_string(std::numeric_limits<int32_t>::max());
inline constexpr Importance kHigh = Importance::kHigh;
inline constexpr Importance kMedium = Importance::kMedium;
inline constexpr Importance kLow = Importance::kLow;

inline Definition def(std::string name, Type type, std::optional<std::string> default_value,
                      Validator validator, Importance importance, std::string doc) {
  Definition d;
  d.name = std::move(name);
  d.type = type;
  d.default_value = std::move(default_value);
  d.validator = std::move(validator);
  d.importance = importance;
  d.doc = std::move(doc);
  return d;
}

inline Definition required(std::string name, Type type, Validator validator, Importance importance,
                           std::string doc) {
  Definition d =
      def(std::move(name), type, std::nullopt, std::move(validator), importance, std::move(doc));
  d.required = true;
  return d;
}

}  // namespace kb::config::table

namespace kb::config::table {

// Custom validators shared by the tables (defined in broker_config.cc).
// Comma-separated NAME://host:port entries with distinct names and ports in [0, 65535].
Validator listener_list();
// Comma-separated NAME:PROTOCOL entries, PROTOCOL one of Kafka's security protocols.
Validator protocol_map();
// A Kafka release such as "2.4", "2.4.1" or "2.4-IV1", from 0.8.0 onwards.
Validator kafka_version();
// TRACE, DEBUG, INFO, WARN, ERROR or FATAL, any case.
Validator log_level();

}  // namespace kb::config::table
