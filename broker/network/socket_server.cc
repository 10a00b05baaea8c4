#include "broker/network/socket_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <stdexcept>

#include "broker/network/connection.h"
#include "common/logging.h"
#include "common/thread_name.h"

namespace kb::network {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// Runs an event loop until it has no more work. A handler that throws is logged and the loop
// goes on: one bad request must not take the thread (and its connections) down.
void run_loop(asio::io_context& ioc, const std::string& name) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      KB_LOG_ERROR("network") << "Uncaught exception on " << name << ": " << e.what();
    }
  }
}

}  // namespace

// One bound listener and its accept loop.
// Thread safety: after start(), touched only on the acceptor thread, except `port` (immutable).
struct Listener {
  Listener(asio::io_context& ioc, ListenerSpec spec)
      : spec(std::move(spec)), acceptor(ioc), retry_timer(ioc) {}
  ListenerSpec spec;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;  // backs off after accept errors such as EMFILE
  int port = 0;
};

struct SocketServer::Impl {
  Impl(ServerOptions opts, RequestDispatcher& d) : options(std::move(opts)), dispatcher(d) {}

  void bind_all();
  void accept_next(Listener& listener);

  const ServerOptions options;
  RequestDispatcher& dispatcher;
  std::atomic<int64_t> open_connections{0};
  std::atomic<uint64_t> next_connection_id{1};

  asio::io_context accept_ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> accept_work;
  std::thread accept_thread;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::map<std::string, int> bound_ports;  // written by start(), read-only afterwards

  std::vector<std::unique_ptr<detail::IoLoop>> loops;
  size_t next_loop = 0;  // acceptor thread only

  bool started = false;
  bool stopped = false;
};

void SocketServer::Impl::bind_all() {
  tcp::resolver resolver(accept_ioc);
  for (const auto& spec : options.listeners) {
    auto listener = std::make_unique<Listener>(accept_ioc, spec);
    const std::string where =
        (spec.host.empty() ? "0.0.0.0" : spec.host) + ":" + std::to_string(spec.port);
    auto fail = [&](const std::string& reason) {
      throw std::runtime_error("Failed to bind listener " + spec.name + " to " + where + ": " +
                               reason);
    };
    error_code ec;
    tcp::endpoint endpoint(tcp::v4(), static_cast<uint16_t>(spec.port));
    if (!spec.host.empty()) {
      auto results =
          resolver.resolve(spec.host, std::to_string(spec.port), tcp::resolver::passive, ec);
      if (ec || results.empty()) fail(ec ? ec.message() : "host not found");
      endpoint = results.begin()->endpoint();
    }
    auto& acc = listener->acceptor;
    acc.open(endpoint.protocol(), ec);
    if (ec) fail(ec.message());
    // A restarted broker must rebind while old connections sit in TIME_WAIT.
    acc.set_option(asio::socket_base::reuse_address(true), ec);
    // Set before listen so accepted sockets inherit it and TCP window scaling is negotiated.
    if (options.socket_receive_buffer_bytes > 0) {
      acc.set_option(asio::socket_base::receive_buffer_size(options.socket_receive_buffer_bytes),
                     ec);
    }
    acc.bind(endpoint, ec);
    if (ec) fail(ec.message());
    acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail(ec.message());
    listener->port = acc.local_endpoint().port();
    bound_ports[spec.name] = listener->port;
    KB_LOG_INFO("network") << "Listener " << spec.name << " bound to "
                           << acc.local_endpoint().address().to_string() << ":" << listener->port;
    listeners.push_back(std::move(listener));
  }
}

void SocketServer::Impl::accept_next(Listener& listener) {
  // The new socket is created on the chosen I/O thread's io_context so it belongs to that loop.
  detail::IoLoop& loop = *loops[next_loop];
  next_loop = (next_loop + 1) % loops.size();
  listener.acceptor.async_accept(loop.ioc, [this, &listener, &loop](const error_code& ec,
                                                                    tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !listener.acceptor.is_open()) return;
    if (ec) {
      // EMFILE/ENFILE and friends: retrying at once would spin.
      KB_LOG_WARN("network") << "Error accepting on listener " << listener.spec.name << ": "
                             << ec.message();
      listener.retry_timer.expires_after(std::chrono::milliseconds(100));
      listener.retry_timer.async_wait([this, &listener](const error_code& tec) {
        if (!tec && listener.acceptor.is_open()) accept_next(listener);
      });
      return;
    }
    const uint64_t id = next_connection_id.fetch_add(1, std::memory_order_relaxed);
    asio::post(loop.ioc, [&loop, id, name = listener.spec.name, s = std::move(socket)]() mutable {
      auto connection = std::make_shared<detail::Connection>(loop, std::move(s), id, name);
      connection->start();
    });
    accept_next(listener);
  });
}

SocketServer::SocketServer(ServerOptions options, RequestDispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher)) {}

SocketServer::~SocketServer() {
  stop();
}

void SocketServer::start() {
  auto& m = *impl_;
  if (m.started) throw std::logic_error("SocketServer::start called twice");
  if (m.options.listeners.empty()) throw std::runtime_error("SocketServer: no listeners");
  try {
    m.bind_all();  // throws before any thread exists
  } catch (...) {
    m.listeners.clear();  // release the ports bound so far
    m.bound_ports.clear();
    throw;
  }
  m.started = true;

  const int threads = std::max(1, m.options.num_network_threads);
  for (int i = 0; i < threads; ++i) {
    m.loops.push_back(
        std::make_unique<detail::IoLoop>(m.options, m.dispatcher, m.open_connections, i));
  }
  for (auto& loop : m.loops) {
    detail::IoLoop* l = loop.get();
    l->thread = std::thread([l] {
      set_current_thread_name("kb-network-" + std::to_string(l->index));
      l->bind_to_this_thread();
      run_loop(l->ioc, "network thread " + std::to_string(l->index));
    });
  }
  m.accept_work.emplace(asio::make_work_guard(m.accept_ioc));
  for (auto& listener : m.listeners) m.accept_next(*listener);
  m.accept_thread = std::thread([&m] {
    set_current_thread_name("kb-acceptor");
    run_loop(m.accept_ioc, "acceptor thread");
  });
}

int SocketServer::bound_port(const std::string& listener_name) const {
  auto it = impl_->bound_ports.find(listener_name);
  if (it == impl_->bound_ports.end()) {
    throw std::out_of_range("No bound listener named " + listener_name);
  }
  return it->second;
}

int64_t SocketServer::open_connections() const {
  return impl_->open_connections.load(std::memory_order_relaxed);
}

void SocketServer::stop() {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  KB_LOG_INFO("network") << "Stopping socket server";

  // 1. No new connections: close the acceptors on their own thread and let it finish.
  asio::post(m.accept_ioc, [&m] {
    error_code ignored;
    for (auto& l : m.listeners) {
      l->acceptor.close(ignored);
      l->retry_timer.cancel();
    }
  });
  m.accept_work.reset();
  if (m.accept_thread.joinable()) m.accept_thread.join();

  // 2. Close every connection on its own thread. Closing cancels all I/O, so each loop runs
  // out of work and returns. Sockets handed over by the acceptor before step 1 finished are
  // posted earlier, so they are created (and closed) before close_all runs; the `stopping`
  // flag covers any stragglers.
  for (auto& loop : m.loops) {
    detail::IoLoop* l = loop.get();
    asio::post(l->ioc, [l] { l->close_all(); });
    l->work.reset();
  }
  for (auto& loop : m.loops) {
    if (loop->thread.joinable()) loop->thread.join();
  }
  KB_LOG_INFO("network") << "Socket server stopped";
}

}  // namespace kb::network
