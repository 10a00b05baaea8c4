#pragma once
// kafka-broker-api-versions output, as Kafka's NodeApiVersions.toString(true) prints it:
//   host:port (id: 1 rack: null) -> (
//   \tProduce(0): 0 to 8 [usable: 8],
//   ...
//   \tOffsetDelete(47): UNSUPPORTED
//   )
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "clients/connection.h"

namespace kb::tools {

// Kafka 2.4's name of an API key ("Produce"); nullopt for keys Kafka 2.4 does not define.
std::optional<std::string> kafka_api_name(int16_t key);
// Kafka 2.4 defines keys 0..kLastKafkaApiKey.
inline constexpr int16_t kLastKafkaApiKey = 47;

// "host:port (id: 1 rack: null)", Kafka's Node.toString().
std::string format_node(const std::string& host, int32_t port, int32_t id,
                        const std::optional<std::string>& rack);

// The "( ... )" block for one broker. `usable` compares the broker's range with what this
// client's codec supports (clients::client_versions); APIs the codec lacks get no usable note.
std::string format_api_versions(const std::map<int16_t, clients::VersionRange>& broker);

}  // namespace kb::tools
