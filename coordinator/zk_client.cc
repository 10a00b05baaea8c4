#include "coordinator/zk_client.h"

#include <zookeeper/zookeeper.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string_view>

#include "common/logging.h"

namespace kb::coordinator {
namespace {

constexpr const char* kLog = "zookeeper";

// True on the ZooKeeper completion thread while one of our callbacks runs: the blocking helpers
// refuse to run there, because they would wait for a completion that this thread must deliver.
thread_local bool t_in_callback = false;

// Nestable: an immediate failure can deliver a callback on a thread already inside one.
struct CallbackScope {
  bool previous = t_in_callback;
  CallbackScope() { t_in_callback = true; }
  ~CallbackScope() { t_in_callback = previous; }
};

ZkCode map_code(int rc) {
  switch (rc) {
    case ZOK: return ZkCode::kOk;
    case ZNONODE: return ZkCode::kNoNode;
    case ZNODEEXISTS: return ZkCode::kNodeExists;
    case ZBADVERSION: return ZkCode::kBadVersion;
    case ZNOTEMPTY: return ZkCode::kNotEmpty;
    case ZNOCHILDRENFOREPHEMERALS: return ZkCode::kNoChildrenForEphemerals;
    case ZCONNECTIONLOSS: return ZkCode::kConnectionLoss;
    case ZSESSIONEXPIRED: return ZkCode::kSessionExpired;
    case ZOPERATIONTIMEOUT: return ZkCode::kOperationTimeout;
    case ZINVALIDSTATE: return ZkCode::kInvalidState;
    case ZCLOSING: return ZkCode::kClosing;
    case ZBADARGUMENTS: return ZkCode::kBadArguments;
    case ZMARSHALLINGERROR: return ZkCode::kMarshallingError;
    case ZNOAUTH: return ZkCode::kNoAuth;
    case ZINVALIDACL: return ZkCode::kInvalidAcl;
    case ZAUTHFAILED: return ZkCode::kAuthFailed;
    case ZSESSIONMOVED: return ZkCode::kSessionMoved;
    case ZRUNTIMEINCONSISTENCY: return ZkCode::kRuntimeInconsistency;
    case ZAPIERROR: return ZkCode::kApiError;
    case ZSYSTEMERROR: return ZkCode::kSystemError;
    default: return ZkCode::kOther;
  }
}

ZkStat convert(const struct Stat* s) {
  ZkStat out;
  if (s == nullptr) return out;
  out.czxid = s->czxid;
  out.mzxid = s->mzxid;
  out.pzxid = s->pzxid;
  out.ctime = s->ctime;
  out.mtime = s->mtime;
  out.version = s->version;
  out.cversion = s->cversion;
  out.aversion = s->aversion;
  out.ephemeral_owner = s->ephemeralOwner;
  out.data_length = s->dataLength;
  out.num_children = s->numChildren;
  return out;
}

int mode_flags(CreateMode mode) {
  switch (mode) {
    case CreateMode::kPersistent: return ZOO_PERSISTENT;
    case CreateMode::kEphemeral: return ZOO_EPHEMERAL;
    case CreateMode::kPersistentSequential: return ZOO_PERSISTENT_SEQUENTIAL;
    case CreateMode::kEphemeralSequential: return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

// ZooKeeper's own path rules (absolute, no empty, "." or ".." component, no trailing slash but
// for a sequential create, no control characters). Only used before zoo_amulti, see multi_async.
bool acceptable_path(const std::string& path, bool sequential) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  if (path.back() == '/' && !sequential) return false;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view part(path.data() + start, end - start);
    const bool last = end == path.size();
    if (part.empty() && !(last && sequential)) return false;
    if (part == "." || part == "..") return false;
    for (char c : part)
      if (static_cast<unsigned char>(c) < 0x20) return false;
    start = end + 1;
  }
  return true;
}

// Runs a user callback on the completion thread; an escaping exception must not unwind
// through C frames.
template <typename F>
void guarded(F&& f) {
  CallbackScope scope;
  try {
    f();
  } catch (const std::exception& e) {
    KB_LOG_ERROR(kLog) << "ZooKeeper callback threw: " << e.what();
  } catch (...) {
    KB_LOG_ERROR(kLog) << "ZooKeeper callback threw a non-standard exception";
  }
}

// The C client's own messages (at ERROR and above, see open()) go to our log.
void log_callback(const char* message) { KB_LOG_WARN(kLog) << message; }

std::string parent_of(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == 0 || pos == std::string::npos) return "/";
  return path.substr(0, pos);
}

// Completion contexts: heap objects passed through the C `data` pointer, freed by the trampoline.
struct CreateCtx { ZkClient::CreateCallback cb; };
struct DataCtx { ZkClient::DataCallback cb; };
struct StatCtx { ZkClient::StatCallback cb; };
struct VoidCtx { ZkClient::VoidCallback cb; };
struct ChildrenCtx { ZkClient::ChildrenCallback cb; };
struct MultiCtx {
  ZkClient::MultiCallback cb;
  std::vector<ZkOp> ops;  // owns the strings the C ops point into
  std::vector<zoo_op_t> c_ops;
  std::vector<zoo_op_result_t> c_results;
  std::vector<struct Stat> stats;
  std::vector<std::string> path_buffers;
};

template <typename T>
std::unique_ptr<T> take(const void* data) {
  return std::unique_ptr<T>(static_cast<T*>(const_cast<void*>(data)));
}

void create_done(int rc, const char* value, const struct Stat* stat, const void* data) {
  auto ctx = take<CreateCtx>(data);
  CreateResult r{map_code(rc), value ? value : "", convert(stat)};
  guarded([&] { ctx->cb(r); });
}
void data_done(int rc, const char* value, int value_len, const struct Stat* stat,
               const void* data) {
  auto ctx = take<DataCtx>(data);
  GetDataResult r;
  r.code = map_code(rc);
  if (value != nullptr && value_len > 0) r.data.assign(value, static_cast<size_t>(value_len));
  r.stat = convert(stat);
  guarded([&] { ctx->cb(r); });
}
void stat_done(int rc, const struct Stat* stat, const void* data) {
  auto ctx = take<StatCtx>(data);
  ZkStat s = convert(stat);
  guarded([&] { ctx->cb(map_code(rc), s); });
}
void void_done(int rc, const void* data) {
  auto ctx = take<VoidCtx>(data);
  guarded([&] { ctx->cb(map_code(rc)); });
}
void children_done(int rc, const struct String_vector* strings, const struct Stat* stat,
                   const void* data) {
  auto ctx = take<ChildrenCtx>(data);
  GetChildrenResult r;
  r.code = map_code(rc);
  if (strings != nullptr) {
    for (int32_t i = 0; i < strings->count; ++i) r.children.emplace_back(strings->data[i]);
  }
  r.stat = convert(stat);
  guarded([&] { ctx->cb(r); });
}
void multi_done(int rc, const void* data) {
  auto ctx = take<MultiCtx>(data);
  MultiResult r;
  r.code = map_code(rc);
  for (size_t i = 0; i < ctx->ops.size(); ++i) {
    ZkOpResult op;
    op.code = map_code(ctx->c_results[i].err);
    if (ctx->ops[i].type == ZkOp::Type::kCreate && op.code == ZkCode::kOk)
      op.created_path = ctx->path_buffers[i].c_str();
    if (ctx->ops[i].type == ZkOp::Type::kSetData && op.code == ZkCode::kOk)
      op.stat = convert(&ctx->stats[i]);
    r.results.push_back(std::move(op));
  }
  guarded([&] { ctx->cb(r); });
}

}  // namespace

const char* zk_code_name(ZkCode code) {
  switch (code) {
    case ZkCode::kOk: return "OK";
    case ZkCode::kNoNode: return "NONODE";
    case ZkCode::kNodeExists: return "NODEEXISTS";
    case ZkCode::kBadVersion: return "BADVERSION";
    case ZkCode::kNotEmpty: return "NOTEMPTY";
    case ZkCode::kNoChildrenForEphemerals: return "NOCHILDRENFOREPHEMERALS";
    case ZkCode::kConnectionLoss: return "CONNECTIONLOSS";
    case ZkCode::kSessionExpired: return "SESSIONEXPIRED";
    case ZkCode::kOperationTimeout: return "OPERATIONTIMEOUT";
    case ZkCode::kInvalidState: return "INVALIDSTATE";
    case ZkCode::kClosing: return "CLOSING";
    case ZkCode::kBadArguments: return "BADARGUMENTS";
    case ZkCode::kMarshallingError: return "MARSHALLINGERROR";
    case ZkCode::kNoAuth: return "NOAUTH";
    case ZkCode::kInvalidAcl: return "INVALIDACL";
    case ZkCode::kAuthFailed: return "AUTHFAILED";
    case ZkCode::kSessionMoved: return "SESSIONMOVED";
    case ZkCode::kRuntimeInconsistency: return "RUNTIMEINCONSISTENCY";
    case ZkCode::kApiError: return "APIERROR";
    case ZkCode::kSystemError: return "SYSTEMERROR";
    case ZkCode::kOther: return "OTHER";
  }
  return "OTHER";
}

ZkOp ZkOp::create(std::string path, std::optional<std::string> data, CreateMode mode) {
  ZkOp op;
  op.type = Type::kCreate;
  op.path = std::move(path);
  op.data = std::move(data);
  op.mode = mode;
  return op;
}
ZkOp ZkOp::remove(std::string path, int32_t version) {
  ZkOp op;
  op.type = Type::kDelete;
  op.path = std::move(path);
  op.version = version;
  return op;
}
ZkOp ZkOp::set_data(std::string path, std::string data, int32_t version) {
  ZkOp op;
  op.type = Type::kSetData;
  op.path = std::move(path);
  op.data = std::move(data);
  op.version = version;
  return op;
}
ZkOp ZkOp::check(std::string path, int32_t version) {
  ZkOp op;
  op.type = Type::kCheck;
  op.path = std::move(path);
  op.version = version;
  return op;
}

std::pair<std::string, std::string> split_connect_string(const std::string& connect_string) {
  auto slash = connect_string.find('/');
  if (slash == std::string::npos) return {connect_string, ""};
  std::string chroot = connect_string.substr(slash);
  while (chroot.size() > 1 && chroot.back() == '/') chroot.pop_back();
  if (chroot == "/") chroot.clear();
  return {connect_string.substr(0, slash), chroot};
}

// ---------------------------------------------------------------------------------------------
struct ZkClient::Impl {
  // The watcher context of one zhandle: events from a handle that has been replaced are dropped.
  struct HandleCtx {
    Impl* impl;
    uint64_t generation;
  };

  std::string connect_string;
  int session_timeout_ms = 0;
  int connection_timeout_ms = 0;

  mutable std::shared_mutex handle_mu;  // exclusive only to swap the handle
  zhandle_t* zh = nullptr;
  std::unique_ptr<HandleCtx> ctx;
  bool closed = false;

  std::atomic<uint64_t> generation{0};
  std::mutex state_mu;
  std::condition_variable state_cv;
  bool is_connected = false;  // for the current generation
  bool is_expired = false;

  std::mutex handlers_mu;
  std::map<std::string, ZNodeHandler> znode_handlers;
  std::map<std::string, ChildrenHandler> children_handlers;
  std::map<int, SessionListener> listeners;
  int next_listener_id = 1;

  static void watcher(zhandle_t*, int type, int state, const char* path, void* watcher_ctx) {
    auto* hc = static_cast<HandleCtx*>(watcher_ctx);
    if (hc == nullptr) return;
    Impl* self = hc->impl;
    if (hc->generation != self->generation.load()) return;
    if (type == ZOO_SESSION_EVENT) {
      self->on_session_event(state);
    } else {
      self->on_watch_event(type, path ? path : "");
    }
  }

  std::vector<SessionListener> listeners_copy() {
    std::lock_guard l(handlers_mu);
    std::vector<SessionListener> out;
    for (auto& [id, listener] : listeners) out.push_back(listener);
    return out;
  }

  void on_session_event(int state) {
    bool was_connected;
    {
      std::lock_guard l(state_mu);
      was_connected = is_connected;
      if (state == ZOO_CONNECTED_STATE) {
        is_connected = true;
        is_expired = false;
      } else {
        is_connected = false;
        if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) is_expired = true;
      }
    }
    state_cv.notify_all();
    auto ls = listeners_copy();
    if (state == ZOO_CONNECTED_STATE) {
      int64_t sid;
      {
        std::shared_lock l(handle_mu);
        sid = current_session_id();
      }
      KB_LOG_INFO(kLog) << "Connected to ZooKeeper at " << connect_string << ", session 0x"
                        << std::hex << sid;
      for (auto& l : ls)
        if (l.on_connected) guarded(l.on_connected);
    } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
      KB_LOG_WARN(kLog) << "ZooKeeper session expired";
      for (auto& l : ls)
        if (l.on_expired) guarded(l.on_expired);
    } else if (was_connected) {
      KB_LOG_INFO(kLog) << "Disconnected from ZooKeeper; the client is reconnecting";
      for (auto& l : ls)
        if (l.on_disconnected) guarded(l.on_disconnected);
    }
  }

  void on_watch_event(int type, const std::string& path) {
    std::function<void()> fn;
    {
      std::lock_guard l(handlers_mu);
      if (type == ZOO_CHILD_EVENT) {
        auto it = children_handlers.find(path);
        if (it != children_handlers.end()) fn = it->second;
      } else {
        auto it = znode_handlers.find(path);
        if (it != znode_handlers.end()) {
          if (type == ZOO_CREATED_EVENT) fn = it->second.on_created;
          else if (type == ZOO_DELETED_EVENT) fn = it->second.on_deleted;
          else if (type == ZOO_CHANGED_EVENT) fn = it->second.on_data_changed;
        }
      }
    }
    if (fn) guarded(fn);
  }

  int64_t current_session_id() {
    // Called with or without handle_mu held (shared); zoo_client_id only reads the handle.
    if (zh == nullptr) return 0;
    const clientid_t* id = zoo_client_id(zh);
    return id ? id->client_id : 0;
  }

  // Opens a new handle and waits for the connection. Throws ZkError on timeout.
  void open() {
    static std::once_flag once;
    std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR); });
    uint64_t gen = generation.fetch_add(1) + 1;
    auto new_ctx = std::make_unique<HandleCtx>(HandleCtx{this, gen});
    {
      std::lock_guard l(state_mu);
      is_connected = false;
      is_expired = false;
    }
    zhandle_t* handle = zookeeper_init2(connect_string.c_str(), &Impl::watcher,
                                        session_timeout_ms, nullptr, new_ctx.get(), 0,
                                        &log_callback);
    if (handle == nullptr) {
      throw ZkError(ZkCode::kBadArguments,
                    "Invalid ZooKeeper connect string '" + connect_string + "'");
    }
    {
      std::unique_lock l(handle_mu);
      zh = handle;
      ctx = std::move(new_ctx);
    }
    if (!wait_connected(std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(connection_timeout_ms))) {
      close_handle();
      throw ZkError(ZkCode::kOperationTimeout,
                    "Timed out waiting for connection to ZooKeeper at " + connect_string +
                        " after " + std::to_string(connection_timeout_ms) + " ms");
    }
  }

  // Detaches and closes the current handle. Closing outside the lock matters: zookeeper_close
  // joins the completion thread, whose callbacks may be issuing operations (shared lock).
  void close_handle() {
    zhandle_t* old;
    std::unique_ptr<HandleCtx> old_ctx;
    {
      std::unique_lock l(handle_mu);
      old = zh;
      old_ctx = std::move(ctx);
      zh = nullptr;
    }
    generation.fetch_add(1);  // drop any late events of the old handle
    {
      std::lock_guard l(state_mu);
      is_connected = false;
    }
    state_cv.notify_all();
    if (old != nullptr) zookeeper_close(old);
  }

  bool wait_connected(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock l(state_mu);
    return state_cv.wait_until(l, deadline, [&] { return is_connected || is_expired; }) &&
           is_connected;
  }

  // Issues one C call under the shared lock; on an immediate failure (no completion will come)
  // reports `rc` through `fail` outside the lock.
  template <typename Issue, typename Fail>
  void issue(Issue&& call, Fail&& fail) {
    int rc;
    {
      std::shared_lock l(handle_mu);
      if (zh == nullptr) {
        rc = closed ? ZCLOSING : ZCONNECTIONLOSS;
      } else {
        rc = call(zh);
      }
    }
    if (rc != ZOK) fail(rc);
  }

  // Blocking helper: runs an async op, waits, and retries on connection loss until the
  // connection timeout (the C client re-establishes the connection by itself meanwhile).
  template <typename R, typename Start, typename CodeOf>
  R blocking(Start&& start, CodeOf&& code_of) {
    if (t_in_callback) {
      throw std::logic_error("blocking ZkClient call from the ZooKeeper completion thread");
    }
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(std::max(connection_timeout_ms, 1000));
    for (;;) {
      std::promise<R> p;
      auto f = p.get_future();
      start([&p](const R& r) { p.set_value(r); });
      R r = f.get();
      if (code_of(r) != ZkCode::kConnectionLoss || std::chrono::steady_clock::now() >= deadline)
        return r;
      if (!wait_connected(deadline)) return r;
    }
  }
};

ZkClient::ZkClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ZkClient::~ZkClient() {
  try {
    close();
  } catch (...) {
  }
}

std::unique_ptr<ZkClient> ZkClient::connect(const std::string& connect_string,
                                            int session_timeout_ms, int connection_timeout_ms) {
  auto [hosts, chroot] = split_connect_string(connect_string);
  auto make = [&](const std::string& cs) {
    auto impl = std::make_unique<Impl>();
    impl->connect_string = cs;
    impl->session_timeout_ms = session_timeout_ms;
    impl->connection_timeout_ms = connection_timeout_ms;
    std::unique_ptr<ZkClient> client(new ZkClient(std::move(impl)));
    try {
      client->impl_->open();
    } catch (const ZkError& e) {
      // Report the connect string the caller gave, not our chroot-less variant.
      if (e.code() == ZkCode::kOperationTimeout)
        throw ZkError(e.code(), "Timed out waiting for connection to ZooKeeper at " +
                                    connect_string + " after " +
                                    std::to_string(connection_timeout_ms) + " ms");
      throw;
    }
    return client;
  };
  if (!chroot.empty()) {
    // The chroot must exist before a chrooted session can use it, and only a session without the
    // chroot can create it.
    auto bootstrap = make(hosts);
    ZkCode rc = bootstrap->create_recursive(chroot);
    if (rc != ZkCode::kOk && rc != ZkCode::kNodeExists)
      throw ZkError(rc, "Could not create ZooKeeper chroot " + chroot + ": " + zk_code_name(rc));
    bootstrap->close();
  }
  return make(connect_string);
}

void ZkClient::reconnect() {
  if (t_in_callback) throw std::logic_error("ZkClient::reconnect from the completion thread");
  {
    std::shared_lock l(impl_->handle_mu);
    if (impl_->closed) throw ZkError(ZkCode::kClosing, "ZkClient is closed");
  }
  impl_->close_handle();
  impl_->open();
  for (auto& l : impl_->listeners_copy())
    if (l.on_new_session) guarded(l.on_new_session);
}

void ZkClient::close() {
  {
    std::unique_lock l(impl_->handle_mu);
    if (impl_->closed) return;
    impl_->closed = true;
  }
  impl_->close_handle();
}

int64_t ZkClient::session_id() const {
  std::shared_lock l(impl_->handle_mu);
  return impl_->current_session_id();
}

std::string ZkClient::session_password() const {
  std::shared_lock l(impl_->handle_mu);
  if (impl_->zh == nullptr) return {};
  const clientid_t* id = zoo_client_id(impl_->zh);
  return id ? std::string(id->passwd, sizeof(id->passwd)) : std::string();
}

bool ZkClient::connected() const {
  std::lock_guard l(impl_->state_mu);
  return impl_->is_connected;
}

int ZkClient::session_timeout_ms() const {
  std::shared_lock l(impl_->handle_mu);
  return impl_->zh ? zoo_recv_timeout(impl_->zh) : impl_->session_timeout_ms;
}

const std::string& ZkClient::connect_string() const { return impl_->connect_string; }

// ---- async ----
void ZkClient::create_async(const std::string& path, std::optional<std::string> data,
                            CreateMode mode, CreateCallback cb) {
  auto* ctx = new CreateCtx{std::move(cb)};
  impl_->issue(
      [&](zhandle_t* zh) {
        return zoo_acreate2(zh, path.c_str(), data ? data->data() : nullptr,
                            data ? static_cast<int>(data->size()) : -1, &ZOO_OPEN_ACL_UNSAFE,
                            mode_flags(mode), &create_done, ctx);
      },
      [&](int rc) { create_done(rc, nullptr, nullptr, ctx); });
}

void ZkClient::get_data_async(const std::string& path, bool watch, DataCallback cb) {
  auto* ctx = new DataCtx{std::move(cb)};
  impl_->issue([&](zhandle_t* zh) { return zoo_aget(zh, path.c_str(), watch, &data_done, ctx); },
               [&](int rc) { data_done(rc, nullptr, -1, nullptr, ctx); });
}

void ZkClient::set_data_async(const std::string& path, const std::string& data, int32_t version,
                              StatCallback cb) {
  auto* ctx = new StatCtx{std::move(cb)};
  impl_->issue(
      [&](zhandle_t* zh) {
        return zoo_aset(zh, path.c_str(), data.data(), static_cast<int>(data.size()), version,
                        &stat_done, ctx);
      },
      [&](int rc) { stat_done(rc, nullptr, ctx); });
}

void ZkClient::delete_async(const std::string& path, int32_t version, VoidCallback cb) {
  auto* ctx = new VoidCtx{std::move(cb)};
  impl_->issue(
      [&](zhandle_t* zh) { return zoo_adelete(zh, path.c_str(), version, &void_done, ctx); },
      [&](int rc) { void_done(rc, ctx); });
}

void ZkClient::exists_async(const std::string& path, bool watch, StatCallback cb) {
  auto* ctx = new StatCtx{std::move(cb)};
  impl_->issue(
      [&](zhandle_t* zh) { return zoo_aexists(zh, path.c_str(), watch, &stat_done, ctx); },
      [&](int rc) { stat_done(rc, nullptr, ctx); });
}

void ZkClient::get_children_async(const std::string& path, bool watch, ChildrenCallback cb) {
  auto* ctx = new ChildrenCtx{std::move(cb)};
  impl_->issue(
      [&](zhandle_t* zh) {
        return zoo_aget_children2(zh, path.c_str(), watch, &children_done, ctx);
      },
      [&](int rc) { children_done(rc, nullptr, nullptr, ctx); });
}

void ZkClient::multi_async(std::vector<ZkOp> ops, MultiCallback cb) {
  auto* ctx = new MultiCtx;
  ctx->cb = std::move(cb);
  ctx->ops = std::move(ops);
  size_t n = ctx->ops.size();
  ctx->c_ops.resize(n);
  ctx->c_results.resize(n);
  ctx->stats.resize(n);
  ctx->path_buffers.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const ZkOp& op = ctx->ops[i];
    zoo_op_t* c = &ctx->c_ops[i];
    switch (op.type) {
      case ZkOp::Type::kCreate:
        // Room for the path, a chroot and the 10-digit sequence suffix.
        ctx->path_buffers[i].assign(op.path.size() + 1024, '\0');
        zoo_create_op_init(c, op.path.c_str(), op.data ? op.data->data() : nullptr,
                           op.data ? static_cast<int>(op.data->size()) : -1,
                           &ZOO_OPEN_ACL_UNSAFE, mode_flags(op.mode), ctx->path_buffers[i].data(),
                           static_cast<int>(ctx->path_buffers[i].size()));
        break;
      case ZkOp::Type::kDelete:
        zoo_delete_op_init(c, op.path.c_str(), op.version);
        break;
      case ZkOp::Type::kSetData:
        zoo_set_op_init(c, op.path.c_str(), op.data ? op.data->data() : nullptr,
                        op.data ? static_cast<int>(op.data->size()) : -1, op.version,
                        &ctx->stats[i]);
        break;
      case ZkOp::Type::kCheck:
        zoo_check_op_init(c, op.path.c_str(), op.version);
        break;
    }
  }
  if (n == 0) {
    multi_done(ZOK, ctx);
    return;
  }
  // zoo_amulti (ZooKeeper 3.8's C client) frees a request path it never set, and under a chroot
  // one it has already freed, when it refuses an op for an invalid path or an expired session:
  // a fenced controller write issued as its session expired crashed a broker ("double free").
  // Both cases are refused here, before it runs; a session cannot go from connected to expired
  // between this check and the call without a round trip to the server.
  for (const auto& op : ctx->ops) {
    const bool sequential =
        op.type == ZkOp::Type::kCreate && (op.mode == CreateMode::kPersistentSequential ||
                                           op.mode == CreateMode::kEphemeralSequential);
    if (!acceptable_path(op.path, sequential)) {
      for (auto& r : ctx->c_results) r.err = ZBADARGUMENTS;
      multi_done(ZBADARGUMENTS, ctx);
      return;
    }
  }
  impl_->issue(
      [&](zhandle_t* zh) {
        if (is_unrecoverable(zh) != ZOK) return static_cast<int>(ZINVALIDSTATE);
        return zoo_amulti(zh, static_cast<int>(n), ctx->c_ops.data(), ctx->c_results.data(),
                          &multi_done, ctx);
      },
      [&](int rc) {
        for (auto& r : ctx->c_results) r.err = rc;
        multi_done(rc, ctx);
      });
}

// ---- blocking ----
CreateResult ZkClient::create(const std::string& path, std::optional<std::string> data,
                              CreateMode mode) {
  return impl_->blocking<CreateResult>(
      [&](auto done) { create_async(path, data, mode, done); },
      [](const CreateResult& r) { return r.code; });
}

GetDataResult ZkClient::get_data(const std::string& path, bool watch) {
  return impl_->blocking<GetDataResult>([&](auto done) { get_data_async(path, watch, done); },
                                        [](const GetDataResult& r) { return r.code; });
}

std::pair<ZkCode, ZkStat> ZkClient::set_data(const std::string& path, const std::string& data,
                                             int32_t version) {
  using R = std::pair<ZkCode, ZkStat>;
  return impl_->blocking<R>(
      [&](auto done) {
        set_data_async(path, data, version, [done](ZkCode c, const ZkStat& s) { done(R{c, s}); });
      },
      [](const R& r) { return r.first; });
}

ZkCode ZkClient::remove(const std::string& path, int32_t version) {
  return impl_->blocking<ZkCode>([&](auto done) { delete_async(path, version, done); },
                                 [](ZkCode c) { return c; });
}

std::pair<ZkCode, ZkStat> ZkClient::exists(const std::string& path, bool watch) {
  using R = std::pair<ZkCode, ZkStat>;
  return impl_->blocking<R>(
      [&](auto done) {
        exists_async(path, watch, [done](ZkCode c, const ZkStat& s) { done(R{c, s}); });
      },
      [](const R& r) { return r.first; });
}

GetChildrenResult ZkClient::get_children(const std::string& path, bool watch) {
  return impl_->blocking<GetChildrenResult>(
      [&](auto done) { get_children_async(path, watch, done); },
      [](const GetChildrenResult& r) { return r.code; });
}

MultiResult ZkClient::multi(std::vector<ZkOp> ops) {
  return impl_->blocking<MultiResult>([&](auto done) { multi_async(ops, done); },
                                      [](const MultiResult& r) { return r.code; });
}

ZkCode ZkClient::create_recursive(const std::string& path, std::optional<std::string> data) {
  CreateResult r = create(path, data);
  if (r.code != ZkCode::kNoNode) return r.code;
  std::string parent = parent_of(path);
  if (parent != "/") {
    ZkCode pc = create_recursive(parent);
    if (pc != ZkCode::kOk && pc != ZkCode::kNodeExists) return pc;
  }
  return create(path, data).code;
}

ZkCode ZkClient::delete_recursive(const std::string& path) {
  // A concurrent writer may add a child between listing and deleting; retry a few times.
  for (int attempt = 0; attempt < 5; ++attempt) {
    GetChildrenResult children = get_children(path);
    if (children.code == ZkCode::kNoNode) return ZkCode::kOk;
    if (children.code != ZkCode::kOk) return children.code;
    for (const auto& child : children.children) {
      ZkCode c = delete_recursive((path == "/" ? "" : path) + "/" + child);
      if (c != ZkCode::kOk) return c;
    }
    ZkCode c = remove(path);
    if (c == ZkCode::kOk || c == ZkCode::kNoNode) return ZkCode::kOk;
    if (c != ZkCode::kNotEmpty) return c;
  }
  return ZkCode::kNotEmpty;
}

// ---- handlers ----
void ZkClient::register_znode_handler(const std::string& path, ZNodeHandler handler) {
  std::lock_guard l(impl_->handlers_mu);
  impl_->znode_handlers[path] = std::move(handler);
}
void ZkClient::unregister_znode_handler(const std::string& path) {
  std::lock_guard l(impl_->handlers_mu);
  impl_->znode_handlers.erase(path);
}
void ZkClient::register_children_handler(const std::string& path, ChildrenHandler handler) {
  std::lock_guard l(impl_->handlers_mu);
  impl_->children_handlers[path] = std::move(handler);
}
void ZkClient::unregister_children_handler(const std::string& path) {
  std::lock_guard l(impl_->handlers_mu);
  impl_->children_handlers.erase(path);
}
int ZkClient::add_session_listener(SessionListener listener) {
  std::lock_guard l(impl_->handlers_mu);
  int id = impl_->next_listener_id++;
  impl_->listeners[id] = std::move(listener);
  return id;
}
void ZkClient::remove_session_listener(int id) {
  std::lock_guard l(impl_->handlers_mu);
  impl_->listeners.erase(id);
}

}  // namespace kb::coordinator
