#include "common/config/topic_config.h"

#include "common/config/broker_config.h"
#include "common/config/table_helpers.h"

namespace kb::config {
namespace {

using namespace kb::config::table;  // NOLINT: table shorthand

// A topic key whose default is the broker key `from`; the shown default is the broker table's.
Definition inherit(std::string name, Type type, std::string from, Validator validator,
                   Importance importance, std::string doc) {
  const Definition* broker = find_definition(broker_config_definitions(), from);
  Definition d = def(std::move(name), type, broker ? broker->default_value : std::nullopt,
                     std::move(validator), importance, std::move(doc));
  d.default_from = std::move(from);
  d.dynamic = true;
  return d;
}

// Topic keys whose broker default is computed from several broker keys; the shown default is the
// computed one for an unconfigured broker.
Definition inherit_computed(std::string name, Type type, std::string from, std::string dflt,
                            Validator validator, Importance importance, std::string doc) {
  Definition d =
      def(std::move(name), type, std::move(dflt), std::move(validator), importance, std::move(doc));
  d.default_from = std::move(from);
  d.dynamic = true;
  return d;
}

Definition own(std::string name, Type type, std::string dflt, Validator validator,
               Importance importance, std::string doc) {
  Definition d =
      def(std::move(name), type, std::move(dflt), std::move(validator), importance, std::move(doc));
  d.dynamic = true;
  return d;
}

std::vector<Definition> build_table() {
  std::vector<Definition> t;
  t.push_back(inherit("cleanup.policy", Type::kList, "log.cleanup.policy",
                      one_of({"compact", "delete"}), kMedium,
                      "delete removes old segments by time or size; compact keeps the latest "
                      "record per key; both may be given."));
  t.push_back(inherit("compression.type", Type::kString, "compression.type",
                      one_of({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}),
                      kMedium, "Codec for stored batches; producer keeps the producer's codec."));
  t.push_back(inherit("delete.retention.ms", Type::kLong, "log.cleaner.delete.retention.ms",
                      at_least(0), kMedium,
                      "How long tombstones of a compacted topic remain readable."));
  t.push_back(inherit("file.delete.delay.ms", Type::kLong, "log.segment.delete.delay.ms",
                      at_least(0), kMedium,
                      "Delay before the files of a deleted segment are removed."));
  t.push_back(inherit("flush.messages", Type::kLong, "log.flush.interval.messages", at_least(0),
                      kMedium, "Messages appended before the partition is fsynced."));
  t.push_back(inherit_computed("flush.ms", Type::kLong, "log.flush.interval.ms", kLongMax,
                               at_least(0), kMedium,
                               "Longest a message stays unflushed before an fsync."));
  t.push_back(own("follower.replication.throttled.replicas", Type::kList, "", no_validation(),
                  kMedium,
                  "partition:broker pairs (or *) whose follower replication is throttled."));
  t.push_back(inherit("index.interval.bytes", Type::kInt, "log.index.interval.bytes", at_least(0),
                      kMedium, "Log bytes between two offset index entries."));
  t.push_back(own("leader.replication.throttled.replicas", Type::kList, "", no_validation(),
                  kMedium,
                  "partition:broker pairs (or *) whose leader-side replication is throttled."));
  t.push_back(inherit("max.compaction.lag.ms", Type::kLong, "log.cleaner.max.compaction.lag.ms",
                      at_least(1), kMedium,
                      "Oldest an uncompacted record may get before cleaning is forced."));
  t.push_back(inherit("max.message.bytes", Type::kInt, "message.max.bytes", at_least(0), kMedium,
                      "Largest record batch this topic accepts."));
  t.push_back(inherit("message.downconversion.enable", Type::kBoolean,
                      "log.message.downconversion.enable", no_validation(), kLow,
                      "Convert records down for consumers that fetch an older format."));
  t.push_back(inherit("message.format.version", Type::kString, "log.message.format.version",
                      kafka_version(), kMedium, "Record format written to disk for this topic."));
  t.push_back(inherit("message.timestamp.difference.max.ms", Type::kLong,
                      "log.message.timestamp.difference.max.ms", at_least(0), kMedium,
                      "With CreateTime, the largest allowed distance between a batch timestamp "
                      "and the broker's clock."));
  t.push_back(inherit("message.timestamp.type", Type::kString, "log.message.timestamp.type",
                      one_of({"CreateTime", "LogAppendTime"}), kMedium,
                      "CreateTime keeps producer timestamps; LogAppendTime stamps batches with "
                      "the broker's clock."));
  t.push_back(inherit("min.cleanable.dirty.ratio", Type::kDouble, "log.cleaner.min.cleanable.ratio",
                      between(0, 1), kMedium, "Dirty share above which the log is compacted."));
  t.push_back(inherit("min.compaction.lag.ms", Type::kLong, "log.cleaner.min.compaction.lag.ms",
                      at_least(0), kMedium, "Youngest a record may be and still be compacted."));
  t.push_back(inherit("min.insync.replicas", Type::kInt, "min.insync.replicas", at_least(1),
                      kMedium,
                      "With acks=all, the fewest in-sync replicas that must hold a write."));
  t.push_back(inherit("preallocate", Type::kBoolean, "log.preallocate", no_validation(), kMedium,
                      "Preallocate new segment files."));
  t.push_back(inherit("retention.bytes", Type::kLong, "log.retention.bytes", no_validation(),
                      kMedium,
                      "Size the partition may reach before old segments are deleted; -1 means "
                      "no limit."));
  t.push_back(inherit_computed("retention.ms", Type::kLong, "log.retention.ms", "604800000",
                               no_validation(), kMedium,
                               "How long segments are kept before deletion; -1 keeps them "
                               "forever."));
  t.push_back(inherit("segment.bytes", Type::kInt, "log.segment.bytes", at_least(14), kMedium,
                      "Size at which a segment is closed and a new one started."));
  t.push_back(inherit("segment.index.bytes", Type::kInt, "log.index.size.max.bytes", at_least(0),
                      kMedium, "Size of each segment's offset and time index files."));
  t.push_back(inherit_computed("segment.jitter.ms", Type::kLong, "log.roll.jitter.ms", "0",
                               at_least(0), kMedium,
                               "Random amount subtracted from segment.ms so segments of "
                               "different partitions do not roll together."));
  t.push_back(inherit_computed("segment.ms", Type::kLong, "log.roll.ms", "604800000", at_least(1),
                               kMedium, "Age at which a segment is rolled even if not full."));
  t.push_back(inherit("unclean.leader.election.enable", Type::kBoolean,
                      "unclean.leader.election.enable", no_validation(), kMedium,
                      "Allow an out-of-sync replica to become leader, losing data."));
  return t;
}

// The broker's effective value for `topic_key`'s default, as text; nullopt when the broker has
// no value (null, or the key missing from `broker`).
std::optional<std::string> inherited_value(const Definition& topic_def,
                                           const ConfigValues& broker) {
  const std::string& from = topic_def.default_from;
  if (from.empty() || !broker.contains(from)) return std::nullopt;
  if (topic_def.name == "retention.ms") return std::to_string(effective_retention_ms(broker));
  if (topic_def.name == "segment.ms") return std::to_string(effective_roll_ms(broker));
  if (topic_def.name == "segment.jitter.ms") {
    return std::to_string(effective_roll_jitter_ms(broker));
  }
  if (topic_def.name == "flush.ms") return std::to_string(effective_flush_ms(broker));
  return broker.get_as_string(from);
}

}  // namespace

const std::vector<Definition>& topic_config_definitions() {
  static const std::vector<Definition> table = build_table();
  return table;
}

std::vector<std::string> broker_synonyms(const std::string& topic_key) {
  if (topic_key == "retention.ms") {
    return {"log.retention.ms", "log.retention.minutes", "log.retention.hours"};
  }
  if (topic_key == "segment.ms") return {"log.roll.ms", "log.roll.hours"};
  if (topic_key == "segment.jitter.ms") return {"log.roll.jitter.ms", "log.roll.jitter.hours"};
  if (topic_key == "flush.ms") {
    return {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"};
  }
  const Definition* d = find_definition(topic_config_definitions(), topic_key);
  if (!d || d->default_from.empty()) return {};
  return {d->default_from};
}

ConfigValues parse_topic_config(const std::map<std::string, std::string>& overrides,
                                const ConfigValues& broker) {
  const auto& table = topic_config_definitions();
  for (const auto& [key, value] : overrides) {
    if (!find_definition(table, key)) throw ConfigError(key, value, "Unknown topic config name");
  }
  std::map<std::string, std::string> inherited;
  for (const auto& d : table) {
    if (auto v = inherited_value(d, broker)) inherited[d.name] = *v;
  }
  return parse_config(table, overrides, inherited, nullptr);
}

std::map<std::string, EffectiveValue> effective_topic_config(
    const std::map<std::string, std::string>& overrides, const ConfigValues& broker) {
  ConfigValues values = parse_topic_config(overrides, broker);
  std::map<std::string, EffectiveValue> out;
  for (const auto& d : topic_config_definitions()) {
    EffectiveValue e;
    e.value = values.get_as_string(d.name);
    auto synonyms = broker_synonyms(d.name);
    e.from_key = synonyms.empty() ? d.name : synonyms.front();
    if (values.is_set(d.name)) {
      e.source = ValueSource::kTopicOverride;
      e.from_key = d.name;
    } else {
      for (const auto& key : synonyms) {
        if (broker.contains(key) && broker.is_set(key)) {
          e.source = ValueSource::kStaticBroker;
          e.from_key = key;
          break;
        }
      }
    }
    e.is_default = e.source == ValueSource::kDefault;
    out.emplace(d.name, std::move(e));
  }
  return out;
}

}  // namespace kb::config
