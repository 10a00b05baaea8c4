// kafka-topics: create, delete, describe, or change a topic (Kafka 2.4's TopicCommand).
#include <iostream>

#include "clients/tools/tool.h"
#include "clients/tools/topic_command.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  using namespace kb::tools;
  // Library log lines (ZooKeeper session chatter) would mix with the tool's output; only
  // errors reach stderr.
  kb::log::init(kb::log::Settings{kb::log::Level::kError, "", true});
  ToolInfo info{"kafka-topics", "This tool helps to create, delete, describe, or change a topic.",
                topic_command_options(), "Error while executing topic command : "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    TopicCommand cmd = parse_topic_command(ctx.options);
    return cmd.zookeeper ? run_topics_zookeeper(cmd, ctx) : run_topics_admin(cmd, ctx);
  });
}
