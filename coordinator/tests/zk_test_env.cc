#include "coordinator/tests/zk_test_env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace kb::coordinator::testing {
namespace {

std::string g_address;

std::string run(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + cmd);
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

class ZkEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (const char* dir = std::getenv("KB_TEST_ZK_DIR")) {
      // Started by the ctest fixture; `start` on a running dir just prints its address (and
      // starts one if the fixture's server died).
      g_address = run(std::string(KB_ZOOKEEPER_LOCAL) + " start '" + dir + "'");
      return;
    }
    char tmpl[] = "/tmp/kb-coordinator-zk-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    own_dir_ = tmpl;
    g_address = run(std::string(KB_ZOOKEEPER_LOCAL) + " start '" + own_dir_ + "'");
  }
  void TearDown() override {
    if (own_dir_.empty()) return;
    run(std::string(KB_ZOOKEEPER_LOCAL) + " stop '" + own_dir_ + "'");
    run("rm -rf '" + own_dir_ + "'");
  }

 private:
  std::string own_dir_;
};

}  // namespace

const std::string& zk_address() { return g_address; }

std::string unique_chroot() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "none";
  return "/kbtest/" + name + "-" + std::to_string(getpid());
}

}  // namespace kb::coordinator::testing

// A test binary may define this to run as a helper child process ("--<mode> ..." arguments);
// see coordinator_kafka_zk_integration_test.cc.
__attribute__((weak)) int kb_test_child_main(int argc, char** argv);

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]).rfind("--", 0) == 0 &&
      std::string(argv[1]).rfind("--gtest", 0) != 0 && kb_test_child_main != nullptr) {
    return kb_test_child_main(argc, argv);
  }
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new kb::coordinator::testing::ZkEnvironment);
  return RUN_ALL_TESTS();
}
