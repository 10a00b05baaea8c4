// kafka-server <server.properties> [--override key=value ...]
#include <execinfo.h>
#include <sys/resource.h>
#include <unistd.h>

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

// A crash (a failed heap check aborts too) writes the stack to stderr, which the broker's own
// log captures when started by the scripts and tests, before the default action ends the process:
// without it a crash seen once in CI leaves nothing to go on. Only async-signal-safe calls here
// (backtrace is primed in install_crash_handler so that it does not load libgcc now).
void on_fatal_signal(int sig) {
  static const char kHead[] =
      "\nkafka-server: fatal signal; stack (addresses resolve with "
      "addr2line -Cfe kafka-server):\n";
  ssize_t ignored = ::write(STDERR_FILENO, kHead, sizeof(kHead) - 1);
  (void)ignored;
  void* frames[64];
  const int n = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_crash_handler() {
  void* prime[1];
  ::backtrace(prime, 1);
  // Its own stack, so that a stack overflow can still be reported.
  static char alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof(alt_stack);
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::sigaction(sig, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  install_crash_handler();
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
