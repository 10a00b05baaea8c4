#pragma once
// Turns the controller's decided requests (decisions.h) into Kafka protocol request bodies, and
// decodes the responses the controller acts on. Pure functions: no sockets, no ZooKeeper.
//
// Thread-safety: pure functions; safe from any thread.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/types.h"
#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/decisions.h"
#include "coordinator/controller/events.h"

namespace kb::coordinator::controller {

// Inter-broker request versions, chosen from inter.broker.protocol.version (2.4 -> the maxima).
struct InterBrokerVersions {
  int16_t leader_and_isr = 4;
  int16_t update_metadata = 6;
  int16_t stop_replica = 2;
};
// Versions for an inter.broker.protocol.version value such as "2.4-IV1", "2.2" or "0.10.2"
// (Kafka's ControllerChannelManager choices; IBPs above 2.4 get the 2.4 maxima, the highest we
// implement). A release without "-IVn" means its last internal version; patch digits are
// ignored ("2.4.1" = "2.4", "0.10.2.1" = "0.10.2"). Throws std::invalid_argument when malformed.
InterBrokerVersions inter_broker_versions(const std::string& inter_broker_protocol_version);

struct EncodedRequest {
  int16_t api_key = -1;
  int16_t api_version = -1;
  std::vector<uint8_t> body;  // without the request header
};

// Encodes one request for its target, stamped with the context's controller id and epoch and the
// target's broker epoch (context.live_brokers). Broker endpoints (UpdateMetadata live brokers,
// LeaderAndIsr live leaders) come from context.live_brokers; LeaderAndIsr leaders are given by
// their `inter_broker_listener_name` endpoint. Brokers missing from the context, leaders without
// that listener and (UpdateMetadata v0) brokers without a PLAINTEXT endpoint are left out, with
// a warning. LeaderAndIsr v3+ adding/removing replicas come from context.topics. Does not throw.
EncodedRequest encode_broker_request(const ControllerContext& context, const BrokerRequest& request,
                                     const InterBrokerVersions& versions,
                                     const std::string& inter_broker_listener_name);

// The per-partition outcome of a StopReplica(delete=true), as topic deletion needs it. Does not
// throw: a malformed body yields error = UNKNOWN_SERVER_ERROR (the topic is retried later).
TopicDeletionStopReplicaResponseEvent decode_stop_replica_response(BrokerId from,
                                                                   int16_t api_version,
                                                                   std::span<const uint8_t> body);

}  // namespace kb::coordinator::controller
