#include "coordinator/controller/tests/test_util.h"

#include "coordinator/controller/decision_builder.h"

namespace kb::coordinator {
void PrintTo(const LeaderAndIsr& s, std::ostream* os) {
  *os << controller::describe(s, ZkVersion(-1));
}
}  // namespace kb::coordinator

namespace kb::coordinator::controller {
namespace {
std::string ids(const std::vector<BrokerId>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i].value());
  return out + "]";
}
}  // namespace

void PrintTo(const LeaderAndIsrRequest& r, std::ostream* os) {
  *os << "LeaderAndIsr(to " << r.target << ", leaders " << ids(r.live_leaders) << ":";
  for (const auto& p : r.partitions) {
    *os << " " << p.partition.to_string() << describe(p.state, p.zk_version)
        << " replicas=" << ids(p.replicas) << (p.is_new ? " new" : "");
  }
  *os << ")";
}
void PrintTo(const UpdateMetadataRequest& r, std::ostream* os) {
  *os << "UpdateMetadata(to " << r.target << ", live " << ids(r.live_brokers) << ":";
  for (const auto& p : r.partitions) {
    *os << " " << p.partition.to_string() << describe(p.state, p.zk_version)
        << " replicas=" << ids(p.replicas) << " offline=" << ids(p.offline_replicas);
  }
  *os << ")";
}
void PrintTo(const StopReplicaRequest& r, std::ostream* os) {
  *os << "StopReplica(to " << r.target << ", delete=" << r.delete_partitions << ":";
  for (const auto& p : r.partitions) *os << " " << p.partition.to_string() << "@" << p.leader_epoch;
  *os << ")";
}
}  // namespace kb::coordinator::controller

namespace kb::coordinator::controller::zk {
void PrintTo(const CreatePartitionState& w, std::ostream* os) {
  *os << "Create(" << w.partition.to_string() << describe(w.state, ZkVersion(-1)) << ")";
}
void PrintTo(const UpdatePartitionState& w, std::ostream* os) {
  *os << "Update(" << w.partition.to_string() << describe(w.state, w.expected_version) << ")";
}
void PrintTo(const DeleteTopic& w, std::ostream* os) {
  *os << "DeleteTopic(" << w.topic << ")";
}
void PrintTo(const DeleteZnode& w, std::ostream* os) {
  *os << "DeleteZnode(" << w.path << ")";
}
}  // namespace kb::coordinator::controller::zk
