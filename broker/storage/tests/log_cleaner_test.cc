// Log compaction: the cleaner pass (cleaner_pass.h), the cleaner's selection and checkpoint
// (log_cleaner.h), the swap and its crash recovery (log_compaction.cc).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "broker/storage/file_util.h"
#include "broker/storage/log_cleaner.h"
#include "broker/storage/log_manager.h"
#include "broker/storage/offset_map.h"
#include "broker/storage/tests/test_util.h"

namespace kb::storage {
namespace {

namespace fs = std::filesystem;
using testing::FakeClock;
using testing::log_options;
using testing::read_slices;
using testing::TempDir;

using KV = std::pair<std::string, std::optional<std::string>>;  // nullopt value: a tombstone

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<uint8_t> keyed_batch(const std::vector<KV>& kvs, int64_t ts = 1000,
                                 records::Compression codec = records::Compression::kNone) {
  records::RecordBatchBuilder b;
  b.set_compression(codec);
  for (const auto& [k, v] : kvs) {
    std::optional<std::span<const uint8_t>> value;
    if (v) value = bytes_of(*v);
    std::optional<std::span<const uint8_t>> key;
    if (!k.empty()) key = bytes_of(k);
    b.add(key, value, {}, ts);
  }
  return b.build();
}

// "offset:key=value" ("null" for a tombstone) for every record from the log start.
std::vector<std::string> contents(const Log& log) {
  auto r = log.read(log.log_start_offset(), 1 << 30, log.log_end_offset(), true);
  EXPECT_EQ(r.error, ErrorCode::kNone);
  auto bytes = read_slices(r.slices);
  std::vector<std::string> out;
  for (auto span : records::split_batches(bytes)) {
    EXPECT_TRUE(records::batch_crc_ok(span));
    std::vector<records::Record> recs;
    std::string err;
    EXPECT_TRUE(records::read_records(span, &recs, &err)) << err;
    for (const auto& rec : recs) {
      std::string key = rec.key ? std::string(rec.key->begin(), rec.key->end()) : "";
      std::string value = rec.value ? std::string(rec.value->begin(), rec.value->end()) : "null";
      out.push_back(std::to_string(rec.offset) + ":" + key + "=" + value);
    }
  }
  return out;
}

std::vector<records::BatchHeader> headers(const Log& log) {
  auto r = log.read(log.log_start_offset(), 1 << 30, log.log_end_offset(), true);
  auto bytes = read_slices(r.slices);
  std::vector<records::BatchHeader> out;
  for (auto span : records::split_batches(bytes)) {
    records::BatchHeader h{};
    records::parse_batch_header(span, &h);
    out.push_back(h);
  }
  return out;
}

class LogCleanerTest : public ::testing::Test {
 protected:
  // One single-record batch per segment: segment.bytes holds one batch but never two.
  LogConfig compact_config() {
    LogConfig c;
    c.cleanup_policy = "compact";
    c.segment_bytes = static_cast<int64_t>(keyed_batch({{"k0", "v00"}}).size()) * 3 / 2;
    c.min_cleanable_dirty_ratio = 0.0;
    c.retention_ms = -1;
    c.file_delete_delay_ms = 0;
    return c;
  }

  std::shared_ptr<Log> open_log(LogConfig config, const std::string& name = "t-0") {
    auto o = log_options(dir_.sub(name), std::move(config));
    o.topic_partition = *parse_partition_dir_name(name);
    o.clock = clock_.fn();
    return Log::open(std::move(o));
  }

  void put(Log& log, const std::vector<KV>& kvs,
           records::Compression codec = records::Compression::kNone) {
    auto bytes = keyed_batch(kvs, clock_.now, codec);
    ASSERT_EQ(log.append_as_leader(bytes, LeaderEpoch(0), clock_.now).error, ErrorCode::kNone);
    log.set_high_watermark(log.log_end_offset());
  }

  std::unique_ptr<LogCleaner> cleaner_for(std::shared_ptr<Log> log,
                                          int64_t dedupe_bytes = 1 << 20) {
    LogCleanerOptions o;
    o.log_dirs = {dir_.path()};
    o.dedupe_buffer_size = dedupe_bytes;
    o.clock = clock_.fn();
    return std::make_unique<LogCleaner>(o, [log] { return std::vector<CleanerLog>{{log, 0}}; });
  }

  void set_mtimes(Log& log, int64_t ms, std::optional<int64_t> except_base = {},
                  int64_t except_ms = 0) {
    for (const auto& s : log.cleaner_view().segments) {
      bool special = except_base && s->base_offset().value() == *except_base;
      s->set_last_modified_ms(special ? except_ms : ms);
    }
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(LogCleanerTest, KeepsTheLatestValuePerKeyAtItsOriginalOffset) {
  auto log = open_log(compact_config());
  put(*log, {{"k0", "v00"}});
  put(*log, {{"k1", "v01"}});
  put(*log, {{"k0", "v02"}});
  put(*log, {{"", "v03"}});  // keyless: dropped
  put(*log, {{"k2", "v04"}});
  put(*log, {{"k1", "v05"}});
  put(*log, {{"k0", "v06"}});
  put(*log, {{"k0", "v07"}});  // the active segment: never cleaned
  ASSERT_EQ(log->segment_count(), 8u);
  auto before = log->read(Offset(0), 1 << 30, log->log_end_offset(), true);  // a reader in flight
  auto cleaner = cleaner_for(log);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log),
            (std::vector<std::string>{"4:k2=v04", "5:k1=v05", "6:k0=v06", "7:k0=v07"}));
  EXPECT_EQ(log->log_start_offset(), Offset(0));
  EXPECT_EQ(log->log_end_offset(), Offset(8));
  EXPECT_EQ(cleaner->checkpoint({"t", 0}), 7);
  // The reader's slices still read the old bytes.
  EXPECT_EQ(testing::batch_offsets(read_slices(before.slices)),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // Fetching from a removed offset starts at the next kept one.
  auto from1 = log->read(Offset(1), 1 << 30, log->log_end_offset(), false);
  EXPECT_EQ(testing::batch_offsets(read_slices(from1.slices)).front(), 4);
  // Nothing dirty any more.
  EXPECT_FALSE(cleaner->clean_filthiest(clock_.now));
  // Old files go to .deleted; none of the cleaner's temporaries stay.
  for (const auto& e : fs::directory_iterator(dir_.sub("t-0"))) {
    std::string name = e.path().filename().string();
    EXPECT_EQ(name.find(".cleaned"), std::string::npos) << name;
    EXPECT_EQ(name.find(".swap"), std::string::npos) << name;
  }
  // The result survives a reopen.
  log->close();
  log.reset();
  auto reopened = open_log(compact_config());
  EXPECT_EQ(contents(*reopened),
            (std::vector<std::string>{"4:k2=v04", "5:k1=v05", "6:k0=v06", "7:k0=v07"}));
}

TEST_F(LogCleanerTest, ReadersRunningDuringCleaningSeeWholeIncreasingBatches) {
  auto log = open_log(compact_config());
  auto cleaner = cleaner_for(log);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto r = log->read(log->log_start_offset(), 1 << 30, log->log_end_offset(), true);
      if (r.error != ErrorCode::kNone) continue;
      auto bytes = read_slices(r.slices);
      int64_t last = -1;
      for (auto span : records::split_batches(bytes)) {
        records::BatchHeader h{};
        if (!records::parse_batch_header(span, &h) || !records::batch_crc_ok(span) ||
            h.base_offset <= last) {
          ++bad;
        }
        last = h.last_offset();
      }
      ++reads;
    }
  });
  for (int round = 0; round < 20; ++round) {
    for (int k = 0; k < 3; ++k)
      put(*log, {{"k" + std::to_string(k), "v" + std::to_string(round % 10) + std::to_string(k)}});
    cleaner->clean_filthiest(clock_.now);
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad.load(), 0);
  // k2's value at 56 stays: its newer one is in the active segment, which is never mapped.
  EXPECT_EQ(contents(*log),
            (std::vector<std::string>{"56:k2=v82", "57:k0=v90", "58:k1=v91", "59:k2=v92"}));
}

TEST_F(LogCleanerTest, NeverCleansTheActiveSegmentOrPastTheHighWatermark) {
  LogConfig c = compact_config();
  c.segment_bytes = 1 << 20;  // everything stays in the active segment
  auto log = open_log(c);
  for (int i = 0; i < 5; ++i) put(*log, {{"k", "v0" + std::to_string(i)}});
  auto cleaner = cleaner_for(log);
  EXPECT_FALSE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log).size(), 5u);

  auto log2 = open_log(compact_config(), "t-1");
  for (int i = 0; i < 5; ++i) put(*log2, {{"k", "v0" + std::to_string(i)}});
  log2->set_high_watermark(Offset(0));  // nothing replicated yet
  auto cleaner2 = cleaner_for(log2);
  EXPECT_FALSE(cleaner2->clean_filthiest(clock_.now));
  log2->set_high_watermark(Offset(5));
  EXPECT_TRUE(cleaner2->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log2), (std::vector<std::string>{"3:k=v03", "4:k=v04"}));
}

TEST_F(LogCleanerTest, TombstonesStayUntilDeleteRetentionHasPassed) {
  LogConfig c = compact_config();
  c.delete_retention_ms = 100000;
  auto log = open_log(c);
  put(*log, {{"k0", "v00"}});
  put(*log, {{"k1", "v01"}});
  put(*log, {{"k0", std::nullopt}});  // offset 2: tombstone for k0
  put(*log, {{"k2", "v03"}});
  auto cleaner = cleaner_for(log);
  const int64_t t0 = 1'700'000'000'000;
  // Pass 1: no clean section yet, so the horizon is 0 and every tombstone stays.
  set_mtimes(*log, t0 + 1000, 2, t0);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log), (std::vector<std::string>{"1:k1=v01", "2:k0=null", "3:k2=v03"}));
  // Pass 2: the clean section ends with the tombstone's own segment: horizon t0 - retention.
  put(*log, {{"k3", "v04"}});
  set_mtimes(*log, t0 + c.delete_retention_ms + 1000, 2, t0);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log),
            (std::vector<std::string>{"1:k1=v01", "2:k0=null", "3:k2=v03", "4:k3=v04"}));
  // Pass 3 with a retention longer than the age gap: still kept.
  put(*log, {{"k4", "v05"}});
  LogConfig longer = c;
  longer.delete_retention_ms = c.delete_retention_ms + 5000;
  log->update_config(longer);
  set_mtimes(*log, t0 + c.delete_retention_ms + 1000, 2, t0);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log).size(), 5u);
  // Pass 4: the clean section's last segment is delete.retention.ms newer than the tombstone's.
  log->update_config(c);
  put(*log, {{"k5", "v06"}});
  set_mtimes(*log, t0 + c.delete_retention_ms + 1000, 2, t0);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log),
            (std::vector<std::string>{"1:k1=v01", "3:k2=v03", "4:k3=v04", "5:k4=v05", "6:k5=v06"}));
}

class CompressedCleanerTest : public LogCleanerTest,
                              public ::testing::WithParamInterface<records::Compression> {};

TEST_P(CompressedCleanerTest, FiltersInsideCompressedBatchesKeepingOffsetsAndCodec) {
  LogConfig c = compact_config();
  c.segment_bytes = 1 << 20;
  auto log = open_log(c);
  put(*log, {{"k0", "a"}, {"k1", "b"}, {"k2", "c"}, {"k0", "d"}, {"k1", "e"}, {"k3", "f"}},
      GetParam());
  put(*log, {{"k1", "g"}}, GetParam());
  put(*log, {{"k3", "h"}, {"k9", "i"}}, GetParam());  // all superseded below: an empty batch goes
  put(*log, {{"k3", "j"}, {"k9", "k"}}, GetParam());
  log->update_config([&] {
    LogConfig small = c;
    // Roll at the next append so the batches above become cleanable.
    small.segment_bytes =
        static_cast<int64_t>(keyed_batch({{"zz", "z"}}, clock_.now, GetParam()).size());
    return small;
  }());
  put(*log, {{"zz", "z"}}, GetParam());
  log->update_config(c);
  auto cleaner = cleaner_for(log);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log), (std::vector<std::string>{"2:k2=c", "3:k0=d", "6:k1=g", "9:k3=j",
                                                      "10:k9=k", "11:zz=z"}));
  auto hs = headers(*log);
  ASSERT_EQ(hs.size(), 4u);
  EXPECT_EQ(hs[0].base_offset, 0);  // the base and the last offset of the batch stay
  EXPECT_EQ(hs[0].last_offset_delta, 5);
  EXPECT_EQ(hs[0].records_count, 2);
  EXPECT_EQ(hs[0].compression(), GetParam());
  EXPECT_EQ(hs[1].base_offset, 6);
  EXPECT_EQ(hs[2].base_offset, 9);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressedCleanerTest,
                         ::testing::Values(records::Compression::kNone, records::Compression::kGzip,
                                           records::Compression::kSnappy,
                                           records::Compression::kLz4,
                                           records::Compression::kZstd));

TEST_F(LogCleanerTest, KeepsAnEmptyBatchForAProducersLastSequence) {
  auto log = open_log(compact_config());
  records::RecordBatchBuilder b;
  b.set_producer(7, 0, 0);
  b.add(bytes_of("k0"), bytes_of("v00"), {}, clock_.now);
  auto idem = b.build();
  ASSERT_EQ(log->append_as_leader(idem, LeaderEpoch(0), clock_.now).error, ErrorCode::kNone);
  put(*log, {{"k0", "v01"}});
  put(*log, {{"k0", "v02"}});
  put(*log, {{"k1", "v03"}});
  auto cleaner = cleaner_for(log);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  auto hs = headers(*log);
  ASSERT_EQ(hs.size(), 3u);  // the idempotent batch survives, emptied; offset 1 goes
  EXPECT_EQ(hs[0].base_offset, 0);
  EXPECT_EQ(hs[0].records_count, 0);
  EXPECT_EQ(hs[0].producer_id, 7);
  EXPECT_EQ(hs[0].base_sequence, 0);
  EXPECT_EQ(contents(*log), (std::vector<std::string>{"2:k0=v02", "3:k1=v03"}));
  // The producer's next sequence is still accepted after a reopen.
  log->close();
  log.reset();
  log = open_log(compact_config());
  records::RecordBatchBuilder next;
  next.set_producer(7, 0, 1);
  next.add(bytes_of("k0"), bytes_of("v03"), {}, clock_.now);
  auto bytes = next.build();
  EXPECT_EQ(log->append_as_leader(bytes, LeaderEpoch(0), clock_.now).error, ErrorCode::kNone);
}

TEST_F(LogCleanerTest, RespectsMinCleanableDirtyRatio) {
  LogConfig c = compact_config();
  c.min_cleanable_dirty_ratio = 0.5;
  auto log = open_log(c);
  for (int i = 0; i < 6; ++i) put(*log, {{"k" + std::to_string(i), "v0" + std::to_string(i)}});
  auto cleaner = cleaner_for(log);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));  // all dirty: ratio 1
  put(*log, {{"k0", "v10"}});  // two dirty segments out of seven: ratio ~0.29
  put(*log, {{"k9", "v11"}});
  EXPECT_FALSE(cleaner->clean_filthiest(clock_.now));
  c.min_cleanable_dirty_ratio = 0.1;
  log->update_config(c);
  EXPECT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log).front(), "1:k1=v01");
}

TEST_F(LogCleanerTest, MinCompactionLagHoldsAndMaxCompactionLagForces) {
  LogConfig c = compact_config();
  c.min_compaction_lag_ms = 10000;
  auto log = open_log(c);
  for (int i = 0; i < 4; ++i) put(*log, {{"k", "v0" + std::to_string(i)}});
  auto cleaner = cleaner_for(log);
  EXPECT_FALSE(cleaner->clean_filthiest(clock_.now));  // every record is younger than the lag
  clock_.now += 20000;
  EXPECT_TRUE(cleaner->clean_filthiest(clock_.now));
  EXPECT_EQ(contents(*log), (std::vector<std::string>{"2:k=v02", "3:k=v03"}));

  LogConfig strict = compact_config();
  strict.min_cleanable_dirty_ratio = 1.0;  // a ratio is never above 1: only the max lag can force
  auto log2 = open_log(strict, "t-1");
  for (int i = 0; i < 4; ++i) put(*log2, {{"k", "v0" + std::to_string(i)}});
  auto cleaner2 = cleaner_for(log2);
  EXPECT_FALSE(cleaner2->clean_filthiest(clock_.now));
  strict.max_compaction_lag_ms = 5000;
  log2->update_config(strict);
  EXPECT_FALSE(cleaner2->clean_filthiest(clock_.now + 1000));
  EXPECT_TRUE(cleaner2->clean_filthiest(clock_.now + 6000));
}

TEST_F(LogCleanerTest, AFullOffsetMapCleansInSeveralPasses) {
  auto log = open_log(compact_config());
  for (int round = 0; round < 2; ++round) {
    for (int k = 0; k < 6; ++k)
      put(*log, {{"k" + std::to_string(k), "v" + std::to_string(round) + std::to_string(k)}});
  }
  put(*log, {{"zz", "zzz"}});
  // Room for 3 keys: each pass maps only part of the dirty section.
  auto cleaner = cleaner_for(log, OffsetMap::kEntryBytes * 4);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  int64_t first = cleaner->checkpoint({"t", 0}).value();
  EXPECT_LT(first, 12);
  int passes = 1;
  while (cleaner->clean_filthiest(clock_.now) && passes < 20) ++passes;
  EXPECT_GT(passes, 1);
  EXPECT_EQ(cleaner->checkpoint({"t", 0}), 12);
  EXPECT_EQ(contents(*log),
            (std::vector<std::string>{"6:k0=v10", "7:k1=v11", "8:k2=v12", "9:k3=v13", "10:k4=v14",
                                      "11:k5=v15", "12:zz=zzz"}));
}

TEST_F(LogCleanerTest, CompactAndDeleteAlsoAppliesRetentionButCompactAloneDoesNot) {
  for (const char* policy : {"compact", "compact,delete"}) {
    LogConfig c = compact_config();
    c.cleanup_policy = policy;
    c.retention_ms = 1000;
    auto log = open_log(c, std::string(policy) == "compact" ? "t-1" : "t-2");
    for (int i = 0; i < 4; ++i) put(*log, {{"k" + std::to_string(i), "v0" + std::to_string(i)}});
    size_t deleted = log->delete_old_segments(clock_.now + 5000);
    if (std::string(policy) == "compact") {
      EXPECT_EQ(deleted, 0u);
    } else {
      EXPECT_EQ(deleted, 4u);  // every segment expired (the log rolls a new one first)
    }
  }
}

TEST_F(LogCleanerTest, ATruncationBelowTheCheckpointMakesTheNewDataDirty) {
  auto log = open_log(compact_config());
  for (int i = 0; i < 4; ++i) put(*log, {{"k" + std::to_string(i), "v0" + std::to_string(i)}});
  auto cleaner = cleaner_for(log);
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  ASSERT_EQ(cleaner->checkpoint({"t", 0}), 3);
  log->truncate_to(Offset(2));  // a follower's truncation: offsets 2 and 3 get new records
  put(*log, {{"k0", std::nullopt}});
  put(*log, {{"k1", "v05"}});
  put(*log, {{"k9", "v06"}});
  ASSERT_TRUE(cleaner->clean_filthiest(clock_.now));
  // With the checkpoint left at 3, k0's tombstone at 2 would count as clean and never delete the
  // value at 0.
  EXPECT_EQ(contents(*log), (std::vector<std::string>{"2:k0=null", "3:k1=v05", "4:k9=v06"}));
  EXPECT_EQ(cleaner->checkpoint({"t", 0}), 4);
}

TEST_F(LogCleanerTest, CheckpointIsWrittenAndReadBack) {
  auto log = open_log(compact_config());
  for (int i = 0; i < 4; ++i) put(*log, {{"k", "v0" + std::to_string(i)}});
  ASSERT_TRUE(cleaner_for(log)->clean_filthiest(clock_.now));
  auto text = read_whole_file(dir_.sub(std::string(kCleanerOffsetCheckpoint)));
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "0\n1\nt 0 3\n");
  auto again = cleaner_for(log);
  EXPECT_EQ(again->checkpoint({"t", 0}), 3);
  EXPECT_FALSE(again->clean_filthiest(clock_.now));  // starts from the checkpoint: nothing dirty
}

TEST_F(LogCleanerTest, LogManagerRunsTheCleanerAndKeepsTheCheckpointAcrossRestarts) {
  LogManagerOptions o;
  o.log_dirs = {dir_.path()};
  o.clock = clock_.fn();
  o.cleaner.backoff_ms = 10;
  {
    LogManager manager(o);
    manager.load();
    auto log = manager.get_or_create_log({"t", 0}, compact_config());
    for (int i = 0; i < 4; ++i) put(*log, {{"k", "v0" + std::to_string(i)}});
    manager.start();  // the cleaner thread picks the log up
    for (int i = 0; i < 500 && !manager.cleaner()->checkpoint({"t", 0}); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(manager.cleaner()->checkpoint({"t", 0}), 3);
    manager.shutdown();
  }
  LogManager manager(o);
  manager.load();
  EXPECT_EQ(manager.cleaner()->checkpoint({"t", 0}), 3);
  EXPECT_FALSE(manager.get_log({"t", 0})->config().compacts());  // loaded with the defaults
  auto log =
      manager.get_or_create_log({"t", 0}, compact_config());  // hosting it applies the topic's
  EXPECT_TRUE(log->config().compacts());
  EXPECT_EQ(contents(*log), (std::vector<std::string>{"2:k=v02", "3:k=v03"}));
}

// ---- Crash recovery ----

class CleanerRecoveryTest : public LogCleanerTest {
 protected:
  // Segments 0..5 (one batch each) with updates to two keys, the active segment at 6; closed.
  void write_dirty_log(const std::string& name) {
    auto log = open_log(compact_config(), name);
    for (int i = 0; i < 7; ++i)
      put(*log, {{"k" + std::to_string(i % 2), "v0" + std::to_string(i)}});
    log->close();
  }
  // What cleaning everything below the active segment into one segment yields, computed on a
  // copy: the `.log` that a crash could leave behind as `.swap`.
  std::string cleaned_copy_of(const std::string& name) {
    fs::copy(dir_.sub(name), dir_.sub("copy-0"), fs::copy_options::recursive);
    LogConfig big = compact_config();
    big.segment_bytes = 1 << 20;  // one group: a single cleaned segment at base 0
    auto copy = open_log(big, "copy-0");
    copy->set_high_watermark(copy->log_end_offset());
    EXPECT_TRUE(cleaner_for(copy)->clean_filthiest(clock_.now));
    EXPECT_EQ(contents(*copy), kExpected);
    copy->close();
    return dir_.sub("copy-0/00000000000000000000.log");
  }
  const std::vector<std::string> kExpected{"4:k0=v04", "5:k1=v05", "6:k0=v06"};
  const std::vector<std::string> kOriginal{"0:k0=v00", "1:k1=v01", "2:k0=v02", "3:k1=v03",
                                           "4:k0=v04", "5:k1=v05", "6:k0=v06"};
};

TEST_F(CleanerRecoveryTest, LeftoverCleanedFilesAreDeleted) {
  write_dirty_log("t-0");
  std::string cleaned = cleaned_copy_of("t-0");
  std::string base = dir_.sub("t-0/00000000000000000000");
  fs::copy_file(cleaned, base + ".log.cleaned");
  std::ofstream(base + ".index.cleaned") << "garbage";
  auto log = open_log(compact_config());
  EXPECT_FALSE(fs::exists(base + ".log.cleaned"));
  EXPECT_FALSE(fs::exists(base + ".index.cleaned"));
  EXPECT_EQ(contents(*log), kOriginal);
}

TEST_F(CleanerRecoveryTest, ASwapLeftBeforeTheOldSegmentsWentIsCompleted) {
  write_dirty_log("t-0");
  std::string cleaned = cleaned_copy_of("t-0");
  std::string base = dir_.sub("t-0/00000000000000000000");
  fs::copy_file(cleaned, base + ".log.swap");
  std::ofstream(base + ".index.swap") << "stale";
  auto log = open_log(compact_config());
  EXPECT_EQ(contents(*log), kExpected);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(0), Offset(6)}));
  EXPECT_FALSE(fs::exists(base + ".log.swap"));
  EXPECT_FALSE(fs::exists(base + ".index.swap"));
  put(*log, {{"k1", "v07"}});
  EXPECT_EQ(contents(*log).back(), "7:k1=v07");
}

TEST_F(CleanerRecoveryTest, ASwapLeftAfterSomeOldSegmentsWentIsCompleted) {
  write_dirty_log("t-0");
  std::string cleaned = cleaned_copy_of("t-0");
  std::string dir = dir_.sub("t-0/");
  fs::copy_file(cleaned, dir + "00000000000000000000.log.swap");
  // The crash hit while the old segments were being renamed to .deleted.
  for (const char* f : {"00000000000000000000.log", "00000000000000000000.index",
                        "00000000000000000001.log", "00000000000000000001.timeindex"}) {
    fs::rename(dir + f, dir + f + ".deleted");
  }
  auto log = open_log(compact_config());
  EXPECT_EQ(contents(*log), kExpected);
  EXPECT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(0), Offset(6)}));
  for (const auto& e : fs::directory_iterator(dir_.sub("t-0"))) {
    EXPECT_EQ(e.path().string().find(".deleted"), std::string::npos) << e.path();
  }
}

TEST(OffsetMapTest, LatestOffsetWinsAndCapacityIsBounded) {
  OffsetMap map(OffsetMap::kEntryBytes * 8, 0.5);  // 8 slots, 4 keys
  map.reset(100);
  EXPECT_EQ(map.max_keys(), 4u);
  EXPECT_TRUE(map.put(bytes_of("a"), 1));
  EXPECT_TRUE(map.put(bytes_of("a"), 5));
  EXPECT_EQ(map.get(bytes_of("a")), 5);
  EXPECT_EQ(map.get(bytes_of("b")), -1);
  EXPECT_TRUE(map.put(bytes_of("b"), 2));
  EXPECT_TRUE(map.put(bytes_of("c"), 3));
  EXPECT_TRUE(map.put(bytes_of("d"), 4));
  EXPECT_FALSE(map.put(bytes_of("e"), 6));  // full for new keys
  EXPECT_TRUE(map.put(bytes_of("d"), 7));   // known keys still update
  EXPECT_EQ(map.size(), 4u);
}

}  // namespace
}  // namespace kb::storage
