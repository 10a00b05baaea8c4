#pragma once
// The services a request handler may use. Built once by KafkaServer; handlers get a pointer.
#include <atomic>
#include <cstdint>
#include <string>

#include "broker/metadata_cache.h"
#include "broker/purgatory.h"
#include "broker/replica_manager.h"
#include "broker/task_thread.h"
#include "common/config/config.h"

namespace kb::coordinator {
class KafkaZk;
}
namespace kb::coordinator::controller {
class Controller;
}

namespace kb::broker {

class GroupCoordinatorHost;
class ProducerIdManager;
class TopicAdmin;
class TopicConfigCache;

class BrokerServices {
 public:
  const config::ConfigValues* config = nullptr;
  int32_t broker_id = -1;
  std::string cluster_id;
  MetadataCache* metadata = nullptr;
  ReplicaManager* replicas = nullptr;
  Purgatory* fetch_purgatory = nullptr;
  TopicAdmin* topic_admin = nullptr;
  coordinator::KafkaZk* zk = nullptr;
  // This broker's controller (active only while it holds /controller).
  coordinator::controller::Controller* controller = nullptr;
  // Per-topic config overrides (/config/topics/T), kept current by /config/changes.
  TopicConfigCache* topic_configs = nullptr;
  // Producer ids for InitProducerId (blocks from /latest_producer_id_block).
  ProducerIdManager* producer_ids = nullptr;
  // Blocking ZooKeeper work requested by clients (admin operations, v0 offsets).
  TaskThread* admin_thread = nullptr;
  // Consumer groups and their committed offsets (__consumer_offsets).
  GroupCoordinatorHost* groups = nullptr;
  // czxid of this broker's current /brokers/ids/N: controller requests carrying an older one
  // are refused with STALE_BROKER_EPOCH.
  std::atomic<int64_t> broker_epoch{-1};
  // Highest controller epoch seen in a controller request; older ones get
  // STALE_CONTROLLER_EPOCH.
  std::atomic<int32_t> controller_epoch{0};
};

}  // namespace kb::broker
