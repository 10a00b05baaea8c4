// kafka-producer-perf-test and kafka-consumer-perf-test without a cluster: Kafka 2.4's option
// checks, the throttler's decisions, the statistics and the exact output lines.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>

#include "clients/tools/consumer_perf.h"
#include "clients/tools/producer_perf.h"
#include "clients/tools/tool.h"

namespace kb::tools {
namespace {

using std::chrono::milliseconds;

ParsedOptions parse_with(std::vector<OptionSpec> specs, std::vector<std::string> args) {
  for (auto& s : common_options()) specs.push_back(s);
  std::vector<const char*> argv{"tool"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_options(specs, static_cast<int>(argv.size()), argv.data());
}

ParsedOptions producer_args(std::vector<std::string> args) {
  args.insert(args.begin(), "tool");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto expanded =
      expand_multi_value_option(static_cast<int>(argv.size()), argv.data(), "producer-props");
  expanded.erase(expanded.begin());
  return parse_with(producer_perf_options(), expanded);
}

std::string usage_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- kafka-producer-perf-test options ----------------------------------------------------------

TEST(ProducerPerfOptions, ProducerPropsTakeSeveralValues) {
  auto o = parse_producer_perf_options(producer_args(
      {"--topic", "t", "--num-records", "10", "--record-size", "100", "--throughput", "-1",
       "--producer-props", "bootstrap.servers=h:1", "acks=all", "linger.ms=5", "--print-metrics"}));
  EXPECT_EQ("t", o.topic);
  EXPECT_EQ(10, o.num_records);
  EXPECT_EQ(100, o.record_size);
  EXPECT_EQ(-1, o.throughput);
  EXPECT_TRUE(o.print_metrics);
  EXPECT_EQ("h:1", o.producer_properties.at("bootstrap.servers"));
  EXPECT_EQ("all", o.producer_properties.at("acks"));
  EXPECT_EQ("5", o.producer_properties.at("linger.ms"));
  EXPECT_EQ("\n", o.payload_delimiter);
}

TEST(ProducerPerfOptions, KafkaChecksAndMessages) {
  auto err = [](std::vector<std::string> args) {
    return usage_error([&] { parse_producer_perf_options(producer_args(args)); });
  };
  std::vector<std::string> base{"--topic",      "t",  "--num-records",    "1",
                                "--throughput", "-1", "--producer-props", "bootstrap.servers=h:1"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  EXPECT_EQ("one of the arguments --record-size --payload-file is required", err(base));
  EXPECT_EQ("argument --payload-file: not allowed with argument --record-size",
            err(with({"--record-size", "1", "--payload-file", "f"})));
  EXPECT_EQ("argument --topic is required",
            err({"--num-records", "1", "--record-size", "1", "--throughput", "1"}));
  EXPECT_EQ("argument --throughput is required",
            err({"--topic", "t", "--num-records", "1", "--record-size", "1"}));
  EXPECT_EQ("Either --producer-props or --producer.config must be specified.",
            err({"--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput", "1"}));
  EXPECT_EQ("Invalid property: acks",
            err(with({"--record-size", "1", "--producer-props", "acks"})));
  EXPECT_EQ("Invalid property: a=b=c",
            err(with({"--record-size", "1", "--producer-props", "a=b=c"})));
  EXPECT_NE(std::string::npos, err(with({"--record-size", "1", "--transaction-duration-ms", "100"}))
                                   .find("Transactions are not supported"));
  EXPECT_NE(std::string::npos, err(with({"--record-size", "1", "--transactional-id", "x"}))
                                   .find("Transactions are not supported"));
  EXPECT_EQ("(no error)", err(with({"--record-size", "1", "--transaction-duration-ms", "0"})));
  EXPECT_NE(std::string::npos, err(with({"--record-size", "x"})).find("--record-size"));
  EXPECT_NE(std::string::npos, err({"--topic", "t", "--num-records", "1", "--record-size", "1",
                                    "--throughput", "0", "--producer-props", "a=b"})
                                   .find("--throughput 0"));
  EXPECT_NE(std::string::npos, err({"--topic", "t", "--num-records", "0", "--record-size", "1",
                                    "--throughput", "1", "--producer-props", "a=b"})
                                   .find("--num-records"));
}

TEST(ProducerPerfOptions, ConfigFileThenPropsAndBootstrapRequired) {
  std::string path = ::testing::TempDir() + "/perf_producer.properties";
  std::ofstream(path) << "bootstrap.servers=file:1\nacks=0\nbatch.size=1000\n";
  auto o = parse_producer_perf_options(
      producer_args({"--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput",
                     "5", "--producer.config", path, "--producer-props", "acks=all"}));
  std::vector<std::string> ignored;
  auto c = producer_perf_config(o, clients::ClientConfig{}, milliseconds(3000), &ignored);
  EXPECT_EQ("file", c.client.bootstrap.at(0).host);
  EXPECT_EQ(clients::Acks::kAll, c.acks);  // --producer-props wins over the file
  EXPECT_EQ(1000u, c.batch_size);
  EXPECT_EQ(milliseconds(3000), c.max_block);  // capped by --timeout-ms
  EXPECT_TRUE(ignored.empty());

  auto no_bootstrap = parse_producer_perf_options(
      producer_args({"--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput",
                     "5", "--producer-props", "acks=1"}));
  EXPECT_EQ("Missing required configuration \"bootstrap.servers\" which has no default value.",
            usage_error([&] {
              producer_perf_config(no_bootstrap, clients::ClientConfig{}, milliseconds(1), nullptr);
            }));
  auto bad = parse_producer_perf_options(
      producer_args({"--topic", "t", "--num-records", "1", "--record-size", "1", "--throughput",
                     "5", "--producer-props", "bootstrap.servers=h:1", "acks=2"}));
  EXPECT_NE("(no error)", usage_error([&] {
              producer_perf_config(bad, clients::ClientConfig{}, milliseconds(1), nullptr);
            }));
}

TEST(ProducerPerfOptions, MultiValueExpansion) {
  const char* argv[] = {"tool", "--producer-props=a=1", "b=2", "--topic",
                        "t",    "--producer-props",     "c=3"};
  auto out = expand_multi_value_option(7, argv, "producer-props");
  std::vector<std::string> want{
      "tool", "--producer-props=a=1", "--producer-props", "b=2", "--topic", "t", "--producer-props",
      "c=3"};
  EXPECT_EQ(want, out);
}

// ---- payloads -----------------------------------------------------------------------------------

TEST(JavaRandom, MatchesJavaUtilRandom) {
  // new java.util.Random(0).nextInt() and new Random(42).nextInt(), well-known values.
  EXPECT_EQ(-1155484576, JavaRandom(0).next_int());
  EXPECT_EQ(-1170105035, JavaRandom(42).next_int());
  JavaRandom r(0);
  // new Random(0).nextInt(10) three times: 0, 8, 9.
  EXPECT_EQ(0, r.next_int(10));
  EXPECT_EQ(8, r.next_int(10));
  EXPECT_EQ(9, r.next_int(10));
}

TEST(Payload, UppercaseLettersOfTheRequestedSize) {
  JavaRandom r(0);
  auto p = random_payload(1000, r);
  ASSERT_EQ(1000u, p.size());
  for (char c : p) ASSERT_TRUE(c >= 'A' && c <= 'Z') << c;
  EXPECT_EQ("SSXVNJHPDQDXVCRASTVY", p.substr(0, 20));  // Random(0).nextInt(26) + 65
  JavaRandom again(0);
  EXPECT_EQ(p, random_payload(1000, again));  // deterministic, as Kafka's seed 0
  EXPECT_EQ("", random_payload(0, again));
}

TEST(Payload, SplitLikeJavaStringSplit) {
  std::vector<std::string> want{"a", "", "b"};
  EXPECT_EQ(want, split_payloads("a\n\nb\n\n", "\n"));
  std::vector<std::string> words{"x", "y z"};
  EXPECT_EQ(words, split_payloads("x||y z", "||"));
  EXPECT_TRUE(split_payloads("\n\n", "\n").empty());
}

// ---- throttler ----------------------------------------------------------------------------------

TEST(ThroughputThrottler, ThrottlesOnlyAboveTheTarget) {
  std::chrono::nanoseconds slept{0};
  ThroughputThrottler t(100, 1000000, [&](std::chrono::nanoseconds d) { slept += d; });
  EXPECT_FALSE(t.should_throttle(5, 1000000));   // no time elapsed yet: never
  EXPECT_FALSE(t.should_throttle(99, 2000000));  // 99/s under 100/s
  EXPECT_TRUE(t.should_throttle(101, 2000000));
  EXPECT_TRUE(t.should_throttle(1, 1000100));  // 1 record in 100 us is above 100/s
  t.throttle();                                // 10 ms of debt >= 2 ms: sleeps it
  EXPECT_EQ(std::chrono::nanoseconds(10000000), slept);

  ThroughputThrottler none(-1, 0, [&](std::chrono::nanoseconds) { FAIL(); });
  EXPECT_FALSE(none.should_throttle(1000000, 1));
}

TEST(ThroughputThrottler, SmallDebtAccumulatesUntilTwoMilliseconds) {
  std::vector<std::chrono::nanoseconds> sleeps;
  ThroughputThrottler t(1000000, 0, [&](std::chrono::nanoseconds d) { sleeps.push_back(d); });
  for (int i = 0; i < 1999; ++i) t.throttle();  // 1 us each
  EXPECT_TRUE(sleeps.empty());
  t.throttle();
  ASSERT_EQ(1u, sleeps.size());
  EXPECT_EQ(std::chrono::nanoseconds(2000000), sleeps[0]);
}

// ---- statistics and lines
// ------------------------------------------------------------------------

TEST(PerfStats, WindowLineEveryIntervalAndTotalWithPercentiles) {
  PerfStats s(1000, 5000, 0);
  for (int i = 0; i < 999; ++i) EXPECT_FALSE(s.record(i, i % 100 + 1, 100, 4000).has_value());
  auto window = s.record(999, 1000, 100, 5000);
  ASSERT_TRUE(window.has_value());
  // 1000 records, 100000 bytes in 5 s; latencies 1..100 ten times minus one 100 plus 1000.
  EXPECT_EQ(
      "1000 records sent, 200.0 records/sec (0.02 MB/sec), 51.4 ms avg latency, 1000.0 ms max "
      "latency.",
      *window);
  EXPECT_EQ(
      "1000 records sent, 100.000000 records/sec (0.01 MB/sec), 51.40 ms avg latency, 1000.00 ms "
      "max latency, 51 ms 50th, 96 ms 95th, 100 ms 99th, 1000 ms 99.9th.",
      s.total(10000));
  EXPECT_EQ(1000, s.count());
  EXPECT_EQ(100000, s.bytes());
}

TEST(PerfStats, SamplesAtMostHalfAMillionLatencies) {
  PerfStats s(1000000, 5000, 0);  // sampling 2: only even iterations are kept
  for (int i = 0; i < 1000000; ++i) s.record(i, i % 2 == 0 ? 1 : 500, 1, 1);
  EXPECT_NE(std::string::npos, s.total(1000).find("1 ms 50th, 1 ms 95th, 1 ms 99th, 1 ms 99.9th."));
}

TEST(PerfLines, JavaFormatting) {
  EXPECT_EQ("NaN", java_fixed(0.0 / 0.0, 2));
  EXPECT_EQ("Infinity", java_fixed(1.0 / 0.0, 4));
  EXPECT_EQ("1.500", java_fixed(1.5, 3));
  EXPECT_EQ(
      "0 records sent, NaN records/sec (NaN MB/sec), NaN ms avg latency, 0.00 ms max latency, "
      "0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.",
      format_total_line(0, 0, 0, 0, 0, {}));
}

TEST(PerfLines, MetricsTable) {
  EXPECT_EQ(
      "\nMetric Name" + std::string(15, ' ') +
          "   Value\n"
          "g:a:{client-id=producer-1} : 2.000\n"
          "g:b:{client-id=producer-1} : 0.500\n",
      format_metrics({{"g:b:{client-id=producer-1}", 0.5}, {"g:a:{client-id=producer-1}", 2}}));
}

// ---- kafka-consumer-perf-test
// --------------------------------------------------------------------

ParsedOptions consumer_args(std::vector<std::string> args) {
  return parse_with(consumer_perf_options(), std::move(args));
}

TEST(ConsumerPerfOptions, DefaultsAndProperties) {
  auto o = parse_consumer_perf_options(
      consumer_args({"--broker-list", "h:1", "--topic", "t", "--messages", "50"}),
      "perf-consumer-42");
  EXPECT_EQ("t", o.topic);
  EXPECT_EQ(50, o.messages);
  EXPECT_EQ("perf-consumer-42", o.group);
  EXPECT_EQ(5000, o.reporting_interval_ms);
  EXPECT_EQ(10000, o.record_timeout_ms);
  EXPECT_EQ("yyyy-MM-dd HH:mm:ss:SSS", o.date_format);
  EXPECT_EQ("h:1", o.consumer_properties.at("bootstrap.servers"));
  EXPECT_EQ("perf-consumer-42", o.consumer_properties.at("group.id"));
  EXPECT_EQ("1048576", o.consumer_properties.at("max.partition.fetch.bytes"));
  EXPECT_EQ("earliest", o.consumer_properties.at("auto.offset.reset"));

  std::string path = ::testing::TempDir() + "/perf_consumer.properties";
  std::ofstream(path) << "group.id=from-file\nfetch.min.bytes=7\n";
  auto o2 = parse_consumer_perf_options(consumer_args({"--bootstrap-server",
                                                       "b:2",
                                                       "--topic",
                                                       "t",
                                                       "--messages",
                                                       "1",
                                                       "--group",
                                                       "g",
                                                       "--from-latest",
                                                       "--fetch-size",
                                                       "4096",
                                                       "--threads",
                                                       "3",
                                                       "--num-fetch-threads",
                                                       "2",
                                                       "--socket-buffer-size",
                                                       "1024",
                                                       "--timeout",
                                                       "500",
                                                       "--reporting-interval",
                                                       "100",
                                                       "--show-detailed-stats",
                                                       "--hide-header",
                                                       "--consumer.config",
                                                       path}),
                                        "unused");
  EXPECT_EQ("b:2", o2.consumer_properties.at("bootstrap.servers"));
  EXPECT_EQ("g", o2.consumer_properties.at("group.id"));  // the flag wins over the file
  EXPECT_EQ("7", o2.consumer_properties.at("fetch.min.bytes"));
  EXPECT_EQ("4096", o2.consumer_properties.at("max.partition.fetch.bytes"));
  EXPECT_EQ("latest", o2.consumer_properties.at("auto.offset.reset"));
  EXPECT_EQ(500, o2.record_timeout_ms);
  EXPECT_EQ(100, o2.reporting_interval_ms);
  EXPECT_TRUE(o2.show_detailed_stats);
  EXPECT_TRUE(o2.hide_header);
}

TEST(ConsumerPerfOptions, KafkaChecksAndMessages) {
  auto err = [](std::vector<std::string> args) {
    return usage_error([&] { parse_consumer_perf_options(consumer_args(args), "g"); });
  };
  EXPECT_EQ("Missing required argument \"[topic]\"",
            err({"--broker-list", "h:1", "--messages", "1"}));
  EXPECT_EQ("Missing required argument \"[messages]\"",
            err({"--broker-list", "h:1", "--topic", "t"}));
  EXPECT_EQ("Missing required argument \"[broker-list]\"",
            err({"--topic", "t", "--messages", "1"}));
  EXPECT_EQ("Reporting interval must be greater than 0.",
            err({"--broker-list", "h:1", "--topic", "t", "--messages", "1", "--reporting-interval",
                 "0"}));
  EXPECT_EQ("Illegal pattern character 'q'", err({"--broker-list", "h:1", "--topic", "t",
                                                  "--messages", "1", "--date-format", "yyyyq"}));
  EXPECT_NE("(no error)", err({"--broker-list", "nonsense", "--topic", "t", "--messages", "1"}));
  EXPECT_NE("(no error)", err({"--broker-list", "h:1", "--topic", "t", "--messages", "x"}));
  EXPECT_NE("(no error)",
            err({"--broker-list", "h:1", "--topic", "t", "--messages", "1", "--threads", "x"}));
}

class UtcDates : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    saved_.empty() ? unsetenv("TZ") : setenv("TZ", saved_.c_str(), 1);
    tzset();
  }
  std::string saved_;
};

TEST_F(UtcDates, SimpleDateFormatSubset) {
  int64_t t = 1600000000007;  // 2020-09-13 12:26:40.007 UTC, a Sunday
  EXPECT_EQ("2020-09-13 12:26:40:007", DateFormat("yyyy-MM-dd HH:mm:ss:SSS").format(t));
  EXPECT_EQ("20 Sep September Sun Sunday 12 PM 7",
            DateFormat("yy MMM MMMM E EEEE hh a S").format(t));
  EXPECT_EQ("at 12 o'clock +0000 UTC", DateFormat("'at' H 'o''clock' Z z").format(t));
  EXPECT_EQ("00:00:00", DateFormat("HH:mm:ss").format(0));
  EXPECT_THROW(DateFormat("'open"), UsageError);
}

TEST_F(UtcDates, ConsumerLines) {
  EXPECT_EQ(
      "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
      "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
      consumer_header(false));
  EXPECT_EQ(
      "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
      "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
      consumer_header(true));
  DateFormat date("yyyy-MM-dd HH:mm:ss:SSS");
  // 2 MiB and 1000 messages in 4 s, 3 s of which joining.
  EXPECT_EQ(
      "2020-09-13 12:26:40:000, 2020-09-13 12:26:44:000, 2.0000, 0.5000, 1000, 250.0000, 3000, "
      "1000, 2.0000, 1000.0000",
      consumer_result_line(date, 1600000000000, 1600000004000, 2 * 1024 * 1024, 1000, 3000));
  EXPECT_EQ("2020-09-13 12:26:40:000, 2020-09-13 12:26:40:000, 0.0000, NaN, 0, NaN, 0, 0, NaN, NaN",
            consumer_result_line(date, 1600000000000, 1600000000000, 0, 0, 0));
  EXPECT_EQ("2020-09-13 12:26:45:000, 0, 3.0000, 0.2000, 300, 20.0000, 0, 5000, 0.2000, 20.0000",
            consumer_progress_line(date, 3 * 1024 * 1024, 2 * 1024 * 1024, 300, 200, 1600000000000,
                                   1600000005000, 0));
  // All of the interval spent joining: the fetch rates are 0, as Kafka prints them.
  EXPECT_EQ(
      "2020-09-13 12:26:45:000, 0, 1.0000, 0.2000, 100, 20.0000, 5000, 0, 0.0000, 0.0000",
      consumer_progress_line(date, 1024 * 1024, 0, 100, 0, 1600000000000, 1600000005000, 5000));
  EXPECT_EQ(
      "WARNING: Exiting before consuming the expected number of messages: timeout (10000 ms) "
      "exceeded. You can use the --timeout option to increase the timeout.",
      consumer_timeout_warning(10000));
}

}  // namespace
}  // namespace kb::tools
