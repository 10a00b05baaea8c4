#pragma once
// An acks=all produce waiting in the produce purgatory until every partition it appended to has
// a high watermark past its last offset (then NONE, or NOT_ENOUGH_REPLICAS_AFTER_APPEND when the
// ISR shrank below min.insync.replicas meanwhile), or until its timeout (REQUEST_TIMED_OUT for
// the partitions still waiting). Partitions whose append failed keep their error.
//
// Thread-safety: try_complete may run concurrently from several threads (appends, follower
// fetches, ISR changes); `mu_` guards the statuses and DelayedOperation::claim() makes the
// response happen exactly once.
#include <functional>
#include <mutex>
#include <vector>

#include "broker/purgatory.h"
#include "broker/replication/partition.h"

namespace kb::broker::replication {

struct ProducePartitionStatus {
  TopicPartition tp;
  int64_t required_offset = -1;  // last appended offset + 1
  int32_t min_insync_replicas = 1;
  bool pending = false;  // false: `error` is final (failed append or already answered)
  ErrorCode error = ErrorCode::kNone;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

class DelayedProduce : public DelayedOperation {
 public:
  using Check = std::function<ReplicationCheck(const TopicPartition&, int64_t required_offset,
                                               int32_t min_insync_replicas)>;
  using Respond = std::function<void(const std::vector<ProducePartitionStatus>&)>;

  DelayedProduce(Clock::time_point deadline, std::vector<ProducePartitionStatus> statuses,
                 Check check, Respond respond);

  bool try_complete() override;
  void expire() override;
  // Keys to watch: the partitions still pending.
  std::vector<TopicPartition> keys() const;

 private:
  mutable std::mutex mu_;
  std::vector<ProducePartitionStatus> statuses_;
  Check check_;
  Respond respond_;
};

}  // namespace kb::broker::replication
