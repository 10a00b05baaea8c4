#pragma once
// The idempotent-producer state of one partition (Kafka 2.4's ProducerStateManager, without
// transactions): per producer id the current epoch and the metadata of its last five appended
// batches. Five because that is the most a client keeps in flight per partition
// (max.in.flight.requests.per.connection <= 5 with idempotence), so any retry the client can
// still send is among them.
//
// Leader appends (client produce) are checked: a retried batch equal to one of the five is a
// duplicate and is answered with its original offsets instead of being appended again; a gap in
// the sequence, an older epoch, or an unknown producer starting mid-sequence is refused. Follower
// appends and log loading apply the leader's batches without checks (the leader already decided),
// so that whichever replica becomes leader next knows the same five batches.
//
// Persisted in `<offset>.snapshot` files (producer_snapshot.h) written on segment roll and on
// close; loading and truncation start from the newest usable snapshot and scan the batch headers
// after it. Not kept: producer expiry (transactional.id.expiration.ms), transactions.
//
// Thread-safety: none; the owning Log calls it under its appender lock.
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "common/error_code.h"
#include "protocol/records/batch_header.h"

namespace kb::storage {

inline constexpr size_t kProducerBatchWindow = 5;

// What identifies one appended batch of a producer.
struct ProducerBatchMetadata {
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t timestamp = -1;  // the batch's max timestamp as appended
  bool operator==(const ProducerBatchMetadata&) const = default;
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<ProducerBatchMetadata> batches;  // oldest first, at most kProducerBatchWindow
  int64_t last_offset() const { return batches.empty() ? -1 : batches.back().last_offset; }
  int32_t last_seq() const { return batches.empty() ? -1 : batches.back().last_seq; }
};

// The producer facts of one batch about to be (or already) appended at known offsets.
struct ProducerBatchFacts {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  int32_t base_sequence = -1;
  int32_t last_offset_delta = 0;
  int64_t first_offset = -1;
  int64_t timestamp = -1;
  // Sequences wrap from Int32 max to 0 (Kafka's DefaultRecordBatch.incrementSequence).
  int32_t last_sequence() const;
  int64_t last_offset() const { return first_offset + last_offset_delta; }
  // From a batch header; `first_offset`/`timestamp` as the log assigns them.
  static ProducerBatchFacts from_header(const records::BatchHeader& h, int64_t first_offset,
                                        int64_t timestamp);
};

// The answer to a leader append's check.
struct ProducerCheck {
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // why, for the log
  // Set when the appended batches repeat an earlier one: answer with its offsets, append nothing.
  std::optional<ProducerBatchMetadata> duplicate;
};

class ProducerStateManager {
 public:
  // Updated entries of one leader append, applied by commit() once the bytes are in the log.
  using Staged = std::unordered_map<int64_t, ProducerEntry>;

  // Checks the idempotent batches of one leader append, in order, each against the state left
  // by the previous ones; fills *staged with the entries as they will be after the append.
  ProducerCheck check_leader_append(std::span<const ProducerBatchFacts> batches,
                                    Staged* staged) const;
  void commit(Staged staged);

  // A follower append or a batch read while loading: no checks, the leader decided.
  void apply_unchecked(const ProducerBatchFacts& batch);

  // Forgets producers whose last batch lies below `log_start` (retention / DeleteRecords removed
  // it); their next batch then gets UNKNOWN_PRODUCER_ID unless it starts a new epoch at 0.
  void evict_below(int64_t log_start);
  // Forgets producers whose newest batch timestamp is max_age_ms or more before now_ms (Kafka's
  // transactional.id.expiration.ms check). Returns how many went.
  size_t remove_expired(int64_t now_ms, int64_t max_age_ms);
  void clear() { producers_.clear(); }

  const ProducerEntry* find(int64_t producer_id) const;
  template <typename Fn>  // fn(producer_id, const ProducerEntry&)
  void for_each(Fn&& fn) const {
    for (const auto& [id, entry] : producers_) fn(id, entry);
  }
  size_t size() const { return producers_.size(); }

 private:
  std::unordered_map<int64_t, ProducerEntry> producers_;
};

// Adds `batch` to `entry` (a new epoch drops the older epoch's batches), keeping the last five.
void add_batch(ProducerEntry& entry, const ProducerBatchFacts& batch);

}  // namespace kb::storage
