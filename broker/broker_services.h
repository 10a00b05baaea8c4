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

namespace kb::broker {

class TopicAdmin;
class MetadataSync;

class BrokerServices {
 public:
  const config::ConfigValues* config = nullptr;
  int32_t broker_id = -1;
  std::string cluster_id;
  MetadataCache* metadata = nullptr;
  ReplicaManager* replicas = nullptr;
  Purgatory* fetch_purgatory = nullptr;
  TopicAdmin* topic_admin = nullptr;
  MetadataSync* metadata_sync = nullptr;
  std::atomic<bool> is_controller{false};
};

}  // namespace kb::broker
