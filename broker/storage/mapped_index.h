#pragma once
// A file of fixed-size entries, memory-mapped, the common part of the offset and time indexes.
//
// Thread-safety: one writer (the log's appender, or the loader) and any number of readers.
// Readers take the shared lock for a lookup; appends and remaps (resize, trim, close) take the
// exclusive lock, so a reader never touches an unmapped region. The entry count is read under the
// lock too, so a reader sees either an entry completely or not at all.
//
// After a crash: the file may still have its preallocated length, with zeros after the real
// entries; the subclasses' sanity checks catch that and the segment rebuilds the index from the
// log (an index carries no checksum and is never a source of truth).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace kb::storage {

class MappedIndex {
 public:
  MappedIndex(const MappedIndex&) = delete;
  MappedIndex& operator=(const MappedIndex&) = delete;
  ~MappedIndex();

  const std::string& path() const { return path_; }
  size_t entries() const;
  size_t max_entries() const;
  // Bytes of real entries (what the file is trimmed to).
  size_t size_bytes() const { return entries() * entry_size_; }

  // Grows the file (sparse) to the configured maximum so appends can go on; used for the active
  // segment only.
  void make_appendable();
  // Shrinks the file to the real entries (on roll and on close).
  void trim();
  // Drops every entry.
  void reset();
  void flush();
  // Unmaps and closes; later lookups see an empty index.
  void close();
  // Renames the file (the mapping and descriptor stay valid); false if it failed.
  bool rename_to(const std::string& new_path);

 protected:
  // Opens `path` (creating it when absent). An existing file's entries are its whole length
  // divided by the entry size: trimmed files are exact, untrimmed ones fail the sanity check.
  MappedIndex(std::string path, size_t entry_size, int32_t max_index_bytes);

  // Caller holds mu_ (either mode).
  const uint8_t* entry_at(size_t i) const { return data_ + i * entry_size_; }
  // Caller holds mu_ exclusively and has checked capacity.
  uint8_t* append_slot() { return data_ + entries_ * entry_size_; }
  void remap(size_t bytes);  // caller holds mu_ exclusively

  mutable std::shared_mutex mu_;
  size_t entries_ = 0;      // guarded by mu_
  size_t capacity_ = 0;     // entries the current mapping can hold; guarded by mu_
  const size_t entry_size_;
  const size_t max_bytes_;  // segment.index.bytes rounded down to the entry size

 private:
  std::string path_;
  bool open_ = false;  // until close(); the file itself is opened only to resize and map
  uint8_t* data_ = nullptr;
  size_t mapped_ = 0;
};

}  // namespace kb::storage
