#include "common/logging.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace kb::log {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kb_logging_test." + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    init(Settings{});  // back to stderr before the directory goes
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST(LoggingParseTest, ParseLevel) {
  Level l = Level::kInfo;
  EXPECT_TRUE(parse_level("debug", &l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(parse_level("WARN", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_TRUE(parse_level("Trace", &l));
  EXPECT_EQ(l, Level::kTrace);
  EXPECT_TRUE(parse_level("FATAL", &l));
  EXPECT_EQ(l, Level::kFatal);
  EXPECT_FALSE(parse_level("loud", &l));
  EXPECT_FALSE(parse_level("", &l));
}

TEST_F(LoggingTest, WritesKafkaLikeLinesToServerLog) {
  Settings s;
  s.level = Level::kInfo;
  s.log_dir = dir_.string();
  s.also_stderr = false;
  init(s);
  EXPECT_TRUE(enabled(Level::kInfo));
  EXPECT_FALSE(enabled(Level::kDebug));
  KB_LOG_INFO("storage") << "Rolled segment " << 42;
  KB_LOG_DEBUG("storage") << "hidden";
  KB_LOG_WARN("network") << "slow";
  state_change("Broker 1 became leader of t-0");

  std::string server = slurp(dir_ / "server.log");
  std::regex line(
      R"(\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\] INFO Rolled segment 42 \(storage\)\n)"
      R"(\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\] WARN slow \(network\)\n)");
  EXPECT_TRUE(std::regex_match(server, line)) << server;
  std::string state = slurp(dir_ / "state-change.log");
  EXPECT_NE(state.find("] INFO Broker 1 became leader of t-0 (state.change.logger)\n"),
            std::string::npos)
      << state;
  EXPECT_EQ(server.find("became leader"), std::string::npos);
}

TEST_F(LoggingTest, ReinitChangesLevelAndIsThreadSafe) {
  Settings s;
  s.level = Level::kWarn;
  s.log_dir = dir_.string();
  s.also_stderr = false;
  init(s);
  EXPECT_FALSE(enabled(Level::kInfo));
  s.level = Level::kDebug;
  init(s);
  EXPECT_TRUE(enabled(Level::kDebug));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) KB_LOG_DEBUG("t" + std::to_string(t)) << "line " << i;
    });
  }
  for (auto& th : threads) th.join();
  std::string server = slurp(dir_ / "server.log");
  std::istringstream in(server);
  std::string l;
  int count = 0;
  std::regex shape(R"(\[[^\]]+\] DEBUG line \d+ \(t\d\))");
  while (std::getline(in, l)) {
    EXPECT_TRUE(std::regex_match(l, shape)) << l;
    ++count;
  }
  EXPECT_EQ(count, 800);
}

}  // namespace
}  // namespace kb::log
