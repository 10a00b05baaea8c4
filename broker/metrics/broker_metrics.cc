#include "broker/metrics/broker_metrics.h"

#include <sstream>

namespace kb::broker {
namespace {

void metric(std::ostringstream& out, const char* name, const char* type, const char* help,
            int32_t broker_id, int64_t value) {
  out << "# HELP " << name << ' ' << help << '\n'
      << "# TYPE " << name << ' ' << type << '\n'
      << name << "{broker=\"" << broker_id << "\"} " << value << '\n';
}

}  // namespace

std::string render_prometheus(const BrokerMetricsSnapshot& m) {
  std::ostringstream out;
  const int32_t id = m.broker_id;
  metric(out, "kafka_server_replicamanager_partitioncount", "gauge",
         "Partitions with a replica on this broker.", id, m.partition_count);
  metric(out, "kafka_server_replicamanager_leadercount", "gauge",
         "Partitions this broker leads.", id, m.leader_count);
  metric(out, "kafka_server_replicamanager_underreplicatedpartitions", "gauge",
         "Partitions led here whose ISR is smaller than their replica set.", id,
         m.under_replicated_partitions);
  metric(out, "kafka_server_replicamanager_isrshrinks_total", "counter",
         "ISR shrinks written by this broker as a leader.", id, m.isr_shrinks);
  metric(out, "kafka_server_replicamanager_isrexpands_total", "counter",
         "ISR expansions written by this broker as a leader.", id, m.isr_expands);
  metric(out, "kafka_controller_kafkacontroller_activecontrollercount", "gauge",
         "1 on the active controller, 0 elsewhere.", id, m.active_controller_count);
  metric(out, "kafka_controller_kafkacontroller_offlinepartitionscount", "gauge",
         "Partitions without a live leader (active controller only).", id,
         m.offline_partitions);
  metric(out, "kafka_controller_controllerstats_uncleanleaderelections_total", "counter",
         "Leaders elected from outside the ISR by this broker as controller.", id,
         m.unclean_leader_elections);
  metric(out, "kb_controller_changes_total", "counter",
         "Times this broker became the controller.", id, m.controller_changes);
  metric(out, "kb_controller_last_failover_ms", "gauge",
         "Last failover: from winning the election to every live broker having answered "
         "UpdateMetadata (-1: none yet).",
         id, m.last_failover_ms);
  return out.str();
}

}  // namespace kb::broker
