// kafka-consumer-groups: list, describe, reset offsets of and delete consumer groups (Kafka
// 2.4's ConsumerGroupCommand).
#include <iostream>

#include "clients/tools/group_command.h"
#include "clients/tools/tool.h"

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{"kafka-consumer-groups",
                "This tool helps to list all consumer groups, describe a consumer group, delete "
                "consumer group info, or reset consumer group offsets.",
                group_command_options(), "Error: "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    return run_consumer_groups(parse_group_command(ctx.options), ctx);
  });
}
