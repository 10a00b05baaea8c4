#include "broker/storage/batch_scanner.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace kb::storage {
namespace {

constexpr size_t kReadAhead = 32 * 1024;
// The size of the fields before and including batch_length: what must be present to know a
// batch's total size.
constexpr size_t kLengthPrefix = records::kLogOverhead;

bool pread_full(int fd, uint8_t* out, size_t n, uint64_t at, size_t* got) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out + done, n - done, static_cast<off_t>(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  *got = done;
  return true;
}

// The checks every reader applies before trusting a header's lengths.
bool header_sane(const records::BatchHeader& h) {
  return h.magic == 2 && h.batch_length >= static_cast<int32_t>(records::kBatchHeaderSize - kLengthPrefix) &&
         h.last_offset_delta >= 0 && h.base_offset >= 0;
}

}  // namespace

BatchScanner::BatchScanner(int fd, uint64_t start, uint64_t end)
    : fd_(fd),
      pos_(start),
      end_(end),
      buf_(std::make_unique_for_overwrite<uint8_t[]>(kReadAhead)),
      read_size_(kReadAhead) {}

bool BatchScanner::fill(uint64_t at, size_t want) {
  if (at >= buf_start_ && at + want <= buf_start_ + buf_len_) return true;
  size_t n = static_cast<size_t>(std::min<uint64_t>(std::max(read_size_, want), end_ - at));
  size_t got = 0;
  if (!pread_full(fd_, buf_.get(), n, at, &got)) return false;
  buf_start_ = at;
  buf_len_ = got;
  return got >= want;
}

ScanStatus BatchScanner::next(ScannedBatch* out) {
  if (pos_ >= end_) return ScanStatus::kEnd;
  uint64_t left = end_ - pos_;
  if (left < records::kBatchHeaderSize) return ScanStatus::kTruncated;
  if (!fill(pos_, records::kBatchHeaderSize)) return ScanStatus::kTruncated;
  const uint8_t* p = buf_.get() + (pos_ - buf_start_);
  records::BatchHeader h{};
  if (!records::parse_batch_header(std::span<const uint8_t>(p, records::kBatchHeaderSize), &h) ||
      !header_sane(h)) {
    return ScanStatus::kCorrupt;
  }
  if (h.total_size() > left) return ScanStatus::kTruncated;
  out->position = pos_;
  out->header = h;
  pos_ += h.total_size();
  read_size_ = h.total_size() >= kReadAhead ? records::kBatchHeaderSize : kReadAhead;
  return ScanStatus::kOk;
}

bool BatchScanner::read_batch(const ScannedBatch& batch, std::vector<uint8_t>* out) const {
  out->resize(batch.size());
  size_t got = 0;
  return pread_full(fd_, out->data(), out->size(), batch.position, &got) && got == out->size();
}

bool read_batch_header_at(int fd, uint64_t position, uint64_t end, records::BatchHeader* out) {
  if (position >= end || end - position < records::kBatchHeaderSize) return false;
  uint8_t buf[records::kBatchHeaderSize];
  size_t got = 0;
  if (!pread_full(fd, buf, sizeof buf, position, &got) || got != sizeof buf) return false;
  if (!records::parse_batch_header(std::span<const uint8_t>(buf, sizeof buf), out)) return false;
  return header_sane(*out) && out->total_size() <= end - position;
}

}  // namespace kb::storage
