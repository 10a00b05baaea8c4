#include "protocol/records/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "protocol/records/bytes.h"

namespace kb::records {
namespace {

using detail::load_be32;
using detail::store_be32;

bool fail(std::string* error, std::string msg) {
  if (error) *error = std::move(msg);
  return false;
}

// Output grows in steps; each step is checked against the cap before it is allocated.
constexpr size_t kGrowStep = 64 * 1024;

bool grow(std::vector<uint8_t>* out, size_t used, size_t max_output) {
  if (used >= max_output) return false;
  size_t want = std::max(out->size() * 2, used + kGrowStep);
  out->resize(std::min(want, max_output));
  return true;
}

// ---- gzip ----

std::vector<uint8_t> gzip_compress(std::span<const uint8_t> in) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper (RFC 1952), which is what Kafka's codec id 1 means.
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::vector<uint8_t> out(deflateBound(&zs, uLong(in.size())) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = uInt(in.size());
  zs.next_out = out.data();
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

bool gzip_decompress(std::span<const uint8_t> in, std::vector<uint8_t>* out, std::string* error,
                     size_t max_output) {
  z_stream zs{};
  // 15 + 32: accept gzip or zlib headers; some old producers sent zlib streams.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return fail(error, "gzip: inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = uInt(in.size());
  size_t used = 0;
  out->clear();
  for (;;) {
    if (used == out->size() && !grow(out, used, max_output))
      return fail(error, "gzip: decompressed size exceeds limit");
    zs.next_out = out->data() + used;
    zs.avail_out = uInt(out->size() - used);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used = out->size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are valid gzip; keep going if more input remains.
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) return fail(error, "gzip: inflateReset failed");
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out != 0)
      return fail(error, "gzip: truncated input");
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return fail(error, std::string("gzip: ") + (zs.msg ? zs.msg : "inflate error"));
  }
  out->resize(used);
  return true;
}

// ---- snappy ----

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
// snappy-java's default block size; any size decodes, this only shapes what we write.
constexpr size_t kXerialBlock = 32 * 1024;

bool snappy_raw_append(std::span<const uint8_t> in, std::vector<uint8_t>* out, std::string* error,
                       size_t max_output) {
  size_t n = 0;
  const char* src = reinterpret_cast<const char*>(in.data());
  if (!snappy::GetUncompressedLength(src, in.size(), &n))
    return fail(error, "snappy: bad block header");
  if (n > max_output - out->size()) return fail(error, "snappy: decompressed size exceeds limit");
  size_t at = out->size();
  out->resize(at + n);
  if (!snappy::RawUncompress(src, in.size(), reinterpret_cast<char*>(out->data() + at)))
    return fail(error, "snappy: corrupt block");
  return true;
}

bool snappy_decompress(std::span<const uint8_t> in, std::vector<uint8_t>* out, std::string* error,
                       size_t max_output) {
  out->clear();
  if (in.size() < 16 || std::memcmp(in.data(), kXerialMagic, 8) != 0)
    return snappy_raw_append(in, out, error, max_output);
  // xerial stream: magic, int32 version, int32 min-compatible version, then {int32 len, block}*.
  size_t pos = 16;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return fail(error, "snappy: truncated xerial chunk length");
    uint32_t len = load_be32(in.data() + pos);
    pos += 4;
    if (len > in.size() - pos) return fail(error, "snappy: truncated xerial chunk");
    if (!snappy_raw_append(in.subspan(pos, len), out, error, max_output)) return false;
    pos += len;
  }
  return true;
}

std::vector<uint8_t> snappy_compress(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(snappy::MaxCompressedLength(in.size()));
  size_t n = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(),
                      reinterpret_cast<char*>(out.data()), &n);
  out.resize(n);
  return out;
}

// ---- lz4 ----

// XXH32 (written from the published algorithm description); needed only to check and repair the
// LZ4 frame header checksum, which liblz4 does not export a hash for.
uint32_t xxh32(const uint8_t* p, size_t n, uint32_t seed) {
  constexpr uint32_t P1 = 2654435761u, P2 = 2246822519u, P3 = 3266489917u, P4 = 668265263u,
                     P5 = 374761393u;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  auto le32 = [](const uint8_t* q) {
    return uint32_t(q[0]) | (uint32_t(q[1]) << 8) | (uint32_t(q[2]) << 16) | (uint32_t(q[3]) << 24);
  };
  const uint8_t* end = p + n;
  uint32_t acc;
  if (n >= 16) {
    uint32_t v[4] = {seed + P1 + P2, seed + P2, seed, seed - P1};
    while (end - p >= 16) {
      for (int i = 0; i < 4; ++i, p += 4) v[i] = rotl(v[i] + le32(p) * P2, 13) * P1;
    }
    acc = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
  } else {
    acc = seed + P5;
  }
  acc += uint32_t(n);
  for (; end - p >= 4; p += 4) acc = rotl(acc + le32(p) * P3, 17) * P4;
  for (; p < end; ++p) acc = rotl(acc + *p * P5, 11) * P1;
  acc ^= acc >> 15;
  acc *= P2;
  acc ^= acc >> 13;
  acc *= P3;
  acc ^= acc >> 16;
  return acc;
}

// Kafka's first LZ4 implementation (used with magic 0, KAFKA-3160) computed the frame header
// checksum over the magic number as well as the descriptor. If the header checksum is wrong but
// matches that broken computation, returns a copy with the correct checksum byte; otherwise
// returns an empty vector.
std::vector<uint8_t> repair_kafka_lz4_header(std::span<const uint8_t> in) {
  if (in.size() < 7 || load_be32(in.data()) != 0x04224D18u) return {};  // 0x184D2204 little-endian
  uint8_t flg = in[4];
  size_t desc_end = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  if (in.size() <= desc_end) return {};
  uint8_t stored = in[desc_end];
  uint8_t correct = uint8_t(xxh32(in.data() + 4, desc_end - 4, 0) >> 8);
  uint8_t broken = uint8_t(xxh32(in.data(), desc_end, 0) >> 8);
  if (stored == correct || stored != broken) return {};
  std::vector<uint8_t> fixed(in.begin(), in.end());
  fixed[desc_end] = correct;
  return fixed;
}

bool lz4_decompress_frames(std::span<const uint8_t> in, std::vector<uint8_t>* out,
                           std::string* error, size_t max_output) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    return fail(error, "lz4: cannot create context");
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> ctx(raw,
                                                                   LZ4F_freeDecompressionContext);
  out->clear();
  size_t used = 0, pos = 0, hint = 1;
  while (pos < in.size()) {
    if (used == out->size() && !grow(out, used, max_output))
      return fail(error, "lz4: decompressed size exceeds limit");
    size_t dst = out->size() - used, src = in.size() - pos;
    hint = LZ4F_decompress(ctx.get(), out->data() + used, &dst, in.data() + pos, &src, nullptr);
    if (LZ4F_isError(hint)) return fail(error, std::string("lz4: ") + LZ4F_getErrorName(hint));
    used += dst;
    pos += src;
    if (src == 0 && dst == 0 && used < out->size()) return fail(error, "lz4: no progress");
  }
  // hint != 0 means the decoder still expects bytes: the frame was cut short. Drain any output it
  // still holds first.
  while (hint != 0) {
    if (used == out->size() && !grow(out, used, max_output))
      return fail(error, "lz4: decompressed size exceeds limit");
    size_t dst = out->size() - used, src = 0;
    hint = LZ4F_decompress(ctx.get(), out->data() + used, &dst, nullptr, &src, nullptr);
    if (LZ4F_isError(hint)) return fail(error, std::string("lz4: ") + LZ4F_getErrorName(hint));
    used += dst;
    if (dst == 0 && hint != 0) return fail(error, "lz4: truncated frame");
  }
  out->resize(used);
  return true;
}

bool lz4_decompress(std::span<const uint8_t> in, std::vector<uint8_t>* out, std::string* error,
                    size_t max_output) {
  if (lz4_decompress_frames(in, out, error, max_output)) return true;
  std::vector<uint8_t> fixed = repair_kafka_lz4_header(in);
  if (fixed.empty()) return false;
  return lz4_decompress_frames(fixed, out, error, max_output);
}

std::vector<uint8_t> lz4_compress(std::span<const uint8_t> in) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  // 64 KiB independent blocks, no content size, no content checksum: the most widely decodable
  // frame (Kafka's Java LZ4 stream writes the same shape).
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  std::vector<uint8_t> out(LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return {};  // cannot happen with a bound-sized buffer
  out.resize(n);
  return out;
}

// ---- zstd ----

bool zstd_decompress(std::span<const uint8_t> in, std::vector<uint8_t>* out, std::string* error,
                     size_t max_output) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return fail(error, "zstd: cannot create context");
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  out->clear();
  size_t used = 0, rc = 1;
  while (ib.pos < ib.size || rc != 0) {
    if (used == out->size() && !grow(out, used, max_output))
      return fail(error, "zstd: decompressed size exceeds limit");
    ZSTD_outBuffer ob{out->data() + used, out->size() - used, 0};
    size_t in_before = ib.pos;
    rc = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(rc)) return fail(error, std::string("zstd: ") + ZSTD_getErrorName(rc));
    used += ob.pos;
    if (ib.pos == in_before && ob.pos == 0 && ob.size > 0)
      return fail(error, "zstd: truncated frame");
  }
  out->resize(used);
  return true;
}

std::vector<uint8_t> zstd_compress(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

}  // namespace

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

bool is_known_compression(int codec_bits) {
  return codec_bits >= 0 && codec_bits <= 4;
}

std::vector<uint8_t> compress(Compression c, std::span<const uint8_t> in) {
  switch (c) {
    case Compression::kGzip:
      return gzip_compress(in);
    case Compression::kSnappy:
      return snappy_compress(in);
    case Compression::kLz4:
      return lz4_compress(in);
    case Compression::kZstd:
      return zstd_compress(in);
    case Compression::kNone:
      break;
  }
  return std::vector<uint8_t>(in.begin(), in.end());
}

std::vector<uint8_t> compress_snappy_xerial(std::span<const uint8_t> in) {
  std::vector<uint8_t> out(kXerialMagic, kXerialMagic + 8);
  detail::ByteWriter w(&out);
  w.i32(1);  // version
  w.i32(1);  // minimum compatible version
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlock) {
    std::vector<uint8_t> block =
        snappy_compress(in.subspan(pos, std::min(kXerialBlock, in.size() - pos)));
    w.i32(int32_t(block.size()));
    w.raw(block);
  }
  return out;
}

bool decompress(Compression c, std::span<const uint8_t> in, std::vector<uint8_t>* out,
                std::string* error, size_t max_output) {
  switch (c) {
    case Compression::kNone:
      if (in.size() > max_output) return fail(error, "decompressed size exceeds limit");
      out->assign(in.begin(), in.end());
      return true;
    case Compression::kGzip:
      return gzip_decompress(in, out, error, max_output);
    case Compression::kSnappy:
      return snappy_decompress(in, out, error, max_output);
    case Compression::kLz4:
      return lz4_decompress(in, out, error, max_output);
    case Compression::kZstd:
      return zstd_decompress(in, out, error, max_output);
  }
  return fail(error, "unknown compression codec " + std::to_string(int(c)));
}

}  // namespace kb::records
