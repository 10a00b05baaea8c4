#pragma once
// Test support: a real ZooKeeper for integration tests. Under ctest, the server is started once
// per test binary by a fixture (KB_TEST_ZK_DIR names its data dir); run by hand, the binary starts
// its own with scripts/zookeeper-local in a temp dir and stops it (by its PID) at exit.
#include <string>

namespace kb::coordinator::testing {

// "127.0.0.1:<port>" of the server.
const std::string& zk_address();
// A chroot unique to the running test (and process), so tests can share one server.
std::string unique_chroot();

}  // namespace kb::coordinator::testing
