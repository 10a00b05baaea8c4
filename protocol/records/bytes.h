#pragma once
// Private big-endian and varint helpers for the records library. Deliberately independent of
// protocol/wire.h so records can be built and tested on their own.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace kb::records::detail {

inline uint16_t load_be16(const uint8_t* p) {
  return uint16_t((p[0] << 8) | p[1]);
}
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline uint64_t load_be64(const uint8_t* p) {
  return (uint64_t(load_be32(p)) << 32) | load_be32(p + 4);
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  store_be32(p, uint32_t(v >> 32));
  store_be32(p + 4, uint32_t(v));
}

// Appending writer over a byte vector.
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>* out) : out_(out) {}
  void i8(int8_t v) { out_->push_back(uint8_t(v)); }
  void i16(int16_t v) {
    grow(2, [&](uint8_t* p) { store_be16(p, uint16_t(v)); });
  }
  void i32(int32_t v) {
    grow(4, [&](uint8_t* p) { store_be32(p, uint32_t(v)); });
  }
  void u32(uint32_t v) {
    grow(4, [&](uint8_t* p) { store_be32(p, v); });
  }
  void i64(int64_t v) {
    grow(8, [&](uint8_t* p) { store_be64(p, uint64_t(v)); });
  }
  void raw(std::span<const uint8_t> b) { out_->insert(out_->end(), b.begin(), b.end()); }
  // Zig-zag varints as used inside v2 records.
  void varlong(int64_t v) {
    uint64_t z = (uint64_t(v) << 1) ^ uint64_t(v >> 63);
    while (z >= 0x80) {
      out_->push_back(uint8_t(z | 0x80));
      z >>= 7;
    }
    out_->push_back(uint8_t(z));
  }
  void varint(int32_t v) { varlong(v); }
  size_t size() const { return out_->size(); }

 private:
  template <typename F>
  void grow(size_t n, F f) {
    size_t at = out_->size();
    out_->resize(at + n);
    f(out_->data() + at);
  }
  std::vector<uint8_t>* out_;
};

// Bounds-checked reader; every read returns false (and leaves the cursor unspecified) on underrun
// so callers can turn malformed input into an error value instead of an exception.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> d) : d_(d) {}
  size_t remaining() const { return d_.size() - pos_; }
  size_t position() const { return pos_; }
  bool i8(int8_t* v) {
    if (remaining() < 1) return false;
    *v = int8_t(d_[pos_++]);
    return true;
  }
  bool i32(int32_t* v) {
    if (remaining() < 4) return false;
    *v = int32_t(load_be32(d_.data() + pos_));
    pos_ += 4;
    return true;
  }
  bool i64(int64_t* v) {
    if (remaining() < 8) return false;
    *v = int64_t(load_be64(d_.data() + pos_));
    pos_ += 8;
    return true;
  }
  bool bytes(size_t n, std::span<const uint8_t>* out) {
    if (remaining() < n) return false;
    *out = d_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool varlong(int64_t* v) {
    uint64_t z = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (remaining() < 1) return false;
      uint8_t b = d_[pos_++];
      z |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = int64_t(z >> 1) ^ -int64_t(z & 1);
        return true;
      }
    }
    return false;  // more than 10 bytes: malformed
  }
  bool varint(int32_t* v) {
    int64_t l;
    if (!varlong(&l) || l < INT32_MIN || l > INT32_MAX) return false;
    *v = int32_t(l);
    return true;
  }

 private:
  std::span<const uint8_t> d_;
  size_t pos_ = 0;
};

}  // namespace kb::records::detail
