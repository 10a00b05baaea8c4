#pragma once
// Executes a controller Decision by the contract in decisions.h: fenced ZooKeeper writes first
// (in order), a BADVERSION on a partition's /state re-reads that partition and decides again
// (bounded), then apply_decision, then the requests in vector order. The ZooKeeper side is an
// interface so that the retry and ordering rules can be tested without a server.
//
// Thread-safety: none; used by the controller's event thread only.
#include <functional>
#include <optional>
#include <vector>

#include "common/types.h"
#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/decisions.h"
#include "coordinator/zk_client.h"

namespace kb::coordinator::controller {

enum class WriteStatus {
  kOk,
  kFenced,      // the /controller_epoch check failed: another controller exists
  kBadVersion,  // a partition /state moved on (a leader changed the ISR meanwhile)
  kFailed,      // anything else (connection loss, unexpected node state)
};

struct WriteOutcome {
  WriteStatus status = WriteStatus::kOk;
  ZkCode code = ZkCode::kOk;  // the underlying code, for logs
};

// The ZooKeeper operations the executor needs.
class ControllerZkWriter {
 public:
  virtual ~ControllerZkWriter() = default;
  // Performs `writes` in order, each fenced on the /controller_epoch zkVersion, and returns one
  // outcome per write. Implementations may pipeline; ZooKeeper keeps one session's order.
  virtual std::vector<WriteOutcome> write(const std::vector<ZkWrite>& writes,
                                          ZkVersion epoch_zk_version) = 0;
  // The current /state of a partition, nullopt when it has none.
  virtual std::optional<PartitionLeadership> read_partition_state(const TopicPartition& tp) = 0;
};

struct ExecutionResult {
  bool fenced = false;   // resign: nothing was applied
  bool applied = false;  // the (possibly re-decided) decision was applied and its requests sent
  int attempts = 0;      // write rounds used
  Decision decision;     // the decision finally applied
};

class DecisionExecutor {
 public:
  using RequestSender = std::function<void(const ControllerContext&, const BrokerRequest&)>;
  using Redecide = std::function<Decision(const ControllerContext&)>;
  static constexpr int kMaxAttempts = 5;

  DecisionExecutor(ControllerZkWriter& writer, RequestSender sender)
      : writer_(writer), sender_(std::move(sender)) {}

  // Runs `decision` against `context`. `redecide` (may be empty: no retry) recomputes the
  // decision after partitions that failed BADVERSION were re-read into the context.
  ExecutionResult execute(ControllerContext& context, Decision decision, const Redecide& redecide);

 private:
  ControllerZkWriter& writer_;
  RequestSender sender_;
};

}  // namespace kb::coordinator::controller
