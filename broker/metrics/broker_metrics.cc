#include "broker/metrics/broker_metrics.h"

#include <sstream>

namespace kb::broker {
namespace {

struct Sample {
  const char* name;
  const char* type;  // gauge or counter
  const char* help;
  int64_t value;
};

}  // namespace

std::string render_prometheus(const BrokerMetricsSnapshot& m) {
  const Sample samples[] = {
      {"kafka_server_replicamanager_partitioncount", "gauge",
       "Partitions with a replica on this broker.", m.partition_count},
      {"kafka_server_replicamanager_leadercount", "gauge", "Partitions this broker leads.",
       m.leader_count},
      {"kafka_server_replicamanager_underreplicatedpartitions", "gauge",
       "Partitions led here whose ISR is smaller than their replica set.",
       m.under_replicated_partitions},
      {"kafka_server_replicamanager_isrshrinks_total", "counter",
       "ISR shrinks written by this broker as a leader.", m.isr_shrinks},
      {"kafka_server_replicamanager_isrexpands_total", "counter",
       "ISR expansions written by this broker as a leader.", m.isr_expands},
      {"kafka_controller_kafkacontroller_activecontrollercount", "gauge",
       "1 on the active controller, 0 elsewhere.", m.active_controller_count},
      {"kafka_controller_kafkacontroller_offlinepartitionscount", "gauge",
       "Partitions without a live leader (active controller only).", m.offline_partitions},
      {"kafka_controller_controllerstats_uncleanleaderelections_total", "counter",
       "Leaders elected from outside the ISR by this broker as controller.",
       m.unclean_leader_elections},
      {"kb_controller_changes_total", "counter", "Times this broker became the controller.",
       m.controller_changes},
      {"kb_controller_last_failover_ms", "gauge",
       "Last failover: from winning the election to every live broker having answered "
       "UpdateMetadata (-1: none yet).",
       m.last_failover_ms},
      {"kb_log_cleaner_passes_total", "counter", "Log cleaner passes completed.",
       m.cleaner_passes},
      {"kb_log_cleaner_bytes_read_total", "counter",
       "Bytes the log cleaner read while building offset maps.", m.cleaner_bytes_read},
      {"kb_log_cleaner_bytes_written_total", "counter", "Bytes of cleaned segments written.",
       m.cleaner_bytes_written},
      {"kb_log_cleaner_records_removed_total", "counter",
       "Records compaction removed (superseded, expired tombstones, keyless).",
       m.cleaner_records_removed},
  };
  std::ostringstream out;
  for (const Sample& s : samples) {
    out << "# HELP " << s.name << ' ' << s.help << '\n'
        << "# TYPE " << s.name << ' ' << s.type << '\n'
        << s.name << "{broker=\"" << m.broker_id << "\"} " << s.value << '\n';
  }
  return out.str();
}

}  // namespace kb::broker
