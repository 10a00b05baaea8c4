#include "broker/storage/record_scan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"

namespace kb::storage {

std::optional<std::pair<int64_t, int64_t>> find_record_by_timestamp(std::span<const uint8_t> batch,
                                                                    int64_t target,
                                                                    int64_t min_offset) {
  records::BatchHeader h{};
  if (!records::parse_batch_header(batch, &h) || h.max_timestamp < target ||
      h.last_offset() < min_offset) {
    return std::nullopt;
  }
  int64_t first = std::max(h.base_offset, min_offset);
  // LogAppendTime: every record carries the batch's max timestamp, no need to decode.
  if (h.log_append_time()) return std::make_pair(h.max_timestamp, first);
  std::vector<records::Record> recs;
  std::string error;
  if (!records::read_records(batch, &recs, &error)) return std::make_pair(h.max_timestamp, first);
  for (const auto& r : recs) {
    if (r.timestamp >= target && r.offset >= min_offset) return std::make_pair(r.timestamp, r.offset);
  }
  return std::nullopt;
}

}  // namespace kb::storage
