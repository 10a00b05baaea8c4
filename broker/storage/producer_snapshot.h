#pragma once
// Producer state snapshots: `<20-digit offset>.snapshot` in the partition directory, holding the
// state of every batch below that offset, so loading a log only scans the batches after the
// newest usable snapshot instead of the whole log.
//
// Layout: Kafka's version 1 (big-endian): Version int16, Crc uint32 (CRC-32C of everything after
// it), then an int32 count of entries ProducerId int64, Epoch int16, LastSequence int32,
// LastOffset int64, OffsetDelta int32, Timestamp int64, CoordinatorEpoch int32 (-1),
// CurrentTxnFirstOffset int64 (-1). Kafka writes one entry per producer (its last batch); we
// write one per retained batch, oldest first, so the five-batch window survives a restart. A
// reader keeping the last entry per producer (Kafka's) gets the newest batch, as if Kafka wrote it.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/storage/producer_state.h"

namespace kb::storage {

inline constexpr std::string_view kProducerSnapshotSuffix = ".snapshot";

std::vector<uint8_t> encode_producer_snapshot(const ProducerStateManager& state);
// False (and *out untouched) on a bad version, CRC or length.
bool decode_producer_snapshot(std::span<const uint8_t> data, ProducerStateManager* out);

}  // namespace kb::storage
