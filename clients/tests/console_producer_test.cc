#include "clients/tools/console_producer.h"

#include <gtest/gtest.h>

#include "clients/tools/tool.h"

namespace kb::tools {
namespace {

using std::chrono::milliseconds;

ParsedOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "kafka-console-producer");
  auto specs = console_producer_options();
  for (auto& s : common_options()) specs.push_back(s);
  return parse_options(specs, static_cast<int>(args.size()), args.data());
}

TEST(LineFormat, ValueOnlyByDefault) {
  auto r = parse_line("a\tb", LineFormat{}, "t", 1);
  EXPECT_EQ("t", r.topic);
  EXPECT_FALSE(r.key.has_value());
  EXPECT_EQ("a\tb", r.value);
  EXPECT_TRUE(r.headers.empty());
}

TEST(LineFormat, KeyWithSeparator) {
  auto f = parse_line_format({"parse.key=true", "key.separator=::"});
  auto r = parse_line("k::v::w", f, "t", 1);
  EXPECT_EQ("k", r.key);
  EXPECT_EQ("v::w", r.value);  // only the first separator splits
  auto empty = parse_line("::", f, "t", 1);
  EXPECT_EQ("", empty.key);
  EXPECT_EQ("", empty.value);
  try {
    parse_line("no separator", f, "t", 7);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ("No key found on line 7: no separator", std::string(e.what()));
  }
  auto lenient = parse_line_format({"parse.key=true", "ignore.error=true"});
  auto r2 = parse_line("whole line", lenient, "t", 1);
  EXPECT_FALSE(r2.key.has_value());
  EXPECT_EQ("whole line", r2.value);
}

TEST(LineFormat, DefaultKeySeparatorIsTabAndEscapesAreUnderstood) {
  EXPECT_EQ("\t", parse_line_format({"parse.key=true"}).key_separator);
  EXPECT_EQ("\t", parse_line_format({"key.separator=\\t"}).key_separator);
  EXPECT_THROW(parse_line_format({"key.separator="}), UsageError);
  EXPECT_THROW(parse_line_format({"parse.key"}), UsageError);
}

TEST(LineFormat, Headers) {
  auto f = parse_line_format({"parse.headers=true", "parse.key=true"});
  auto r = parse_line("h1:v1,h2:,h3\tk\tv", f, "t", 1);
  ASSERT_EQ(3u, r.headers.size());
  EXPECT_EQ("h1", r.headers[0].key);
  EXPECT_EQ("v1", r.headers[0].value);
  EXPECT_EQ("", r.headers[1].value);
  EXPECT_FALSE(r.headers[2].value.has_value());
  EXPECT_EQ("k", r.key);
  EXPECT_EQ("v", r.value);
  auto none = parse_line("\tk\tv", f, "t", 1);
  EXPECT_TRUE(none.headers.empty());
  auto custom = parse_line_format({"parse.headers=true", "headers.delimiter=|",
                                   "headers.separator=;", "headers.key.separator=="});
  auto c = parse_line("a=1;b=2|value", custom, "t", 1);
  ASSERT_EQ(2u, c.headers.size());
  EXPECT_EQ("b", c.headers[1].key);
  EXPECT_EQ("2", c.headers[1].value);
  EXPECT_EQ("value", c.value);
  EXPECT_THROW(parse_line("no delimiter", f, "t", 3), std::runtime_error);
}

TEST(ConsoleProducerConfig, ConsoleDefaultsThenFileThenPropertiesThenFlags) {
  auto o =
      parse({"--topic", "t", "--producer-property", "acks=0", "--producer-property", "linger.ms=5",
             "--request-required-acks", "all", "--compression-codec", "snappy"});
  clients::ClientConfig client;
  client.bootstrap = clients::parse_bootstrap("h:1");
  auto c = console_producer_config(o, client, milliseconds(15000));
  EXPECT_EQ(clients::Acks::kAll, c.acks);  // the flag wins over --producer-property
  EXPECT_EQ(milliseconds(5), c.linger);
  EXPECT_EQ(clients::CompressionType::kSnappy, c.compression);
  EXPECT_EQ(size_t{200}, c.batch_size);  // ConsoleProducer's default
  EXPECT_EQ(3, c.retries);               // ConsoleProducer's default
  EXPECT_EQ(milliseconds(1500), c.client.request_timeout);
  EXPECT_EQ(milliseconds(15000), c.max_block);  // capped by the tool's bound
  EXPECT_GE(c.delivery_timeout, c.linger + c.client.request_timeout);
  ASSERT_EQ(1u, c.client.bootstrap.size());
}

TEST(ConsoleProducerConfig, SyncAndBadValues) {
  clients::ClientConfig client;
  auto sync =
      console_producer_config(parse({"--sync", "--timeout", "500"}), client, milliseconds(2000));
  EXPECT_EQ(milliseconds(0), sync.linger);
  EXPECT_EQ(milliseconds(2000), sync.max_block);
  EXPECT_THROW(
      console_producer_config(parse({"--compression-codec", "brotli"}), client, milliseconds(1000)),
      UsageError);
  EXPECT_THROW(
      console_producer_config(parse({"--request-required-acks", "2"}), client, milliseconds(1000)),
      UsageError);
  EXPECT_THROW(
      console_producer_config(parse({"--producer-property", "novalue"}), client, milliseconds(1)),
      UsageError);
}

}  // namespace
}  // namespace kb::tools
