#pragma once
// Shared helpers for the storage tests: temp dirs, batch construction, slice reading.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <string>
#include <vector>

#include "broker/storage/log.h"
#include "common/file_handle.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/record_batch.h"

namespace kb::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kb-storage-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// One uncompressed batch of `records` records with `value_size`-byte values; record i gets
// timestamp ts + i.
inline std::vector<uint8_t> make_batch(int records, int64_t ts = 1000, size_t value_size = 10) {
  records::RecordBatchBuilder b;
  std::vector<uint8_t> value(value_size, 'v');
  for (int i = 0; i < records; ++i) b.add(std::nullopt, value, {}, ts + i);
  return b.build();
}

inline std::vector<uint8_t> concat(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline std::vector<uint8_t> read_slices(const std::vector<FileSlice>& slices) {
  std::vector<uint8_t> out;
  for (const auto& s : slices) {
    size_t at = out.size();
    out.resize(at + s.size);
    ssize_t n = ::pread(s.file->fd(), out.data() + at, s.size, static_cast<off_t>(s.position));
    if (n != static_cast<ssize_t>(s.size)) out.resize(at + std::max<ssize_t>(n, 0));
  }
  return out;
}

// Base offsets of the batches in a byte buffer.
inline std::vector<int64_t> batch_offsets(const std::vector<uint8_t>& bytes) {
  std::vector<int64_t> out;
  for (auto span : records::split_batches(bytes)) {
    records::BatchHeader h{};
    records::parse_batch_header(span, &h);
    out.push_back(h.base_offset);
  }
  return out;
}

struct FakeClock {
  int64_t now = 1'000'000;
  std::function<int64_t()> fn() {
    return [this] { return now; };
  }
};

inline LogOptions log_options(const std::string& dir, LogConfig config = {}) {
  LogOptions o;
  o.dir = dir;
  o.topic_partition = TopicPartition{"t", 0};
  o.config = std::move(config);
  return o;
}

inline AppendResult append(Log& log, std::vector<uint8_t> bytes, int64_t now_ms = 1000,
                           LeaderEpoch epoch = LeaderEpoch(0)) {
  return log.append_as_leader(bytes, epoch, now_ms);
}

}  // namespace kb::storage::testing
