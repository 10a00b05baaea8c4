#include "coordinator/controller/runtime/decision_executor.h"

#include <set>

#include "common/logging.h"

namespace kb::coordinator::controller {
namespace {

constexpr const char* kLog = "controller";

std::optional<TopicPartition> partition_of(const ZkWrite& w) {
  if (const auto* u = std::get_if<zk::UpdatePartitionState>(&w)) return u->partition;
  if (const auto* c = std::get_if<zk::CreatePartitionState>(&w)) return c->partition;
  return std::nullopt;
}

}  // namespace

ExecutionResult DecisionExecutor::execute(ControllerContext& context, Decision decision,
                                          const Redecide& redecide) {
  ExecutionResult result;
  // Writes that succeeded in an earlier round. A re-decision over a context that only changed
  // for the re-read partitions reproduces them exactly; they must not be sent twice (their
  // expected zkVersion is now stale).
  std::set<ZkWrite> committed;
  std::vector<TopicPartition> still_bad;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    result.attempts = attempt;
    std::vector<ZkWrite> pending;
    pending.reserve(decision.zk_writes.size());
    for (const auto& w : decision.zk_writes)
      if (!committed.contains(w)) pending.push_back(w);
    std::vector<WriteOutcome> outcomes;
    if (!pending.empty()) outcomes = writer_.write(pending, context.epoch_zk_version);

    std::vector<TopicPartition> bad;
    for (size_t i = 0; i < pending.size(); ++i) {
      const WriteOutcome o = i < outcomes.size() ? outcomes[i] : WriteOutcome{WriteStatus::kFailed};
      switch (o.status) {
        case WriteStatus::kOk:
          committed.insert(pending[i]);
          break;
        case WriteStatus::kFenced:
          KB_LOG_WARN(kLog) << "Controller epoch zkVersion " << context.epoch_zk_version
                            << " is stale: another controller was elected";
          result.fenced = true;
          return result;
        case WriteStatus::kBadVersion:
          if (auto tp = partition_of(pending[i])) {
            bad.push_back(*tp);
          } else {
            KB_LOG_ERROR(kLog) << "ZooKeeper write failed with " << o.code;
          }
          break;
        case WriteStatus::kFailed:
          // The context will assume the write happened; the next event touching the znode
          // (or the next failover) reconciles it.
          KB_LOG_ERROR(kLog) << "ZooKeeper write failed with " << o.code;
          break;
      }
    }
    still_bad = bad;
    if (bad.empty()) break;
    for (const auto& tp : bad) {
      std::optional<PartitionLeadership> current = writer_.read_partition_state(tp);
      if (current) apply_change(context, change::SetLeadership{tp, *current});
      KB_LOG_INFO(kLog) << "Partition " << tp.to_string()
                        << " changed in ZooKeeper meanwhile; re-read its state";
    }
    if (!redecide || attempt == kMaxAttempts) break;
    decision = redecide(context);
  }

  apply_decision(context, decision);
  if (!still_bad.empty()) {
    // Out of retries: keep the context truthful for the partitions that did not move.
    KB_LOG_ERROR(kLog) << still_bad.size() << " partition state write(s) kept failing BADVERSION";
    for (const auto& tp : still_bad) {
      std::optional<PartitionLeadership> current = writer_.read_partition_state(tp);
      if (current) apply_change(context, change::SetLeadership{tp, *current});
    }
  }
  // Requests first: brokers start applying while the (possibly long) log is written.
  for (const auto& request : decision.requests) sender_(context, request);
  log::state_changes(decision.state_change_log);
  result.applied = true;
  result.decision = std::move(decision);
  return result;
}

}  // namespace kb::coordinator::controller
