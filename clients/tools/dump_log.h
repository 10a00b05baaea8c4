#pragma once
// kafka-dump-log (Kafka 2.4's DumpLogSegments): prints the batches and records of `.log` segment
// files and the entries of `.index` / `.timeindex` files, and verifies the indexes against the
// log. Output lines follow Kafka's byte for byte so scripts written against Kafka keep working.
//
// The files are read whole and parsed here rather than through broker/storage's OffsetIndex /
// TimeIndex: those map and lock live index files for appending, while this tool must read a copy,
// a corrupt file, or a preallocated index of another process without changing it. The entry
// layouts are the documented ones (docs/formats/log-format.md).
//
// Thread-safety: pure functions over caller-owned buffers.
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace kb::tools {

struct DumpLogOptions {
  bool print_data = false;   // --print-data-log (implies deep iteration, as in Kafka)
  bool deep = false;         // --deep-iteration
  bool verify_only = false;  // --verify-index-only: check, do not print index entries
  bool sanity_only = false;  // --index-sanity-check: only the startup sanity check
  int32_t max_message_size = 5 * 1024 * 1024;  // --max-message-size
};

// Problems found while dumping; Kafka prints them to stderr after every file was dumped.
struct DumpProblems {
  // Per index file: (index offset, last offset of the batch found at the indexed position).
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> index_mismatches;
  // Per log file: (offset, next offset) pairs that are not consecutive (deep iteration only).
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> non_consecutive;
  // Per time index file: (index timestamp, log max timestamp).
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> time_mismatches;
  // Per time index file: (index timestamp, previous index timestamp).
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> time_out_of_order;
  // Per time index file: (indexed offset, last offset of the batch found, -1 when none).
  std::vector<std::pair<std::string, std::vector<std::pair<int64_t, int64_t>>>> offset_not_found;
  bool empty() const;
  // Kafka's report format ("Mismatches in :<file>", "  Index offset: N, log offset: M", ...).
  void print(std::ostream& err) const;
};

// The base offset a segment file name starts with ("00000000000000000042.log" -> 42). Throws
// std::invalid_argument for a name that does not start with digits and a dot.
int64_t segment_base_offset(const std::string& file_name);

// Dumps one `.log` file's bytes (`name` is used in messages only): "Starting offset: N", a line
// per batch, with deep iteration a "| offset: ..." line per record, and a final "Found N invalid
// bytes at the end of <name>" when the file ends in a partial or unparsable batch.
void dump_log_segment(const std::string& name, int64_t base_offset, std::span<const uint8_t> log,
                      const DumpLogOptions& options, std::ostream& out, DumpProblems* problems);

// Dumps an offset index (8-byte entries) checking each entry against `log` (the segment's
// `.log`, possibly empty when missing). Throws std::runtime_error when --index-sanity-check
// fails, with Kafka's CorruptIndexException message.
void dump_offset_index(const std::string& path, int64_t base_offset, std::span<const uint8_t> index,
                       std::span<const uint8_t> log, const DumpLogOptions& options,
                       std::ostream& out, DumpProblems* problems);

// Dumps a time index (12-byte entries) checking each entry against the log, located through the
// segment's offset index bytes `offset_index` (may be empty).
void dump_time_index(const std::string& path, int64_t base_offset, std::span<const uint8_t> index,
                     std::span<const uint8_t> offset_index, std::span<const uint8_t> log,
                     const DumpLogOptions& options, std::ostream& out, DumpProblems* problems);

// Dumps a producer state snapshot (docs/formats/log-format.md): a line per entry, Kafka's
// "producerId: .. producerEpoch: .. coordinatorEpoch: .. currentTxnFirstOffset: None
// firstSequence: .. lastSequence: .. lastOffset: .. offsetDelta: .. timestamp: ..". A bad version,
// CRC or length prints Kafka's CorruptSnapshotException message on `err` instead.
void dump_producer_snapshot(std::span<const uint8_t> snapshot, std::ostream& out,
                            std::ostream& err);

// Dumps a transaction index (34-byte aborted-transaction entries): "version: .. producerId: ..
// firstOffset: .. lastOffset: .. lastStableOffset: ..". The broker writes none today; the format
// is Kafka's so copied Kafka files can be read.
void dump_txn_index(std::span<const uint8_t> index, std::ostream& out);

// The whole tool after option parsing: reads each file, prints "Dumping <file>" and its dump,
// then the problems to `err`. Returns the exit code: 0 (also when problems were found, as Kafka),
// 1 when a file could not be read or an index failed the sanity check.
int dump_files(const std::vector<std::string>& files, const DumpLogOptions& options,
               std::ostream& out, std::ostream& err);

}  // namespace kb::tools
