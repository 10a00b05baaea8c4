// kafka-console-producer: reads lines from stdin and produces one record per line (Kafka 2.4's
// ConsoleProducer). Unlike Kafka's, a record that fails ends the run with a one-line error and
// exit code 1 instead of only being logged, so that scripts notice.
#include <iostream>
#include <mutex>
#include <optional>
#include <string>

#include "clients/producer.h"
#include "clients/tools/console_producer.h"
#include "clients/tools/tool.h"

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{"kafka-console-producer",
                "This tool helps to read data from standard input and publish it to Kafka.",
                console_producer_options(), "ERROR "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    auto topic = ctx.options.value("topic");
    if (!topic) throw UsageError("Missing required argument \"[topic]\"");
    if (!ctx.options.has("bootstrap-server")) {
      auto list = ctx.options.value("broker-list");
      if (!list) throw UsageError("Missing required argument \"[bootstrap-server]\"");
      try {
        ctx.client.bootstrap = kb::clients::parse_bootstrap(*list);
      } catch (const std::exception& e) {
        throw UsageError(e.what());
      }
    }
    if (ctx.client.bootstrap.empty()) {
      throw UsageError("Missing required argument \"[bootstrap-server]\"");
    }
    LineFormat format = parse_line_format(ctx.options.values("property"));
    auto config = console_producer_config(ctx.options, ctx.client, ctx.timeout);
    bool sync = ctx.options.has("sync");

    // The first failure, reported once; later records are not sent.
    std::mutex mu;
    std::optional<std::string> failure;
    auto failed = [&] {
      std::lock_guard lock(mu);
      return failure.has_value();
    };
    auto describe = [](const kb::clients::ProducerRecord& r, const std::string& why) {
      return "Error when sending message to topic " + r.topic +
             " with key: " + (r.key ? std::to_string(r.key->size()) + " bytes" : "null") +
             ", value: " + (r.value ? std::to_string(r.value->size()) + " bytes" : "null") +
             " with error: " + why;
    };

    kb::clients::Producer producer(config);
    std::string line;
    int line_number = 0;
    while (!failed() && std::getline(std::cin, line)) {
      ++line_number;
      auto record = parse_line(line, format, *topic, line_number);
      if (sync) {
        try {
          producer.send(record).get();
        } catch (const std::exception& e) {
          throw std::runtime_error(describe(record, e.what()));
        }
        continue;
      }
      auto shown = record;
      producer.send(std::move(record), [&, shown](const kb::clients::DeliveryReport& report) {
        if (report.ok()) return;
        std::lock_guard lock(mu);
        if (!failure) failure = describe(shown, report.message);
      });
    }
    producer.flush();
    producer.close();
    if (failure) throw std::runtime_error(*failure);
    return 0;
  });
}
