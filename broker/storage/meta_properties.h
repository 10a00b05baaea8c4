#pragma once
// meta.properties, the identity of a log directory: a Java properties file
//   #<comment>
//   version=0
//   broker.id=<int>
//   cluster.id=<id>
// ZooKeeper-mode brokers write version 0 and refuse any other version.
//
// Thread-safety: free functions without shared state.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace kb::storage {

inline constexpr const char* kMetaPropertiesFile = "meta.properties";

struct MetaProperties {
  int32_t version = 0;
  int32_t broker_id = -1;
  std::string cluster_id;  // empty when the file has none
  bool operator==(const MetaProperties&) const = default;
};

class MetaPropertiesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// nullopt when absent; throws MetaPropertiesError when malformed or not version 0.
std::optional<MetaProperties> read_meta_properties_file(const std::string& path);
// Atomic replace (tmp + fsync + rename). Throws std::system_error.
void write_meta_properties_file(const std::string& path, const MetaProperties& meta);

}  // namespace kb::storage
