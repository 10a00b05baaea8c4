#pragma once
// Hands out producer ids for InitProducerId from blocks claimed in ZooKeeper
// (coordinator/producer_id_block.h), like Kafka 2.4's ProducerIdManager. Kafka claims blocks on
// its request handler threads; our handlers run on network threads and must not block, so a
// claim runs on a task thread and the requests that arrived meanwhile are answered from there.
//
// Thread-safety: generate() from any thread; callbacks run on the caller's thread (an id was at
// hand) or on the task thread.
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "common/error_code.h"
#include "coordinator/znodes.h"

namespace kb::broker {

class TaskThread;

class ProducerIdManager {
 public:
  // Claims the next block (blocking; throws on failure).
  using ClaimBlock = std::function<coordinator::ProducerIdBlock()>;
  // (kNone, id) or (error, -1).
  using Callback = std::function<void(ErrorCode, int64_t)>;

  ProducerIdManager(ClaimBlock claim, TaskThread& thread)
      : claim_(std::move(claim)), thread_(thread) {}

  // A new producer id. When the claim of a block fails, the waiting callers get
  // COORDINATOR_NOT_AVAILABLE, which clients retry.
  void generate(Callback done);

 private:
  void claim_and_serve();

  const ClaimBlock claim_;
  TaskThread& thread_;
  std::mutex mu_;
  int64_t next_ = 0;
  int64_t end_ = -1;  // inclusive; next_ > end_: no id at hand
  bool claiming_ = false;
  std::vector<Callback> waiting_;
};

}  // namespace kb::broker
