// kafka-get-offsets: the earliest, latest or by-timestamp offsets of a topic's partitions
// (Kafka 2.4's GetOffsetShell), asked of each partition's leader with ListOffsets.
#include <iostream>

#include "clients/admin_client.h"
#include "clients/client_config.h"
#include "clients/errors.h"
#include "clients/tools/get_offsets.h"
#include "clients/tools/tool.h"

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{
      "kafka-get-offsets",
      "An interactive shell for getting topic offsets.",
      {{"broker-list", "hostname:port,...,hostname:port",
        "REQUIRED (or --bootstrap-server): The list of hostname and port of the server to\n"
        "connect to."},
       {"bootstrap-server", "hostname:port,...", "Same as --broker-list."},
       {"topic", "topic", "REQUIRED: The topic to get offset from."},
       {"partitions", "partition ids",
        "comma separated list of partition ids. If not specified, it will find\n"
        "offsets for all partitions (default: )"},
       {"time", "timestamp/-1(latest)/-2(earliest)",
        "timestamp of the offsets before that. (default: -1)"},
       {"offsets", "count", "DEPRECATED AND IGNORED: number of offsets returned (default: 1)"},
       {"max-wait-ms", "ms",
        "DEPRECATED AND IGNORED: The max amount of time each fetch request waits.\n"
        "(default: 1000)"}},
      "Error: "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    // Kafka's tool has no JSON output; refuse rather than print text under --output json.
    if (ctx.output == OutputFormat::kJson) {
      throw UsageError("--output json is not supported by kafka-get-offsets (text only)");
    }
    if (auto list = ctx.options.value("broker-list")) {
      if (ctx.options.has("bootstrap-server")) {
        throw UsageError("Option --broker-list is not valid with --bootstrap-server");
      }
      try {
        ctx.client.bootstrap = kb::clients::parse_bootstrap(*list);
      } catch (const std::exception& e) {
        throw UsageError(e.what());
      }
    }
    if (ctx.client.bootstrap.empty()) {
      throw UsageError("Missing required argument \"[broker-list]\"");
    }
    auto topic = ctx.options.value("topic");
    if (!topic) throw UsageError("Missing required argument \"[topic]\"");
    auto requested = parse_partition_list(ctx.options.value("partitions").value_or(""));
    int64_t time = parse_offset_time(ctx.options.value("time").value_or("-1"));
    if (auto o = ctx.options.value("offsets")) parse_integer("offsets", *o, 1, INT32_MAX);
    if (auto w = ctx.options.value("max-wait-ms")) parse_integer("max-wait-ms", *w, 0, INT32_MAX);

    kb::clients::AdminClient admin(ctx.client);
    auto& md = admin.metadata();
    auto cluster = md.fetch(std::vector<std::string>{*topic}, md.default_deadline());
    auto it = cluster.topics.find(*topic);
    if (it == cluster.topics.end() || it->second.error != kb::ErrorCode::kNone) {
      ctx.err << "Topic " << *topic << " does not exist\n";
      return 1;
    }
    std::set<int32_t> present;
    std::map<kb::clients::TopicPartition, kb::clients::OffsetQuery> queries;
    for (const auto& p : it->second.partitions) {
      int32_t id = p.id.value();
      if (!requested.empty() && !requested.count(id)) continue;
      present.insert(id);
      if (p.leader.value() < 0) {
        ctx.err << "Error: partition " << id << " does not have a leader. Skip getting offsets\n";
        continue;
      }
      queries[kb::clients::TopicPartition{*topic, id}] = kb::clients::OffsetQuery{time};
    }
    if (present.empty()) {
      if (requested.empty()) {
        ctx.err << "Topic " << *topic << " has 0 partitions\n";
      } else {
        std::string ids;
        for (int32_t id : requested) ids += (ids.empty() ? "" : ",") + std::to_string(id);
        ctx.err << "Topic " << *topic << " does not have any of the requested partitions " << ids
                << "\n";
      }
      return 1;
    }
    for (int32_t id : requested) {
      if (!present.count(id)) ctx.err << "Error: partition " << id << " does not exist\n";
    }
    std::map<int32_t, std::optional<int64_t>> offsets;
    int failures = 0;
    for (const auto& [tp, listed] : admin.list_offsets(queries)) {
      if (listed.error != kb::ErrorCode::kNone) {
        // Kafka's consumer would retry until its timeout; we report the leader's answer.
        ctx.err << "Error: partition " << tp.partition << ": "
                << kb::clients::error_message(listed.error) << "\n";
        ++failures;
        continue;
      }
      offsets[tp.partition] = listed.offset < 0 ? std::nullopt : std::optional(listed.offset);
    }
    ctx.out << format_offsets(*topic, offsets);
    return failures == 0 ? 0 : 1;
  });
}
