#include "protocol/records/record_batch.h"

#include <algorithm>

#include "protocol/records/bytes.h"
#include "protocol/records/crc32c.h"

namespace kb::records {
namespace {

using detail::ByteReader;
using detail::ByteWriter;

bool fail(std::string* error, std::string msg) {
  if (error) *error = std::move(msg);
  return false;
}

// Reads a varint-length-prefixed byte field; -1 means null, anything below is malformed.
bool read_nullable(ByteReader& r, std::optional<std::vector<uint8_t>>* out) {
  int32_t len;
  if (!r.varint(&len) || len < -1) return false;
  if (len == -1) {
    out->reset();
    return true;
  }
  std::span<const uint8_t> b;
  if (!r.bytes(size_t(len), &b)) return false;
  out->emplace(b.begin(), b.end());
  return true;
}

bool decode_one(ByteReader& r, const BatchHeader& h, Record* rec, std::string* error) {
  int32_t length;
  if (!r.varint(&length) || length < 0) return fail(error, "record: bad length");
  std::span<const uint8_t> body;
  if (!r.bytes(size_t(length), &body)) return fail(error, "record: length beyond batch");
  ByteReader b(body);
  int8_t attributes;
  int64_t ts_delta;
  int32_t offset_delta;
  if (!b.i8(&attributes) || !b.varlong(&ts_delta) || !b.varint(&offset_delta))
    return fail(error, "record: truncated fields");
  if (!read_nullable(b, &rec->key) || !read_nullable(b, &rec->value))
    return fail(error, "record: bad key or value");
  int32_t header_count;
  if (!b.varint(&header_count) || header_count < 0) return fail(error, "record: bad header count");
  // Each header takes at least two bytes, so a count beyond that is a lie; don't reserve for it.
  if (size_t(header_count) > b.remaining() / 2) return fail(error, "record: bad header count");
  rec->headers.resize(size_t(header_count));
  for (Header& hd : rec->headers) {
    int32_t klen;
    std::span<const uint8_t> k;
    if (!b.varint(&klen) || klen < 0 || !b.bytes(size_t(klen), &k))
      return fail(error, "record: bad header key");
    hd.key.assign(k.begin(), k.end());
    if (!read_nullable(b, &hd.value)) return fail(error, "record: bad header value");
  }
  if (b.remaining() != 0) return fail(error, "record: bytes left over inside record");
  rec->offset = h.base_offset + offset_delta;
  rec->timestamp = h.log_append_time() ? h.max_timestamp : h.base_timestamp + ts_delta;
  return true;
}

// Decodes records from the (decompressed) record section of a batch described by `h`.
bool decode_records(const BatchHeader& h, std::span<const uint8_t> section,
                    std::vector<Record>* out, std::string* error) {
  if (h.records_count < 0) return fail(error, "batch: negative record count");
  ByteReader r(section);
  // A record is at least 7 bytes; bound the reservation by what the bytes could hold.
  out->reserve(out->size() + std::min<size_t>(size_t(h.records_count), section.size() / 7));
  for (int32_t i = 0; i < h.records_count; ++i) {
    Record rec;
    if (!decode_one(r, h, &rec, error)) return false;
    out->push_back(std::move(rec));
  }
  if (r.remaining() != 0) return fail(error, "batch: bytes left over after the last record");
  return true;
}

void write_nullable(ByteWriter& w, const std::optional<std::span<const uint8_t>>& b) {
  if (!b) {
    w.varint(-1);
    return;
  }
  w.varint(int32_t(b->size()));
  w.raw(*b);
}

}  // namespace

bool read_records(std::span<const uint8_t> batch, std::vector<Record>* out, std::string* error) {
  BatchHeader h;
  if (!parse_batch_header(batch, &h)) return fail(error, "batch: short or not magic 2");
  if (h.batch_length < int32_t(kBatchHeaderSize - kLogOverhead) || h.total_size() > batch.size())
    return fail(error, "batch: length out of range");
  std::span<const uint8_t> section =
      batch.subspan(kBatchHeaderSize, h.total_size() - kBatchHeaderSize);
  int codec = h.attributes & kCompressionMask;
  if (!is_known_compression(codec)) return fail(error, "batch: unknown compression codec");
  if (codec == 0) return decode_records(h, section, out, error);
  std::vector<uint8_t> plain;
  if (!decompress(h.compression(), section, &plain, error)) return false;
  return decode_records(h, plain, out, error);
}

std::vector<std::span<const uint8_t>> split_batches(std::span<const uint8_t> data,
                                                    size_t* trailing) {
  std::vector<std::span<const uint8_t>> batches;
  size_t pos = 0;
  BatchHeader h;
  while (parse_batch_header(data.subspan(pos), &h)) {
    if (h.batch_length < int32_t(kBatchHeaderSize - kLogOverhead) ||
        h.total_size() > data.size() - pos)
      break;
    batches.push_back(data.subspan(pos, h.total_size()));
    pos += h.total_size();
  }
  if (trailing) *trailing = data.size() - pos;
  return batches;
}

void RecordBatchBuilder::add(std::optional<std::span<const uint8_t>> key,
                             std::optional<std::span<const uint8_t>> value,
                             const std::vector<Header>& headers, int64_t timestamp) {
  add_with_delta(last_delta_ + 1, key, value, headers, timestamp);
}

void RecordBatchBuilder::add_with_delta(int32_t offset_delta,
                                        std::optional<std::span<const uint8_t>> key,
                                        std::optional<std::span<const uint8_t>> value,
                                        const std::vector<Header>& headers, int64_t timestamp) {
  if (count_ == 0) base_timestamp_ = timestamp;
  max_timestamp_ = count_ == 0 ? timestamp : std::max(max_timestamp_, timestamp);
  std::vector<uint8_t> body;
  ByteWriter w(&body);
  w.i8(0);  // record attributes: unused
  w.varlong(timestamp - base_timestamp_);
  w.varint(offset_delta);
  write_nullable(w, key);
  write_nullable(w, value);
  w.varint(int32_t(headers.size()));
  for (const Header& h : headers) {
    w.varint(int32_t(h.key.size()));
    w.raw({reinterpret_cast<const uint8_t*>(h.key.data()), h.key.size()});
    if (h.value)
      write_nullable(w, std::span<const uint8_t>(*h.value));
    else
      write_nullable(w, std::nullopt);
  }
  ByteWriter out(&records_);
  out.varint(int32_t(body.size()));
  out.raw(body);
  last_delta_ = offset_delta;
  ++count_;
}

std::vector<uint8_t> RecordBatchBuilder::build() const {
  std::vector<uint8_t> section = compression_ == Compression::kNone
                                     ? std::vector<uint8_t>()
                                     : compress(compression_, records_);
  const std::vector<uint8_t>& payload = compression_ == Compression::kNone ? records_ : section;

  int16_t attributes = int16_t(compression_);
  if (log_append_time_) attributes |= kTimestampTypeBit;
  if (transactional_) attributes |= kTransactionalBit;
  if (control_) attributes |= kControlBit;

  std::vector<uint8_t> out;
  out.reserve(kBatchHeaderSize + payload.size());
  ByteWriter w(&out);
  w.i64(base_offset_);
  w.i32(int32_t(kBatchHeaderSize - kLogOverhead + payload.size()));
  w.i32(leader_epoch_);
  w.i8(2);
  w.u32(0);  // CRC, filled in below once the covered bytes exist
  w.i16(attributes);
  w.i32(last_delta_override_ ? std::max(*last_delta_override_, last_delta_) : last_delta_);
  w.i64(base_timestamp_);
  w.i64(log_append_time_ ? *log_append_time_ : max_timestamp_);
  w.i64(producer_id_);
  w.i16(producer_epoch_);
  w.i32(base_sequence_);
  w.i32(count_);
  w.raw(payload);
  detail::store_be32(out.data() + kCrcOffset, compute_batch_crc(out));
  return out;
}

ValidationResult validate_batches(std::span<const uint8_t> data, int32_t max_message_bytes,
                                  bool deep, bool require_keys) {
  ValidationResult res;
  auto reject = [&res](kb::ErrorCode code, std::string msg) {
    res.error = code;
    res.message = std::move(msg);
    return res;
  };
  size_t pos = 0;
  while (pos < data.size()) {
    std::span<const uint8_t> rest = data.subspan(pos);
    std::string where = "batch " + std::to_string(res.batch_count) + ": ";
    if (rest.size() < kBatchHeaderSize)
      return reject(kb::ErrorCode::kCorruptMessage,
                    where + std::to_string(rest.size()) + " trailing bytes, less than a header");
    BatchHeader h;
    if (!parse_batch_header(rest, &h))
      return reject(
          kb::ErrorCode::kCorruptMessage,
          where + "magic " + std::to_string(int(int8_t(rest[kMagicOffset]))) + ", expected 2");
    if (h.batch_length < int32_t(kBatchHeaderSize - kLogOverhead))
      return reject(kb::ErrorCode::kCorruptMessage,
                    where + "batch length " + std::to_string(h.batch_length) + " below minimum");
    // Size limit before the truncation check: an oversize batch is MESSAGE_TOO_LARGE whether or
    // not the client sent all of it, which is also the more useful answer.
    if (max_message_bytes >= 0 && h.total_size() > size_t(max_message_bytes))
      return reject(kb::ErrorCode::kMessageTooLarge,
                    where + "size " + std::to_string(h.total_size()) + " exceeds " +
                        std::to_string(max_message_bytes));
    if (h.total_size() > rest.size())
      return reject(kb::ErrorCode::kCorruptMessage,
                    where + "truncated: length " + std::to_string(h.total_size()) + ", only " +
                        std::to_string(rest.size()) + " bytes present");
    std::span<const uint8_t> batch = rest.first(h.total_size());
    if (!batch_crc_ok(batch)) return reject(kb::ErrorCode::kCorruptMessage, where + "CRC mismatch");
    if (!is_known_compression(h.attributes & kCompressionMask))
      return reject(kb::ErrorCode::kCorruptMessage, where + "unknown compression codec");
    if (h.records_count <= 0 || h.last_offset_delta < 0 ||
        int64_t(h.last_offset_delta) + 1 != h.records_count)
      return reject(kb::ErrorCode::kCorruptMessage, where + "record count " +
                                                        std::to_string(h.records_count) +
                                                        " inconsistent with last offset delta " +
                                                        std::to_string(h.last_offset_delta));
    if (h.producer_id >= 0 && h.base_sequence < 0)
      return reject(kb::ErrorCode::kCorruptMessage, where + "producer id set without a sequence");
    if (h.is_control())
      return reject(kb::ErrorCode::kCorruptMessage,
                    where + "clients may not write control batches");
    if (deep || require_keys) {
      std::vector<Record> records;
      std::string err;
      if (!read_records(batch, &records, &err))
        return reject(kb::ErrorCode::kCorruptMessage, where + err);
      for (const Record& r : records) {
        if (require_keys && !r.key)
          return reject(kb::ErrorCode::kCorruptMessage,
                        where + "compacted topic cannot accept message without key");
      }
    }
    if (res.batch_count == 0) {
      res.producer_id = h.producer_id;
      res.producer_epoch = h.producer_epoch;
      res.base_sequence = h.base_sequence;
      res.last_offset_delta = h.last_offset_delta;
    }
    ++res.batch_count;
    res.record_count += h.records_count;
    res.max_timestamp = std::max(res.max_timestamp, h.max_timestamp);
    res.has_idempotent |= h.producer_id >= 0;
    res.has_transactional |= h.is_transactional();
    res.uses_zstd |= h.compression() == Compression::kZstd;
    pos += batch.size();
  }
  // An empty payload is not an error: Kafka appends nothing and answers success.
  return res;
}

}  // namespace kb::records
