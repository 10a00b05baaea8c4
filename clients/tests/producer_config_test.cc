#include <gtest/gtest.h>

#include "clients/producer.h"

namespace kb::clients {
namespace {

TEST(ProducerConfig, KafkaPropertyNames) {
  ProducerConfig c;
  std::vector<std::string> ignored;
  apply_producer_properties(c,
                            {{"bootstrap.servers", "h:1"},
                             {"acks", "all"},
                             {"batch.size", "100"},
                             {"linger.ms", "7"},
                             {"compression.type", "zstd"},
                             {"retries", "3"},
                             {"retry.backoff.ms", "50"},
                             {"delivery.timeout.ms", "9000"},
                             {"enable.idempotence", "true"},
                             {"max.in.flight.requests.per.connection", "1"},
                             {"foo.bar", "x"}},
                            &ignored);
  EXPECT_EQ(Acks::kAll, c.acks);
  EXPECT_EQ(size_t{100}, c.batch_size);
  EXPECT_EQ(std::chrono::milliseconds(7), c.linger);
  EXPECT_EQ(CompressionType::kZstd, c.compression);
  EXPECT_EQ(3, c.retries);
  EXPECT_EQ(std::chrono::milliseconds(50), c.retry_backoff);
  EXPECT_EQ(std::chrono::milliseconds(9000), c.delivery_timeout);
  EXPECT_TRUE(c.enable_idempotence);
  ASSERT_EQ(1u, c.client.bootstrap.size());
  EXPECT_EQ(std::vector<std::string>{"foo.bar"}, ignored);
}

TEST(ProducerConfig, BadValuesAreRejected) {
  ProducerConfig c;
  EXPECT_THROW(apply_producer_properties(c, {{"acks", "2"}}), std::invalid_argument);
  EXPECT_THROW(apply_producer_properties(c, {{"compression.type", "brotli"}}),
               std::invalid_argument);
  EXPECT_THROW(apply_producer_properties(c, {{"linger.ms", "-1"}}), std::invalid_argument);
  EXPECT_THROW(apply_producer_properties(c, {{"enable.idempotence", "yes"}}),
               std::invalid_argument);
  ProducerConfig d;
  // Java refuses idempotence without acks=all.
  EXPECT_THROW(apply_producer_properties(d, {{"enable.idempotence", "true"}, {"acks", "1"}}),
               std::invalid_argument);
  EXPECT_EQ(Acks::kNone, parse_acks("0"));
  EXPECT_EQ(Acks::kAll, parse_acks("-1"));
}

TEST(Producer, NeedsBootstrapServers) {
  EXPECT_THROW(Producer(ProducerConfig{}), std::invalid_argument);
}

}  // namespace
}  // namespace kb::clients
