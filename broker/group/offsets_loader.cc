#include "broker/group/offsets_loader.h"

#include <unistd.h>

#include <cerrno>
#include <optional>
#include <tuple>
#include <vector>

#include "broker/storage/log.h"
#include "common/logging.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"

namespace kb::broker::group {
namespace {

constexpr const char* kChannel = "group";
// Kafka's offsets.load.buffer.size default: bounds the memory of one read, not the load.
constexpr int32_t kReadChunkBytes = 5 * 1024 * 1024;
// Control record key (version int16, type int16): type 0 = ABORT, 1 = COMMIT.
constexpr int16_t kControlCommit = 1;

using TopicPartitionKey = std::pair<std::string, int32_t>;
using GroupTopicPartition = std::tuple<std::string, std::string, int32_t>;

// An offset with the base offset of the batch that wrote it: a transaction's commit marker only
// installs its offsets over ones written earlier in the log (Kafka's olderThan rule).
struct Committed {
  OffsetValue value;
  int64_t batch_offset;
};

class Loader {
 public:
  Loader(const storage::Log& log, LoadedOffsets* out) : log_(log), out_(*out) {}

  void apply_batch(std::span<const uint8_t> batch, const records::BatchHeader& h) {
    if (!records::batch_crc_ok(batch)) {
      KB_LOG_WARN(kChannel) << where() << ": skipping the batch at offset " << h.base_offset
                            << " with a bad CRC";
      return;
    }
    std::vector<records::Record> recs;
    std::string error;
    if (!records::read_records(batch, &recs, &error)) {
      KB_LOG_WARN(kChannel) << where() << ": skipping the unreadable batch at offset "
                            << h.base_offset << ": " << error;
      return;
    }
    if (h.is_control()) {
      apply_marker(h, recs);
      return;
    }
    for (const auto& r : recs) {
      ++out_.records;
      apply_record(h, r);
    }
  }

  void finish() {
    for (auto& [group, partitions] : offsets_) {
      auto& dest = out_.offsets[group];
      for (auto& [tp, c] : partitions) dest.emplace(tp, std::move(c.value));
    }
    for (const auto& [pid, commits] : pending_) out_.pending_transactional += commits.size();
  }

 private:
  std::string where() const { return "Loading " + log_.topic_partition().to_string(); }

  void malformed(const records::Record& r, const std::string& why) {
    ++out_.malformed;
    KB_LOG_WARN(kChannel) << where() << ": skipping the record at offset " << r.offset << ": "
                          << why;
  }

  void apply_record(const records::BatchHeader& h, const records::Record& r) {
    if (!r.key) return malformed(r, "null key");
    RecordKey key;
    try {
      key = decode_key(*r.key);
    } catch (const protocol::DecodeError& e) {
      return malformed(r, std::string("bad key: ") + e.what());
    }
    if (auto* group = std::get_if<std::string>(&key)) {
      if (!r.value) {
        out_.groups.erase(*group);
        out_.removed_groups.insert(*group);
        return;
      }
      try {
        GroupValue value = decode_group_value(*r.value);
        out_.removed_groups.erase(*group);
        out_.groups.insert_or_assign(*group, std::move(value));
      } catch (const protocol::DecodeError& e) {
        malformed(r, "bad group metadata for " + *group + ": " + e.what());
      }
      return;
    }
    const auto& ok = std::get<OffsetKey>(key);
    std::optional<Committed> committed;
    if (r.value) {
      try {
        committed = Committed{decode_offset_value(*r.value), h.base_offset};
      } catch (const protocol::DecodeError& e) {
        return malformed(r, "bad offset for " + ok.group + "/" + ok.topic + "-" +
                                std::to_string(ok.partition) + ": " + e.what());
      }
    }
    if (h.is_transactional()) {
      // Held until the transaction's marker; a tombstone cancels a pending commit.
      auto& pending = pending_[h.producer_id];
      GroupTopicPartition gtp{ok.group, ok.topic, ok.partition};
      if (committed) {
        pending.insert_or_assign(std::move(gtp), std::move(*committed));
      } else {
        pending.erase(gtp);
      }
      return;
    }
    TopicPartitionKey tp{ok.topic, ok.partition};
    if (committed) {
      offsets_[ok.group].insert_or_assign(std::move(tp), std::move(*committed));
    } else if (auto it = offsets_.find(ok.group); it != offsets_.end()) {
      it->second.erase(tp);
      if (it->second.empty()) offsets_.erase(it);
    }
  }

  void apply_marker(const records::BatchHeader& h, const std::vector<records::Record>& recs) {
    auto it = pending_.find(h.producer_id);
    if (it == pending_.end()) return;  // a transaction without offset commits here
    if (recs.empty() || !recs[0].key || recs[0].key->size() < 4) {
      KB_LOG_WARN(kChannel) << where() << ": unreadable control batch at offset " << h.base_offset;
      return;
    }
    const auto& k = *recs[0].key;
    int16_t type = static_cast<int16_t>((k[2] << 8) | k[3]);
    if (type == kControlCommit) {
      for (auto& [gtp, c] : it->second) {
        auto& [group, topic, partition] = gtp;
        auto& slot = offsets_[group];
        auto existing = slot.find({topic, partition});
        if (existing == slot.end() || existing->second.batch_offset < c.batch_offset) {
          slot.insert_or_assign({topic, partition}, std::move(c));
        }
      }
    }
    pending_.erase(it);  // an ABORT drops them
  }

  const storage::Log& log_;
  LoadedOffsets& out_;
  std::map<std::string, std::map<TopicPartitionKey, Committed>> offsets_;
  std::map<int64_t /*producer id*/, std::map<GroupTopicPartition, Committed>> pending_;
};

// Copies the slices' bytes (whole batches) into memory.
bool read_slices(const std::vector<FileSlice>& slices, std::vector<uint8_t>* out) {
  out->clear();
  for (const auto& s : slices) {
    size_t at = out->size();
    out->resize(at + s.size);
    size_t done = 0;
    while (done < s.size) {
      ssize_t n = ::pread(s.file->fd(), out->data() + at + done, s.size - done,
                          static_cast<off_t>(s.position + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += size_t(n);
    }
  }
  return true;
}

}  // namespace

LoadedOffsets load_offsets_partition(const storage::Log& log, int64_t up_to_offset) {
  LoadedOffsets out;
  Loader loader(log, &out);
  int64_t next = log.log_start_offset().value();
  out.end_offset = next;
  std::vector<uint8_t> bytes;
  while (next < up_to_offset) {
    auto rr = log.read(Offset(next), kReadChunkBytes, Offset(up_to_offset), /*min_one_batch=*/true);
    if (rr.error != ErrorCode::kNone) {
      // E.g. retention moved the log start past `next` meanwhile: what was read stays loaded.
      KB_LOG_WARN(kChannel) << "Loading " << log.topic_partition().to_string()
                            << " stopped at offset " << next << ": " << error_name(rr.error);
      break;
    }
    if (rr.slices.empty()) break;  // reached the log end or up_to_offset
    if (!read_slices(rr.slices, &bytes)) {
      KB_LOG_WARN(kChannel) << "Loading " << log.topic_partition().to_string()
                            << ": read error at offset " << next;
      break;
    }
    size_t trailing = 0;
    auto batches = records::split_batches(bytes, &trailing);
    int64_t before = next;
    for (auto batch : batches) {
      records::BatchHeader h{};
      if (!records::parse_batch_header(batch, &h)) break;
      if (h.last_offset() < next) continue;  // cannot happen with a sane log; never go back
      loader.apply_batch(batch.first(h.total_size()), h);
      next = h.last_offset() + 1;
    }
    if (next == before) {
      // Nothing parsable where the log said a batch is: stop rather than spin.
      KB_LOG_WARN(kChannel) << "Loading " << log.topic_partition().to_string()
                            << ": unparsable data at offset " << next;
      break;
    }
    out.end_offset = next;
  }
  loader.finish();
  return out;
}

}  // namespace kb::broker::group
