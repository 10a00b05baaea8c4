#pragma once
// Sequential reader of v2 batch headers in a segment file, buffered so that walking many small
// batches costs a few large preads instead of one syscall per batch.
//
// Thread-safety: an instance belongs to one thread; many instances may read the same file
// concurrently (pread only, no shared file offset).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocol/records/batch_header.h"

namespace kb::storage {

struct ScannedBatch {
  uint64_t position = 0;  // where the batch starts in the file
  records::BatchHeader header{};
  uint32_t size() const { return static_cast<uint32_t>(header.total_size()); }
};

enum class ScanStatus {
  kOk,
  kEnd,        // clean end: no bytes left
  kTruncated,  // fewer bytes left than a header or than the batch claims (a torn tail)
  kCorrupt,    // a header that cannot be a v2 batch
};

class BatchScanner {
 public:
  // Scans [start, end) of the file behind `fd`.
  BatchScanner(int fd, uint64_t start, uint64_t end);

  // Reads the next header and advances past its batch.
  ScanStatus next(ScannedBatch* out);
  // Copies the whole batch last returned by next() (for CRC validation).
  bool read_batch(const ScannedBatch& batch, std::vector<uint8_t>* out) const;
  // Where the next batch starts (after a failed next(): where the bad bytes start).
  uint64_t position() const { return pos_; }

 private:
  bool fill(uint64_t at, size_t want);

  int fd_;
  uint64_t pos_;
  uint64_t end_;
  // Not zeroed: only the bytes a pread filled are ever looked at.
  std::unique_ptr<uint8_t[]> buf_;
  uint64_t buf_start_ = 0;
  size_t buf_len_ = 0;
  // How much the next fill reads: the full buffer while batches are small, just a header after a
  // batch larger than the buffer (reading ahead would copy bytes of the next batch's records that
  // the scan skips).
  size_t read_size_;
};

// Reads one header at `position`; false if the bytes there are not a sane, complete v2 batch
// within `end`.
bool read_batch_header_at(int fd, uint64_t position, uint64_t end, records::BatchHeader* out);

}  // namespace kb::storage
