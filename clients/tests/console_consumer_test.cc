// kafka-console-consumer's option checks and Kafka's DefaultMessageFormatter output.
#include "clients/tools/console_consumer.h"

#include <gtest/gtest.h>

namespace kb::tools {
namespace {

ConsoleConsumerOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "kafka-console-consumer");
  auto specs = console_consumer_options();
  return parse_console_consumer_options(
      parse_options(specs, static_cast<int>(args.size()), args.data()));
}

std::string usage_error(std::vector<const char*> args) {
  try {
    parse(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ConsoleConsumerOptions, Valid) {
  auto o = parse({"--bootstrap-server", "h:1", "--topic", "t", "--from-beginning", "--max-messages",
                  "5", "--property", "print.key=true", "--consumer-property", "fetch.min.bytes=10",
                  "--group", "g"});
  EXPECT_EQ("t", *o.topic);
  EXPECT_TRUE(o.from_beginning);
  EXPECT_EQ(5, *o.max_messages);
  EXPECT_EQ("true", o.formatter_properties.at("print.key"));
  EXPECT_EQ("10", o.consumer_properties.at("fetch.min.bytes"));
  EXPECT_EQ("g", *o.group);
  EXPECT_EQ("g", o.consumer_properties.at("group.id"));

  auto p =
      parse({"--bootstrap-server", "h:1", "--topic", "t", "--partition", "2", "--offset", "17"});
  EXPECT_EQ(2, *p.partition);
  EXPECT_EQ("17", p.offset);
  EXPECT_FALSE(p.group);
  EXPECT_EQ("latest",
            parse({"--bootstrap-server", "h:1", "--topic", "t", "--partition", "0"}).offset);
  EXPECT_EQ("a.*", *parse({"--bootstrap-server", "h:1", "--whitelist", "a.*"}).whitelist);
}

TEST(ConsoleConsumerOptions, KafkasChecks) {
  EXPECT_EQ("Missing required argument \"[bootstrap-server]\"", usage_error({"--topic", "t"}));
  EXPECT_EQ("Exactly one of whitelist/topic is required.",
            usage_error({"--bootstrap-server", "h:1"}));
  EXPECT_EQ("Exactly one of whitelist/topic is required.",
            usage_error({"--bootstrap-server", "h:1", "--topic", "t", "--whitelist", "x"}));
  EXPECT_EQ("The topic is required when partition is specified.",
            usage_error({"--bootstrap-server", "h:1", "--whitelist", "x", "--partition", "0"}));
  EXPECT_EQ("The partition is required when offset is specified.",
            usage_error({"--bootstrap-server", "h:1", "--topic", "t", "--offset", "3"}));
  EXPECT_EQ("Options from-beginning and offset cannot be specified together.",
            usage_error({"--bootstrap-server", "h:1", "--topic", "t", "--partition", "0",
                         "--offset", "3", "--from-beginning"}));
  EXPECT_EQ(
      "The provided offset value 'x1' is incorrect. Valid values are 'earliest', 'latest', or "
      "a non-negative long.",
      usage_error(
          {"--bootstrap-server", "h:1", "--topic", "t", "--partition", "0", "--offset", "x1"}));
  EXPECT_EQ(
      "The provided offset value '-1' is incorrect. Valid values are 'earliest', "
      "'latest', or a non-negative long.",
      usage_error(
          {"--bootstrap-server", "h:1", "--topic", "t", "--partition", "0", "--offset", "-1"}));
  EXPECT_EQ("Options group and partition cannot be specified together.",
            usage_error(
                {"--bootstrap-server", "h:1", "--topic", "t", "--partition", "0", "--group", "g"}));
  EXPECT_NE("", usage_error({"--bootstrap-server", "h:1", "--topic", "t", "--group", "a",
                             "--consumer-property", "group.id=b"}));
  EXPECT_NE("", usage_error({"--bootstrap-server", "h:1", "--topic", "t", "--max-messages", "0"}));
  EXPECT_NE("", usage_error(
                    {"--bootstrap-server", "h:1", "--topic", "t", "--property", "print.key=yes"}));
  EXPECT_NE("", usage_error({"--bootstrap-server", "h:1", "--whitelist", "("}));
  EXPECT_NE("", usage_error({"--bootstrap-server", "h:1", "--topic", "t", "--property", "x"}));
}

clients::ConsumerRecord record() {
  clients::ConsumerRecord r;
  r.topic = "t";
  r.partition = 3;
  r.offset = 42;
  r.timestamp = 1600000000123;
  r.key = "k";
  r.value = "v";
  r.headers = {{"h1", "a"}, {"h2", std::nullopt}};
  return r;
}

TEST(MessageFormatter, DefaultPrintsTheValueOnly) {
  EXPECT_EQ("v\n", MessageFormatter({}).format(record()));
  auto r = record();
  r.value.reset();
  EXPECT_EQ("null\n", MessageFormatter({}).format(r));
}

TEST(MessageFormatter, AllColumnsInKafkasOrder) {
  MessageFormatter f({{"print.timestamp", "true"},
                      {"print.partition", "true"},
                      {"print.offset", "true"},
                      {"print.headers", "true"},
                      {"print.key", "true"}});
  EXPECT_EQ("CreateTime:1600000000123\tPartition:3\tOffset:42\th1:a,h2:null\tk\tv\n",
            f.format(record()));
  auto r = record();
  r.headers.clear();
  r.key.reset();
  r.log_append_time = true;
  EXPECT_EQ("LogAppendTime:1600000000123\tPartition:3\tOffset:42\tNO_HEADERS\tnull\tv\n",
            f.format(r));
}

TEST(MessageFormatter, SeparatorsAndNoValue) {
  MessageFormatter f({{"print.key", "true"}, {"key.separator", " => "}});
  EXPECT_EQ("k => v\n", f.format(record()));
  // The last printed column ends the line when the value is not printed.
  MessageFormatter g({{"print.key", "true"}, {"print.value", "false"}, {"print.offset", "true"}});
  EXPECT_EQ("Offset:42\tk\n", g.format(record()));
  MessageFormatter h({{"print.key", "true"}, {"key.separator", "\\t|"}, {"null.literal", "-"}});
  auto r = record();
  r.key.reset();
  EXPECT_EQ("-\t|v\n", h.format(r));
}

}  // namespace
}  // namespace kb::tools
