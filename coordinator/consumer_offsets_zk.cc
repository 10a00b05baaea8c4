#include "coordinator/consumer_offsets_zk.h"

#include <charconv>

#include "coordinator/znodes.h"

namespace kb::coordinator {

void set_consumer_offset(ZkClient& zk, const std::string& group, const std::string& topic,
                         int32_t partition, int64_t offset) {
  const std::string path = ConsumerOffsetZNode::path(group, topic, partition);
  const std::string data = std::to_string(offset);
  auto [code, stat] = zk.set_data(path, data);
  if (code == ZkCode::kNoNode) {
    code = zk.create_recursive(path, data);
    // Someone created it between our two calls: set it again.
    if (code == ZkCode::kNodeExists) code = zk.set_data(path, data).first;
  }
  if (code != ZkCode::kOk) throw ZkError(code, "writing " + path + " failed");
}

std::optional<int64_t> get_consumer_offset(ZkClient& zk, const std::string& group,
                                           const std::string& topic, int32_t partition) {
  auto result = zk.get_data(ConsumerOffsetZNode::path(group, topic, partition));
  if (result.code == ZkCode::kNoNode) return std::nullopt;
  if (result.code != ZkCode::kOk) {
    throw ZkError(result.code, "reading the offset of group " + group + " failed");
  }
  int64_t offset = 0;
  const char* end = result.data.data() + result.data.size();
  auto [ptr, ec] = std::from_chars(result.data.data(), end, offset);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return offset;
}

}  // namespace kb::coordinator
