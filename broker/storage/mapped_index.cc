#include "broker/storage/mapped_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/logging.h"

namespace kb::storage {

MappedIndex::MappedIndex(std::string path, size_t entry_size, int32_t max_index_bytes)
    : entry_size_(entry_size),
      max_bytes_(std::max<size_t>(entry_size * 2,
                                  static_cast<size_t>(std::max(max_index_bytes, 0)) / entry_size *
                                      entry_size)),
      path_(std::move(path)) {
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path_);
  struct stat st {};
  int err = ::fstat(fd, &st) != 0 ? errno : 0;
  ::close(fd);
  if (err != 0) throw std::system_error(err, std::generic_category(), "stat " + path_);
  size_t length = static_cast<size_t>(st.st_size) / entry_size_ * entry_size_;
  std::unique_lock lock(mu_);
  open_ = true;
  remap(length);
  entries_ = length / entry_size_;
}

MappedIndex::~MappedIndex() { close(); }

size_t MappedIndex::entries() const {
  std::shared_lock lock(mu_);
  return entries_;
}

size_t MappedIndex::max_entries() const { return max_bytes_ / entry_size_; }

void MappedIndex::remap(size_t bytes) {
  if (data_ != nullptr) {
    ::munmap(data_, mapped_);
    data_ = nullptr;
    mapped_ = 0;
    capacity_ = 0;
  }
  if (!open_) return;
  // The descriptor is only needed to size and map the file: the mapping outlives it. Keeping it
  // open would cost two descriptors per segment, which runs out at ~10,000 partitions.
  int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
  // Gone: the segment was deleted (its files are unlinked before the index is closed).
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path_);
  if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "truncate " + path_);
  }
  if (bytes == 0) {
    ::close(fd);
    return;
  }
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) throw std::system_error(err, std::generic_category(), "mmap " + path_);
  // The file is mostly a sparse tail of zeros: fault-around readahead would zero-fill large
  // folios of it far ahead of the appends (6.6% of a follower's CPU under acks=all load). Entries
  // are few per page, so one page per fault is enough.
  ::madvise(p, bytes, MADV_RANDOM);
  data_ = static_cast<uint8_t*>(p);
  mapped_ = bytes;
  capacity_ = bytes / entry_size_;
}

void MappedIndex::make_appendable() {
  std::unique_lock lock(mu_);
  if (mapped_ != max_bytes_) remap(std::max(max_bytes_, entries_ * entry_size_));
}

void MappedIndex::trim() {
  std::unique_lock lock(mu_);
  if (open_ && mapped_ != entries_ * entry_size_) remap(entries_ * entry_size_);
}

void MappedIndex::reset() {
  std::unique_lock lock(mu_);
  entries_ = 0;
  // Zero what was there, so a crash before the next trim cannot resurrect stale entries that
  // happen to look sane.
  if (data_ != nullptr) std::memset(data_, 0, mapped_);
}

void MappedIndex::flush() {
  std::shared_lock lock(mu_);
  if (data_ != nullptr && ::msync(data_, mapped_, MS_SYNC) != 0) {
    KB_LOG_WARN("storage") << "msync " << path_ << " failed: " << std::strerror(errno);
  }
}

void MappedIndex::close() {
  std::unique_lock lock(mu_);
  if (!open_) return;
  try {
    remap(entries_ * entry_size_);  // trim to the real entries
  } catch (const std::exception& e) {
    KB_LOG_WARN("storage") << "Cannot trim index " << path_ << ": " << e.what();
  }
  if (data_ != nullptr) ::munmap(data_, mapped_);
  data_ = nullptr;
  mapped_ = 0;
  capacity_ = 0;
  entries_ = 0;
  open_ = false;
}

bool MappedIndex::rename_to(const std::string& new_path) {
  std::unique_lock lock(mu_);
  if (::rename(path_.c_str(), new_path.c_str()) != 0) {
    if (errno == ENOENT) return true;  // nothing on disk to move
    KB_LOG_WARN("storage") << "rename " << path_ << " failed: " << std::strerror(errno);
    return false;
  }
  path_ = new_path;
  return true;
}

}  // namespace kb::storage
