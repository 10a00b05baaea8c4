#pragma once
// Checksums used by the record formats: CRC-32C (Castagnoli) for v2 record batches, CRC-32 (IEEE,
// the zlib one) for legacy v0/v1 messages.
// Thread-safety: pure functions; the hardware/software choice is made once, thread-safely.
#include <cstdint>
#include <span>

namespace kb::records {

// CRC-32C of `data`, continuing from `crc` (pass the previous result to checksum in pieces).
// Uses SSE4.2 crc32 instructions when the CPU has them, a slicing table otherwise.
uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

// The two implementations, exposed so tests can compare them. crc32c_hw must only be called when
// crc32c_hw_available() is true.
uint32_t crc32c_sw(std::span<const uint8_t> data, uint32_t crc = 0);
uint32_t crc32c_hw(std::span<const uint8_t> data, uint32_t crc = 0);
bool crc32c_hw_available();

// CRC-32 (IEEE 802.3 polynomial, as zlib computes it), continuing from `crc`.
uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace kb::records
