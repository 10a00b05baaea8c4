#include "broker/kafka_server.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "broker/broker_services.h"
#include "broker/controlled_shutdown_client.h"
#include "broker/group_coordinator_host.h"
#include "broker/metrics/broker_metrics.h"
#include "broker/metrics/metrics_http_server.h"
#include "broker/network/socket_server.h"
#include "broker/producer_id_manager.h"
#include "broker/request_dispatcher.h"
#include "broker/storage/log_manager.h"
#include "broker/topic_admin.h"
#include "broker/topic_config_cache.h"
#include "common/config/broker_config.h"
#include "common/config/config.h"
#include "common/logging.h"
#include "coordinator/controller/channel/channel_manager.h"
#include "coordinator/controller/runtime/controller.h"
#include "coordinator/kafka_zk.h"
#include "coordinator/producer_id_block.h"
#include "coordinator/zk_client.h"

namespace kb::broker {

std::vector<Listener> parse_listeners(const std::string& text) {
  std::vector<Listener> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    std::string item =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    // trim
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) {
      size_t sep = item.find("://");
      size_t colon = item.rfind(':');
      if (sep == std::string::npos || colon == std::string::npos || colon < sep + 3) {
        throw std::invalid_argument("Invalid listener '" + item + "': expected NAME://host:port");
      }
      Listener l;
      l.name = item.substr(0, sep);
      l.host = item.substr(sep + 3, colon - sep - 3);
      if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']') {
        l.host = l.host.substr(1, l.host.size() - 2);
      }
      try {
        size_t used = 0;
        l.port = std::stoi(item.substr(colon + 1), &used);
        if (used != item.size() - colon - 1 || l.port < 0 || l.port > 65535) throw std::exception();
      } catch (...) {
        throw std::invalid_argument("Invalid port in listener '" + item + "'");
      }
      out.push_back(std::move(l));
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (out.empty()) throw std::invalid_argument("No listener configured");
  return out;
}

struct KafkaServer::Impl {
  explicit Impl(const config::ConfigValues& cfg) : config(cfg) {}

  const config::ConfigValues& config;
  BrokerServices services;
  MetadataCache metadata;
  std::unique_ptr<storage::LogManager> logs;
  std::unique_ptr<Purgatory> fetch_purgatory;
  std::unique_ptr<ReplicaManager> replicas;
  std::unique_ptr<coordinator::ZkClient> zk_client;
  std::unique_ptr<coordinator::KafkaZk> zk;
  std::unique_ptr<TopicConfigCache> topic_configs;
  std::unique_ptr<coordinator::controller::ControllerChannelManager> controller_channel;
  std::unique_ptr<coordinator::controller::Controller> controller;
  std::unique_ptr<TaskThread> admin_thread;
  std::unique_ptr<TopicAdmin> topic_admin;
  std::unique_ptr<ProducerIdManager> producer_ids;
  std::unique_ptr<GroupCoordinatorHost> groups;
  std::unique_ptr<RequestDispatcher> dispatcher;
  std::unique_ptr<network::SocketServer> socket_server;
  std::unique_ptr<MetricsHttpServer> metrics_http;
  coordinator::BrokerInfo registration;
  int session_timeout_ms = 0;
  bool started = false;
  bool stopped = false;

  // After the ZooKeeper session expired (a long pause, a partition from ZooKeeper), its
  // ephemeral nodes are gone: open a new session, register again (a new broker epoch), re-read
  // topic configs and rejoin the controller election. Runs on the admin thread; retries every
  // second until it succeeds or the broker stops.
  BrokerMetricsSnapshot metrics_snapshot() const {
    BrokerMetricsSnapshot s;
    s.broker_id = services.broker_id;
    s.partition_count = static_cast<int64_t>(replicas->partition_count());
    s.leader_count = static_cast<int64_t>(replicas->leader_count());
    s.under_replicated_partitions = static_cast<int64_t>(replicas->under_replicated_partitions());
    s.isr_shrinks = replicas->isr_shrinks();
    s.isr_expands = replicas->isr_expands();
    const auto c = controller->metrics();
    s.active_controller_count = c.active ? 1 : 0;
    s.offline_partitions = c.active ? c.offline_partitions : 0;
    s.unclean_leader_elections = c.unclean_leader_elections;
    s.controller_changes = c.controller_changes;
    s.last_failover_ms = c.last_failover_ms;
    if (const auto* cleaner = logs->cleaner()) {
      const auto t = cleaner->totals();
      s.cleaner_passes = static_cast<int64_t>(t.passes);
      s.cleaner_bytes_read = static_cast<int64_t>(t.bytes_read);
      s.cleaner_bytes_written = static_cast<int64_t>(t.bytes_written);
      s.cleaner_records_removed = static_cast<int64_t>(t.records_removed);
    }
    return s;
  }

  // The first registration may outlive its session: a broker restarted right after a kill first
  // waits out its previous session, and a pause (SIGSTOP, a long GC-like stall) meanwhile
  // expires the new one. That is not fatal: open a new session and register again, as
  // recover_session() does later on.
  BrokerEpoch register_at_startup(const coordinator::BrokerInfo& info, int session_timeout) {
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
      try {
        return zk->register_broker(info, session_timeout);
      } catch (const coordinator::ZkError& e) {
        // The call in flight when the session expires reports CONNECTIONLOSS. A new session
        // is right in both cases: closing the old one also drops a registration it may have
        // made just before the connection went.
        const bool lost = e.code() == coordinator::ZkCode::kSessionExpired ||
                          e.code() == coordinator::ZkCode::kConnectionLoss;
        if (!lost || attempt == kAttempts) throw;
        KB_LOG_WARN("server") << "ZooKeeper session lost while registering (" << e.what()
                              << "); opening a new session and registering again";
        zk_client->reconnect();
        topic_configs->on_new_session();
      }
    }
  }

  void recover_session() {
    try {
      zk_client->reconnect();
      auto epoch = zk->register_broker(registration, session_timeout_ms);
      services.broker_epoch = epoch.value();
      KB_LOG_INFO("server") << "Re-registered broker " << registration.id.value()
                            << " after ZooKeeper session expiry, broker epoch " << epoch.value();
      topic_configs->on_new_session();
      controller->on_new_session();
    } catch (const std::exception& e) {
      KB_LOG_WARN("server") << "Recovering the ZooKeeper session failed (" << e.what()
                            << "); retrying in 1 s";
      admin_thread->post_after(std::chrono::seconds(1), [this] { recover_session(); });
    }
  }
};

KafkaServer::KafkaServer(const config::ConfigValues& config)
    : impl_(std::make_unique<Impl>(config)) {
  log::Settings settings;
  log::parse_level(config.get_string("kb.log.level"), &settings.level);
  settings.log_dir = config.get_string("kb.log.dir");
  log::init(settings);
}

KafkaServer::~KafkaServer() {
  shutdown();
}

namespace {

// The controller's settings from the broker config. The inter-broker listener is
// inter.broker.listener.name, else the listener named like security.inter.broker.protocol, else
// the first listener.
coordinator::controller::ControllerOptions controller_options(const config::ConfigValues& cfg,
                                                              int32_t broker_id,
                                                              const std::vector<Listener>& listeners) {
  coordinator::controller::ControllerOptions o;
  o.broker_id = BrokerId(broker_id);
  o.settings.unclean_leader_election_default = cfg.get_bool("unclean.leader.election.enable");
  o.settings.delete_topic_enable = cfg.get_bool("delete.topic.enable");
  o.settings.log_replica_transitions = log::enabled(log::Level::kTrace);
  o.settings.leader_imbalance_per_broker_percentage =
      cfg.get_int("leader.imbalance.per.broker.percentage");
  o.auto_leader_rebalance_enable = cfg.get_bool("auto.leader.rebalance.enable");
  o.leader_imbalance_check_interval =
      std::chrono::seconds(cfg.get_long("leader.imbalance.check.interval.seconds"));
  if (!cfg.is_null("inter.broker.listener.name")) {
    o.inter_broker_listener_name = cfg.get_string("inter.broker.listener.name");
  } else {
    std::string protocol = cfg.get_string("security.inter.broker.protocol");
    o.inter_broker_listener_name = listeners.front().name;
    for (const auto& l : listeners)
      if (l.name == protocol) o.inter_broker_listener_name = l.name;
  }
  o.versions =
      coordinator::controller::inter_broker_versions(cfg.get_string("inter.broker.protocol.version"));
  return o;
}

std::string local_hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

void KafkaServer::start() {
  auto& m = *impl_;
  const auto& cfg = m.config;
  int32_t broker_id = cfg.get_int("broker.id");
  if (broker_id < 0) {
    throw std::runtime_error(
        "broker.id must be set to a non-negative id (generation is not supported yet)");
  }
  auto listeners = parse_listeners(cfg.get_string("listeners"));
  auto advertised = cfg.is_null("advertised.listeners")
                        ? listeners
                        : parse_listeners(cfg.get_string("advertised.listeners"));
  KB_LOG_INFO("server") << "[KafkaServer id=" << broker_id << "] starting";

  // 1. ZooKeeper, top-level paths, cluster id.
  int session_timeout = cfg.get_int("zookeeper.session.timeout.ms");
  m.zk_client = coordinator::ZkClient::connect(cfg.get_string("zookeeper.connect"), session_timeout,
                                               config::effective_zk_connection_timeout_ms(cfg));
  m.zk = std::make_unique<coordinator::KafkaZk>(*m.zk_client);
  m.zk->create_top_level_paths();
  std::string cluster_id = m.zk->get_or_create_cluster_id();
  KB_LOG_INFO("server") << "Cluster ID = " << cluster_id;

  // 2. Logs: meta.properties must agree with ZooKeeper and the configured id.
  storage::LogManagerOptions log_options;
  log_options.log_dirs = config::effective_log_dirs(cfg);
  log_options.defaults = resolve_topic_config(cfg, {}).log_config;
  log_options.retention_check_interval_ms = cfg.get_long("log.retention.check.interval.ms");
  log_options.flush_scheduler_interval_ms = cfg.get_long("log.flush.scheduler.interval.ms");
  log_options.flush_offset_checkpoint_interval_ms =
      cfg.get_int("log.flush.offset.checkpoint.interval.ms");
  log_options.flush_start_offset_checkpoint_interval_ms =
      cfg.get_int("log.flush.start.offset.checkpoint.interval.ms");
  log_options.hw_checkpoint_interval_ms =
      cfg.get_long("replica.high.watermark.checkpoint.interval.ms");
  log_options.num_recovery_threads_per_data_dir = cfg.get_int("num.recovery.threads.per.data.dir");
  log_options.producer_id_expiration_ms = cfg.get_int("transactional.id.expiration.ms");
  log_options.cleaner_enable = cfg.get_bool("log.cleaner.enable");
  log_options.cleaner.threads = cfg.get_int("log.cleaner.threads");
  log_options.cleaner.dedupe_buffer_size = cfg.get_long("log.cleaner.dedupe.buffer.size");
  log_options.cleaner.io_buffer_load_factor = cfg.get_double("log.cleaner.io.buffer.load.factor");
  log_options.cleaner.backoff_ms = cfg.get_long("log.cleaner.backoff.ms");
  m.logs = std::make_unique<storage::LogManager>(log_options);
  if (auto meta = m.logs->read_meta_properties()) {
    if (!meta->cluster_id.empty() && meta->cluster_id != cluster_id) {
      throw std::runtime_error(
          "The Cluster ID " + cluster_id + " doesn't match stored clusterId " + meta->cluster_id +
          " in meta.properties. The broker is trying to join the wrong cluster.");
    }
    if (meta->broker_id != broker_id) {
      throw std::runtime_error("Configured broker.id " + std::to_string(broker_id) +
                               " doesn't match stored broker.id " +
                               std::to_string(meta->broker_id) + " in meta.properties.");
    }
  }
  m.logs->load();

  // 3. Services and the socket server (bound before registration, as Kafka does, so the
  //    registered port is the real one).
  m.fetch_purgatory = std::make_unique<Purgatory>("reaper-Fetch");
  m.replicas =
      std::make_unique<ReplicaManager>(*m.logs, *m.fetch_purgatory, BrokerId(broker_id));
  m.topic_configs = std::make_unique<TopicConfigCache>(cfg, *m.zk);
  m.topic_configs->set_change_listener(apply_topic_config_changes(*m.replicas, m.metadata));
  m.topic_configs->start();
  m.controller_channel = std::make_unique<coordinator::controller::ControllerChannelManager>(
      BrokerId(broker_id), std::chrono::milliseconds(cfg.get_int("controller.socket.timeout.ms")),
      std::chrono::milliseconds(100));
  m.controller = std::make_unique<coordinator::controller::Controller>(
      *m.zk, *m.controller_channel, controller_options(cfg, broker_id, listeners));
  m.admin_thread = std::make_unique<TaskThread>("admin");
  m.services.config = &cfg;
  m.services.broker_id = broker_id;
  m.services.cluster_id = cluster_id;
  m.services.metadata = &m.metadata;
  m.services.replicas = m.replicas.get();
  m.services.fetch_purgatory = m.fetch_purgatory.get();
  m.services.zk = m.zk.get();
  m.services.topic_configs = m.topic_configs.get();
  m.services.controller = m.controller.get();
  m.topic_admin = std::make_unique<TopicAdmin>(m.services, *m.zk, *m.admin_thread);
  m.services.topic_admin = m.topic_admin.get();
  m.producer_ids = std::make_unique<ProducerIdManager>(
      [&m, broker_id] {
        return coordinator::claim_producer_id_block(m.zk->client(), BrokerId(broker_id));
      },
      *m.admin_thread);
  m.services.producer_ids = m.producer_ids.get();
  m.services.admin_thread = m.admin_thread.get();
  m.groups = std::make_unique<GroupCoordinatorHost>(m.services);
  m.services.groups = m.groups.get();

  network::ServerOptions net;
  for (const auto& l : listeners) net.listeners.push_back({l.name, l.host, l.port});
  net.num_network_threads = cfg.get_int("num.network.threads");
  net.socket_request_max_bytes = cfg.get_int("socket.request.max.bytes");
  net.socket_send_buffer_bytes = cfg.get_int("socket.send.buffer.bytes");
  net.socket_receive_buffer_bytes = cfg.get_int("socket.receive.buffer.bytes");
  net.connections_max_idle_ms = cfg.get_long("connections.max.idle.ms");
  m.dispatcher = std::make_unique<RequestDispatcher>(m.services);
  m.socket_server = std::make_unique<network::SocketServer>(net, *m.dispatcher);
  // Bound before the listeners so a taken port fails startup before clients see the broker.
  if (const int32_t port = cfg.get_int("kb.metrics.port"); port >= 0) {
    m.metrics_http = std::make_unique<MetricsHttpServer>(
        cfg.get_string("kb.metrics.host"), static_cast<uint16_t>(port),
        [&m] { return render_prometheus(m.metrics_snapshot()); });
  }
  m.socket_server->start();

  // 4. Registration: port 0 becomes the bound port, an empty host the local hostname.
  coordinator::BrokerInfo info;
  info.id = BrokerId(broker_id);
  info.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (auto l : advertised) {
    if (l.port == 0) l.port = m.socket_server->bound_port(l.name);
    if (l.host.empty()) l.host = local_hostname();
    info.endpoints.push_back({l.name, l.host, l.port, l.name});
  }
  if (!cfg.is_null("broker.rack")) info.rack = cfg.get_string("broker.rack");
  // Replication runs before the broker is visible: the controller's first LeaderAndIsr can
  // follow the registration at once.
  m.replicas->start(ReplicationSettings::from_config(cfg), IsrStore::from_kafka_zk(*m.zk));
  auto epoch = m.register_at_startup(info, session_timeout);
  m.services.broker_epoch = epoch.value();
  m.registration = info;
  m.session_timeout_ms = session_timeout;
  coordinator::SessionListener on_session;
  on_session.on_expired = [&m] {
    KB_LOG_WARN("server") << "ZooKeeper session expired";
    m.controller->on_session_expired();
    m.admin_thread->post([&m] { m.recover_session(); });
  };
  m.zk_client->add_session_listener(std::move(on_session));
  KB_LOG_INFO("server") << "Registered broker " << broker_id << " at path /brokers/ids/"
                        << broker_id << " with broker epoch " << epoch.value();
  m.logs->write_meta_properties(broker_id, cluster_id);

  // 5. The controller election (every broker takes part), then background tasks. Metadata
  //    arrives from the controller (UpdateMetadata).
  m.controller->startup();
  m.logs->start();
  m.started = true;
  KB_LOG_INFO("server") << "[KafkaServer id=" << broker_id << "] started";
}

void KafkaServer::shutdown() {
  auto& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  KB_LOG_INFO("server") << "[KafkaServer id=" << m.services.broker_id << "] shutting down";
  // Controlled shutdown first, while this broker still serves: the controller moves leadership
  // away and sends it LeaderAndIsr / StopReplica meanwhile.
  if (m.started && m.zk) {
    try {
      ControlledShutdownClient::over_zookeeper(
          BrokerId(m.services.broker_id),
          [&m] { return BrokerEpoch(m.services.broker_epoch.load()); },
          controlled_shutdown_settings(m.config), *m.zk)
          .run();
    } catch (const std::exception& e) {
      KB_LOG_WARN("server") << "Controlled shutdown failed: " << e.what();
    }
  }
  if (m.metrics_http) m.metrics_http->stop();
  if (m.socket_server) m.socket_server->stop();
  if (m.topic_configs) m.topic_configs->stop();
  if (m.controller) m.controller->shutdown();
  if (m.controller_channel) m.controller_channel->shutdown();
  if (m.groups) m.groups->shutdown();
  if (m.replicas) m.replicas->shutdown();
  if (m.admin_thread) m.admin_thread->stop();
  if (m.fetch_purgatory) m.fetch_purgatory->stop();
  if (m.logs && m.started) m.logs->shutdown();
  m.zk.reset();
  m.zk_client.reset();
  KB_LOG_INFO("server") << "[KafkaServer id=" << m.services.broker_id << "] shut down completed";
}

}  // namespace kb::broker
