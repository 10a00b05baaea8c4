#include "broker/storage/producer_state.h"

#include <limits>

namespace kb::storage {
namespace {

constexpr int32_t kMaxSeq = std::numeric_limits<int32_t>::max();

// Kafka's inSequence: the next batch starts right after the last, or at 0 after Int32 max.
bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return static_cast<int64_t>(next_seq) == static_cast<int64_t>(last_seq) + 1 ||
         (next_seq == 0 && last_seq == kMaxSeq);
}

std::string describe(const ProducerBatchFacts& b) {
  return "producerId=" + std::to_string(b.producer_id) + " epoch=" + std::to_string(b.epoch) +
         " baseSequence=" + std::to_string(b.base_sequence);
}

}  // namespace

int32_t ProducerBatchFacts::last_sequence() const {
  if (base_sequence > kMaxSeq - last_offset_delta) {
    return last_offset_delta - (kMaxSeq - base_sequence) - 1;
  }
  return base_sequence + last_offset_delta;
}

ProducerBatchFacts ProducerBatchFacts::from_header(const records::BatchHeader& h,
                                                   int64_t first_offset, int64_t timestamp) {
  return ProducerBatchFacts{h.producer_id,       h.producer_epoch, h.base_sequence,
                            h.last_offset_delta, first_offset,     timestamp};
}

void add_batch(ProducerEntry& entry, const ProducerBatchFacts& batch) {
  // Kafka's maybeUpdateEpoch: another epoch's batches can never be duplicates of this one's.
  if (entry.epoch != batch.epoch) {
    entry.batches.clear();
    entry.epoch = batch.epoch;
  }
  entry.batches.push_back(ProducerBatchMetadata{batch.base_sequence, batch.last_sequence(),
                                                batch.first_offset, batch.last_offset(),
                                                batch.timestamp});
  while (entry.batches.size() > kProducerBatchWindow) entry.batches.pop_front();
}

ProducerCheck ProducerStateManager::check_leader_append(std::span<const ProducerBatchFacts> batches,
                                                        Staged* staged) const {
  ProducerCheck result;
  for (const ProducerBatchFacts& b : batches) {
    if (b.producer_id < 0) continue;
    auto it = staged->find(b.producer_id);
    if (it == staged->end()) {
      auto existing = producers_.find(b.producer_id);
      ProducerEntry start = existing == producers_.end() ? ProducerEntry{} : existing->second;
      it = staged->emplace(b.producer_id, std::move(start)).first;
    }
    ProducerEntry& entry = it->second;

    // A retry of a batch we already have (the client did not get our answer): same epoch and the
    // same sequence range as one of the last five.
    if (b.epoch == entry.epoch) {
      const int32_t last_seq = b.last_sequence();
      for (const auto& m : entry.batches) {
        if (m.first_seq == b.base_sequence && m.last_seq == last_seq) {
          result.duplicate = m;
          return result;
        }
      }
    }
    if (b.epoch < entry.epoch) {
      // A zombie: a newer incarnation of this producer id has written since.
      result.error = ErrorCode::kInvalidProducerEpoch;
      result.message =
          describe(b) + " is older than the current epoch " + std::to_string(entry.epoch);
      return result;
    }
    if (b.epoch != entry.epoch) {
      // A new epoch (or a producer we have never seen) must start at sequence 0.
      if (b.base_sequence != 0) {
        result.error =
            entry.epoch >= 0 ? ErrorCode::kOutOfOrderSequenceNumber : ErrorCode::kUnknownProducerId;
        result.message = describe(b) + (entry.epoch >= 0 ? ": a new epoch must start at 0"
                                                         : ": no state for this producer");
        return result;
      }
    } else if (!in_sequence(entry.last_seq(), b.base_sequence)) {
      // Also covers "epoch known but no batch" (last_seq -1): only sequence 0 is in order then.
      result.error = ErrorCode::kOutOfOrderSequenceNumber;
      result.message =
          describe(b) + " does not follow the last sequence " + std::to_string(entry.last_seq());
      return result;
    }
    add_batch(entry, b);
  }
  return result;
}

void ProducerStateManager::commit(Staged staged) {
  for (auto& [id, entry] : staged) producers_[id] = std::move(entry);
}

void ProducerStateManager::apply_unchecked(const ProducerBatchFacts& batch) {
  if (batch.producer_id < 0) return;
  add_batch(producers_[batch.producer_id], batch);
}

void ProducerStateManager::evict_below(int64_t log_start) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    if (it->second.last_offset() < log_start) {
      it = producers_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t ProducerStateManager::remove_expired(int64_t now_ms, int64_t max_age_ms) {
  size_t removed = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    const auto& batches = it->second.batches;
    const int64_t last_timestamp = batches.empty() ? -1 : batches.back().timestamp;
    if (now_ms - last_timestamp >= max_age_ms) {
      it = producers_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

const ProducerEntry* ProducerStateManager::find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

}  // namespace kb::storage
