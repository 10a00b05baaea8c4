// Broker table, replication and log areas: followers, the controller, leader balancing, and the
// log.* defaults that topics inherit (see topic_config.cc for the topic-level names).
#include "common/config/broker_config.h"
#include "common/config/table_helpers.h"

namespace kb::config::detail {

using namespace kb::config::table;  // NOLINT: table shorthand

void append_replication_definitions(std::vector<Definition>* t) {
  t->push_back(def("default.replication.factor", Type::kInt, "1", at_least(1), kMedium,
                   "Replication factor of automatically created topics."));
  t->push_back(def("min.insync.replicas", Type::kInt, "1", at_least(1), kHigh,
                   "With acks=all, the fewest in-sync replicas that must hold a write for it "
                   "to succeed."));
  t->push_back(def("unclean.leader.election.enable", Type::kBoolean, "false", no_validation(),
                   kHigh,
                   "Let an out-of-sync replica become leader when no in-sync one is left, "
                   "at the price of losing data."));
  t->push_back(def("replica.assignment.strategy", Type::kString, "round-robin",
                   one_of({"round-robin", "kafka-random", "rack-aware"}), kMedium,
                   "(Ours, not Kafka's.) Placement of new partitions over the sorted live "
                   "brokers: round-robin puts replica j of partition i on broker (i+j) mod n; "
                   "kafka-random is Kafka's placement with a random start and shift; rack-aware "
                   "spreads replicas over broker.rack values."));

  // Followers.
  t->push_back(def("replica.lag.time.max.ms", Type::kLong, "30000", no_validation(), kHigh,
                   "A follower that has not caught up within this time leaves the ISR. 30000 "
                   "as in Kafka 2.5+ (Kafka 2.4 used 10000)."));
  t->push_back(def("num.replica.fetchers", Type::kInt, "1", at_least(1), kHigh,
                   "Fetcher threads per source broker used by followers."));
  t->push_back(def("replica.fetch.max.bytes", Type::kInt, "1048576", at_least(0), kMedium,
                   "Bytes a follower asks for per partition in one fetch (a larger first batch "
                   "is still returned)."));
  t->push_back(def("replica.fetch.response.max.bytes", Type::kInt, "10485760", at_least(0), kMedium,
                   "Bytes a follower asks for per fetch response in total."));
  t->push_back(def("replica.fetch.min.bytes", Type::kInt, "1", no_validation(), kHigh,
                   "Bytes the leader should gather before answering a follower's fetch."));
  t->push_back(def("replica.fetch.wait.max.ms", Type::kInt, "500", no_validation(), kHigh,
                   "Longest a leader holds a follower's fetch waiting for data; keep it below "
                   "replica.lag.time.max.ms."));
  t->push_back(def("replica.fetch.backoff.ms", Type::kInt, "1000", at_least(0), kMedium,
                   "Pause after a fetch error before a follower retries."));
  t->push_back(def("replica.socket.timeout.ms", Type::kInt, "30000", no_validation(), kHigh,
                   "Socket timeout of follower fetch connections."));
  t->push_back(def("replica.socket.receive.buffer.bytes", Type::kInt, "65536", no_validation(),
                   kHigh, "SO_RCVBUF of follower fetch connections."));
  t->push_back(def("replica.high.watermark.checkpoint.interval.ms", Type::kLong, "5000",
                   no_validation(), kHigh, "How often high watermarks are written to disk."));
  t->push_back(def("replica.selector.class", Type::kString, kNull, no_validation(), kMedium,
                   "Selector for reading from a follower (KIP-392); null reads from leaders "
                   "only."));

  // Controller and leadership.
  t->push_back(def("controller.socket.timeout.ms", Type::kInt, "30000", no_validation(), kMedium,
                   "Socket timeout of controller-to-broker connections."));
  t->push_back(def("auto.leader.rebalance.enable", Type::kBoolean, "true", no_validation(), kHigh,
                   "Move leadership back to preferred replicas when the imbalance grows."));
  t->push_back(def("leader.imbalance.per.broker.percentage", Type::kInt, "10", no_validation(),
                   kHigh,
                   "Share of a broker's partitions led elsewhere that triggers a rebalance."));
  t->push_back(def("leader.imbalance.check.interval.seconds", Type::kLong, "300", no_validation(),
                   kHigh, "How often the controller checks leader balance."));
  t->push_back(def("controlled.shutdown.enable", Type::kBoolean, "true", no_validation(), kMedium,
                   "Hand off leadership through the controller before shutting down."));
  t->push_back(def("controlled.shutdown.max.retries", Type::kInt, "3", no_validation(), kMedium,
                   "Attempts at a controlled shutdown before shutting down uncleanly."));
  t->push_back(def("controlled.shutdown.retry.backoff.ms", Type::kLong, "5000", no_validation(),
                   kMedium, "Pause between controlled shutdown attempts."));
}

void append_log_definitions(std::vector<Definition>* t) {
  t->push_back(def("log.dir", Type::kString, "/tmp/kafka-logs", no_validation(), kHigh,
                   "Data directory, used when log.dirs is not set."));
  t->push_back(def("log.dirs", Type::kString, kNull, no_validation(), kHigh,
                   "Comma-separated data directories; null means log.dir."));
  t->push_back(def("num.partitions", Type::kInt, "1", at_least(1), kMedium,
                   "Partition count of automatically created topics."));
  t->push_back(def("num.recovery.threads.per.data.dir", Type::kInt, "1", at_least(1), kHigh,
                   "Threads per data directory that load logs at startup and flush them at "
                   "shutdown."));
  t->push_back(def("message.max.bytes", Type::kInt, "1048588", at_least(0), kHigh,
                   "Largest record batch accepted (topic: max.message.bytes)."));
  t->push_back(def("compression.type", Type::kString, "producer",
                   one_of({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}), kHigh,
                   "Codec for stored batches; producer keeps what the producer sent."));
  t->push_back(def("log.message.format.version", Type::kString, "2.4-IV1", kafka_version(), kMedium,
                   "Record format written to disk, as a Kafka version."));
  t->push_back(def("log.message.timestamp.type", Type::kString, "CreateTime",
                   one_of({"CreateTime", "LogAppendTime"}), kMedium,
                   "Whether stored timestamps come from the producer or the broker's clock."));
  t->push_back(def("log.message.timestamp.difference.max.ms", Type::kLong, kLongMax, at_least(0),
                   kMedium,
                   "With CreateTime, reject batches whose timestamp is further than this from "
                   "the broker's clock."));
  t->push_back(def("log.message.downconversion.enable", Type::kBoolean, "true", no_validation(),
                   kLow, "Convert records down to old formats for old consumers."));

  // Segments and indexes.
  t->push_back(def("log.segment.bytes", Type::kInt, "1073741824", at_least(14), kHigh,
                   "Size at which a segment is closed and a new one started."));
  t->push_back(def("log.roll.ms", Type::kLong, kNull, no_validation(), kHigh,
                   "Age at which a segment is rolled; null means log.roll.hours."));
  t->push_back(def("log.roll.hours", Type::kInt, "168", at_least(1), kHigh,
                   "Age in hours at which a segment is rolled, when log.roll.ms is null."));
  t->push_back(def("log.roll.jitter.ms", Type::kLong, kNull, no_validation(), kHigh,
                   "Random amount subtracted from the roll time so segments do not roll "
                   "together; null means log.roll.jitter.hours."));
  t->push_back(def("log.roll.jitter.hours", Type::kInt, "0", at_least(0), kHigh,
                   "Roll jitter in hours, when log.roll.jitter.ms is null."));
  t->push_back(def("log.index.size.max.bytes", Type::kInt, "10485760", at_least(4), kMedium,
                   "Largest offset or time index file of a segment."));
  t->push_back(def("log.index.interval.bytes", Type::kInt, "4096", at_least(0), kMedium,
                   "Log bytes between two offset index entries."));
  t->push_back(def("log.preallocate", Type::kBoolean, "false", no_validation(), kMedium,
                   "Preallocate segment files to their full size."));
  t->push_back(def("log.segment.delete.delay.ms", Type::kLong, "60000", at_least(0), kHigh,
                   "Delay between renaming a segment to .deleted and removing its files."));

  // Retention and cleanup.
  t->push_back(def("log.retention.ms", Type::kLong, kNull, no_validation(), kHigh,
                   "How long segments are kept; takes precedence over minutes and hours. -1 "
                   "keeps them forever."));
  t->push_back(def("log.retention.minutes", Type::kInt, kNull, no_validation(), kHigh,
                   "Retention in minutes, when log.retention.ms is null."));
  t->push_back(def("log.retention.hours", Type::kInt, "168", no_validation(), kHigh,
                   "Retention in hours, when log.retention.ms and log.retention.minutes are "
                   "null."));
  t->push_back(def("log.retention.bytes", Type::kLong, "-1", no_validation(), kHigh,
                   "Size a partition may reach before its oldest segments are deleted; -1 means "
                   "no limit."));
  t->push_back(def("log.retention.check.interval.ms", Type::kLong, "300000", at_least(1), kMedium,
                   "How often segments are checked for deletion."));
  t->push_back(def("log.cleanup.policy", Type::kList, "delete", one_of({"compact", "delete"}),
                   kMedium,
                   "What happens to old segments: delete them, compact them by key, or both."));
  t->push_back(def("log.cleaner.enable", Type::kBoolean, "true", no_validation(), kMedium,
                   "Run the log cleaner, which compacts topics with cleanup.policy=compact."));
  t->push_back(
      def("log.cleaner.threads", Type::kInt, "1", at_least(0), kMedium, "Log cleaner threads."));
  t->push_back(def("log.cleaner.dedupe.buffer.size", Type::kLong, "134217728", no_validation(),
                   kMedium, "Memory shared by the cleaner threads for key deduplication."));
  t->push_back(def("log.cleaner.io.buffer.size", Type::kInt, "524288", at_least(0), kMedium,
                   "I/O buffer memory shared by the cleaner threads."));
  t->push_back(def("log.cleaner.io.buffer.load.factor", Type::kDouble, "0.9", no_validation(),
                   kMedium, "How full the deduplication buffer may become."));
  t->push_back(def("log.cleaner.io.max.bytes.per.second", Type::kDouble, "1.7976931348623157E308",
                   no_validation(), kMedium,
                   "Throttle on the cleaner's combined read and write rate."));
  t->push_back(def("log.cleaner.backoff.ms", Type::kLong, "15000", at_least(0), kMedium,
                   "Sleep of a cleaner thread when no log needs cleaning."));
  t->push_back(def("log.cleaner.min.cleanable.ratio", Type::kDouble, "0.5", between(0, 1), kMedium,
                   "Dirty share of a log above which it is cleaned."));
  t->push_back(def("log.cleaner.delete.retention.ms", Type::kLong, "86400000", no_validation(),
                   kMedium, "How long delete markers (tombstones) survive compaction."));
  t->push_back(def("log.cleaner.min.compaction.lag.ms", Type::kLong, "0", no_validation(), kMedium,
                   "Youngest a record may be and still be compacted."));
  t->push_back(def("log.cleaner.max.compaction.lag.ms", Type::kLong, kLongMax, at_least(1), kMedium,
                   "Oldest an uncompacted record may get before cleaning is forced."));

  // Flushing and checkpoints.
  t->push_back(def("log.flush.interval.messages", Type::kLong, kLongMax, at_least(1), kHigh,
                   "Messages appended to a partition before it is fsynced."));
  t->push_back(def("log.flush.interval.ms", Type::kLong, kNull, no_validation(), kHigh,
                   "Longest a message stays unflushed; null means "
                   "log.flush.scheduler.interval.ms."));
  t->push_back(def("log.flush.scheduler.interval.ms", Type::kLong, kLongMax, no_validation(), kHigh,
                   "How often the flusher looks for logs to fsync."));
  t->push_back(def("log.flush.offset.checkpoint.interval.ms", Type::kInt, "60000", at_least(0),
                   kHigh, "How often recovery points are checkpointed."));
  t->push_back(def("log.flush.start.offset.checkpoint.interval.ms", Type::kInt, "60000",
                   at_least(0), kHigh, "How often log start offsets are checkpointed."));
}

}  // namespace kb::config::detail
