// How fetched batches become records: compressed batches, positions inside a batch, control
// batches, the high watermark, headers and null keys; the Fetch reply kept alive for its records.
#include <gtest/gtest.h>

#include "clients/connection.h"
#include "clients/detail/call.h"
#include "clients/detail/consumer_state.h"
#include "clients/errors.h"
#include "clients/tests/scripted_broker.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/fetch.h"
#include "protocol/records/record_batch.h"

namespace kb::clients {
namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

std::vector<uint8_t> batch(int64_t base, int n, records::Compression c, bool control = false) {
  records::RecordBatchBuilder b;
  b.set_base_offset(base).set_compression(c).set_control(control);
  for (int i = 0; i < n; ++i) {
    auto k = bytes("k" + std::to_string(base + i));
    auto v = bytes("v" + std::to_string(base + i));
    std::vector<records::Header> h;
    if (i == 0) h.push_back({"h", bytes("x")});
    b.add(i == 1 ? std::nullopt : std::optional<std::span<const uint8_t>>(k),
          std::span<const uint8_t>(v), h, 1000 + base + i);
  }
  return b.build();
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(TakeRecords, DecompressesAndStartsAtThePosition) {
  auto data =
      concat({batch(0, 3, records::Compression::kGzip), batch(3, 3, records::Compression::kLz4)});
  std::vector<ConsumerRecord> out;
  EXPECT_EQ(6, detail::take_records("t", 1, data, 2, 100, &out));
  ASSERT_EQ(4u, out.size());
  EXPECT_EQ(2, out[0].offset);
  EXPECT_EQ("v2", out[0].value.value_or(""));
  EXPECT_EQ("t", out[0].topic);
  EXPECT_EQ(1, out[0].partition);
  EXPECT_EQ(1002, out[0].timestamp);
  EXPECT_EQ(3, out[1].offset);
  EXPECT_EQ((std::vector<RecordHeader>{{"h", "x"}}), out[1].headers);
  EXPECT_EQ("k3", out[1].key.value_or(""));
  EXPECT_FALSE(out[2].key.has_value());  // offset 4: null key
}

TEST(TakeRecords, SkipsControlBatchesAndStopsAtTheHighWatermark) {
  auto data = concat({batch(0, 2, records::Compression::kNone),
                      batch(2, 1, records::Compression::kNone, /*control=*/true),
                      batch(3, 4, records::Compression::kSnappy)});
  std::vector<ConsumerRecord> out;
  // High watermark 5: offsets 3 and 4 of the last batch only.
  EXPECT_EQ(5, detail::take_records("t", 0, data, 0, 5, &out));
  std::vector<int64_t> offsets;
  for (const auto& r : out) offsets.push_back(r.offset);
  EXPECT_EQ((std::vector<int64_t>{0, 1, 3, 4}), offsets);
  // A control batch at the end still moves the position past it.
  out.clear();
  auto tail = concat(
      {batch(0, 1, records::Compression::kNone), batch(1, 1, records::Compression::kNone, true)});
  EXPECT_EQ(2, detail::take_records("t", 0, tail, 0, 2, &out));
  EXPECT_EQ(1u, out.size());
}

TEST(TakeRecords, TruncatedTrailingBatchIsLeftForTheNextFetch) {
  auto data =
      concat({batch(0, 2, records::Compression::kNone), batch(2, 2, records::Compression::kNone)});
  data.resize(data.size() - 5);
  std::vector<ConsumerRecord> out;
  EXPECT_EQ(2, detail::take_records("t", 0, data, 0, 10, &out));
  EXPECT_EQ(2u, out.size());
}

// The decoded response's records are views into the reply: with keep_reply they point into the
// kept bytes (a Fetch bigger than malloc's mmap threshold used to be read after being freed).
TEST(FetchCall, RecordsPointIntoTheKeptReply) {
  std::vector<uint8_t> big;
  int64_t total = 0;
  for (; big.size() < 2 * 1024 * 1024; total += 100) {
    int64_t base = total;
    records::RecordBatchBuilder b;
    b.set_base_offset(base);
    std::vector<uint8_t> value(200, 'x');
    for (int i = 0; i < 100; ++i) {
      b.add(std::nullopt, std::span<const uint8_t>(value), {}, 1000);
    }
    auto one = b.build();
    big.insert(big.end(), one.begin(), one.end());
  }
  clients::testing::ScriptedBroker broker([&](const protocol::RequestHeader& h, protocol::Reader&) {
    protocol::OutBuffer out;
    protocol::Writer w(out);
    if (h.api_key == protocol::ApiVersionsResponse::kApiKey) {
      protocol::ApiVersionsResponse resp;
      resp.api_keys = {{18, 0, 2}, {1, 4, 4}};
      resp.encode(w, h.api_version);
    } else {
      protocol::FetchResponse resp;
      resp.responses.push_back({"t", {}});
      protocol::FetchResponse::PartitionData p;
      p.high_watermark = 1 << 30;
      p.records = protocol::Records::owned(big);
      resp.responses[0].partitions.push_back(std::move(p));
      resp.encode(w, h.api_version);
    }
    return out.flatten();
  });
  ClientConfig config;
  auto deadline = Clock::now() + std::chrono::seconds(5);
  auto conn = Connection::open({"127.0.0.1", broker.port()}, config, deadline);
  protocol::FetchRequest req;
  req.replica_id = -1;
  std::vector<uint8_t> reply;
  auto resp = detail::call<protocol::FetchResponse>(*conn, req, deadline, nullptr, &reply);
  auto view = resp.responses.at(0).partitions.at(0).records.bytes();
  ASSERT_EQ(big.size(), view.size());
  EXPECT_GE(view.data(), reply.data());
  EXPECT_LE(view.data() + view.size(), reply.data() + reply.size());
  std::vector<ConsumerRecord> recs;
  EXPECT_EQ(total, detail::take_records("t", 0, view, 0, 1 << 30, &recs));
  ASSERT_EQ(static_cast<size_t>(total), recs.size());
  EXPECT_EQ(std::string(200, 'x'), recs.back().value);
}

}  // namespace
}  // namespace kb::clients
