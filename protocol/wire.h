#pragma once
// Kafka wire primitives: a bounds-checked Reader over a request frame and a Writer that builds a
// response as a list of chunks (owned bytes, or file ranges to be sent with sendfile).
//
// Thread safety: none; a Reader/Writer belongs to the request being handled.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/file_handle.h"

namespace kb::protocol {

// The only exception a decoder throws for malformed input (underflow, bad length, bad varint).
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The value of a `records` field. Decoding yields a View into the request frame (zero-copy; valid
// only while the frame lives); handlers build Owned bytes or, for fetch, FileSlices so that the
// network layer can sendfile them.
struct Records {
  struct View {
    const uint8_t* data = nullptr;
    size_t size = 0;
  };
  using Owned = std::vector<uint8_t>;
  using Slices = std::vector<kb::FileSlice>;
  // monostate = null (-1 length on the wire).
  std::variant<std::monostate, View, Owned, Slices> value;

  Records() = default;
  static Records null() { return Records(); }
  static Records view(const uint8_t* data, size_t size) { return Records(View{data, size}); }
  static Records owned(std::vector<uint8_t> bytes) { return Records(std::move(bytes)); }
  static Records slices(std::vector<kb::FileSlice> s) { return Records(std::move(s)); }

  bool is_null() const { return std::holds_alternative<std::monostate>(value); }
  bool is_slices() const { return std::holds_alternative<Slices>(value); }
  // Wire length of the payload (0 when null).
  size_t size() const;
  // Contiguous bytes for the View and Owned forms; empty for null and FileSlices.
  std::span<const uint8_t> bytes() const;

  // Byte-content equality for the in-memory forms (a View equals an Owned with the same bytes);
  // FileSlices compare by file and range.
  bool operator==(const Records& other) const;

 private:
  template <typename T>
  explicit Records(T v) : value(std::move(v)) {}
};

// Bounds-checked big-endian reader. `compact` parameters select the flexible-version (KIP-482)
// encodings: unsigned varint length+1 instead of int16/int32 lengths.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit Reader(std::span<const uint8_t> s) : Reader(s.data(), s.size()) {}

  size_t remaining() const { return size_ - pos_; }
  size_t position() const { return pos_; }
  const uint8_t* current() const { return data_ + pos_; }
  bool at_end() const { return pos_ == size_; }

  int8_t read_int8();
  int16_t read_int16();
  int32_t read_int32();
  int64_t read_int64();
  uint32_t read_uint32();
  bool read_bool();
  // Unsigned varint of at most 5 bytes (values up to 2^32-1).
  uint32_t read_uvarint();
  // Unsigned varlong of at most 10 bytes.
  uint64_t read_uvarlong();
  // Zig-zag encoded signed varint / varlong.
  int32_t read_varint();
  int64_t read_varlong();

  std::string read_string(bool compact = false);
  std::optional<std::string> read_nullable_string(bool compact = false);
  std::vector<uint8_t> read_bytes(bool compact = false);
  std::optional<std::vector<uint8_t>> read_nullable_bytes(bool compact = false);
  // Records as a zero-copy view into the frame (null when the length is -1 / 0 compact).
  Records read_records(bool compact = false);

  // Array element count; -1 means null (only when `nullable`). A count larger than the bytes
  // left cannot be valid (every element takes at least one byte) and is rejected, which keeps a
  // forged count from triggering a huge allocation.
  int32_t read_array_length(bool compact = false, bool nullable = false);

  // Skips a whole tag buffer (flexible versions), ignoring every tag.
  void skip_tag_buffer();
  void skip(size_t n);
  // A reader over the next n bytes (consumed from this one); used for tagged field payloads.
  Reader sub_reader(size_t n);
  std::span<const uint8_t> read_raw(size_t n);

 private:
  void need(size_t n) const;
  // Length of a string/bytes field: int16/int32 or compact; returns -1 for null.
  int64_t read_length(bool compact, bool wide);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// What a response is assembled into: owned byte chunks interleaved with file ranges.
struct OutBuffer {
  std::vector<std::variant<std::vector<uint8_t>, kb::FileSlice>> chunks;
  size_t size() const;
  // Concatenation of the owned chunks; only meaningful when there are no FileSlices (tests).
  std::vector<uint8_t> flatten() const;
};

class Writer {
 public:
  explicit Writer(OutBuffer& out) : out_(out) {}

  // Total bytes written to the buffer so far (all chunks).
  size_t position() const { return out_.size(); }

  void write_int8(int8_t v);
  void write_int16(int16_t v);
  void write_int32(int32_t v);
  void write_int64(int64_t v);
  void write_uint32(uint32_t v);
  void write_bool(bool v) { write_int8(v ? 1 : 0); }
  void write_uvarint(uint32_t v);
  void write_uvarlong(uint64_t v);
  void write_varint(int32_t v);
  void write_varlong(int64_t v);

  void write_string(std::string_view s, bool compact = false);
  void write_nullable_string(const std::optional<std::string>& s, bool compact = false);
  void write_bytes(std::span<const uint8_t> b, bool compact = false);
  void write_nullable_bytes(const std::optional<std::vector<uint8_t>>& b, bool compact = false);
  // Length (int32, or compact uvarint len+1) then the bytes, or the FileSlice chunks appended.
  void write_records(const Records& r, bool compact = false);
  // n = -1 writes a null array.
  void write_array_length(int32_t n, bool compact = false);
  void write_empty_tag_buffer() { write_uvarint(0); }
  void write_raw(const void* data, size_t n);

  // Writes a placeholder int32 and returns its position, to be filled by patch_int32 (frame sizes).
  size_t reserve_int32();
  // Overwrites 4 bytes at an absolute position; they must lie within one owned-bytes chunk.
  void patch_int32(size_t position, int32_t v);

 private:
  std::vector<uint8_t>& tail();
  OutBuffer& out_;
};

// Byte length of an unsigned varint, used to size tagged fields before writing them.
size_t uvarint_size(uint32_t v);

}  // namespace kb::protocol
