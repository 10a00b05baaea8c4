#include "coordinator/controller/elections.h"

#include <algorithm>

namespace kb::coordinator::controller {
namespace {

bool contains(const std::vector<BrokerId>& v, BrokerId id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

// Every controller decision moves the leader epoch forward and stamps its own epoch, so that
// brokers (and later controllers reading /state) can order it after what came before.
LeaderAndIsr decided(const LeaderAndIsr& current, BrokerId leader, std::vector<BrokerId> isr,
                     ControllerEpoch controller_epoch) {
  return LeaderAndIsr{leader, LeaderEpoch(current.leader_epoch.value() + 1), std::move(isr),
                      controller_epoch};
}

}  // namespace

std::optional<ElectionResult> offline_partition_election(const std::vector<BrokerId>& assignment,
                                                         const LeaderAndIsr& current,
                                                         const std::set<BrokerId>& live,
                                                         bool unclean_allowed,
                                                         ControllerEpoch controller_epoch) {
  for (BrokerId r : assignment) {
    if (live.contains(r) && contains(current.isr, r)) {
      std::vector<BrokerId> isr;
      for (BrokerId m : current.isr) {
        if (live.contains(m)) isr.push_back(m);
      }
      return ElectionResult{decided(current, r, std::move(isr), controller_epoch), false};
    }
  }
  if (!unclean_allowed) return std::nullopt;
  for (BrokerId r : assignment) {
    if (live.contains(r)) return ElectionResult{decided(current, r, {r}, controller_epoch), true};
  }
  return std::nullopt;
}

std::optional<ElectionResult> reassign_partition_election(const std::vector<BrokerId>& target,
                                                          const LeaderAndIsr& current,
                                                          const std::set<BrokerId>& live,
                                                          ControllerEpoch controller_epoch) {
  for (BrokerId r : target) {
    if (live.contains(r) && contains(current.isr, r)) {
      return ElectionResult{decided(current, r, current.isr, controller_epoch), false};
    }
  }
  return std::nullopt;
}

std::optional<ElectionResult> preferred_replica_election(const std::vector<BrokerId>& assignment,
                                                         const LeaderAndIsr& current,
                                                         const std::set<BrokerId>& live,
                                                         ControllerEpoch controller_epoch) {
  if (assignment.empty()) return std::nullopt;
  BrokerId preferred = assignment.front();
  if (!live.contains(preferred) || !contains(current.isr, preferred)) return std::nullopt;
  return ElectionResult{decided(current, preferred, current.isr, controller_epoch), false};
}

std::optional<ElectionResult> controlled_shutdown_election(
    const std::vector<BrokerId>& assignment, const LeaderAndIsr& current,
    const std::set<BrokerId>& live_or_shutting_down, const std::set<BrokerId>& shutting_down,
    ControllerEpoch controller_epoch) {
  for (BrokerId r : assignment) {
    if (live_or_shutting_down.contains(r) && contains(current.isr, r) &&
        !shutting_down.contains(r)) {
      std::vector<BrokerId> isr;
      for (BrokerId m : current.isr) {
        if (!shutting_down.contains(m)) isr.push_back(m);
      }
      return ElectionResult{decided(current, r, std::move(isr), controller_epoch), false};
    }
  }
  return std::nullopt;
}

std::optional<LeaderAndIsr> initial_leader_and_isr(const std::vector<BrokerId>& assignment,
                                                   const std::set<BrokerId>& live,
                                                   ControllerEpoch controller_epoch) {
  std::vector<BrokerId> isr;
  for (BrokerId r : assignment) {
    if (live.contains(r)) isr.push_back(r);
  }
  if (isr.empty()) return std::nullopt;
  BrokerId leader = isr.front();
  return LeaderAndIsr{leader, LeaderEpoch(0), std::move(isr), controller_epoch};
}

std::optional<LeaderAndIsr> remove_replica_from_isr(const LeaderAndIsr& current, BrokerId replica,
                                                    ControllerEpoch controller_epoch) {
  if (!contains(current.isr, replica)) return std::nullopt;
  // Already leaderless with this replica as the last ISR member: the write would change only the
  // epochs (Kafka 2.4 writes it anyway). Skipping it keeps a failover over many offline
  // partitions from rewriting every /state; the next election bumps the leader epoch as usual.
  if (current.isr.size() == 1 && current.leader == kNoBroker) return std::nullopt;
  BrokerId leader = current.leader == replica ? kNoBroker : current.leader;
  std::vector<BrokerId> isr;
  if (current.isr.size() == 1) {
    isr = current.isr;
  } else {
    for (BrokerId m : current.isr) {
      if (m != replica) isr.push_back(m);
    }
  }
  return decided(current, leader, std::move(isr), controller_epoch);
}

}  // namespace kb::coordinator::controller
