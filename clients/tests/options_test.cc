#include "clients/tools/options.h"

#include <gtest/gtest.h>

#include "clients/tools/get_offsets.h"

#include "clients/tools/tool.h"

namespace kb::tools {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"topic", "name", "the topic"},
    {"config", "k=v", "a config", true},
    {"create", "", "create"},
};

ParsedOptions parse(std::vector<const char*> args) {
  args.insert(args.begin(), "tool");
  return parse_options(kSpecs, static_cast<int>(args.size()), args.data());
}

std::string usage_error(std::vector<const char*> args) {
  try {
    parse(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseOptions, ValuesFlagsAndRepeats) {
  auto o = parse({"--create", "--topic", "t", "--config", "a=1", "--config=b=2"});
  EXPECT_TRUE(o.has("create"));
  EXPECT_EQ("t", o.value("topic"));
  EXPECT_EQ((std::vector<std::string>{"a=1", "b=2"}), o.values("config"));
  EXPECT_FALSE(o.has("nope"));
  EXPECT_EQ(std::nullopt, o.value("nope"));
}

TEST(ParseOptions, OneLineErrors) {
  EXPECT_EQ("--bogus is not a recognized option", usage_error({"--bogus"}));
  EXPECT_EQ("Option --topic requires an argument", usage_error({"--topic"}));
  EXPECT_EQ("Option --create does not take a value", usage_error({"--create=yes"}));
  EXPECT_EQ("Option --topic was given more than once",
            usage_error({"--topic", "a", "--topic", "b"}));
  EXPECT_EQ("Unexpected argument 'stray'", usage_error({"stray"}));
  EXPECT_EQ("Unexpected argument '-t'", usage_error({"-t"}));
}

TEST(ParseInteger, BoundsAndGarbage) {
  EXPECT_EQ(3, parse_integer("partitions", "3", 1, 10));
  EXPECT_THROW(parse_integer("partitions", "0", 1, 10), UsageError);
  EXPECT_THROW(parse_integer("partitions", "11", 1, 10), UsageError);
  EXPECT_THROW(parse_integer("partitions", "3x", 1, 10), UsageError);
  EXPECT_THROW(parse_integer("partitions", "", 1, 10), UsageError);
  try {
    parse_integer("partitions", "abc", 1, 10);
  } catch (const UsageError& e) {
    EXPECT_EQ("Invalid value 'abc' for option --partitions: expected an integer from 1 to 10",
              std::string(e.what()));
  }
}

TEST(FormatHelp, TwoColumns) {
  std::string help = format_help("Does things.", kSpecs);
  EXPECT_EQ(0u, help.find("Does things.\nOption"));
  EXPECT_NE(std::string::npos, help.find("--topic <name>"));
  EXPECT_NE(std::string::npos, help.find("--create"));
  EXPECT_NE(std::string::npos, help.find("Description"));
}

TEST(ClientConfigFrom, BootstrapAndTimeoutCaps) {
  std::vector<const char*> args = {"tool", "--bootstrap-server", "h:1,g:2"};
  std::vector<OptionSpec> specs = common_options();
  specs.push_back({"bootstrap-server", "s", ""});
  auto o = parse_options(specs, static_cast<int>(args.size()), args.data());
  auto c = client_config_from(o, std::chrono::milliseconds(2000));
  EXPECT_EQ(2u, c.bootstrap.size());
  EXPECT_EQ(std::chrono::milliseconds(2000), c.api_timeout);
  EXPECT_EQ(std::chrono::milliseconds(2000), c.request_timeout);
  EXPECT_EQ(std::chrono::milliseconds(2000), c.connect_timeout);
  std::vector<const char*> bad = {"tool", "--bootstrap-server", "nohost"};
  auto ob = parse_options(specs, static_cast<int>(bad.size()), bad.data());
  EXPECT_THROW(client_config_from(ob, kDefaultTimeout), UsageError);
}

TEST(RunTool, ExitCodesAndOneLineMessages) {
  ToolInfo info{"t", "Test tool.", {{"fail", "", "fail"}}, "Error while testing : "};
  auto run = [&](std::vector<const char*> args, std::string* out, std::string* err) {
    args.insert(args.begin(), "t");
    std::ostringstream o, e;
    int rc = run_tool(info, static_cast<int>(args.size()), args.data(), o, e, [](ToolContext& c) {
      if (c.options.has("fail")) throw std::runtime_error("it broke");
      c.out << "fine\n";
      return 0;
    });
    *out = o.str();
    *err = e.str();
    return rc;
  };
  std::string out, err;
  EXPECT_EQ(0, run({}, &out, &err));
  EXPECT_EQ("fine\n", out);
  EXPECT_EQ(1, run({"--fail"}, &out, &err));
  EXPECT_EQ("Error while testing : it broke\n", err);
  EXPECT_EQ(1, run({"--nope"}, &out, &err));
  EXPECT_EQ("t: --nope is not a recognized option (see --help)\n", err);
  EXPECT_EQ(1, run({"--timeout-ms", "0"}, &out, &err));
  EXPECT_EQ(1, run({"--output", "yaml"}, &out, &err));
  EXPECT_EQ(0, run({"--help"}, &out, &err));
  EXPECT_NE(std::string::npos, out.find("--timeout-ms"));
  EXPECT_EQ(0, run({"--version"}, &out, &err));
  EXPECT_EQ(0u, out.find("t 0.1.0"));
}

}  // namespace
}  // namespace kb::tools

namespace kb::tools {
namespace {

TEST(GetOffsetsOptions, PartitionsTimeAndLines) {
  EXPECT_EQ((std::set<int32_t>{0, 2}), parse_partition_list("2,0"));
  EXPECT_TRUE(parse_partition_list("").empty());
  EXPECT_THROW(parse_partition_list("0,x"), UsageError);
  EXPECT_THROW(parse_partition_list("-1"), UsageError);
  EXPECT_EQ(-1, parse_offset_time("-1"));
  EXPECT_EQ(-2, parse_offset_time("-2"));
  EXPECT_EQ(1700000000000, parse_offset_time("1700000000000"));
  EXPECT_THROW(parse_offset_time("-3"), UsageError);
  EXPECT_THROW(parse_offset_time("latest"), UsageError);
  EXPECT_EQ("t:0:5\nt:1:\nt:10:7\n", format_offsets("t", {{10, 7}, {0, 5}, {1, std::nullopt}}));
}

}  // namespace
}  // namespace kb::tools
