#pragma once
// OffsetCommit/OffsetFetch v0 keep offsets in ZooKeeper, as Kafka 2.4 does for those versions
// (/consumers/<group>/offsets/<topic>/<partition>). Blocking: call off the network threads.
#include <cstdint>
#include <optional>
#include <string>

#include "coordinator/zk_client.h"

namespace kb::coordinator {

// Sets the offset, creating the znode and its parents when missing. Throws ZkError.
void set_consumer_offset(ZkClient& zk, const std::string& group, const std::string& topic,
                         int32_t partition, int64_t offset);
// nullopt when nothing was committed (or the stored text is not a number).
std::optional<int64_t> get_consumer_offset(ZkClient& zk, const std::string& group,
                                           const std::string& topic, int32_t partition);

}  // namespace kb::coordinator
