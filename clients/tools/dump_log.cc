#include "clients/tools/dump_log.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "protocol/records/batch_header.h"
#include "protocol/records/bytes.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch.h"

namespace kb::tools {

namespace {

using records::detail::load_be16;
using records::detail::load_be32;
using records::detail::load_be64;

// Offset + size prefix common to v2 batches and legacy messages, then up to the magic byte.
constexpr size_t kMagicAt = 16;

// Kafka's CompressionType names as its enum prints them.
const char* codec_name(int codec) {
  switch (codec) {
    case 0:
      return "NONE";
    case 1:
      return "GZIP";
    case 2:
      return "SNAPPY";
    case 3:
      return "LZ4";
    case 4:
      return "ZSTD";
    default:
      return "UNKNOWN";
  }
}

std::string bytes_text(const std::optional<std::vector<uint8_t>>& b) {
  return b ? std::string(b->begin(), b->end()) : std::string();
}

// One entry of the (file -> pairs) lists, keyed by absolute path as Kafka's report is. Kafka
// prepends to the index and non-consecutive lists (the report shows the most recent problem
// first) and appends to the time index ones; `prepend` keeps both orders.
void note(std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>>* lists,
          const std::string& path, int64_t a, int64_t b, bool prepend) {
  std::error_code ec;
  std::string file = std::filesystem::absolute(path, ec).string();
  if (ec) file = path;
  auto it = std::find_if(lists->begin(), lists->end(),
                         [&](const auto& entry) { return entry.first == file; });
  if (it == lists->end()) it = lists->insert(lists->end(), {file, {}});
  it->second.insert(prepend ? it->second.begin() : it->second.end(), {a, b});
}

// One batch of a log file as Kafka's FileLogInputStream sees it: the size prefix says how long it
// is, and iteration stops at the first entry that does not fit.
struct FileBatch {
  size_t position = 0;
  std::span<const uint8_t> bytes;
  int8_t magic = 0;
};

std::optional<FileBatch> batch_at(std::span<const uint8_t> log, size_t position) {
  if (position + kMagicAt + 1 > log.size()) return std::nullopt;
  int32_t size = static_cast<int32_t>(load_be32(log.data() + position + 8));
  // Smaller than the smallest legacy message (crc, magic, attributes, key and value lengths).
  if (size < 14) return std::nullopt;
  size_t total = records::kLogOverhead + static_cast<size_t>(size);
  if (position + total > log.size()) return std::nullopt;
  return FileBatch{position, log.subspan(position, total),
                   static_cast<int8_t>(log[position + kMagicAt])};
}

int64_t batch_last_offset(const FileBatch& b) {
  if (b.magic >= 2) {
    records::BatchHeader h;
    if (records::parse_batch_header(b.bytes, &h)) return h.last_offset();
  }
  // A legacy entry's offset is its last (inner) offset.
  return static_cast<int64_t>(load_be64(b.bytes.data()));
}

// A legacy message (magic 0/1) as the shallow entry Kafka prints.
struct LegacyMessage {
  int64_t offset;
  uint32_t crc;
  int8_t magic;
  int8_t attributes;
  int64_t timestamp;
  bool valid;
  std::optional<std::vector<uint8_t>> key, value;
};

std::optional<std::vector<uint8_t>> read_sized(std::span<const uint8_t> m, size_t* at) {
  if (*at + 4 > m.size()) throw std::runtime_error("truncated");
  int32_t n = static_cast<int32_t>(load_be32(m.data() + *at));
  *at += 4;
  if (n < 0) return std::nullopt;
  if (*at + static_cast<size_t>(n) > m.size()) throw std::runtime_error("truncated");
  std::vector<uint8_t> v(m.begin() + *at, m.begin() + *at + n);
  *at += static_cast<size_t>(n);
  return v;
}

LegacyMessage parse_legacy(std::span<const uint8_t> entry) {
  LegacyMessage m{};
  m.offset = static_cast<int64_t>(load_be64(entry.data()));
  m.crc = load_be32(entry.data() + 12);
  m.magic = static_cast<int8_t>(entry[16]);
  m.attributes = static_cast<int8_t>(entry[17]);
  m.valid = records::crc32(entry.subspan(16)) == m.crc;
  size_t at = 18;
  m.timestamp = -1;
  try {
    if (m.magic == 1) {
      if (entry.size() < 26) throw std::runtime_error("truncated");
      m.timestamp = static_cast<int64_t>(load_be64(entry.data() + 18));
      at = 26;
    }
    m.key = read_sized(entry, &at);
    m.value = read_sized(entry, &at);
  } catch (const std::exception&) {
    m.valid = false;
  }
  return m;
}

const char* legacy_timestamp_type(const LegacyMessage& m) {
  if (m.magic == 0) return "NoTimestampType";
  return (m.attributes & records::kTimestampTypeBit) ? "LogAppendTime" : "CreateTime";
}

void print_v2_batch(const FileBatch& b, std::ostream& out) {
  records::BatchHeader h;
  records::parse_batch_header(b.bytes, &h);
  int64_t last_sequence =
      h.base_sequence < 0
          ? -1
          // Sequences wrap at INT32_MAX as the producer's do.
          : (static_cast<int64_t>(h.base_sequence) + h.last_offset_delta) % (int64_t{1} << 31);
  bool valid = b.bytes.size() >= records::kBatchHeaderSize && records::batch_crc_ok(b.bytes);
  out << "baseOffset: " << h.base_offset << " lastOffset: " << h.last_offset()
      << " count: " << h.records_count << " baseSequence: " << h.base_sequence
      << " lastSequence: " << last_sequence << " producerId: " << h.producer_id
      << " producerEpoch: " << h.producer_epoch
      << " partitionLeaderEpoch: " << h.partition_leader_epoch
      << " isTransactional: " << (h.is_transactional() ? "true" : "false")
      << " isControl: " << (h.is_control() ? "true" : "false") << " position: " << b.position << " "
      << (h.log_append_time() ? "LogAppendTime" : "CreateTime") << ": " << h.max_timestamp
      << " size: " << b.bytes.size() << " magic: " << int(h.magic)
      << " compresscodec: " << codec_name(h.attributes & records::kCompressionMask)
      << " crc: " << h.crc << " isvalid: " << (valid ? "true" : "false") << "\n";
}

// The marker a control record carries: key {version i16, type i16}, value for COMMIT/ABORT
// {version i16, coordinator epoch i32}.
std::string control_text(const records::Record& r) {
  if (!r.key || r.key->size() < 4) return " controlType: UNKNOWN(-1)";
  int16_t type = static_cast<int16_t>(load_be16(r.key->data() + 2));
  if (type == 0 || type == 1) {
    int32_t epoch = -1;
    if (r.value && r.value->size() >= 6) {
      epoch = static_cast<int32_t>(load_be32(r.value->data() + 2));
    }
    return std::string(" endTxnMarker: ") + (type == 0 ? "ABORT" : "COMMIT") +
           " coordinatorEpoch: " + std::to_string(epoch);
  }
  return " controlType: UNKNOWN(" + std::to_string(type) + ")";
}

// Kafka's default decoder prints the key (when present) and the value as strings, and nothing at
// all for a record without a value (a tombstone).
void print_contents(const std::optional<std::vector<uint8_t>>& key,
                    const std::optional<std::vector<uint8_t>>& value, std::ostream& out) {
  if (!value) return;
  if (key) out << " key: " << bytes_text(key);
  out << " payload: " << bytes_text(value);
}

}  // namespace

bool DumpProblems::empty() const {
  return index_mismatches.empty() && non_consecutive.empty() && time_mismatches.empty() &&
         time_out_of_order.empty() && offset_not_found.empty();
}

void DumpProblems::print(std::ostream& err) const {
  for (const auto& [file, list] : index_mismatches) {
    err << "Mismatches in :" << file << "\n";
    for (auto [index, log] : list) {
      err << "  Index offset: " << index << ", log offset: " << log << "\n";
    }
  }
  for (const auto& [file, list] : time_mismatches) {
    err << "Found timestamp mismatch in :" << file << "\n";
    for (auto [index, log] : list) {
      err << "  Index timestamp: " << index << ", log timestamp: " << log << "\n";
    }
  }
  for (const auto& [file, list] : time_out_of_order) {
    err << "Found out of order timestamp in :" << file << "\n";
    for (auto [index, prev] : list) {
      err << "  Index timestamp: " << index << ", Previously indexed timestamp: " << prev << "\n";
    }
  }
  for (const auto& [file, list] : offset_not_found) {
    err << "The following indexed offsets are not found in the log.\n";
    for (auto [indexed, found] : list) {
      err << "Indexed offset: " << indexed << ", found log offset: " << found << "\n";
    }
  }
  for (const auto& [file, list] : non_consecutive) {
    err << "Non-consecutive offsets in " << file << "\n";
    for (auto [first, second] : list) err << "  " << first << " is followed by " << second << "\n";
  }
}

int64_t segment_base_offset(const std::string& file_name) {
  std::string base = file_name.substr(file_name.find_last_of('/') + 1);
  size_t dot = base.find('.');
  std::string digits = base.substr(0, dot);
  if (dot == std::string::npos || digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw std::invalid_argument("For input string: \"" + digits +
                                "\" (segment file names start with their base offset)");
  }
  try {
    return std::stoll(digits);  // Kafka's names have 20 zero-padded digits
  } catch (const std::out_of_range&) {
    throw std::invalid_argument("For input string: \"" + digits + "\" (out of range)");
  }
}

void dump_log_segment(const std::string& name, int64_t base_offset, std::span<const uint8_t> log,
                      const DumpLogOptions& options, std::ostream& out, DumpProblems* problems) {
  out << "Starting offset: " << base_offset << "\n";
  bool deep = options.deep || options.print_data;
  size_t valid_bytes = 0;
  int64_t last_offset = -1;
  auto check_consecutive = [&](int64_t offset) {
    if (last_offset != -1 && offset != last_offset + 1) {
      note(&problems->non_consecutive, name, last_offset, offset, true);
    }
    last_offset = offset;
  };
  while (auto batch = batch_at(log, valid_bytes)) {
    if (batch->magic >= 2) {
      records::BatchHeader h;
      if (batch->bytes.size() < records::kBatchHeaderSize ||
          !records::parse_batch_header(batch->bytes, &h)) {
        break;
      }
      print_v2_batch(*batch, out);
      if (deep) {
        std::vector<records::Record> recs;
        std::string error;
        if (!records::read_records(batch->bytes, &recs, &error)) {
          // Kafka would throw mid-dump; one line keeps the rest of the file readable.
          out << "| records could not be decoded: " << error << "\n";
        }
        for (const auto& r : recs) {
          check_consecutive(r.offset);
          int64_t sequence =
              h.base_sequence < 0
                  ? -1
                  : (int64_t{h.base_sequence} + (r.offset - h.base_offset)) % (int64_t{1} << 31);
          out << "| offset: " << r.offset << " "
              << (h.log_append_time() ? "LogAppendTime" : "CreateTime") << ": " << r.timestamp
              << " keysize: " << (r.key ? static_cast<int64_t>(r.key->size()) : -1)
              << " valuesize: " << (r.value ? static_cast<int64_t>(r.value->size()) : -1)
              << " sequence: " << sequence << " headerKeys: [";
          for (size_t i = 0; i < r.headers.size(); ++i) {
            out << (i ? "," : "") << r.headers[i].key;
          }
          out << "]";
          if (h.is_control()) {
            out << control_text(r);
          } else if (options.print_data) {
            print_contents(r.key, r.value, out);
          }
          out << "\n";
        }
      }
    } else {
      LegacyMessage m = parse_legacy(batch->bytes);
      out << "offset: " << m.offset << " position: " << batch->position << " "
          << legacy_timestamp_type(m) << ": " << m.timestamp << " size: " << batch->bytes.size()
          << " magic: " << int(m.magic) << " compresscodec: " << codec_name(m.attributes & 0x07)
          << " crc: " << m.crc << " isvalid: " << (m.valid ? "true" : "false") << "\n";
      // An uncompressed legacy entry is its own single record; the records inside a compressed
      // wrapper are not expanded (the broker's log never holds legacy data).
      if (deep && (m.attributes & 0x07) == 0) {
        check_consecutive(m.offset);
        out << "| offset: " << m.offset << " " << legacy_timestamp_type(m) << ": " << m.timestamp
            << " keysize: " << (m.key ? static_cast<int64_t>(m.key->size()) : -1)
            << " valuesize: " << (m.value ? static_cast<int64_t>(m.value->size()) : -1)
            << " crc: " << m.crc << " isvalid: " << (m.valid ? "true" : "false");
        if (options.print_data) print_contents(m.key, m.value, out);
        out << "\n";
      }
    }
    valid_bytes += batch->bytes.size();
  }
  if (valid_bytes < log.size()) {
    out << "Found " << (log.size() - valid_bytes) << " invalid bytes at the end of "
        << name.substr(name.find_last_of('/') + 1) << "\n";
  }
}

namespace {

// Entries of a preallocated index: the file is sized for the maximum, and a slot that decodes to
// the base offset after the first is unused (Kafka stops at the same point).
struct OffsetEntry {
  int64_t offset;
  uint32_t position;
};

std::vector<OffsetEntry> offset_entries(int64_t base, std::span<const uint8_t> index) {
  std::vector<OffsetEntry> out;
  for (size_t i = 0; (i + 1) * 8 <= index.size(); ++i) {
    int64_t offset = base + static_cast<int32_t>(load_be32(index.data() + i * 8));
    if (offset == base && i > 0) break;
    out.push_back({offset, load_be32(index.data() + i * 8 + 4)});
  }
  return out;
}

struct TimeEntry {
  int64_t timestamp;
  int64_t offset;
};

std::vector<TimeEntry> time_entries(int64_t base, std::span<const uint8_t> index) {
  std::vector<TimeEntry> out;
  for (size_t i = 0; (i + 1) * 12 <= index.size(); ++i) {
    int64_t ts = static_cast<int64_t>(load_be64(index.data() + i * 12));
    int64_t offset = base + static_cast<int32_t>(load_be32(index.data() + i * 12 + 8));
    if (offset == base && i > 0) break;
    out.push_back({ts, offset});
  }
  return out;
}

}  // namespace

void dump_offset_index(const std::string& path, int64_t base_offset, std::span<const uint8_t> index,
                       std::span<const uint8_t> log, const DumpLogOptions& options,
                       std::ostream& out, DumpProblems* problems) {
  auto entries = offset_entries(base_offset, index);
  if (options.sanity_only) {
    if (index.size() % 8 != 0) {
      throw std::runtime_error("Index file " + path + " is corrupt, found " +
                               std::to_string(index.size()) +
                               " bytes which is neither positive nor a multiple of 8.");
    }
    if (!entries.empty() && entries.back().offset < base_offset) {
      throw std::runtime_error(
          "Corrupt index found, index file (" + path +
          ") has non-zero size but the last offset is " + std::to_string(entries.back().offset) +
          " which is less than the base offset " + std::to_string(base_offset) + ".");
    }
    out << path << " passed sanity check.\n";
    return;
  }
  for (const auto& e : entries) {
    // Kafka reads at most max.message.size bytes from the indexed position; a batch that does
    // not fit (or no batch at all) is reported with log offset -1.
    std::span<const uint8_t> slice;
    if (e.position < log.size()) {
      slice = log.subspan(
          e.position,
          std::min<size_t>(log.size() - e.position, static_cast<size_t>(options.max_message_size)));
    }
    auto batch = batch_at(slice, 0);
    int64_t found = batch ? batch_last_offset(*batch) : -1;
    if (found != e.offset) note(&problems->index_mismatches, path, e.offset, found, true);
    if (!options.verify_only) out << "offset: " << e.offset << " position: " << e.position << "\n";
  }
}

void dump_time_index(const std::string& path, int64_t base_offset, std::span<const uint8_t> index,
                     std::span<const uint8_t> offset_index, std::span<const uint8_t> log,
                     const DumpLogOptions& options, std::ostream& out, DumpProblems* problems) {
  auto entries = time_entries(base_offset, index);
  if (options.sanity_only) {
    if (!entries.empty() && entries.back().timestamp < entries.front().timestamp) {
      throw std::runtime_error("Corrupt time index found, time index file (" + path +
                               ") has non-zero size but the last timestamp is " +
                               std::to_string(entries.back().timestamp) +
                               " which is less than the first timestamp " +
                               std::to_string(entries.front().timestamp));
    }
    if (!entries.empty() && entries.back().offset < base_offset) {
      throw std::runtime_error(
          "Corrupt time index found, time index file (" + path +
          ") has non-zero size but the last offset is " + std::to_string(entries.back().offset) +
          " which is less than the first offset " + std::to_string(base_offset));
    }
    if (index.size() % 12 != 0) {
      throw std::runtime_error("Time index file " + path + " is corrupt, found " +
                               std::to_string(index.size()) +
                               " bytes which is neither positive nor a multiple of 12.");
    }
    out << path << " passed sanity check.\n";
    return;
  }
  auto offsets = offset_entries(base_offset, offset_index);
  int64_t prev_timestamp = -1;
  for (const auto& e : entries) {
    // Start scanning at the largest offset-index entry <= the indexed offset.
    size_t position = 0;
    for (const auto& o : offsets) {
      if (o.offset > e.offset) break;
      position = o.position;
    }
    std::optional<FileBatch> batch;
    for (size_t at = position; (batch = batch_at(log, at)); at += batch->bytes.size()) {
      if (batch_last_offset(*batch) >= e.offset) break;
    }
    if (!batch) {
      note(&problems->offset_not_found, path, e.offset, -1, false);
    } else if (batch_last_offset(*batch) != e.offset) {
      note(&problems->offset_not_found, path, e.offset, batch_last_offset(*batch), false);
    } else {
      int64_t max_ts = -1;
      std::vector<records::Record> recs;
      std::string error;
      if (batch->magic >= 2 && records::read_records(batch->bytes, &recs, &error)) {
        for (const auto& r : recs) max_ts = std::max(max_ts, r.timestamp);
      } else if (batch->magic < 2) {
        max_ts = parse_legacy(batch->bytes).timestamp;
      }
      if (max_ts != e.timestamp) note(&problems->time_mismatches, path, e.timestamp, max_ts, false);
      if (prev_timestamp >= e.timestamp) {
        note(&problems->time_out_of_order, path, e.timestamp, prev_timestamp, false);
      }
    }
    if (!options.verify_only)
      out << "timestamp: " << e.timestamp << " offset: " << e.offset << "\n";
    prev_timestamp = e.timestamp;
  }
}

void dump_producer_snapshot(std::span<const uint8_t> snapshot, std::ostream& out,
                            std::ostream& err) {
  constexpr size_t kHeader = 10;  // Version i16, Crc u32, Count i32
  constexpr size_t kEntry = 46;
  if (snapshot.size() < kHeader) {
    err << "Snapshot is corrupt (file shorter than its header)\n";
    return;
  }
  int16_t version = static_cast<int16_t>(load_be16(snapshot.data()));
  if (version != 1) {
    err << "Snapshot contained an unknown file version " << version << "\n";
    return;
  }
  uint32_t stored = load_be32(snapshot.data() + 2);
  uint32_t computed = records::crc32c(snapshot.subspan(6));
  if (stored != computed) {
    err << "Snapshot is corrupt (CRC is no longer valid). Stored crc: " << stored
        << ". Computed crc: " << computed << "\n";
    return;
  }
  int32_t count = static_cast<int32_t>(load_be32(snapshot.data() + 6));
  if (count < 0 || kHeader + size_t(count) * kEntry != snapshot.size()) {
    err << "Snapshot is corrupt (entry count " << count << " does not match its size)\n";
    return;
  }
  for (int32_t i = 0; i < count; ++i) {
    const uint8_t* e = snapshot.data() + kHeader + size_t(i) * kEntry;
    int64_t producer_id = static_cast<int64_t>(load_be64(e));
    int16_t epoch = static_cast<int16_t>(load_be16(e + 8));
    int32_t last_seq = static_cast<int32_t>(load_be32(e + 10));
    int64_t last_offset = static_cast<int64_t>(load_be64(e + 14));
    int32_t offset_delta = static_cast<int32_t>(load_be32(e + 22));
    int64_t timestamp = static_cast<int64_t>(load_be64(e + 26));
    int32_t coordinator_epoch = static_cast<int32_t>(load_be32(e + 34));
    int64_t txn_first = static_cast<int64_t>(load_be64(e + 38));
    // Sequences wrap at INT32_MAX, so the first one may be "before" zero.
    int64_t first_seq = int64_t{last_seq} - offset_delta;
    if (first_seq < 0) first_seq += int64_t{1} << 31;
    // Kafka prints its Option[Long]: None, or Some(offset) inside a transaction.
    out << "producerId: " << producer_id << " producerEpoch: " << epoch
        << " coordinatorEpoch: " << coordinator_epoch << " currentTxnFirstOffset: "
        << (txn_first >= 0 ? "Some(" + std::to_string(txn_first) + ")" : std::string("None"))
        << " firstSequence: " << first_seq << " lastSequence: " << last_seq
        << " lastOffset: " << last_offset << " offsetDelta: " << offset_delta
        << " timestamp: " << timestamp << "\n";
  }
}

void dump_txn_index(std::span<const uint8_t> index, std::ostream& out) {
  constexpr size_t kEntry = 34;  // Version i16, ProducerId, First, Last, LastStable (i64 each)
  for (size_t at = 0; at + kEntry <= index.size(); at += kEntry) {
    const uint8_t* e = index.data() + at;
    out << "version: " << static_cast<int16_t>(load_be16(e))
        << " producerId: " << static_cast<int64_t>(load_be64(e + 2))
        << " firstOffset: " << static_cast<int64_t>(load_be64(e + 10))
        << " lastOffset: " << static_cast<int64_t>(load_be64(e + 18))
        << " lastStableOffset: " << static_cast<int64_t>(load_be64(e + 26)) << "\n";
  }
}

namespace {

std::vector<uint8_t> read_file(const std::string& path, bool required) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (required) throw std::runtime_error(path + " (No such file or directory)");
    return {};
  }
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string sibling(const std::string& path, const std::string& suffix) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find('.', slash == std::string::npos ? 0 : slash + 1);
  return path.substr(0, dot) + suffix;
}

}  // namespace

int dump_files(const std::vector<std::string>& files, const DumpLogOptions& options,
               std::ostream& out, std::ostream& err) {
  DumpProblems problems;
  for (const auto& file : files) {
    out << "Dumping " << file << "\n";
    size_t slash = file.find_last_of('/');
    size_t dot = file.find_last_of('.');
    std::string suffix = dot == std::string::npos || (slash != std::string::npos && dot < slash)
                             ? ""
                             : file.substr(dot);
    try {
      if (suffix == ".log") {
        auto log = read_file(file, true);
        dump_log_segment(file, segment_base_offset(file), log, options, out, &problems);
      } else if (suffix == ".index") {
        auto index = read_file(file, true);
        auto log = read_file(sibling(file, ".log"), false);
        dump_offset_index(file, segment_base_offset(file), index, log, options, out, &problems);
      } else if (suffix == ".timeindex") {
        auto index = read_file(file, true);
        auto offsets = read_file(sibling(file, ".index"), false);
        auto log = read_file(sibling(file, ".log"), false);
        dump_time_index(file, segment_base_offset(file), index, offsets, log, options, out,
                        &problems);
      } else if (suffix == ".snapshot") {
        dump_producer_snapshot(read_file(file, true), out, err);
      } else if (suffix == ".txnindex") {
        dump_txn_index(read_file(file, true), out);
      } else {
        err << "Ignoring unknown file " << file << "\n";
      }
    } catch (const std::exception& e) {
      out.flush();
      err << "Error: " << e.what() << "\n";
      return 1;
    }
  }
  out.flush();
  problems.print(err);
  return 0;
}

}  // namespace kb::tools
