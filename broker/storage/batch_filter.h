#pragma once
// What the log cleaner keeps of one stored v2 batch (Kafka's MemoryRecords.filterTo as the
// LogCleaner uses it):
//  - every record kept: the original bytes, untouched (no recompression, same CRC);
//  - some kept: a new batch with the same base offset, LastOffsetDelta, producer id/epoch, base
//    sequence, leader epoch, attributes and codec; the kept records keep their offsets (deltas
//    from the same base) and timestamps; recompressed with the batch's codec, CRC recomputed;
//  - none kept: the batch goes, unless `retain_empty` (it holds its producer's last sequence),
//    then an empty batch (header only, RecordsCount 0) keeps its offsets and sequence range.
// Batches whose records cannot be decoded are kept unchanged: compaction must never lose data it
// does not understand.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"

namespace kb::storage {

enum class FilterOutcome { kUnchanged, kRewritten, kEmptied, kDropped };

struct FilterCounts {
  uint64_t records_read = 0;
  uint64_t records_kept = 0;
};

// Appends what survives of `batch` (one whole stored batch described by `h`) to *out.
FilterOutcome filter_batch(std::span<const uint8_t> batch, const records::BatchHeader& h,
                           const std::function<bool(const records::Record&)>& keep,
                           bool retain_empty, std::vector<uint8_t>* out, FilterCounts* counts);

// The header-only batch Kafka writes for a batch whose records all went but whose producer
// metadata must stay: same offsets, producer fields and leader epoch; no compression; both
// timestamps the original max timestamp.
std::vector<uint8_t> make_empty_batch(const records::BatchHeader& h);

}  // namespace kb::storage
