// kafka-dump-log: dumps segment, offset index and time index files (Kafka's DumpLogSegments).
// Works on files only; no cluster connection is made.
#include <iostream>
#include <sstream>

#include "clients/tools/dump_log.h"
#include "clients/tools/tool.h"

int main(int argc, char** argv) {
  using namespace kb::tools;
  ToolInfo info{
      "kafka-dump-log",
      "This tool helps to parse a log file and dump its contents to the console, useful for "
      "debugging a seemingly corrupt log segment.",
      {{"files", "String: file1, file2, ...",
        "REQUIRED: The comma separated list of data and index log files to be dumped."},
       {"print-data-log", "",
        "if set, printing the messages content when dumping data logs.\n"
        "Automatically set if any decoder option is specified."},
       {"deep-iteration", "",
        "if set, uses deep instead of shallow iteration. Automatically set\n"
        "if print-data-log is enabled."},
       {"verify-index-only", "", "if set, just verify the index log without printing its content."},
       {"index-sanity-check", "",
        "if set, just checks the index sanity without printing its content.\n"
        "This is the same check that is executed on broker startup."},
       {"max-message-size", "Integer: size", "Size of largest message. (default: 5242880)"},
       {"value-decoder-class", "String",
        "Accepted for compatibility; values are always printed as strings\n"
        "(Kafka's default kafka.serializer.StringDecoder)."},
       {"key-decoder-class", "String",
        "Accepted for compatibility; keys are always printed as strings."}},
      "Error: "};
  return run_tool(info, argc, argv, std::cout, std::cerr, [](ToolContext& ctx) {
    // Kafka's tool has no JSON output; refuse rather than print text under --output json.
    if (ctx.output == OutputFormat::kJson) {
      throw UsageError("--output json is not supported by kafka-dump-log (text only)");
    }
    auto files_opt = ctx.options.value("files");
    if (!files_opt) throw UsageError("Missing required argument \"[files]\"");
    std::vector<std::string> files;
    std::stringstream ss(*files_opt);
    for (std::string f; std::getline(ss, f, ',');) {
      if (!f.empty()) files.push_back(f);
    }
    if (files.empty()) throw UsageError("Option --files needs at least one file name");
    DumpLogOptions options;
    options.print_data = ctx.options.has("print-data-log") ||
                         ctx.options.has("value-decoder-class") ||
                         ctx.options.has("key-decoder-class");
    options.deep = ctx.options.has("deep-iteration") || options.print_data;
    options.verify_only = ctx.options.has("verify-index-only");
    options.sanity_only = ctx.options.has("index-sanity-check");
    if (auto m = ctx.options.value("max-message-size")) {
      options.max_message_size =
          static_cast<int32_t>(parse_integer("max-message-size", *m, 1, INT32_MAX));
    }
    return dump_files(files, options, ctx.out, ctx.err);
  });
}
