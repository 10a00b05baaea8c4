#pragma once
// The broker config table (server.properties): Apache Kafka 2.4 key names, types and defaults,
// plus a few keys of our own, all prefixed "kb." except replica.assignment.strategy.
// The table itself is split by area across broker_config_*.cc.
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace kb::config {

const std::vector<Definition>& broker_config_definitions();

// Reads a Java properties file, applies `overrides` ("key=value", later ones win) on top, and
// parses the result against the broker table. A key the table does not know adds the warning
// "Unknown configuration '<key>' was supplied but isn't a known config." to *warnings (which may
// be null). Throws ConfigError for an unreadable file, a malformed override, a missing required
// key or an invalid value.
ConfigValues load_broker_config(const std::string& path, const std::vector<std::string>& overrides,
                                std::vector<std::string>* warnings);
// The same without a file: `properties` as if read from one.
ConfigValues parse_broker_config(const std::map<std::string, std::string>& properties,
                                 std::vector<std::string>* warnings);

// Derived values, resolving Kafka's fallbacks between keys.
// log.dirs (comma-separated) when set, else log.dir.
std::vector<std::string> effective_log_dirs(const ConfigValues& broker);
// log.retention.ms, else log.retention.minutes, else log.retention.hours; -1 (any negative) means
// unlimited and is returned as -1.
int64_t effective_retention_ms(const ConfigValues& broker);
// log.roll.ms, else log.roll.hours.
int64_t effective_roll_ms(const ConfigValues& broker);
// log.roll.jitter.ms, else log.roll.jitter.hours.
int64_t effective_roll_jitter_ms(const ConfigValues& broker);
// log.flush.interval.ms, else log.flush.scheduler.interval.ms.
int64_t effective_flush_ms(const ConfigValues& broker);
// zookeeper.connection.timeout.ms, else zookeeper.session.timeout.ms.
int32_t effective_zk_connection_timeout_ms(const ConfigValues& broker);

// Table parts, one per area (broker_config_server.cc, broker_config_log.cc); exposed only so
// broker_config_definitions() can concatenate them.
namespace detail {
void append_server_definitions(std::vector<Definition>* table);
void append_replication_definitions(std::vector<Definition>* table);
void append_log_definitions(std::vector<Definition>* table);
}  // namespace detail

}  // namespace kb::config
