#pragma once
// Compression codecs used inside record batches (v2 attributes bits 0-2, legacy attributes bits
// 0-2). Thread-safety: all functions are pure; safe to call concurrently.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kb::records {

// The numeric values are the wire values of the codec bits.
enum class Compression : int8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// Decompressed output above this is treated as an error: a small hostile batch must not make the
// broker allocate gigabytes.
inline constexpr size_t kMaxDecompressedSize = size_t{128} << 20;

// "none", "gzip", "snappy", "lz4", "zstd", or "unknown".
const char* compression_name(Compression c);

// True for the five known codec ids (0..4).
bool is_known_compression(int codec_bits);

// Compresses `in`. kNone returns a copy. Snappy writes a raw snappy block (what librdkafka, sarama
// and kafka-go emit; every consumer decodes it). lz4 writes an LZ4 frame, gzip an RFC 1952 stream.
std::vector<uint8_t> compress(Compression c, std::span<const uint8_t> in);

// Snappy in the xerial snappy-java stream framing (Java producers, kafka-python). For tests and for
// completeness; the broker never needs to produce it.
std::vector<uint8_t> compress_snappy_xerial(std::span<const uint8_t> in);

// Decompresses `in` into *out (replacing its contents). Snappy accepts raw blocks and xerial
// streams (detected by the 8-byte magic). On failure returns false and sets *error (if non-null).
// `max_output` caps the decompressed size (error when exceeded).
bool decompress(Compression c, std::span<const uint8_t> in, std::vector<uint8_t>* out,
                std::string* error, size_t max_output = kMaxDecompressedSize);

}  // namespace kb::records
