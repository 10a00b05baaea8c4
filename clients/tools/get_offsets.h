#pragma once
// kafka-get-offsets (Kafka 2.4's GetOffsetShell): option values and the output lines, kept apart
// from the cluster calls so they can be unit-tested.
// Thread-safety: pure functions.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace kb::tools {

// --partitions "0,1,2" -> {0,1,2}; empty text -> every partition (empty set). Throws UsageError
// for a non-numeric or negative id.
std::set<int32_t> parse_partition_list(const std::string& text);

// --time: -1 (latest), -2 (earliest) or a timestamp in ms >= 0. Throws UsageError otherwise.
int64_t parse_offset_time(const std::string& text);

// "topic:partition:offset" lines sorted by partition; an offset of nullopt (a timestamp query that
// matched no record) prints as an empty field, as Kafka's tool does.
std::string format_offsets(const std::string& topic,
                           const std::map<int32_t, std::optional<int64_t>>& offsets);

}  // namespace kb::tools
