#include "coordinator/replica_assignment.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace kb::coordinator {
namespace {

AssignmentResult fail(ErrorCode code, std::string message) {
  AssignmentResult r;
  r.error = code;
  r.message = std::move(message);
  return r;
}

int32_t random_index(int32_t n) {
  static thread_local std::mt19937 engine{std::random_device{}()};
  return std::uniform_int_distribution<int32_t>(0, n - 1)(engine);
}

// Kafka's follower position for replica `k` (0-based among followers) of a partition whose leader
// sits at `first`: always in [1, n-1] away from the leader, so never the leader itself.
int32_t follower_index(int32_t first, int32_t shift, int32_t k, int32_t n) {
  return (first + 1 + (shift + k) % (n - 1)) % n;
}

}  // namespace

std::vector<int32_t> rack_alternated_broker_list(const std::vector<BrokerInfoLite>& brokers) {
  std::map<std::string, std::vector<int32_t>> by_rack;  // sorted rack names
  for (const auto& b : brokers)
    if (b.rack) by_rack[*b.rack].push_back(b.id);
  for (auto& [rack, ids] : by_rack) std::sort(ids.begin(), ids.end());
  std::vector<int32_t> out;
  for (size_t round = 0;; ++round) {
    bool any = false;
    for (auto& [rack, ids] : by_rack) {
      if (round < ids.size()) {
        out.push_back(ids[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

AssignmentResult assign_replicas(const std::vector<BrokerInfoLite>& brokers_in,
                                 int32_t num_partitions, int16_t replication_factor,
                                 AssignmentStrategy strategy, int32_t start_partition,
                                 std::optional<int32_t> fixed_start_index,
                                 std::optional<int32_t> fixed_shift) {
  if (num_partitions <= 0)
    return fail(ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.");
  if (replication_factor <= 0)
    return fail(ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0.");
  const auto n = static_cast<int32_t>(brokers_in.size());
  if (replication_factor > n)
    return fail(ErrorCode::kInvalidReplicationFactor,
                "Replication factor: " + std::to_string(replication_factor) +
                    " larger than available brokers: " + std::to_string(n) + ".");

  std::vector<BrokerInfoLite> brokers = brokers_in;
  std::sort(brokers.begin(), brokers.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  size_t with_rack = std::count_if(brokers.begin(), brokers.end(),
                                   [](const auto& b) { return b.rack.has_value(); });
  if (strategy == AssignmentStrategy::kRackAware) {
    if (with_rack == 0) {
      strategy = AssignmentStrategy::kKafkaRandom;
    } else if (with_rack != brokers.size()) {
      return fail(ErrorCode::kInvalidReplicaAssignment,
                  "Not all brokers have rack information for replica rack aware assignment.");
    }
  }

  AssignmentResult result;
  const int32_t p0 = std::max(0, start_partition);

  if (strategy == AssignmentStrategy::kRoundRobin) {
    int32_t start = fixed_start_index.value_or(0);
    if (start < 0) start = 0;
    for (int32_t p = p0; p < p0 + num_partitions; ++p) {
      auto& replicas = result.assignment[p];
      for (int32_t j = 0; j < replication_factor; ++j)
        replicas.push_back(brokers[(p + start + j) % n].id);
    }
    return result;
  }

  // Kafka: a fixed start index also fixes the shift; otherwise both are independent randoms.
  const bool start_fixed = fixed_start_index && *fixed_start_index >= 0;
  const int32_t start_index = start_fixed ? *fixed_start_index : random_index(n);
  int32_t shift = (fixed_shift && *fixed_shift >= 0) ? *fixed_shift
                  : start_fixed                      ? *fixed_start_index
                                                     : random_index(n);

  if (strategy == AssignmentStrategy::kKafkaRandom) {
    for (int32_t p = p0; p < p0 + num_partitions; ++p) {
      if (p > 0 && p % n == 0) ++shift;
      int32_t first = (p + start_index) % n;
      auto& replicas = result.assignment[p];
      replicas.push_back(brokers[first].id);
      for (int32_t j = 0; j < replication_factor - 1; ++j)
        replicas.push_back(brokers[follower_index(first, shift, j, n)].id);
    }
    return result;
  }

  // Rack aware.
  std::map<int32_t, std::string> rack_of;
  for (const auto& b : brokers) rack_of[b.id] = *b.rack;
  std::set<std::string> racks;
  for (const auto& [id, rack] : rack_of) racks.insert(rack);
  const auto num_racks = static_cast<int32_t>(racks.size());
  const std::vector<int32_t> list = rack_alternated_broker_list(brokers);
  for (int32_t p = p0; p < p0 + num_partitions; ++p) {
    if (p > 0 && p % n == 0) ++shift;
    int32_t first = (p + start_index) % n;
    int32_t leader = list[first];
    std::vector<int32_t> replicas{leader};
    std::set<std::string> racks_used{rack_of[leader]};
    std::set<int32_t> brokers_used{leader};
    int32_t k = 0;
    for (int32_t j = 0; j < replication_factor - 1; ++j) {
      for (;;) {
        int32_t candidate = list[follower_index(first, shift * num_racks, k, n)];
        ++k;
        const std::string& rack = rack_of[candidate];
        bool rack_ok = !racks_used.count(rack) ||
                       static_cast<int32_t>(racks_used.size()) == num_racks;
        bool broker_ok = !brokers_used.count(candidate) ||
                         static_cast<int32_t>(brokers_used.size()) == n;
        if (rack_ok && broker_ok) {
          replicas.push_back(candidate);
          racks_used.insert(rack);
          brokers_used.insert(candidate);
          break;
        }
      }
    }
    result.assignment[p] = std::move(replicas);
  }
  return result;
}

AssignmentResult assign_added_partitions(const std::vector<BrokerInfoLite>& brokers,
                                         const ReplicaAssignment& existing, int32_t new_total,
                                         AssignmentStrategy strategy) {
  auto p0 = existing.find(0);
  if (p0 == existing.end() || p0->second.empty())
    return fail(ErrorCode::kInvalidPartitions,
                "The existing assignment does not contain partition 0.");
  const auto current = static_cast<int32_t>(existing.size());
  if (new_total <= current)
    return fail(ErrorCode::kInvalidPartitions,
                "Topic currently has " + std::to_string(current) +
                    " partitions, which is higher than the requested " +
                    std::to_string(new_total) + ".");
  const auto rf = static_cast<int16_t>(p0->second.size());
  std::optional<int32_t> start;
  if (strategy != AssignmentStrategy::kRoundRobin) {
    std::vector<int32_t> ids;
    for (const auto& b : brokers) ids.push_back(b.id);
    std::sort(ids.begin(), ids.end());
    auto it = std::lower_bound(ids.begin(), ids.end(), p0->second.front());
    start = it == ids.end() ? 0 : static_cast<int32_t>(it - ids.begin());
  }
  AssignmentResult r =
      assign_replicas(brokers, new_total - current, rf, strategy, current, start, start);
  if (!r.ok()) return r;
  for (const auto& [p, replicas] : existing) r.assignment[p] = replicas;
  return r;
}

}  // namespace kb::coordinator
