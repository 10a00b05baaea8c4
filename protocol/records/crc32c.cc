#include "protocol/records/crc32c.h"

#include <zlib.h>

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace kb::records {
namespace {

// Reflected Castagnoli polynomial.
constexpr uint32_t kPoly = 0x82F63B78u;

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes, which lets the
// software path consume 8 bytes per step (several times faster than byte-at-a-time).
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k)
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  return t;
}

constexpr Tables kTables = make_tables();

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

#if defined(__x86_64__)
// The crc32 instruction has a latency of 3 cycles but a throughput of 1 per cycle, so large inputs
// are cut into three interleaved streams whose CRCs are combined afterwards. Combining uses the
// CRC's linearity: crc(r, A||B) = shift(crc(r, A), |B|) ^ crc(0, B), where shift(x, n) is the
// register after feeding n zero bytes; for the fixed stride it is a precomputed table lookup.
constexpr size_t kStride = 4096;

struct ShiftTable {
  std::array<std::array<uint32_t, 256>, 4> t;
  uint32_t shift(uint32_t x) const {
    return t[0][x & 0xff] ^ t[1][(x >> 8) & 0xff] ^ t[2][(x >> 16) & 0xff] ^ t[3][x >> 24];
  }
};

__attribute__((target("sse4.2"))) ShiftTable make_shift_table() {
  ShiftTable table{};
  for (int k = 0; k < 4; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      uint64_t c = static_cast<uint64_t>(b) << (8 * k);
      for (size_t i = 0; i < kStride; i += 8) c = _mm_crc32_u64(c, 0);
      table.t[k][b] = static_cast<uint32_t>(c);
    }
  }
  return table;
}

// Compiled for SSE4.2 only in these functions, so the rest of the binary stays baseline x86-64 and
// still runs on CPUs without it (the runtime check decides which path is called).
__attribute__((target("sse4.2"))) uint32_t hw_impl(const uint8_t* p, size_t n, uint32_t crc) {
  uint64_t c = ~crc;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(uint32_t(c), *p++);
    --n;
  }
  if (n >= 3 * kStride) {
    static const ShiftTable table = make_shift_table();
    while (n >= 3 * kStride) {
      uint64_t c1 = c, c2 = 0, c3 = 0;
      const uint8_t* p2 = p + kStride;
      const uint8_t* p3 = p + 2 * kStride;
      for (size_t i = 0; i < kStride; i += 8) {
        uint64_t w1, w2, w3;
        std::memcpy(&w1, p + i, 8);
        std::memcpy(&w2, p2 + i, 8);
        std::memcpy(&w3, p3 + i, 8);
        c1 = _mm_crc32_u64(c1, w1);
        c2 = _mm_crc32_u64(c2, w2);
        c3 = _mm_crc32_u64(c3, w3);
      }
      c = table.shift(static_cast<uint32_t>(c1)) ^ c2;
      c = table.shift(static_cast<uint32_t>(c)) ^ c3;
      p += 3 * kStride;
      n -= 3 * kStride;
    }
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(uint32_t(c), *p++);
    --n;
  }
  return ~uint32_t(c);
}
#endif

bool detect_hw() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

}  // namespace

bool crc32c_hw_available() {
  static const bool available = detect_hw();
  return available;
}

uint32_t crc32c_sw(std::span<const uint8_t> data, uint32_t crc) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t w = load_le64(p) ^ c;
    c = kTables[7][w & 0xff] ^ kTables[6][(w >> 8) & 0xff] ^ kTables[5][(w >> 16) & 0xff] ^
        kTables[4][(w >> 24) & 0xff] ^ kTables[3][(w >> 32) & 0xff] ^ kTables[2][(w >> 40) & 0xff] ^
        kTables[1][(w >> 48) & 0xff] ^ kTables[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xff];
  return ~c;
}

uint32_t crc32c_hw(std::span<const uint8_t> data, uint32_t crc) {
#if defined(__x86_64__)
  return hw_impl(data.data(), data.size(), crc);
#else
  return crc32c_sw(data, crc);
#endif
}

uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc) {
  return crc32c_hw_available() ? crc32c_hw(data, crc) : crc32c_sw(data, crc);
}

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
  // zlib takes a uInt length; feed in chunks so spans over 4 GiB are still correct.
  uLong c = crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    uInt chunk = n > (1u << 30) ? (1u << 30) : uInt(n);
    c = ::crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return uint32_t(c);
}

}  // namespace kb::records
