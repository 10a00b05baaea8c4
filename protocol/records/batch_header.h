#pragma once
// The fixed 61-byte header of a v2 record batch (magic 2), and in-place header rewrites used by the
// broker on append. Layout (big-endian): BaseOffset i64 @0, BatchLength i32 @8,
// PartitionLeaderEpoch i32 @12, Magic i8 @16, CRC u32 @17 (CRC-32C over bytes 21..end),
// Attributes i16 @21, LastOffsetDelta i32 @23, BaseTimestamp i64 @27, MaxTimestamp i64 @35,
// ProducerId i64 @43, ProducerEpoch i16 @51, BaseSequence i32 @53, RecordsCount i32 @57.
// Thread-safety: pure functions over caller-owned buffers.
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/records/compression.h"

namespace kb::records {

inline constexpr size_t kBatchHeaderSize = 61;  // v2 header

// Byte offsets of the header fields (shared by parser, builder and in-place rewrites).
inline constexpr size_t kBaseOffsetOffset = 0;
inline constexpr size_t kBatchLengthOffset = 8;
inline constexpr size_t kPartitionLeaderEpochOffset = 12;
inline constexpr size_t kMagicOffset = 16;
inline constexpr size_t kCrcOffset = 17;
inline constexpr size_t kAttributesOffset = 21;  // the CRC covers from here to the end
inline constexpr size_t kLastOffsetDeltaOffset = 23;
inline constexpr size_t kBaseTimestampOffset = 27;
inline constexpr size_t kMaxTimestampOffset = 35;
inline constexpr size_t kProducerIdOffset = 43;
inline constexpr size_t kProducerEpochOffset = 51;
inline constexpr size_t kBaseSequenceOffset = 53;
inline constexpr size_t kRecordsCountOffset = 57;
// Bytes before BatchLength's payload starts: BaseOffset + BatchLength.
inline constexpr size_t kLogOverhead = 12;

// Attribute bits.
inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;  // 1 = LogAppendTime
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;

struct BatchHeader {
  int64_t base_offset;
  int32_t batch_length;
  int32_t partition_leader_epoch;
  int8_t magic;
  uint32_t crc;
  int16_t attributes;
  int32_t last_offset_delta;
  int64_t base_timestamp;
  int64_t max_timestamp;
  int64_t producer_id;
  int16_t producer_epoch;
  int32_t base_sequence;
  int32_t records_count;

  // Whole batch size on the wire including BaseOffset and BatchLength.
  size_t total_size() const { return 12 + size_t(batch_length); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // The codec bits as an enum; may hold an unknown value (5..7) for a corrupt batch, check with
  // is_known_compression(attributes & kCompressionMask) where it matters.
  Compression compression() const;
  bool is_transactional() const;
  bool is_control() const;
  bool log_append_time() const;
};

// Parses the header at the start of `data`. False when fewer than 61 bytes or magic != 2. Does not
// check the CRC or that the whole batch is present (see batch_crc_ok / validate_batches).
bool parse_batch_header(std::span<const uint8_t> data, BatchHeader* out);

// True when the stored CRC matches CRC-32C over bytes 21..end of `batch` (which must be exactly
// one batch). False when `batch` is shorter than the header.
bool batch_crc_ok(std::span<const uint8_t> batch);

// CRC-32C over bytes 21..end of `batch` (the value that belongs at offset 17).
uint32_t compute_batch_crc(std::span<const uint8_t> batch);

// In-place rewrites. `batch` must hold at least the 61-byte header; the fields written are outside
// the CRC, so the CRC stays valid without recomputation (this is why Kafka put them there).
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
void set_base_offset_and_epoch(std::span<uint8_t> batch, int64_t base_offset, int32_t epoch);

// Marks the batch LogAppendTime: sets attribute bit 3 and MaxTimestamp = now_ms, then recomputes
// the CRC (both fields are inside it). `batch` must be exactly one whole batch.
void set_log_append_time(std::span<uint8_t> batch, int64_t now_ms);

}  // namespace kb::records
