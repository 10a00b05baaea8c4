#include "broker/storage/batch_filter.h"

#include <string>

#include "common/logging.h"
#include "protocol/records/bytes.h"

namespace kb::storage {

std::vector<uint8_t> make_empty_batch(const records::BatchHeader& h) {
  using namespace records;
  std::vector<uint8_t> b(kBatchHeaderSize, 0);
  detail::store_be64(b.data() + kBaseOffsetOffset, static_cast<uint64_t>(h.base_offset));
  detail::store_be32(b.data() + kBatchLengthOffset,
                     static_cast<uint32_t>(kBatchHeaderSize - kLogOverhead));
  detail::store_be32(b.data() + kPartitionLeaderEpochOffset,
                     static_cast<uint32_t>(h.partition_leader_epoch));
  b[kMagicOffset] = 2;
  detail::store_be16(b.data() + kAttributesOffset,
                     static_cast<uint16_t>(h.attributes & ~kCompressionMask));
  detail::store_be32(b.data() + kLastOffsetDeltaOffset, static_cast<uint32_t>(h.last_offset_delta));
  detail::store_be64(b.data() + kBaseTimestampOffset, static_cast<uint64_t>(h.max_timestamp));
  detail::store_be64(b.data() + kMaxTimestampOffset, static_cast<uint64_t>(h.max_timestamp));
  detail::store_be64(b.data() + kProducerIdOffset, static_cast<uint64_t>(h.producer_id));
  detail::store_be16(b.data() + kProducerEpochOffset, static_cast<uint16_t>(h.producer_epoch));
  detail::store_be32(b.data() + kBaseSequenceOffset, static_cast<uint32_t>(h.base_sequence));
  detail::store_be32(b.data() + kRecordsCountOffset, 0);
  detail::store_be32(b.data() + kCrcOffset, compute_batch_crc(b));
  return b;
}

FilterOutcome filter_batch(std::span<const uint8_t> batch, const records::BatchHeader& h,
                           const std::function<bool(const records::Record&)>& keep,
                           bool retain_empty, std::vector<uint8_t>* out, FilterCounts* counts) {
  auto copy_original = [&] {
    out->insert(out->end(), batch.begin(), batch.end());
    return FilterOutcome::kUnchanged;
  };
  std::vector<records::Record> recs;
  std::string error;
  if (!records::read_records(batch, &recs, &error)) {
    KB_LOG_WARN("cleaner") << "Keeping an undecodable batch at offset " << h.base_offset << ": "
                           << error;
    return copy_original();
  }
  std::vector<const records::Record*> kept;
  for (const auto& r : recs) {
    if (keep(r)) kept.push_back(&r);
  }
  counts->records_read += recs.size();
  counts->records_kept += kept.size();
  if (kept.size() == recs.size()) return copy_original();
  if (kept.empty()) {
    if (!retain_empty) return FilterOutcome::kDropped;
    auto empty = make_empty_batch(h);
    out->insert(out->end(), empty.begin(), empty.end());
    return FilterOutcome::kEmptied;
  }
  records::RecordBatchBuilder builder;
  builder.set_compression(h.compression())
      .set_base_offset(h.base_offset)
      .set_partition_leader_epoch(h.partition_leader_epoch)
      .set_producer(h.producer_id, h.producer_epoch, h.base_sequence)
      .set_transactional(h.is_transactional())
      .set_control(h.is_control());
  if (h.log_append_time()) builder.set_log_append_time(h.max_timestamp);
  for (const records::Record* r : kept) {
    auto bytes_of = [](const std::optional<std::vector<uint8_t>>& v)
        -> std::optional<std::span<const uint8_t>> {
      if (!v) return std::nullopt;
      return std::span<const uint8_t>(*v);
    };
    builder.add_with_delta(static_cast<int32_t>(r->offset - h.base_offset), bytes_of(r->key),
                           bytes_of(r->value), r->headers, r->timestamp);
  }
  // The last offset stays, so the producer's last sequence keeps matching it.
  builder.override_last_offset_delta(h.last_offset_delta);
  auto rebuilt = builder.build();
  out->insert(out->end(), rebuilt.begin(), rebuilt.end());
  return FilterOutcome::kRewritten;
}

}  // namespace kb::storage
