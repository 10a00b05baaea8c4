#pragma once
// The closed set of controller events (the role of Kafka's sealed ControllerEvent). ZooKeeper
// watchers and request handlers only build one of these and enqueue it; the controller thread
// reads what the event needs from ZooKeeper *before* deciding (so decisions stay pure) and
// stores it in the event. A std::variant makes the set closed: adding an event without handling
// it fails to compile in the std::visit of the event loop.
//
// Thread-safety: plain values.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error_code.h"
#include "common/types.h"
#include "coordinator/controller/controller_context.h"
#include "coordinator/znodes.h"

namespace kb::coordinator::controller {

// Broker start: arm the /controller watch and run the election. No ZooKeeper data.
struct StartupEvent {};

// /brokers/ids children changed: every current registration with its czxid (the broker epoch).
struct BrokerChangeEvent {
  std::map<BrokerId, LiveBroker> registered;
};

// /brokers/ids/N data changed (e.g. endpoints): the new registration.
struct BrokerModificationEvent {
  BrokerId id{-1};
  LiveBroker broker;
};

// /brokers/topics children changed. `topics` is every current child; `new_assignments` holds
// the /brokers/topics/T content of the topics the controller did not know, and
// `new_unclean_overrides` their `unclean.leader.election.enable` from /config/topics/T.
struct TopicChangeEvent {
  std::set<std::string> topics;
  std::map<std::string, TopicAssignment> new_assignments;
  std::map<std::string, bool> new_unclean_overrides;
};

// /brokers/topics/T data changed (partitions added).
struct PartitionModificationsEvent {
  std::string topic;
  TopicAssignment assignment;
};

// /admin/delete_topics children changed.
struct TopicDeletionEvent {
  std::set<std::string> marked_topics;
};

// A StopReplica(delete=true) response from a replica of a topic being deleted. Not in the
// list of ZooKeeper-driven events, but the second step of deletion needs it (Kafka has the
// equivalent TopicDeletionStopReplicaResponseReceived).
struct TopicDeletionStopReplicaResponseEvent {
  BrokerId replica{-1};
  ErrorCode error = ErrorCode::kNone;  // top-level: every partition failed
  std::map<TopicPartition, ErrorCode> partition_errors;
};

// /admin/reassign_partitions created or changed: partition -> target replicas.
struct PartitionReassignmentEvent {
  std::map<TopicPartition, std::vector<BrokerId>> reassignment;
};

// AlterPartitionReassignments (KIP-455): partition -> target replicas; nullopt cancels the
// partition's ongoing reassignment. Unlike the znode path nothing is written to
// /admin/reassign_partitions (Kafka 2.4): /brokers/topics/T's adding/removing replicas are the
// record a failover resumes from.
struct ApiPartitionReassignmentEvent {
  std::map<TopicPartition, std::optional<std::vector<BrokerId>>> reassignments;
};

// ListPartitionReassignments: the partitions asked about, nullopt for every ongoing one. A read
// of the controller's context; no decision.
struct ListPartitionReassignmentsEvent {
  std::optional<std::vector<TopicPartition>> partitions;
};

// /isr_change_notification children: the sequence nodes seen and the re-read /state of every
// partition they name (leaders changed the ISR themselves; the controller only propagates it).
struct IsrChangeNotificationEvent {
  std::vector<std::string> sequence_nodes;  // child names, e.g. "isr_change_0000000003"
  std::map<TopicPartition, PartitionLeadership> states;
};

// /admin/preferred_replica_election created: the partitions named in it.
struct PreferredReplicaElectionEvent {
  std::vector<TopicPartition> partitions;
};

// ControlledShutdown request from a broker.
struct ControlledShutdownEvent {
  BrokerId id{-1};
  BrokerEpoch broker_epoch{-1};  // -1: unknown (old request versions), not checked
};

// Kafka's ElectionType (KIP-460): the wire values of ElectLeaders v1+ (v0 is always preferred).
enum class ElectionType : int8_t { kPreferred = 0, kUnclean = 1 };

// An ElectLeaders request (Kafka's ReplicaLeaderElection triggered by the admin client). The
// handler resolves "every partition" (null on the wire) into the list, as Kafka 2.4 does from
// its metadata cache; the controller re-reads their /state before deciding.
struct ElectLeadersEvent {
  ElectionType type = ElectionType::kPreferred;
  std::vector<TopicPartition> partitions;
};

// The periodic imbalance check (leader.imbalance.check.interval.seconds).
struct AutoPreferredReplicaLeaderElectionEvent {};

// /controller created or changed: who is controller now.
struct ControllerChangeEvent {
  std::optional<BrokerId> controller_id;
};

// /controller deleted: resign if needed, then run the election again.
struct ReelectEvent {};

// The ZooKeeper session expired: resign; a new session follows.
struct ExpireEvent {};

// After a new session: re-register /brokers/ids/N, then run the election again.
struct RegisterBrokerAndReelectEvent {};

using ControllerEvent =
    std::variant<StartupEvent, BrokerChangeEvent, BrokerModificationEvent, TopicChangeEvent,
                 PartitionModificationsEvent, TopicDeletionEvent,
                 TopicDeletionStopReplicaResponseEvent, PartitionReassignmentEvent,
                 ApiPartitionReassignmentEvent, ListPartitionReassignmentsEvent,
                 IsrChangeNotificationEvent, PreferredReplicaElectionEvent, ControlledShutdownEvent,
                 ElectLeadersEvent, AutoPreferredReplicaLeaderElectionEvent, ControllerChangeEvent,
                 ReelectEvent, ExpireEvent, RegisterBrokerAndReelectEvent>;

// Kafka's name for the event ("ControlledShutdown", "BrokerChange", ...), for logs.
std::string_view event_name(const ControllerEvent& event);

}  // namespace kb::coordinator::controller
