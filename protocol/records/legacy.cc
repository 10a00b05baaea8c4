#include "protocol/records/legacy.h"

#include <string>

#include "protocol/records/batch_header.h"
#include "protocol/records/bytes.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch.h"

namespace kb::records {
namespace {

using detail::ByteReader;
using detail::ByteWriter;
using detail::load_be32;

constexpr int8_t kLegacyCodecMask = 0x07;
constexpr int8_t kLegacyLogAppendTimeBit = 0x08;
// Offset + MessageSize.
constexpr size_t kLegacyLogOverhead = 12;
// Crc + Magic + Attributes + KeyLength + ValueLength (+ Timestamp for magic 1).
constexpr size_t min_message_size(int8_t magic) {
  return magic == 0 ? 14 : 22;
}

struct LegacyMessage {
  int64_t offset;
  int8_t magic;
  int8_t attributes;
  int64_t timestamp;  // -1 for magic 0
  std::optional<std::span<const uint8_t>> key, value;
};

bool read_nullable_bytes(ByteReader& r, std::optional<std::span<const uint8_t>>* out) {
  int32_t len;
  if (!r.i32(&len) || len < -1) return false;
  if (len == -1) {
    out->reset();
    return true;
  }
  std::span<const uint8_t> b;
  if (!r.bytes(size_t(len), &b)) return false;
  *out = b;
  return true;
}

// Parses the next message of a message set at *pos, verifying its CRC. The spans in *m point
// into `set`.
kb::ErrorCode next_message(std::span<const uint8_t> set, size_t* pos, LegacyMessage* m) {
  std::span<const uint8_t> rest = set.subspan(*pos);
  if (rest.size() < kLegacyLogOverhead) return kb::ErrorCode::kCorruptMessage;
  m->offset = int64_t(detail::load_be64(rest.data()));
  int32_t size = int32_t(load_be32(rest.data() + 8));
  if (size < int32_t(min_message_size(0)) || size_t(size) > rest.size() - kLegacyLogOverhead)
    return kb::ErrorCode::kCorruptMessage;
  std::span<const uint8_t> msg = rest.subspan(kLegacyLogOverhead, size_t(size));
  uint32_t stored_crc = load_be32(msg.data());
  if (crc32(msg.subspan(4)) != stored_crc) return kb::ErrorCode::kCorruptMessage;
  ByteReader r(msg.subspan(4));
  if (!r.i8(&m->magic) || !r.i8(&m->attributes)) return kb::ErrorCode::kCorruptMessage;
  if (m->magic != 0 && m->magic != 1) return kb::ErrorCode::kCorruptMessage;
  if (size_t(size) < min_message_size(m->magic)) return kb::ErrorCode::kCorruptMessage;
  m->timestamp = -1;
  if (m->magic == 1 && !r.i64(&m->timestamp)) return kb::ErrorCode::kCorruptMessage;
  if (!read_nullable_bytes(r, &m->key) || !read_nullable_bytes(r, &m->value) || r.remaining() != 0)
    return kb::ErrorCode::kCorruptMessage;
  *pos += kLegacyLogOverhead + size_t(size);
  return kb::ErrorCode::kNone;
}

// Accumulates records into one v2 batch; flushes into the output when the run ends.
class BatchEmitter {
 public:
  explicit BatchEmitter(std::vector<uint8_t>* out) : out_(out) {}
  void start(Compression c) {
    builder_ = RecordBatchBuilder();
    builder_.set_compression(c).set_base_offset(next_offset_);
    open_ = true;
  }
  bool open() const { return open_; }
  void add(const LegacyMessage& m, int64_t timestamp) {
    builder_.add(m.key, m.value, {}, timestamp);
  }
  void flush() {
    if (!open_) return;
    open_ = false;
    if (builder_.record_count() == 0) return;
    next_offset_ += builder_.record_count();
    std::vector<uint8_t> batch = builder_.build();
    out_->insert(out_->end(), batch.begin(), batch.end());
  }

 private:
  std::vector<uint8_t>* out_;
  RecordBatchBuilder builder_;
  int64_t next_offset_ = 0;
  bool open_ = false;
};

kb::ErrorCode upconvert_wrapper(const LegacyMessage& wrapper, BatchEmitter* emitter) {
  int codec = wrapper.attributes & kLegacyCodecMask;
  if (codec > 3) return kb::ErrorCode::kUnsupportedCompressionType;
  if (!wrapper.value) return kb::ErrorCode::kCorruptMessage;
  std::vector<uint8_t> inner;
  std::string error;
  if (!decompress(Compression(codec), *wrapper.value, &inner, &error))
    return kb::ErrorCode::kCorruptMessage;
  bool log_append_time = wrapper.magic == 1 && (wrapper.attributes & kLegacyLogAppendTimeBit) != 0;
  emitter->start(Compression(codec));
  size_t pos = 0;
  int count = 0;
  while (pos < inner.size()) {
    LegacyMessage m;
    if (kb::ErrorCode ec = next_message(inner, &pos, &m); ec != kb::ErrorCode::kNone) return ec;
    // Nested compression and mixed magics are not valid legacy data.
    if ((m.attributes & kLegacyCodecMask) != 0 || m.magic != wrapper.magic)
      return kb::ErrorCode::kCorruptMessage;
    emitter->add(m, log_append_time ? wrapper.timestamp : m.timestamp);
    ++count;
  }
  if (count == 0) return kb::ErrorCode::kCorruptMessage;
  emitter->flush();
  return kb::ErrorCode::kNone;
}

}  // namespace

bool is_legacy(std::span<const uint8_t> data) {
  return data.size() > kMagicOffset && (data[kMagicOffset] == 0 || data[kMagicOffset] == 1);
}

void append_legacy_message(std::vector<uint8_t>* out, int8_t magic, int64_t offset,
                           int8_t attributes, int64_t timestamp,
                           std::optional<std::span<const uint8_t>> key,
                           std::optional<std::span<const uint8_t>> value) {
  ByteWriter w(out);
  w.i64(offset);
  size_t size_at = w.size();
  w.i32(0);  // MessageSize, patched below
  size_t crc_at = w.size();
  w.u32(0);  // Crc, patched below
  w.i8(magic);
  w.i8(attributes);
  if (magic == 1) w.i64(timestamp);
  for (const auto& field : {key, value}) {
    if (!field) {
      w.i32(-1);
    } else {
      w.i32(int32_t(field->size()));
      w.raw(*field);
    }
  }
  size_t end = w.size();
  detail::store_be32(out->data() + size_at, uint32_t(end - crc_at));
  std::span<const uint8_t> covered(out->data() + crc_at + 4, end - crc_at - 4);
  detail::store_be32(out->data() + crc_at, crc32(covered));
}

kb::ErrorCode upconvert_to_v2(std::span<const uint8_t> message_set,
                              std::vector<uint8_t>* out_v2_batches) {
  std::vector<uint8_t> out;
  BatchEmitter emitter(&out);
  size_t pos = 0;
  while (pos < message_set.size()) {
    LegacyMessage m;
    if (kb::ErrorCode ec = next_message(message_set, &pos, &m); ec != kb::ErrorCode::kNone)
      return ec;
    if ((m.attributes & kLegacyCodecMask) != 0) {
      emitter.flush();  // end the current uncompressed run
      if (kb::ErrorCode ec = upconvert_wrapper(m, &emitter); ec != kb::ErrorCode::kNone) return ec;
      continue;
    }
    if (!emitter.open()) emitter.start(Compression::kNone);
    emitter.add(m, m.timestamp);
  }
  emitter.flush();
  out_v2_batches->insert(out_v2_batches->end(), out.begin(), out.end());
  return kb::ErrorCode::kNone;
}

std::vector<uint8_t> downconvert(std::span<const uint8_t> v2_batches, int8_t target_magic) {
  std::vector<uint8_t> out;
  std::vector<Record> records;
  for (std::span<const uint8_t> batch : split_batches(v2_batches)) {
    BatchHeader h;
    parse_batch_header(batch, &h);
    if (h.is_control()) continue;
    records.clear();
    std::string error;
    if (!read_records(batch, &records, &error)) continue;
    int8_t attributes = (target_magic == 1 && h.log_append_time()) ? kLegacyLogAppendTimeBit : 0;
    for (const Record& r : records) {
      std::optional<std::span<const uint8_t>> key, value;
      if (r.key) key = std::span<const uint8_t>(*r.key);
      if (r.value) value = std::span<const uint8_t>(*r.value);
      append_legacy_message(&out, target_magic, r.offset, attributes, r.timestamp, key, value);
    }
  }
  return out;
}

}  // namespace kb::records
