// Stand-in for coordinator/controller/channel/request_encoding.cc, compiled into the integration
// test only while the kb_controller_channel target does not exist. It tags each request with its
// API key and leaves the body empty; the fake channel records the keys.
#include "coordinator/controller/channel/request_encoding.h"

namespace kb::coordinator::controller {

InterBrokerVersions inter_broker_versions(const std::string&) {
  return {};
}

EncodedRequest encode_broker_request(const ControllerContext&, const BrokerRequest& request,
                                     const InterBrokerVersions& versions, const std::string&) {
  EncodedRequest out;
  if (std::holds_alternative<LeaderAndIsrRequest>(request)) {
    out.api_key = 4;
    out.api_version = versions.leader_and_isr;
  } else if (std::holds_alternative<UpdateMetadataRequest>(request)) {
    out.api_key = 6;
    out.api_version = versions.update_metadata;
  } else {
    out.api_key = 5;
    out.api_version = versions.stop_replica;
  }
  return out;
}

TopicDeletionStopReplicaResponseEvent decode_stop_replica_response(BrokerId from, int16_t,
                                                                   std::span<const uint8_t>) {
  TopicDeletionStopReplicaResponseEvent e;
  e.replica = from;
  return e;
}

}  // namespace kb::coordinator::controller
