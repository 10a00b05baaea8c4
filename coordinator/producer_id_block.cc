#include "coordinator/producer_id_block.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "common/logging.h"
#include "coordinator/zk_client.h"

namespace kb::coordinator {

ProducerIdBlock claim_producer_id_block(ZkClient& zk, BrokerId broker, int64_t block_size) {
  const std::string path = ProducerIdBlockZNode::path();
  while (true) {
    GetDataResult current = zk.get_data(path);
    if (current.code == ZkCode::kNoNode) {
      // Normally created (with null data) at startup; a fresh chroot may lack it.
      ProducerIdBlock block{broker, 0, block_size - 1};
      CreateResult created = zk.create(path, ProducerIdBlockZNode::encode(block));
      if (created.code == ZkCode::kOk) return block;
      if (created.code != ZkCode::kNodeExists) {
        throw ZkError(created.code, "Cannot create " + path + ": " + zk_code_name(created.code));
      }
      continue;  // someone else created it: read theirs
    }
    if (current.code != ZkCode::kOk) {
      throw ZkError(current.code, "Cannot read " + path + ": " + zk_code_name(current.code));
    }
    ProducerIdBlock block{broker, 0, block_size - 1};
    if (!current.data.empty()) {
      ProducerIdBlock last = ProducerIdBlockZNode::decode(current.data);
      if (last.block_end > std::numeric_limits<int64_t>::max() - block_size) {
        throw std::runtime_error("Exhausted all producer ids");
      }
      block.block_start = last.block_end + 1;
      block.block_end = last.block_end + block_size;
    }
    auto [code, stat] =
        zk.set_data(path, ProducerIdBlockZNode::encode(block), current.stat.version);
    if (code == ZkCode::kOk) {
      KB_LOG_INFO("producer-id") << "Claimed producer id block [" << block.block_start << ", "
                                 << block.block_end << "] for broker " << broker;
      return block;
    }
    if (code != ZkCode::kBadVersion && code != ZkCode::kNoNode) {
      throw ZkError(code, "Cannot write " + path + ": " + zk_code_name(code));
    }
    // Another broker claimed a block between our read and write: read again.
  }
}

}  // namespace kb::coordinator
