#pragma once
// Internal (not installed): the OffsetCommit request both the admin client (as a non-member,
// generation -1) and a consumer group member (its generation and member id) send.
#include <cstdint>
#include <string>

#include "protocol/messages/offset_commit.h"

namespace kb::clients::detail {

// `offsets`: an ordered map from a {topic, partition} key to the offset to commit.
template <typename OffsetMap>
protocol::OffsetCommitRequest offset_commit_request(const std::string& group, int32_t generation,
                                                    const std::string& member_id,
                                                    const OffsetMap& offsets) {
  protocol::OffsetCommitRequest req;
  req.group_id = group;
  req.generation_id_or_member_epoch = generation;
  req.member_id = member_id;
  // The map is ordered by topic, so each topic's partitions are consecutive.
  for (const auto& [tp, offset] : offsets) {
    if (req.topics.empty() || req.topics.back().name != tp.topic) {
      req.topics.emplace_back();
      req.topics.back().name = tp.topic;
    }
    protocol::OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = tp.partition;
    p.committed_offset = offset;
    p.committed_metadata = "";
    req.topics.back().partitions.push_back(std::move(p));
  }
  return req;
}

}  // namespace kb::clients::detail
