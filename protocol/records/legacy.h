#pragma once
// Legacy MessageSet formats (magic 0 and 1), used by old producers (Produce v0-2) and old
// consumers (Fetch v0-3). The log stores only v2 batches: legacy input is up-converted on the
// Produce path and v2 data is down-converted for old fetchers.
//
// MessageSet = { Offset i64, MessageSize i32, Message }*, ending when the bytes run out.
// Message = Crc u32 (CRC-32 IEEE over Magic..end) | Magic i8 | Attributes i8 |
//           [Timestamp i64, magic 1] | Key (i32 length, -1 = null) | Value (same).
// A compressed message is a wrapper whose Value is a compressed inner MessageSet.
// Thread-safety: pure functions.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/error_code.h"
#include "protocol/records/compression.h"

namespace kb::records {

// The magic byte sits at offset 16 in both formats (v2: after BaseOffset, BatchLength and
// PartitionLeaderEpoch; legacy: after Offset, MessageSize and Crc), so one byte tells them apart.
// True when `data` holds at least 17 bytes and that byte is 0 or 1.
bool is_legacy(std::span<const uint8_t> data);

// Converts a legacy Produce payload (magic 0/1 message sets) to v2 batches appended to *out.
// Every message's CRC-32 is checked (wrapper and inner messages), compressed wrappers are
// decompressed and their inner messages extracted (LZ4 frames written with Kafka's old broken
// header checksum, magic 0, are accepted).
// Batching: each compressed wrapper becomes one v2 batch compressed with the SAME codec (what the
// producer asked for, as Kafka does with compression.type=producer); each run of consecutive
// uncompressed messages becomes one uncompressed v2 batch. Base offsets count up from 0 across
// the output (the log reassigns them anyway); inner legacy offsets are ignored. Magic 0 messages
// get timestamp -1 (they have none); magic 1 keep theirs, and a LogAppendTime wrapper's
// timestamp is given to its inner messages. No producer id (legacy has no idempotence).
// Returns kNone, or kCorruptMessage for a bad CRC, a truncated or malformed message, magic other
// than 0/1, a wrapper without value or inner messages, nested compression, or an inner magic
// differing from its wrapper's; kUnsupportedCompressionType for codec ids above 3 (zstd did not
// exist in legacy formats). On error *out is left as it was. Run validate_batches() on the result
// to apply max.message.bytes.
kb::ErrorCode upconvert_to_v2(std::span<const uint8_t> message_set,
                              std::vector<uint8_t>* out_v2_batches);

// Converts v2 batches (as read from the log) to an uncompressed message set of `target_magic`
// (0 for Fetch v0-1, 1 for Fetch v2-3). Absolute offsets are kept; magic 1 keeps each record's
// timestamp and the batch's timestamp type; headers are dropped (legacy cannot carry them);
// control batches are dropped. A truncated trailing batch is ignored (fetch data may end
// mid-batch) and so is a batch that fails to decode. Does not refuse zstd: the Fetch handler must
// answer UNSUPPORTED_COMPRESSION_TYPE for zstd data to Fetch < v10 before calling this.
std::vector<uint8_t> downconvert(std::span<const uint8_t> v2_batches, int8_t target_magic);

// Appends one legacy message (Offset, MessageSize, Message) with a correct CRC. `timestamp` is
// written only for magic 1. Used by downconvert; handy for clients and tests.
void append_legacy_message(std::vector<uint8_t>* out, int8_t magic, int64_t offset,
                           int8_t attributes, int64_t timestamp,
                           std::optional<std::span<const uint8_t>> key,
                           std::optional<std::span<const uint8_t>> value);

}  // namespace kb::records
