#include "clients/tools/get_offsets.h"

#include <sstream>

#include "clients/tools/options.h"

namespace kb::tools {

std::set<int32_t> parse_partition_list(const std::string& text) {
  std::set<int32_t> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.empty()) continue;
    out.insert(static_cast<int32_t>(parse_integer("partitions", item, 0, INT32_MAX)));
  }
  return out;
}

int64_t parse_offset_time(const std::string& text) {
  return parse_integer("time", text, -2, INT64_MAX);
}

std::string format_offsets(const std::string& topic,
                           const std::map<int32_t, std::optional<int64_t>>& offsets) {
  std::string out;
  for (const auto& [partition, offset] : offsets) {
    out += topic + ":" + std::to_string(partition) + ":" +
           (offset ? std::to_string(*offset) : std::string()) + "\n";
  }
  return out;
}

}  // namespace kb::tools
