// kafka-console-consumer: prints the records of topics to stdout (Kafka's ConsoleConsumer).
//
// Without a group the partitions are assigned directly (nothing is committed); with --group the
// tool subscribes as a member of that group and commits on exit (enable.auto.commit defaults to
// true, as in Kafka). --timeout-ms keeps Kafka's meaning (stop after that long without a record)
// and also bounds every cluster operation, so an unreachable cluster fails in bounded time.
#include <csignal>
#include <iostream>
#include <regex>

#include "clients/consumer.h"
#include "clients/errors.h"
#include "clients/metadata.h"
#include "clients/tools/console_consumer.h"
#include "clients/tools/tool.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

using kb::clients::TopicPartition;

// Every partition of the topics the options name (for a consumer without a group).
std::vector<TopicPartition> partitions_of(const kb::tools::ConsoleConsumerOptions& o,
                                          const kb::clients::ClientConfig& client) {
  kb::clients::MetadataClient metadata(client);
  std::optional<std::vector<std::string>> topics;
  if (o.topic) topics = std::vector<std::string>{*o.topic};
  auto cluster = metadata.fetch(topics, metadata.default_deadline());
  std::optional<std::regex> pattern;
  if (o.whitelist) pattern.emplace(*o.whitelist);
  std::vector<TopicPartition> out;
  for (const auto& [name, t] : cluster.topics) {
    if (o.topic && name != *o.topic) continue;
    if (pattern && (t.is_internal || !std::regex_match(name, *pattern))) continue;
    if (t.error != kb::ErrorCode::kNone) {
      throw kb::clients::ClientError(t.error,
                                     "Topic " + name + ": " + kb::clients::error_message(t.error));
    }
    for (const auto& p : t.partitions) out.push_back({name, p.id.value()});
  }
  if (o.topic && out.empty()) {
    throw kb::clients::ClientError(kb::ErrorCode::kUnknownTopicOrPartition,
                                   "Topic " + *o.topic + " not present in metadata");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{"kafka-console-consumer",
                "This tool helps to read data from Kafka topics and outputs it to standard "
                "output.",
                console_consumer_options(), "ERROR "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    ConsoleConsumerOptions o = parse_console_consumer_options(ctx.options);
    MessageFormatter formatter(o.formatter_properties);
    kb::clients::ConsumerConfig config;
    config.client = ctx.client;
    config.client.client_id = "console-consumer";
    std::vector<std::string> ignored;
    try {
      kb::clients::apply_consumer_properties(config, o.consumer_properties, &ignored);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    config.client.bootstrap = ctx.client.bootstrap;  // --bootstrap-server wins
    config.client.api_timeout = std::min(config.client.api_timeout, ctx.timeout);
    config.client.connect_timeout = std::min(config.client.connect_timeout, ctx.timeout);
    if (o.from_beginning) config.auto_offset_reset = "earliest";
    std::optional<std::chrono::milliseconds> idle_limit;
    if (ctx.options.has("timeout-ms")) idle_limit = ctx.timeout;

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    kb::clients::Consumer consumer(config);
    if (o.group) {
      o.topic ? consumer.subscribe({*o.topic}) : consumer.subscribe_pattern(*o.whitelist);
    } else {
      auto tps = o.partition ? std::vector<TopicPartition>{{*o.topic, *o.partition}}
                             : partitions_of(o, config.client);
      consumer.assign(tps);
      if (o.partition && o.offset != "earliest" && o.offset != "latest") {
        consumer.seek(tps.front(), std::stoll(o.offset));
      } else if (o.partition ? o.offset == "earliest" : o.from_beginning) {
        consumer.seek_to_beginning(tps);
      } else {
        consumer.seek_to_end(tps);
      }
    }

    int64_t count = 0;
    auto last_record = kb::clients::Clock::now();
    while (!g_stop && (!o.max_messages || count < *o.max_messages)) {
      auto records = consumer.poll(std::chrono::milliseconds(200));
      for (const auto& r : records) {
        if (o.max_messages && count >= *o.max_messages) break;
        std::string line;
        try {
          line = formatter.format(r);
        } catch (const std::exception& e) {
          if (!o.skip_message_on_error) throw;
          ctx.err << "ERROR Error processing message, skipping this message: " << e.what() << "\n";
          continue;
        }
        ctx.out << line;
        ++count;
      }
      ctx.out.flush();
      if (!records.empty()) {
        last_record = kb::clients::Clock::now();
      } else if (idle_limit && kb::clients::Clock::now() - last_record >= *idle_limit) {
        break;
      }
    }
    consumer.close();
    ctx.err << "Processed a total of " << count << " messages\n";
    return 0;
  });
}
