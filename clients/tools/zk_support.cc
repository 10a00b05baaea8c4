// What the --zookeeper tools share: connecting without side effects, and checking topic configs
// before writing /config/topics/T themselves.
#include "clients/tools/topic_command.h"
#include "common/config/broker_config.h"
#include "common/config/config.h"
#include "common/config/topic_config.h"
#include "coordinator/zk_client.h"

#include <condition_variable>
#include <mutex>

namespace kb::tools {

std::unique_ptr<coordinator::ZkClient> connect_zookeeper(const std::string& connect_string,
                                                         std::chrono::milliseconds timeout) {
  // Kafka's tools use a 30 s session; the connection wait is bounded by --timeout-ms.
  constexpr int kSessionTimeoutMs = 30000;
  int timeout_ms = static_cast<int>(timeout.count());
  // ZkClient creates a missing chroot (what a broker wants at first start); a tool given a
  // mistyped chroot must not leave a node behind, so check it through a chroot-less session.
  auto [hosts, chroot] = coordinator::split_connect_string(connect_string);
  if (!chroot.empty()) {
    auto probe = coordinator::ZkClient::connect(hosts, kSessionTimeoutMs, timeout_ms);
    if (probe->exists(chroot).first == coordinator::ZkCode::kNoNode) {
      throw std::runtime_error("ZooKeeper chroot path " + chroot + " does not exist");
    }
  }
  return coordinator::ZkClient::connect(connect_string, kSessionTimeoutMs, timeout_ms);
}

void validate_topic_configs_locally(const std::map<std::string, std::string>& configs,
                                    const std::string& zk_connect) {
  // No broker sees these values before they are written, so check them here, against the
  // built-in defaults (the brokers' own property files are not visible to the tool).
  if (configs.empty()) return;
  config::ConfigValues broker;
  try {
    broker = config::parse_broker_config({{"zookeeper.connect", zk_connect}}, nullptr);
  } catch (const std::exception&) {
    return;  // no defaults to check against; the brokers will reject bad values
  }
  config::parse_topic_config(configs, broker);  // throws ConfigError with a one-line what()
}

std::vector<std::optional<std::string>> read_znodes(coordinator::ZkClient& zk,
                                                    const std::vector<std::string>& paths,
                                                    std::chrono::milliseconds timeout) {
  // Shared with the callbacks, which may still run after a timeout returned.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    size_t pending = 0;
    std::vector<std::optional<std::string>> data;
    std::string error;
  };
  auto state = std::make_shared<State>();
  state->pending = paths.size();
  state->data.resize(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    zk.get_data_async(
        paths[i], false, [state, i, path = paths[i]](const coordinator::GetDataResult& r) {
          std::lock_guard<std::mutex> lock(state->mu);
          if (r.code == coordinator::ZkCode::kOk) {
            state->data[i] = r.data;
          } else if (r.code != coordinator::ZkCode::kNoNode && state->error.empty()) {
            state->error =
                "Reading " + path + " from ZooKeeper failed: " + coordinator::zk_code_name(r.code);
          }
          if (--state->pending == 0) state->cv.notify_all();
        });
  }
  std::unique_lock<std::mutex> lock(state->mu);
  if (!state->cv.wait_for(lock, timeout, [&] { return state->pending == 0; })) {
    throw std::runtime_error("Timed out reading " + std::to_string(paths.size()) +
                             " znodes from ZooKeeper");
  }
  if (!state->error.empty()) throw std::runtime_error(state->error);
  return std::move(state->data);
}

}  // namespace kb::tools
