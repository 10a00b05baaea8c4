// kafka-producer-perf-test: produces --num-records records as fast as allowed and prints Kafka
// 2.4's ProducerPerformance lines (a window line every 5 s from the delivery callbacks, the
// total with latency percentiles at the end), through the library's Producer.
//
// Unlike Kafka's tool, the first record that fails stops the run: one line on stderr and exit 1
// (Kafka prints a stack trace per failed record and carries on), so an unreachable cluster costs
// one max.block.ms (capped by --timeout-ms) instead of one per record.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>

#include "clients/producer.h"
#include "clients/tools/producer_perf.h"
#include "clients/tools/tool.h"

namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t now_ms() {
  return now_us() / 1000;
}

std::vector<std::string> read_payloads(const std::string& file, const std::string& delimiter,
                                       std::ostream& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  out << "Reading payloads from: " << fs::absolute(file, ec).string() << "\n";
  if (!fs::exists(file, ec) || fs::file_size(file, ec) == 0 || ec) {
    throw std::runtime_error("File does not exist or empty file provided.");
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read " + file);
  auto payloads = kb::tools::split_payloads(content.str(), delimiter);
  out << "Number of messages read: " << payloads.size() << "\n";
  if (payloads.empty()) throw std::runtime_error("File does not exist or empty file provided.");
  return payloads;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{"kafka-producer-perf-test", "This tool is used to verify the producer performance.",
                producer_perf_options(), "ERROR "};
  // Kafka prints the help when run without arguments.
  std::vector<std::string> args = argc <= 1
                                      ? std::vector<std::string>{argv[0], "--help"}
                                      : expand_multi_value_option(argc, argv, "producer-props");
  std::vector<const char*> cargs;
  for (const auto& a : args) cargs.push_back(a.c_str());
  return run_tool(
      info, static_cast<int>(cargs.size()), cargs.data(), std::cout, std::cerr,
      [](ToolContext& ctx) {
        if (ctx.output == OutputFormat::kJson) {
          throw UsageError(
              "--output json is not supported by kafka-producer-perf-test (text only)");
        }
        ProducerPerfOptions o = parse_producer_perf_options(ctx.options);
        std::vector<std::string> ignored;
        auto config = producer_perf_config(o, ctx.client, ctx.timeout, &ignored);
        for (const auto& key : ignored) {
          ctx.err << "WARN The configuration '" << key
                  << "' was supplied but isn't a known config.\n";
        }
        std::vector<std::string> payloads;
        if (o.payload_file) payloads = read_payloads(*o.payload_file, o.payload_delimiter, ctx.out);
        ctx.out.flush();

        // Declared before the producer: its callbacks use them until it is closed or destroyed.
        std::mutex mu;  // guards `failure` and the output from the sender thread
        std::optional<std::string> failure;
        int64_t errors = 0;
        std::optional<PerfStats> stats;

        kb::clients::Producer producer(config);
        JavaRandom random(0);
        std::string payload;
        if (o.record_size) payload = random_payload(*o.record_size, random);

        int32_t max_size = 0;
        int64_t start_us = now_us();
        int64_t start = start_us / 1000;
        stats.emplace(o.num_records, 5000, start);
        ThroughputThrottler throttler(o.throughput, start_us);
        kb::clients::ProducerRecord record;
        record.topic = o.topic;
        for (int64_t i = 0; i < o.num_records; ++i) {
          {
            std::lock_guard lock(mu);
            if (failure) break;
          }
          if (!payloads.empty())
            payload = payloads[random.next_int(static_cast<int32_t>(payloads.size()))];
          record.value = payload;
          auto bytes = static_cast<int32_t>(payload.size());
          max_size = std::max(max_size, bytes);
          int64_t send_start_us = now_us();
          int64_t send_start = send_start_us / 1000;
          producer.send(record, [&, i, send_start,
                                 bytes](const kb::clients::DeliveryReport& report) {
            int64_t now = now_ms();
            if (!report.ok()) {
              std::lock_guard lock(mu);
              ++errors;
              if (!failure) {
                failure = "Error when sending message to topic " + o.topic +
                          " with error: " + report.message;
              }
              return;
            }
            if (auto line = stats->record(i, static_cast<int32_t>(now - send_start), bytes, now)) {
              std::lock_guard lock(mu);
              ctx.out << *line << std::endl;
            }
          });
          if (throttler.should_throttle(i, send_start_us)) throttler.throttle();
        }
        producer.close();
        std::lock_guard lock(mu);
        if (failure) throw std::runtime_error(*failure);
        int64_t end = now_ms();
        ctx.out << stats->total(end) << std::endl;
        if (o.print_metrics) {
          // The library keeps no metrics registry; these are the figures this tool measured, under
          // the names Kafka's producer uses for them.
          const std::string tags = ":{client-id=" + config.client.client_id + "}";
          double secs = static_cast<double>(end - start) / 1000.0;
          double count = static_cast<double>(stats->count());
          ctx.out << format_metrics({
              {"producer-metrics:record-send-total" + tags, count},
              {"producer-metrics:record-send-rate" + tags, count / secs},
              {"producer-metrics:record-error-total" + tags, static_cast<double>(errors)},
              {"producer-metrics:record-size-avg" + tags,
               count > 0 ? static_cast<double>(stats->bytes()) / count : 0.0},
              {"producer-metrics:record-size-max" + tags, static_cast<double>(max_size)},
          });
        }
        return 0;
      });
}
