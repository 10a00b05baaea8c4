#include "protocol/records/batch_header.h"

#include "protocol/records/bytes.h"
#include "protocol/records/crc32c.h"

namespace kb::records {

using detail::load_be16;
using detail::load_be32;
using detail::load_be64;
using detail::store_be16;
using detail::store_be32;
using detail::store_be64;

Compression BatchHeader::compression() const {
  return static_cast<Compression>(attributes & kCompressionMask);
}
bool BatchHeader::is_transactional() const {
  return (attributes & kTransactionalBit) != 0;
}
bool BatchHeader::is_control() const {
  return (attributes & kControlBit) != 0;
}
bool BatchHeader::log_append_time() const {
  return (attributes & kTimestampTypeBit) != 0;
}

bool parse_batch_header(std::span<const uint8_t> data, BatchHeader* out) {
  if (data.size() < kBatchHeaderSize) return false;
  const uint8_t* p = data.data();
  if (int8_t(p[kMagicOffset]) != 2) return false;
  out->base_offset = int64_t(load_be64(p + kBaseOffsetOffset));
  out->batch_length = int32_t(load_be32(p + kBatchLengthOffset));
  out->partition_leader_epoch = int32_t(load_be32(p + kPartitionLeaderEpochOffset));
  out->magic = int8_t(p[kMagicOffset]);
  out->crc = load_be32(p + kCrcOffset);
  out->attributes = int16_t(load_be16(p + kAttributesOffset));
  out->last_offset_delta = int32_t(load_be32(p + kLastOffsetDeltaOffset));
  out->base_timestamp = int64_t(load_be64(p + kBaseTimestampOffset));
  out->max_timestamp = int64_t(load_be64(p + kMaxTimestampOffset));
  out->producer_id = int64_t(load_be64(p + kProducerIdOffset));
  out->producer_epoch = int16_t(load_be16(p + kProducerEpochOffset));
  out->base_sequence = int32_t(load_be32(p + kBaseSequenceOffset));
  out->records_count = int32_t(load_be32(p + kRecordsCountOffset));
  return true;
}

uint32_t compute_batch_crc(std::span<const uint8_t> batch) {
  if (batch.size() < kAttributesOffset) return 0;
  return crc32c(batch.subspan(kAttributesOffset));
}

bool batch_crc_ok(std::span<const uint8_t> batch) {
  if (batch.size() < kBatchHeaderSize) return false;
  return load_be32(batch.data() + kCrcOffset) == compute_batch_crc(batch);
}

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  store_be64(batch.data() + kBaseOffsetOffset, uint64_t(base_offset));
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  store_be32(batch.data() + kPartitionLeaderEpochOffset, uint32_t(epoch));
}

void set_base_offset_and_epoch(std::span<uint8_t> batch, int64_t base_offset, int32_t epoch) {
  set_base_offset(batch, base_offset);
  set_partition_leader_epoch(batch, epoch);
}

void set_log_append_time(std::span<uint8_t> batch, int64_t now_ms) {
  uint8_t* p = batch.data();
  uint16_t attrs = load_be16(p + kAttributesOffset) | uint16_t(kTimestampTypeBit);
  store_be16(p + kAttributesOffset, attrs);
  store_be64(p + kMaxTimestampOffset, uint64_t(now_ms));
  store_be32(p + kCrcOffset, compute_batch_crc(batch));
}

}  // namespace kb::records
