#pragma once
// The broker's metrics as Prometheus text exposition (served by MetricsHttpServer). Names follow
// the JMX names Kafka users know (kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions
// becomes kafka_server_replicamanager_underreplicatedpartitions), the usual JMX-exporter mapping.
#include <cstdint>
#include <string>

namespace kb::broker {

struct BrokerMetricsSnapshot {
  int32_t broker_id = -1;
  // ReplicaManager
  int64_t partition_count = 0;
  int64_t leader_count = 0;
  int64_t under_replicated_partitions = 0;
  int64_t isr_shrinks = 0;  // counters since the broker started
  int64_t isr_expands = 0;
  // KafkaController (meaningful on the active controller; 0 elsewhere, as in Kafka)
  int32_t active_controller_count = 0;
  int32_t offline_partitions = 0;
  int64_t unclean_leader_elections = 0;
  int64_t controller_changes = 0;
  int64_t last_failover_ms = -1;
  // Log cleaner (counters since the broker started; completed passes only)
  int64_t cleaner_passes = 0;
  int64_t cleaner_bytes_read = 0;
  int64_t cleaner_bytes_written = 0;
  int64_t cleaner_records_removed = 0;
};

// Prometheus text format 0.0.4: one HELP/TYPE header and one sample per metric.
std::string render_prometheus(const BrokerMetricsSnapshot& m);

}  // namespace kb::broker
