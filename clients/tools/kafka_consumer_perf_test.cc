// kafka-consumer-perf-test: reads --messages records of a topic as a member of a consumer group
// and prints Kafka 2.4's ConsumerPerformance lines, through the library's Consumer.
//
// The library has no rebalance listener, so rebalance.time.ms is measured from the start until
// the first poll() after which the consumer holds partitions (Kafka: from onPartitionsRevoked to
// onPartitionsAssigned, summed over rebalances); later rebalances are not seen.
#include <chrono>
#include <iostream>
#include <random>

#include "clients/consumer.h"
#include "clients/tools/consumer_perf.h"
#include "clients/tools/producer_perf.h"  // format_metrics
#include "clients/tools/tool.h"

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{"kafka-consumer-perf-test",
                "This tool helps in performance test for the full zookeeper consumer",
                consumer_perf_options(), "ERROR "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    if (ctx.output == OutputFormat::kJson) {
      throw UsageError("--output json is not supported by kafka-consumer-perf-test (text only)");
    }
    std::random_device rd;
    std::string random_group = "perf-consumer-" + std::to_string(rd() % 100000);
    ConsumerPerfOptions o = parse_consumer_perf_options(ctx.options, random_group);
    DateFormat date(o.date_format);

    kb::clients::ConsumerConfig config;
    config.client = ctx.client;
    config.client.client_id = "consumer-" + o.group + "-1";
    std::vector<std::string> ignored;
    try {
      kb::clients::apply_consumer_properties(config, o.consumer_properties, &ignored);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    for (const auto& key : ignored) {
      ctx.err << "WARN The configuration '" << key << "' was supplied but isn't a known config.\n";
    }
    // Waiting for the cluster is bounded by --timeout-ms, so an unreachable one fails in time.
    config.client.api_timeout = std::min(config.client.api_timeout, ctx.timeout);
    config.client.connect_timeout = std::min(config.client.connect_timeout, ctx.timeout);
    config.client.request_timeout = std::min(config.client.request_timeout, ctx.timeout);

    if (!o.hide_header) ctx.out << consumer_header(o.show_detailed_stats) << std::endl;

    kb::clients::Consumer consumer(config);
    int64_t start = now_ms();
    consumer.subscribe({o.topic});

    int64_t bytes = 0, messages = 0, last_bytes = 0, last_messages = 0;
    int64_t join_ms = 0, join_ms_in_round = 0;
    bool assigned = false;
    int64_t current = now_ms();
    int64_t last_report = current, last_consumed = current;
    while (messages < o.messages && current - last_consumed <= o.record_timeout_ms) {
      auto records = consumer.poll(std::chrono::milliseconds(100));
      current = now_ms();
      if (!assigned && !consumer.assignment().empty()) {
        assigned = true;
        join_ms += current - start;
        join_ms_in_round += current - start;
      }
      if (!records.empty()) last_consumed = current;
      for (const auto& r : records) {
        ++messages;
        if (r.key) bytes += static_cast<int64_t>(r.key->size());
        if (r.value) bytes += static_cast<int64_t>(r.value->size());
        if (current - last_report >= o.reporting_interval_ms) {
          if (o.show_detailed_stats) {
            ctx.out << consumer_progress_line(date, bytes, last_bytes, messages, last_messages,
                                              last_report, current, join_ms_in_round)
                    << std::endl;
          }
          join_ms_in_round = 0;
          last_report = current;
          last_messages = messages;
          last_bytes = bytes;
        }
      }
    }
    if (messages < o.messages) ctx.out << consumer_timeout_warning(o.record_timeout_ms) << "\n";
    int64_t end = now_ms();
    consumer.close();
    if (!o.show_detailed_stats) {
      ctx.out << consumer_result_line(date, start, end, bytes, messages, join_ms) << "\n";
    }
    if (o.print_metrics) {
      // The library keeps no metrics registry; these are the figures this tool measured, under
      // the names Kafka's consumer uses for them.
      const std::string tags = ":{client-id=" + config.client.client_id + "}";
      double secs = static_cast<double>(end - start) / 1000.0;
      ctx.out << format_metrics({
          {"consumer-fetch-manager-metrics:records-consumed-total" + tags,
           static_cast<double>(messages)},
          {"consumer-fetch-manager-metrics:records-consumed-rate" + tags,
           static_cast<double>(messages) / secs},
          {"consumer-fetch-manager-metrics:bytes-consumed-total" + tags,
           static_cast<double>(bytes)},
          {"consumer-fetch-manager-metrics:bytes-consumed-rate" + tags,
           static_cast<double>(bytes) / secs},
          {"consumer-coordinator-metrics:join-time-max" + tags, static_cast<double>(join_ms)},
      });
    }
    return 0;
  });
}
