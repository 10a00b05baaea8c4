#pragma once
// Claiming blocks of producer ids from /latest_producer_id_block, as Kafka 2.4's
// ProducerIdManager does: read the znode, write the block after its block_end conditionally on
// the zkVersion read, retry on BADVERSION (another broker claimed one first). Every broker hands
// out ids from its own block, so ids are unique cluster-wide without further coordination.
//
// Thread-safety: stateless; uses ZkClient's blocking helpers (call it off the network threads).
#include <cstdint>

#include "common/types.h"
#include "coordinator/znodes.h"

namespace kb::coordinator {

class ZkClient;

inline constexpr int64_t kProducerIdBlockSize = 1000;  // Kafka's PidBlockSize

// Claims the next block for `broker`. Throws ZkError on ZooKeeper failures and
// std::runtime_error when the id space is exhausted.
ProducerIdBlock claim_producer_id_block(ZkClient& zk, BrokerId broker,
                                        int64_t block_size = kProducerIdBlockSize);

}  // namespace kb::coordinator
