#include "clients/tools/dump_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "protocol/records/bytes.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch.h"

namespace kb::tools {
namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

// Two batches at offsets 0-1 and 2 (the second idempotent, with a header), as a segment file.
std::vector<uint8_t> two_batch_segment(size_t* second_position) {
  records::RecordBatchBuilder a;
  auto k1 = bytes("k1"), v1 = bytes("v1"), v2 = bytes("v2");
  a.add(std::span<const uint8_t>(k1), std::span<const uint8_t>(v1), {}, 1000);
  a.add(std::nullopt, std::span<const uint8_t>(v2), {}, 1005);
  a.set_partition_leader_epoch(3);
  records::RecordBatchBuilder b;
  b.set_base_offset(2).set_producer(7, 1, 10).set_partition_leader_epoch(3);
  auto k3 = bytes("k3");
  b.add(std::span<const uint8_t>(k3), std::nullopt, {{"h1", bytes("x")}, {"h2", std::nullopt}},
        2000);
  auto seg = a.build();
  *second_position = seg.size();
  auto second = b.build();
  seg.insert(seg.end(), second.begin(), second.end());
  return seg;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}

TEST(DumpLog, BaseOffsetFromFileName) {
  EXPECT_EQ(42, segment_base_offset("/d/t-0/00000000000000000042.log"));
  EXPECT_EQ(0, segment_base_offset("00000000000000000000.timeindex"));
  EXPECT_THROW(segment_base_offset("/d/t-0/abc.log"), std::invalid_argument);
  EXPECT_THROW(segment_base_offset("/d/t-0/123"), std::invalid_argument);
}

TEST(DumpLog, ShallowBatchLinesLikeKafka) {
  size_t second = 0;
  auto seg = two_batch_segment(&second);
  std::ostringstream out;
  DumpProblems problems;
  dump_log_segment("00000000000000000000.log", 0, seg, {}, out, &problems);
  auto l = lines(out.str());
  ASSERT_EQ(3u, l.size()) << out.str();
  EXPECT_EQ("Starting offset: 0", l[0]);
  uint32_t crc_a = records::detail::load_be32(seg.data() + records::kCrcOffset);
  EXPECT_EQ(
      "baseOffset: 0 lastOffset: 1 count: 2 baseSequence: -1 lastSequence: -1 "
      "producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 3 isTransactional: false "
      "isControl: false position: 0 CreateTime: 1005 size: " +
          std::to_string(second) + " magic: 2 compresscodec: NONE crc: " + std::to_string(crc_a) +
          " isvalid: true",
      l[1]);
  EXPECT_NE(std::string::npos,
            l[2].find("baseOffset: 2 lastOffset: 2 count: 1 baseSequence: 10 lastSequence: 10 "
                      "producerId: 7 producerEpoch: 1 partitionLeaderEpoch: 3"));
  EXPECT_NE(std::string::npos, l[2].find(" position: " + std::to_string(second) + " "));
  EXPECT_TRUE(problems.empty());
}

TEST(DumpLog, PrintDataLogRecordsAndTombstone) {
  size_t second = 0;
  auto seg = two_batch_segment(&second);
  std::ostringstream out;
  DumpProblems problems;
  DumpLogOptions opts;
  opts.print_data = true;
  dump_log_segment("x.log", 0, seg, opts, out, &problems);
  auto l = lines(out.str());
  ASSERT_EQ(6u, l.size()) << out.str();
  EXPECT_EQ(
      "| offset: 0 CreateTime: 1000 keysize: 2 valuesize: 2 sequence: -1 headerKeys: [] "
      "key: k1 payload: v1",
      l[2]);
  EXPECT_EQ(
      "| offset: 1 CreateTime: 1005 keysize: -1 valuesize: 2 sequence: -1 headerKeys: [] "
      "payload: v2",
      l[3]);
  // A tombstone prints neither key nor payload, as Kafka's decoder parser.
  EXPECT_EQ(
      "| offset: 2 CreateTime: 2000 keysize: 2 valuesize: -1 sequence: 10 "
      "headerKeys: [h1,h2]",
      l[5]);
}

TEST(DumpLog, CorruptCrcAndTrailingBytes) {
  size_t second = 0;
  auto seg = two_batch_segment(&second);
  seg[records::kBatchHeaderSize + 3] ^= 0xff;  // inside the first batch's records
  seg.push_back(0);
  seg.push_back(0);
  std::ostringstream out;
  DumpProblems problems;
  dump_log_segment("/p/00000000000000000000.log", 0, seg, {}, out, &problems);
  auto l = lines(out.str());
  ASSERT_EQ(4u, l.size()) << out.str();
  EXPECT_NE(std::string::npos, l[1].find("isvalid: false"));
  EXPECT_NE(std::string::npos, l[2].find("isvalid: true"));
  EXPECT_EQ("Found 2 invalid bytes at the end of 00000000000000000000.log", l[3]);
}

void put_offset_entry(std::vector<uint8_t>* idx, int32_t rel, int32_t pos) {
  idx->resize(idx->size() + 8);
  records::detail::store_be32(idx->data() + idx->size() - 8, static_cast<uint32_t>(rel));
  records::detail::store_be32(idx->data() + idx->size() - 4, static_cast<uint32_t>(pos));
}

void put_time_entry(std::vector<uint8_t>* idx, int64_t ts, int32_t rel) {
  idx->resize(idx->size() + 12);
  records::detail::store_be64(idx->data() + idx->size() - 12, static_cast<uint64_t>(ts));
  records::detail::store_be32(idx->data() + idx->size() - 4, static_cast<uint32_t>(rel));
}

TEST(DumpLog, OffsetIndexEntriesStopAtPreallocatedZeros) {
  size_t second = 0;
  auto seg = two_batch_segment(&second);
  std::vector<uint8_t> idx;
  put_offset_entry(&idx, 1, 0);
  put_offset_entry(&idx, 2, static_cast<int32_t>(second));
  idx.resize(idx.size() + 80);  // preallocated, unused slots
  std::ostringstream out;
  DumpProblems problems;
  dump_offset_index("i.index", 0, idx, seg, {}, out, &problems);
  EXPECT_EQ("offset: 1 position: 0\noffset: 2 position: " + std::to_string(second) + "\n",
            out.str());
  EXPECT_TRUE(problems.empty());
}

TEST(DumpLog, VerifyIndexOnlyReportsMismatches) {
  size_t second = 0;
  auto seg = two_batch_segment(&second);
  std::vector<uint8_t> idx;
  put_offset_entry(&idx, 0, 0);  // the batch at 0 ends at offset 1
  put_offset_entry(&idx, 2, static_cast<int32_t>(second));
  std::ostringstream out, err;
  DumpProblems problems;
  DumpLogOptions opts;
  opts.verify_only = true;
  dump_offset_index("/d/i.index", 0, idx, seg, opts, out, &problems);
  EXPECT_EQ("", out.str());
  problems.print(err);
  EXPECT_EQ("Mismatches in :/d/i.index\n  Index offset: 0, log offset: 1\n", err.str());
}

TEST(DumpLog, MismatchOrderAndAbsolutePaths) {
  size_t second = 0;
  auto seg = two_batch_segment(&second);
  std::vector<uint8_t> idx;
  put_offset_entry(&idx, 0, 0);                             // the batch ends at 1
  put_offset_entry(&idx, 3, static_cast<int32_t>(second));  // the batch ends at 2
  std::ostringstream out, err;
  DumpProblems problems;
  dump_offset_index("rel.index", 0, idx, seg, {}, out, &problems);
  problems.print(err);
  std::string abs = std::filesystem::absolute("rel.index").string();
  // Kafka prepends offset index mismatches: the last one found comes first.
  EXPECT_EQ("Mismatches in :" + abs +
                "\n  Index offset: 3, log offset: 2\n  Index offset: 0, log offset: 1\n",
            err.str());
}

TEST(DumpLog, IndexSanityCheck) {
  std::vector<uint8_t> idx;
  put_offset_entry(&idx, 1, 0);
  std::ostringstream out;
  DumpProblems problems;
  DumpLogOptions opts;
  opts.sanity_only = true;
  dump_offset_index("a.index", 5, idx, {}, opts, out, &problems);
  EXPECT_EQ("a.index passed sanity check.\n", out.str());
  idx.push_back(0);
  EXPECT_THROW(dump_offset_index("a.index", 5, idx, {}, opts, out, &problems), std::runtime_error);
  std::vector<uint8_t> negative;
  put_offset_entry(&negative, -3, 0);
  EXPECT_THROW(dump_offset_index("a.index", 5, negative, {}, opts, out, &problems),
               std::runtime_error);
}

TEST(DumpLog, TimeIndexEntriesAndTimestampMismatch) {
  size_t second = 0;
  auto seg = two_batch_segment(&second);
  std::vector<uint8_t> offsets;
  put_offset_entry(&offsets, 1, 0);
  put_offset_entry(&offsets, 2, static_cast<int32_t>(second));
  std::vector<uint8_t> tidx;
  put_time_entry(&tidx, 1005, 1);
  put_time_entry(&tidx, 1999, 2);  // the log says 2000
  tidx.resize(tidx.size() + 24);
  std::ostringstream out, err;
  DumpProblems problems;
  dump_time_index("/d/t.timeindex", 0, tidx, offsets, seg, {}, out, &problems);
  EXPECT_EQ("timestamp: 1005 offset: 1\ntimestamp: 1999 offset: 2\n", out.str());
  problems.print(err);
  EXPECT_EQ(
      "Found timestamp mismatch in :/d/t.timeindex\n  Index timestamp: 1999, log timestamp: "
      "2000\n",
      err.str());
}

TEST(DumpLog, ProducerSnapshotEntriesAndCorruption) {
  std::vector<uint8_t> snap(10 + 46);
  using records::detail::store_be16, records::detail::store_be32, records::detail::store_be64;
  store_be16(snap.data(), 1);
  store_be32(snap.data() + 6, 1);
  uint8_t* e = snap.data() + 10;
  store_be64(e, 7);                   // producer id
  store_be16(e + 8, 2);               // epoch
  store_be32(e + 10, 14);             // last sequence
  store_be64(e + 14, 40);             // last offset
  store_be32(e + 22, 4);              // offset delta
  store_be64(e + 26, 1700000000000);  // timestamp
  store_be32(e + 34, static_cast<uint32_t>(-1));
  store_be64(e + 38, static_cast<uint64_t>(-1));
  store_be32(snap.data() + 2, records::crc32c(std::span<const uint8_t>(snap).subspan(6)));
  std::ostringstream out, err;
  dump_producer_snapshot(snap, out, err);
  EXPECT_EQ(
      "producerId: 7 producerEpoch: 2 coordinatorEpoch: -1 currentTxnFirstOffset: None "
      "firstSequence: 10 lastSequence: 14 lastOffset: 40 offsetDelta: 4 "
      "timestamp: 1700000000000\n",
      out.str());
  EXPECT_EQ("", err.str());
  snap[20] ^= 1;
  std::ostringstream out2, err2;
  dump_producer_snapshot(snap, out2, err2);
  EXPECT_EQ("", out2.str());
  EXPECT_EQ(0u, err2.str().find("Snapshot is corrupt (CRC is no longer valid). Stored crc: "));
}

TEST(DumpLog, TxnIndexEntries) {
  std::vector<uint8_t> idx(34);
  records::detail::store_be16(idx.data(), 0);
  records::detail::store_be64(idx.data() + 2, 9);
  records::detail::store_be64(idx.data() + 10, 100);
  records::detail::store_be64(idx.data() + 18, 120);
  records::detail::store_be64(idx.data() + 26, 121);
  std::ostringstream out;
  dump_txn_index(idx, out);
  EXPECT_EQ("version: 0 producerId: 9 firstOffset: 100 lastOffset: 120 lastStableOffset: 121\n",
            out.str());
}

TEST(DumpLog, DumpFilesUnknownAndMissing) {
  std::ostringstream out, err;
  EXPECT_EQ(0, dump_files({"/nonexistent/x.txt"}, {}, out, err));
  EXPECT_EQ("Dumping /nonexistent/x.txt\n", out.str());
  EXPECT_EQ("Ignoring unknown file /nonexistent/x.txt\n", err.str());
  std::ostringstream out2, err2;
  EXPECT_EQ(1, dump_files({"/nonexistent/00000000000000000000.log"}, {}, out2, err2));
  EXPECT_NE(std::string::npos, err2.str().find("No such file"));
}

}  // namespace
}  // namespace kb::tools
