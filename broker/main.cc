// kafka-server <server.properties> [--override key=value ...]
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "broker/kafka_server.h"
#include "common/config/broker_config.h"
#include "common/config/config.h"
#include "common/logging.h"

namespace {

constexpr const char* kUsage =
    "Usage: kafka-server <server.properties> [--override key=value ...]\n"
    "  Starts a Kafka-compatible broker coordinated by ZooKeeper.\n"
    "  --override key=value   set a config key, overriding the properties file\n"
    "  --help                 show this help\n"
    "  --version              show the version\n";

int fail(const std::string& message) {
  std::cerr << "kafka-server: " << message << "\n";
  return 1;
}

// A broker holds a descriptor per log segment and per connection: take everything the hard limit
// allows instead of failing at a few thousand partitions (Kafka's docs ask operators for 100,000).
void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  raise_open_file_limit();
  std::string properties_path;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "kafka-server 0.1.0 (Kafka 2.4 protocol and ZooKeeper layout)\n";
      return 0;
    }
    if (arg == "--override") {
      if (i + 1 >= argc) return fail("--override needs a key=value argument");
      std::string kv = argv[++i];
      if (kv.find('=') == std::string::npos)
        return fail("--override expects key=value, got '" + kv + "'");
      overrides.push_back(kv);
      continue;
    }
    if (arg.rfind("--", 0) == 0) return fail("unknown option " + arg + " (see --help)");
    if (!properties_path.empty()) return fail("unexpected argument " + arg + " (see --help)");
    properties_path = arg;
  }
  if (properties_path.empty()) {
    std::cerr << kUsage;
    return 1;
  }

  // Signals are taken by sigwait below, never by an arbitrary thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> warnings;
  std::unique_ptr<kb::config::ConfigValues> config;
  try {
    config = std::make_unique<kb::config::ConfigValues>(
        kb::config::load_broker_config(properties_path, overrides, &warnings));
  } catch (const std::exception& e) {
    return fail(e.what());
  }

  kb::broker::KafkaServer server(*config);
  for (const auto& w : warnings) KB_LOG_WARN("config") << w;
  try {
    server.start();
  } catch (const std::exception& e) {
    KB_LOG_ERROR("server") << "Fatal error during startup: " << e.what();
    server.shutdown();
    return fail(e.what());
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  KB_LOG_INFO("server") << "Received " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
                        << ", shutting down";
  server.shutdown();
  return 0;
}
