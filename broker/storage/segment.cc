#include "broker/storage/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <system_error>

#include "broker/storage/file_util.h"
#include "broker/storage/record_scan.h"
#include "common/logging.h"

namespace kb::storage {
namespace {

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

uint64_t file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

AppendBatchInfo info_of(const records::BatchHeader& h) {
  return {Offset(h.last_offset()), h.max_timestamp, static_cast<uint32_t>(h.total_size())};
}

}  // namespace

Segment::Segment(const std::string& dir, Offset base, const LogConfig& config, int fd,
                 int64_t now_ms, std::string_view file_suffix)
    : dir_(dir),
      base_(base),
      index_interval_bytes_(config.index_interval_bytes),
      log_path_(segment_file_path(dir, base, kLogSuffix) + std::string(file_suffix)),
      file_(std::make_shared<FileHandle>(fd, log_path_)),
      offset_index_(segment_file_path(dir, base, kIndexSuffix) + std::string(file_suffix), base,
                    config.segment_index_bytes),
      time_index_(segment_file_path(dir, base, kTimeIndexSuffix) + std::string(file_suffix), base,
                  config.segment_index_bytes),
      offset_of_max_timestamp_(base.value()),
      created_ms_(now_ms),
      max_bytes_(static_cast<uint64_t>(std::max<int64_t>(config.segment_bytes, 0))) {}

Segment::~Segment() { close(); }

std::shared_ptr<Segment> Segment::create(const std::string& dir, Offset base,
                                         const LogConfig& config, int64_t now_ms,
                                         std::string_view file_suffix) {
  std::string suffix(file_suffix);
  std::string log_path = segment_file_path(dir, base, kLogSuffix) + suffix;
  // Stale indexes of an earlier segment with this name must not be taken for ours.
  ::unlink((segment_file_path(dir, base, kIndexSuffix) + suffix).c_str());
  ::unlink((segment_file_path(dir, base, kTimeIndexSuffix) + suffix).c_str());
  int fd = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "create " + log_path);
  std::shared_ptr<Segment> seg(new Segment(dir, base, config, fd, now_ms, file_suffix));
  seg->make_appendable();
  return seg;
}

std::shared_ptr<Segment> Segment::open(const std::string& dir, Offset base, const LogConfig& config,
                                       int64_t now_ms) {
  std::string log_path = segment_file_path(dir, base, kLogSuffix);
  bool have_indexes = file_exists(segment_file_path(dir, base, kIndexSuffix)) &&
                      file_exists(segment_file_path(dir, base, kTimeIndexSuffix));
  int fd = ::open(log_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + log_path);
  std::shared_ptr<Segment> seg(new Segment(dir, base, config, fd, now_ms));
  uint64_t size = file_size(fd);
  seg->size_.store(size, std::memory_order_release);
  bool sane = have_indexes && seg->offset_index_.sanity_check(size) && seg->time_index_.sanity_check();
  if (!sane) {
    KB_LOG_WARN("storage") << "Index of segment " << log_path
                           << (have_indexes ? " is corrupt" : " is missing") << "; it will be rebuilt";
    seg->index_needs_rebuild_ = true;
    seg->offset_index_.reset();
    seg->time_index_.reset();
  } else {
    seg->recompute_tail_state();
  }
  return seg;
}

void Segment::index_batch(uint64_t position, const AppendBatchInfo& batch) {
  if (batch.max_timestamp > max_timestamp_.load(std::memory_order_relaxed)) {
    offset_of_max_timestamp_.store(batch.last_offset.value(), std::memory_order_relaxed);
    max_timestamp_.store(batch.max_timestamp, std::memory_order_release);
  }
  if (position == 0) first_batch_timestamp_.store(batch.max_timestamp, std::memory_order_release);
  // The check comes before this batch counts, so a segment's first batch never gets an entry.
  if (bytes_since_last_index_entry_ > static_cast<uint32_t>(std::max(index_interval_bytes_, 0))) {
    offset_index_.append(batch.last_offset, static_cast<uint32_t>(position));
    time_index_.maybe_append(max_timestamp(),
                             Offset(offset_of_max_timestamp_.load(std::memory_order_relaxed)));
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += batch.size;
}

// Why reserve: on ext4 every 4 KB page written past the allocated blocks pays for a delayed
// allocation (reservation, extent-status and quota bookkeeping): a fifth of the broker's CPU in a
// one-partition produce profile. Writing into blocks fallocate(KEEP_SIZE) has already allocated
// skips that, and the file's size stays what was written, so readers, recovery and Kafka's
// tools see no difference. Only segments that have grown past kReserveFromBytes reserve, so a
// quiet partition never holds unused blocks; a busy one holds at most kReserveChunkBytes.
constexpr uint64_t kReserveFromBytes = 4ull << 20;
constexpr uint64_t kReserveChunkBytes = 16ull << 20;

void Segment::reserve_ahead(uint64_t end) {
  if (!reserving_ || end <= reserved_end_ || end < kReserveFromBytes) return;
  const uint64_t from = std::max(reserved_end_, size());
  const uint64_t to = std::max(end, std::min(end + kReserveChunkBytes, max_bytes_));
  if (::fallocate(file_->fd(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(from),
                  static_cast<off_t>(to - from)) != 0) {
    // Not supported here, or the disk is full: plain writes still work (and report ENOSPC).
    KB_LOG_DEBUG("storage") << "Not reserving blocks ahead in " << log_path_ << ": "
                            << std::strerror(errno);
    reserving_ = false;
    return;
  }
  reserved_end_ = to;
}

void Segment::release_reservation() {
  if (reserved_end_ <= size()) return;
  // Truncating to the current size frees the blocks past it. It also stamps the modification
  // time, which retention and the cleaner's delete horizon read, so that is put back.
  const int64_t modified = last_modified_ms();
  if (::ftruncate(file_->fd(), static_cast<off_t>(size())) != 0) {
    KB_LOG_WARN("storage") << "Cannot release the blocks reserved past the end of " << log_path_
                           << ": " << std::strerror(errno);
    return;
  }
  reserved_end_ = 0;
  set_last_modified_ms(modified);
}

bool Segment::append(std::span<const uint8_t> bytes, std::span<const AppendBatchInfo> batches) {
  uint64_t start = size();
  reserve_ahead(start + bytes.size());
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(file_->fd(), bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(start + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      KB_LOG_ERROR("storage") << "Write to " << log_path_ << " failed: " << std::strerror(errno);
      // Cut off whatever part made it, so the file never holds a torn batch we did not publish.
      if (::ftruncate(file_->fd(), static_cast<off_t>(start)) != 0) {
        KB_LOG_ERROR("storage") << "Cannot truncate " << log_path_ << " after a failed write";
      }
      return false;
    }
    done += static_cast<size_t>(n);
  }
  uint64_t position = start;
  for (const auto& b : batches) {
    index_batch(position, b);
    position += b.size;
  }
  size_.store(start + bytes.size(), std::memory_order_release);
  return true;
}

Segment::RecoveryResult Segment::recover() {
  offset_index_.reset();
  time_index_.reset();
  offset_index_.make_appendable();
  time_index_.make_appendable();
  max_timestamp_.store(-1);
  offset_of_max_timestamp_.store(base_.value());
  first_batch_timestamp_.store(-1);
  bytes_since_last_index_entry_ = 0;

  uint64_t end = file_size(file_->fd());
  BatchScanner scanner(file_->fd(), 0, end);
  int64_t next = base_.value();
  uint64_t valid_end = 0;
  std::vector<uint8_t> bytes;
  while (true) {
    ScannedBatch b;
    ScanStatus st = scanner.next(&b);
    if (st == ScanStatus::kEnd) break;
    if (st != ScanStatus::kOk) {
      KB_LOG_WARN("storage") << "Invalid batch header in " << log_path_ << " at position "
                             << scanner.position();
      break;
    }
    const auto& h = b.header;
    if (h.base_offset < next || h.last_offset() - base_.value() > std::numeric_limits<int32_t>::max()) {
      KB_LOG_WARN("storage") << "Out-of-order offset " << h.base_offset << " in " << log_path_
                             << " at position " << b.position << " (expected >= " << next << ")";
      break;
    }
    if (!scanner.read_batch(b, &bytes) || !records::batch_crc_ok(bytes)) {
      KB_LOG_WARN("storage") << "CRC mismatch in " << log_path_ << " at position " << b.position
                             << " (offset " << h.base_offset << ")";
      break;
    }
    index_batch(b.position, info_of(h));
    next = h.last_offset() + 1;
    valid_end = b.position + b.size();
  }
  RecoveryResult result{end - valid_end, Offset(next)};
  if (result.truncated_bytes > 0) {
    KB_LOG_WARN("storage") << "Truncating " << log_path_ << " to " << valid_end << " bytes (dropping "
                           << result.truncated_bytes << " invalid bytes)";
    if (::ftruncate(file_->fd(), static_cast<off_t>(valid_end)) != 0) {
      throw std::system_error(errno, std::generic_category(), "truncate " + log_path_);
    }
    reserved_end_ = 0;
  }
  size_.store(valid_end, std::memory_order_release);
  index_needs_rebuild_ = false;
  return result;
}

void Segment::recompute_tail_state() {
  bytes_since_last_index_entry_ = 0;
  // Up to the last offset-index entry the time index already holds the running maximum (it gets
  // an entry next to every offset entry); only the tail after it needs a scan.
  TimestampOffset last_time = time_index_.last_entry();
  int64_t max_ts = last_time.timestamp;
  int64_t max_offset = last_time.offset.value();
  auto last = offset_index_.last_entry();
  uint64_t end = size();
  BatchScanner scanner(file_->fd(), last ? last->position : 0, end);
  ScannedBatch b;
  while (scanner.next(&b) == ScanStatus::kOk) {
    if (b.header.max_timestamp > max_ts) {
      max_ts = b.header.max_timestamp;
      max_offset = b.header.last_offset();
    }
  }
  max_timestamp_.store(max_ts);
  offset_of_max_timestamp_.store(max_offset);
  records::BatchHeader first{};
  first_batch_timestamp_.store(read_batch_header_at(file_->fd(), 0, end, &first) ? first.max_timestamp
                                                                                 : -1);
}

Offset Segment::read_next_offset() const {
  auto last = offset_index_.last_entry();
  BatchScanner scanner(file_->fd(), last ? last->position : 0, size());
  int64_t next = base_.value();
  ScannedBatch b;
  while (scanner.next(&b) == ScanStatus::kOk) next = b.header.last_offset() + 1;
  return Offset(next);
}

uint64_t Segment::truncate_to(Offset offset) {
  auto batch = find_batch(offset, size());
  if (!batch) return 0;
  uint64_t old_size = size();
  uint64_t position = batch->position;
  Offset cut(batch->header.base_offset);
  offset_index_.truncate_to(cut);
  time_index_.truncate_to(cut);
  // Publish the smaller size first so readers stop before the bytes disappear.
  size_.store(position, std::memory_order_release);
  if (::ftruncate(file_->fd(), static_cast<off_t>(position)) != 0) {
    KB_LOG_ERROR("storage") << "Cannot truncate " << log_path_ << ": " << std::strerror(errno);
  }
  reserved_end_ = 0;  // the truncation freed the blocks past `position` too
  recompute_tail_state();
  if (position == 0) created_ms_.store(wall_clock_ms());
  return old_size - position;
}

void Segment::make_appendable() {
  offset_index_.make_appendable();
  time_index_.make_appendable();
}

void Segment::on_become_inactive() {
  time_index_.maybe_append(max_timestamp(),
                           Offset(offset_of_max_timestamp_.load(std::memory_order_relaxed)),
                           /*final_entry=*/true);
  offset_index_.trim();
  time_index_.trim();
  release_reservation();
}

void Segment::flush() {
  if (::fdatasync(file_->fd()) != 0) {
    KB_LOG_ERROR("storage") << "fsync " << log_path_ << " failed: " << std::strerror(errno);
  }
  offset_index_.flush();
  time_index_.flush();
}

void Segment::close() {
  if (size() > 0) on_become_inactive();
  offset_index_.close();
  time_index_.close();
}

std::vector<std::string> Segment::rename_with_suffix(std::string_view suffix) {
  std::vector<std::string> renamed;
  std::string target = log_path_ + std::string(suffix);
  if (::rename(log_path_.c_str(), target.c_str()) == 0) {
    log_path_ = target;
    renamed.push_back(target);
  } else {
    KB_LOG_WARN("storage") << "rename " << log_path_ << " failed: " << std::strerror(errno);
  }
  for (MappedIndex* index : {static_cast<MappedIndex*>(&offset_index_),
                             static_cast<MappedIndex*>(&time_index_)}) {
    std::string to = index->path() + std::string(suffix);
    if (index->rename_to(to) && file_exists(to)) renamed.push_back(to);
  }
  return renamed;
}

void Segment::rename_files(std::string_view new_suffix) {
  std::string suffix(new_suffix);
  std::string target = segment_file_path(dir_, base_, kLogSuffix) + suffix;
  if (target != log_path_) {
    if (::rename(log_path_.c_str(), target.c_str()) != 0) {
      throw std::system_error(errno, std::generic_category(),
                              "rename " + log_path_ + " to " + target);
    }
    log_path_ = target;
  }
  std::pair<MappedIndex*, std::string_view> indexes[] = {{&offset_index_, kIndexSuffix},
                                                         {&time_index_, kTimeIndexSuffix}};
  for (auto [index, ext] : indexes) {
    std::string to = segment_file_path(dir_, base_, ext) + suffix;
    if (to != index->path() && !index->rename_to(to)) {
      KB_LOG_WARN("storage") << "rename " << index->path() << " to " << to << " failed";
    }
  }
}

int64_t Segment::last_modified_ms() const {
  struct stat st {};
  if (::fstat(file_->fd(), &st) != 0) return wall_clock_ms();
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

void Segment::set_last_modified_ms(int64_t ms) {
  struct timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;  // access time unchanged
  times[1].tv_sec = ms / 1000;
  times[1].tv_nsec = (ms % 1000) * 1000000;
  if (::futimens(file_->fd(), times) != 0) {
    KB_LOG_WARN("storage") << "Cannot set the modification time of " << log_path_ << ": "
                           << std::strerror(errno);
  }
}

BatchScanner Segment::scan_near(Offset target, uint64_t limit) const {
  OffsetPosition hint = offset_index_.lookup(target);
  return BatchScanner(file_->fd(), hint.position < limit ? hint.position : 0, limit);
}

std::optional<ScannedBatch> Segment::find_batch(Offset target, uint64_t limit) const {
  BatchScanner scanner = scan_near(target, limit);
  ScannedBatch b;
  while (scanner.next(&b) == ScanStatus::kOk) {
    if (b.header.last_offset() >= target.value()) return b;
  }
  return std::nullopt;
}

std::optional<std::pair<int64_t, Offset>> Segment::find_offset_by_timestamp(int64_t target,
                                                                            Offset min_offset,
                                                                            uint64_t limit) const {
  TimestampOffset hint = time_index_.lookup(target);
  OffsetPosition start = offset_index_.lookup(std::max(hint.offset, min_offset));
  BatchScanner scanner(file_->fd(), start.position < limit ? start.position : 0, limit);
  ScannedBatch b;
  std::vector<uint8_t> bytes;
  while (scanner.next(&b) == ScanStatus::kOk) {
    if (b.header.max_timestamp < target || b.header.last_offset() < min_offset.value()) continue;
    if (!scanner.read_batch(b, &bytes)) return std::nullopt;
    if (auto found = find_record_by_timestamp(bytes, target, min_offset.value())) {
      return std::make_pair(found->first, Offset(found->second));
    }
  }
  return std::nullopt;
}

int64_t Segment::largest_timestamp_for_retention() const {
  int64_t ts = max_timestamp();
  if (ts >= 0) return ts;
  struct stat st {};
  if (::fstat(file_->fd(), &st) != 0) return wall_clock_ms();
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

int64_t Segment::rolling_base_ms() const {
  int64_t first = first_batch_timestamp_.load(std::memory_order_acquire);
  return first >= 0 ? first : created_ms_.load(std::memory_order_acquire);
}

}  // namespace kb::storage
