// Broker table, server area: identity, listeners, ZooKeeper, threads and sockets, the group and
// transaction coordinators' internal topics, and our own kb.* keys.
#include "common/config/broker_config.h"
#include "common/config/table_helpers.h"

namespace kb::config::detail {

using namespace kb::config::table;  // NOLINT: table shorthand

void append_server_definitions(std::vector<Definition>* t) {
  // Identity.
  t->push_back(def("broker.id", Type::kInt, "-1", at_least(-1), kHigh,
                   "This broker's id, unique in the cluster. -1 asks ZooKeeper for a generated "
                   "id when broker.id.generation.enable is true."));
  t->push_back(def("broker.id.generation.enable", Type::kBoolean, "true", no_validation(), kMedium,
                   "Allow an id to be generated (above reserved.broker.max.id) when broker.id "
                   "is -1 and meta.properties holds none."));
  t->push_back(def("reserved.broker.max.id", Type::kInt, "1000", at_least(0), kMedium,
                   "Highest id operators may assign by hand; generated ids start above it."));
  t->push_back(def("broker.rack", Type::kString, kNull, no_validation(), kMedium,
                   "Rack (or zone) of this broker, registered in ZooKeeper and used by "
                   "rack-aware replica placement."));

  // Listeners.
  t->push_back(def("listeners", Type::kString, "PLAINTEXT://:9092", listener_list(), kHigh,
                   "Comma-separated NAME://host:port addresses to listen on; an empty host "
                   "binds every interface and port 0 picks a free port. (Kafka's default is "
                   "null, which means the same PLAINTEXT://:9092.)"));
  t->push_back(def("advertised.listeners", Type::kString, kNull, listener_list(), kHigh,
                   "Addresses published in ZooKeeper for clients and other brokers, in the "
                   "listeners format; null means the listeners value."));
  t->push_back(def("listener.security.protocol.map", Type::kString,
                   "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                   protocol_map(), kLow,
                   "Security protocol of each listener name, as NAME:PROTOCOL pairs."));
  t->push_back(def("inter.broker.listener.name", Type::kString, kNull, no_validation(), kMedium,
                   "Listener that brokers use to talk to each other; null selects it through "
                   "security.inter.broker.protocol. Set at most one of the two."));
  t->push_back(def("security.inter.broker.protocol", Type::kString, "PLAINTEXT",
                   one_of({"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}), kMedium,
                   "Security protocol of the listener used between brokers, when "
                   "inter.broker.listener.name is not set."));
  t->push_back(def("control.plane.listener.name", Type::kString, kNull, no_validation(), kHigh,
                   "Listener dedicated to controller requests; null sends them over the "
                   "inter-broker listener."));
  t->push_back(def("inter.broker.protocol.version", Type::kString, "2.4-IV1", kafka_version(),
                   kMedium,
                   "Protocol version brokers use among themselves; lower it during a rolling "
                   "upgrade."));

  // ZooKeeper.
  t->push_back(required("zookeeper.connect", Type::kString, non_empty(), kHigh,
                        "ZooKeeper ensemble as host:port[,host:port...] with an optional /chroot "
                        "suffix."));
  t->push_back(def("zookeeper.session.timeout.ms", Type::kInt, "18000", at_least(1), kHigh,
                   "ZooKeeper session timeout. 18000 as in Kafka 2.5+ (Kafka 2.4 used 6000)."));
  t->push_back(def("zookeeper.connection.timeout.ms", Type::kInt, kNull, at_least(1), kHigh,
                   "How long to wait for the ZooKeeper connection to be established; null means "
                   "zookeeper.session.timeout.ms."));
  t->push_back(def("zookeeper.max.in.flight.requests", Type::kInt, "10", at_least(1), kHigh,
                   "Cap on unacknowledged requests this broker keeps outstanding to ZooKeeper."));
  t->push_back(def("zookeeper.set.acl", Type::kBoolean, "false", no_validation(), kHigh,
                   "Create znodes with secure ACLs."));

  // Threads and sockets.
  t->push_back(def("num.network.threads", Type::kInt, "3", at_least(1), kHigh,
                   "Threads that read requests from sockets and write responses."));
  t->push_back(def("num.io.threads", Type::kInt, "8", at_least(1), kHigh,
                   "Threads that execute requests, including disk I/O."));
  t->push_back(def("background.threads", Type::kInt, "10", at_least(1), kHigh,
                   "Threads for background work such as deleting files."));
  t->push_back(def("queued.max.requests", Type::kInt, "500", at_least(1), kHigh,
                   "Requests that may wait for an I/O thread before network threads stop "
                   "reading."));
  t->push_back(def("request.timeout.ms", Type::kInt, "30000", at_least(0), kMedium,
                   "How long the broker's own client connections (to other brokers) wait for "
                   "a response."));
  t->push_back(def("socket.request.max.bytes", Type::kInt, "104857600", at_least(1), kHigh,
                   "Largest request frame accepted; a larger one closes the connection."));
  t->push_back(def("socket.send.buffer.bytes", Type::kInt, "102400", no_validation(), kHigh,
                   "SO_SNDBUF for client sockets; -1 keeps the OS default."));
  t->push_back(def("socket.receive.buffer.bytes", Type::kInt, "102400", no_validation(), kHigh,
                   "SO_RCVBUF for client sockets; -1 keeps the OS default."));
  t->push_back(def("connections.max.idle.ms", Type::kLong, "600000", no_validation(), kMedium,
                   "Close connections that have been idle this long."));

  // Topic management.
  t->push_back(def("auto.create.topics.enable", Type::kBoolean, "true", no_validation(), kHigh,
                   "Create a topic when a client asks for metadata about one that is missing."));
  t->push_back(def("delete.topic.enable", Type::kBoolean, "true", no_validation(), kHigh,
                   "Allow topics to be deleted; when false, deletion requests are refused."));

  // Group coordinator and its internal topic.
  t->push_back(def("offsets.topic.replication.factor", Type::kShort, "3", at_least(1), kHigh,
                   "Replication factor of __consumer_offsets; its creation waits until this "
                   "many brokers are alive."));
  t->push_back(def("offsets.topic.num.partitions", Type::kInt, "50", at_least(1), kHigh,
                   "Partition count of __consumer_offsets (fixed once created)."));
  t->push_back(def("offsets.topic.segment.bytes", Type::kInt, "104857600", at_least(1), kHigh,
                   "Segment size of __consumer_offsets, kept small for fast loading."));
  t->push_back(def("offsets.retention.minutes", Type::kInt, "10080", at_least(1), kHigh,
                   "How long committed offsets of an empty group are kept."));
  t->push_back(def("offsets.retention.check.interval.ms", Type::kLong, "600000", at_least(1), kHigh,
                   "How often expired offsets are looked for."));
  t->push_back(def("group.initial.rebalance.delay.ms", Type::kInt, "3000", no_validation(), kMedium,
                   "How long a new group waits for more members before its first rebalance."));
  t->push_back(def("group.min.session.timeout.ms", Type::kInt, "6000", no_validation(), kMedium,
                   "Smallest session timeout a consumer may ask for."));
  t->push_back(def("group.max.session.timeout.ms", Type::kInt, "1800000", no_validation(), kMedium,
                   "Largest session timeout a consumer may ask for."));
  t->push_back(def("group.max.size", Type::kInt, kIntMax, at_least(1), kMedium,
                   "Most members one consumer group may have."));
  t->push_back(def("offsets.commit.timeout.ms", Type::kInt, "5000", at_least(1), kHigh,
                   "How long an offset commit waits for the replicas of __consumer_offsets."));
  t->push_back(def("offsets.commit.required.acks", Type::kShort, "-1", no_validation(), kHigh,
                   "Acks an offset commit needs; only -1 (all in-sync replicas) is honoured."));
  t->push_back(def("offsets.load.buffer.size", Type::kInt, "5242880", at_least(1), kHigh,
                   "Read size when loading a partition of __consumer_offsets."));
  t->push_back(def("offset.metadata.max.bytes", Type::kInt, "4096", no_validation(), kHigh,
                   "Largest metadata string an offset commit may carry."));

  // Transaction coordinator's internal topic.
  t->push_back(def("transaction.state.log.replication.factor", Type::kShort, "3", at_least(1),
                   kHigh, "Replication factor of __transaction_state."));
  t->push_back(def("transaction.state.log.num.partitions", Type::kInt, "50", at_least(1), kHigh,
                   "Partition count of __transaction_state."));
  t->push_back(def("transaction.state.log.min.isr", Type::kInt, "2", at_least(1), kHigh,
                   "min.insync.replicas of __transaction_state."));
  t->push_back(def("transactional.id.expiration.ms", Type::kInt, "604800000", at_least(1), kLow,
                   "How long an idle producer id is remembered by each partition for duplicate "
                   "detection (checked every 10 minutes)."));
  t->push_back(def("transaction.state.log.segment.bytes", Type::kInt, "104857600", at_least(1),
                   kHigh, "Segment size of __transaction_state."));

  // Ours.
  t->push_back(def("kb.log.level", Type::kString, "INFO", log_level(), kMedium,
                   "(Ours, not Kafka's.) Lowest level written to the broker's log: TRACE, "
                   "DEBUG, INFO, WARN, ERROR or FATAL."));
  t->push_back(def("kb.metrics.port", Type::kInt, "-1", between(-1, 65535), kMedium,
                   "(Ours, not Kafka's.) Port of the HTTP endpoint serving GET /metrics in "
                   "Prometheus text format (replica manager and controller metrics); -1 "
                   "disables it, 0 picks a free port (logged)."));
  t->push_back(def("kb.metrics.host", Type::kString, "127.0.0.1", non_empty(), kLow,
                   "(Ours, not Kafka's.) Address the metrics endpoint binds to."));
  t->push_back(def("kb.log.dir", Type::kString, "", no_validation(), kMedium,
                   "(Ours, not Kafka's.) Directory for server.log and state-change.log; empty "
                   "logs to stderr only."));
}

}  // namespace kb::config::detail
