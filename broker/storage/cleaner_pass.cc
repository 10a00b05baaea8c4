#include "broker/storage/cleaner_pass.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "broker/storage/batch_filter.h"
#include "broker/storage/batch_scanner.h"
#include "broker/storage/file_util.h"
#include "common/logging.h"

namespace kb::storage {
namespace {

using SegmentPtr = std::shared_ptr<Segment>;

constexpr std::string_view kCleanedSuffix = ".cleaned";
constexpr std::string_view kSwapSuffix = ".swap";
// Output is handed to the cleaned segment in chunks of about this size.
constexpr size_t kWriteChunkBytes = 1 << 20;

// Indexes in view.segments (all but the active one) of the segments overlapping [from, to).
std::vector<size_t> segments_overlapping(const Log::CleanerView& view, Offset from, Offset to) {
  std::vector<size_t> out;
  const auto& segs = view.segments;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    Offset next_base = segs[i + 1]->base_offset();
    if (next_base <= from) continue;
    if (segs[i]->base_offset() >= to) break;
    out.push_back(i);
  }
  return out;
}

// Walks the whole batches of `segment` whose last offset is >= `from`, as they were when the view
// was taken (appends only ever go to the active segment, which is never cleaned).
template <typename Fn>  // bool fn(const ScannedBatch&, std::span<const uint8_t> bytes): false stops
bool for_each_batch(const Segment& segment, Offset from, Fn&& fn) {
  uint64_t limit = segment.size();
  uint64_t start = 0;
  if (from > segment.base_offset()) {
    auto first = segment.find_batch(from, limit);
    if (!first) return true;
    start = first->position;
  }
  BatchScanner scanner(segment.file()->fd(), start, limit);
  ScannedBatch b;
  std::vector<uint8_t> bytes;
  while (scanner.next(&b) == ScanStatus::kOk) {
    if (b.header.last_offset() < from.value()) continue;
    if (!scanner.read_batch(b, &bytes)) return false;
    if (!fn(b, std::span<const uint8_t>(bytes))) return false;
  }
  return true;
}

std::span<const uint8_t> as_bytes(const std::optional<std::vector<uint8_t>>& v) {
  return std::span<const uint8_t>(v->data(), v->size());
}

// Step 1: fills `map` from the dirty section; returns false when stopped.
bool build_offset_map(const Log::CleanerView& view, const CleanableRange& range, OffsetMap& map,
                      const std::atomic<bool>& stop, CleanerStats* stats) {
  auto dirty = segments_overlapping(view, range.first_dirty, range.first_uncleanable);
  // Records in the dirty section bound its distinct keys: the table is sized for them.
  size_t expected = 0;
  for (size_t i : dirty) {
    const auto& seg = *view.segments[i];
    BatchScanner scanner(seg.file()->fd(), 0, seg.size());
    ScannedBatch b;
    while (scanner.next(&b) == ScanStatus::kOk) {
      if (b.header.last_offset() >= range.first_dirty.value())
        expected += static_cast<size_t>(std::max(b.header.records_count, 0));
    }
  }
  map.reset(expected);
  map.set_latest_offset(range.first_dirty.value() - 1);
  bool full = false;
  for (size_t i : dirty) {
    bool ok = for_each_batch(
        *view.segments[i], range.first_dirty,
        [&](const ScannedBatch& b, std::span<const uint8_t> bytes) {
          if (stop.load() || b.header.last_offset() >= range.first_uncleanable.value()) {
            return false;
          }
          stats->bytes_read += bytes.size();
          std::vector<records::Record> recs;
          std::string error;
          if (!b.header.is_control() && records::read_records(bytes, &recs, &error)) {
            for (const auto& r : recs) {
              if (!r.key || r.offset < range.first_dirty.value()) continue;
              if (!map.put(as_bytes(r.key), r.offset)) {
                full = true;
                return false;
              }
            }
          }
          map.set_latest_offset(b.header.last_offset());
          return true;
        });
    if (stop.load()) return false;
    if (!ok) break;  // full, past the section, or unreadable: the map ends here
  }
  if (full) {
    KB_LOG_INFO("cleaner") << "Offset map full (" << map.size()
                           << " keys); this pass ends at offset " << map.latest_offset() + 1;
  }
  return true;
}

// Step 2 for one group: writes the cleaned segment under ".cleaned", then renames it to ".swap".
SegmentPtr clean_group(const std::string& dir, const std::vector<SegmentPtr>& group,
                       const LogConfig& config, const OffsetMap& map, int64_t delete_horizon_ms,
                       const std::unordered_map<int64_t, int32_t>& last_sequences,
                       const std::atomic<bool>& stop, CleanerStats* stats) {
  int64_t last_modified = 0;
  for (const auto& s : group) last_modified = std::max(last_modified, s->last_modified_ms());
  auto cleaned =
      Segment::create(dir, group.front()->base_offset(), config, wall_clock_ms(), kCleanedSuffix);
  auto discard = [&] {
    for (const auto& p : cleaned->rename_with_suffix(kDeletedSuffix)) std::remove(p.c_str());
    cleaned->close();
  };
  std::vector<uint8_t> pending;
  std::vector<AppendBatchInfo> infos;
  bool write_ok = true;
  auto write_pending = [&] {
    if (pending.empty()) return;
    write_ok = write_ok && cleaned->append(pending, infos);
    stats->bytes_written += pending.size();
    pending.clear();
    infos.clear();
  };
  FilterCounts counts;
  for (const auto& segment : group) {
    // Kafka's rule: tombstones survive while their segment is younger than the horizon.
    bool retain_deletes = segment->last_modified_ms() > delete_horizon_ms;
    auto keep = [&](const records::Record& r) {
      if (r.offset > map.latest_offset()) return true;  // beyond what this pass mapped
      if (!r.key) return false;  // a compacted log has no use for keyless records
      return r.offset >= map.get(as_bytes(r.key)) && (r.value.has_value() || retain_deletes);
    };
    bool ok = for_each_batch(
        *segment, segment->base_offset(),
        [&](const ScannedBatch& b, std::span<const uint8_t> bytes) {
          if (stop.load()) return false;
          const auto& h = b.header;
          bool retain_empty = false;
          if (h.producer_id >= 0) {
            auto it = last_sequences.find(h.producer_id);
            int32_t last_seq =
                ProducerBatchFacts::from_header(h, h.base_offset, h.max_timestamp).last_sequence();
            retain_empty = it != last_sequences.end() && it->second == last_seq;
          }
          size_t before = pending.size();
          FilterOutcome outcome = filter_batch(bytes, h, keep, retain_empty, &pending, &counts);
          if (outcome != FilterOutcome::kDropped) {
            records::BatchHeader written{};
            records::parse_batch_header(std::span<const uint8_t>(pending).subspan(before),
                                        &written);
            infos.push_back({Offset(written.last_offset()), written.max_timestamp,
                             static_cast<uint32_t>(pending.size() - before)});
          }
          if (pending.size() >= kWriteChunkBytes) write_pending();
          return write_ok;
        });
    if (!ok || stop.load()) {
      discard();
      return nullptr;
    }
  }
  write_pending();
  stats->records_read += counts.records_read;
  stats->records_kept += counts.records_kept;
  if (!write_ok) {
    discard();
    throw std::runtime_error("write to the cleaned segment failed");
  }
  cleaned->on_become_inactive();
  cleaned->flush();
  // The cleaned segment is as old as its newest source: tombstone horizons and time retention
  // must not restart because the bytes were rewritten.
  cleaned->set_last_modified_ms(last_modified);
  cleaned->rename_files(kSwapSuffix);
  fsync_path(dir);
  return cleaned;
}

}  // namespace

CleanableRange plan_cleaning(const Log::CleanerView& view, std::optional<Offset> checkpoint,
                             int64_t now_ms) {
  CleanableRange r;
  const LogConfig& config = *view.config;
  Offset first_dirty = checkpoint.value_or(view.log_start);
  if (first_dirty < view.log_start || first_dirty > view.log_end) first_dirty = view.log_start;
  Offset uncleanable = std::min(view.segments.back()->base_offset(), view.high_watermark);
  auto dirty = segments_overlapping(view, first_dirty, uncleanable);
  int64_t min_lag = std::max<int64_t>(config.min_compaction_lag_ms, 0);
  if (min_lag > 0) {
    for (size_t i : dirty) {
      if (view.segments[i]->largest_timestamp_for_retention() > now_ms - min_lag) {
        uncleanable = std::min(uncleanable, view.segments[i]->base_offset());
        break;
      }
    }
  }
  uncleanable = std::max(uncleanable, first_dirty);
  r.first_dirty = first_dirty;
  r.first_uncleanable = uncleanable;
  for (const auto& s : view.segments) {
    if (s->base_offset() < first_dirty) r.clean_bytes += s->size();
  }
  for (size_t i : segments_overlapping(view, first_dirty, uncleanable)) {
    r.cleanable_bytes += view.segments[i]->size();
  }
  int64_t max_lag = std::max<int64_t>(config.max_compaction_lag_ms, 0);
  int64_t earliest = std::numeric_limits<int64_t>::max();
  for (size_t i : segments_overlapping(view, first_dirty, view.segments.back()->base_offset())) {
    int64_t ts = view.segments[i]->first_batch_timestamp();
    if (ts > 0) earliest = std::min(earliest, ts);
  }
  r.needs_compaction_now =
      earliest != std::numeric_limits<int64_t>::max() && earliest < now_ms - max_lag;
  return r;
}

bool worth_cleaning(const CleanableRange& range, const LogConfig& config) {
  if (range.cleanable_bytes == 0) return false;
  return range.needs_compaction_now || range.dirty_ratio() > config.min_cleanable_dirty_ratio;
}

CleanOutcome clean_log(Log& log, const Log::CleanerView& view, const CleanableRange& range,
                       OffsetMap& map, const std::atomic<bool>& stop) {
  CleanOutcome out;
  const LogConfig& config = *view.config;
  if (!build_offset_map(view, range, map, stop, &out.stats)) {
    out.abort_reason = "stopped";
    return out;
  }
  out.end_offset = Offset(map.latest_offset() + 1);
  if (out.end_offset <= range.first_dirty) {
    out.abort_reason = "nothing mapped (log.cleaner.dedupe.buffer.size too small?)";
    return out;
  }
  // Tombstones in segments last modified after this stay (delete.retention.ms).
  int64_t delete_horizon_ms = 0;
  for (const auto& s : view.segments) {
    if (s->base_offset() < range.first_dirty) {
      delete_horizon_ms = s->last_modified_ms() - config.delete_retention_ms;
    }
  }
  // Everything below the end offset: a prefix of the view, never the active segment.
  std::vector<SegmentPtr> to_clean;
  for (size_t i = 0; i + 1 < view.segments.size(); ++i) {
    if (view.segments[i]->base_offset() >= out.end_offset) break;
    to_clean.push_back(view.segments[i]);
  }
  uint64_t shape_version = view.shape_version;
  size_t i = 0;
  while (i < to_clean.size()) {
    std::vector<SegmentPtr> group{to_clean[i]};
    uint64_t group_bytes = to_clean[i]->size();
    size_t j = i + 1;
    for (; j < to_clean.size(); ++j) {
      // The segment after j exists (at worst the active one) and bounds j's last offset.
      int64_t last_offset_bound = view.segments[j + 1]->base_offset().value() - 1;
      if (group_bytes + to_clean[j]->size() > static_cast<uint64_t>(config.segment_bytes) ||
          last_offset_bound - group.front()->base_offset().value() >
              std::numeric_limits<int32_t>::max()) {
        break;
      }
      group.push_back(to_clean[j]);
      group_bytes += to_clean[j]->size();
    }
    i = j;
    auto cleaned = clean_group(log.dir(), group, config, map, delete_horizon_ms,
                               view.producer_last_sequences, stop, &out.stats);
    if (!cleaned) {
      out.abort_reason = "stopped";
      return out;
    }
    if (!log.replace_segments(cleaned, group, &shape_version)) {
      for (const auto& p : cleaned->rename_with_suffix(kDeletedSuffix)) std::remove(p.c_str());
      cleaned->close();
      out.abort_reason = "the log changed during cleaning (truncation, retention or close)";
      return out;
    }
    out.stats.segments_replaced += group.size();
  }
  out.completed = true;
  return out;
}

}  // namespace kb::storage
