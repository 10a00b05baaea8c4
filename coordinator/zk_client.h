#pragma once
// A C++ wrapper over the ZooKeeper C client (multi-threaded library, `zookeeper_mt`).
// zookeeper.h stays out of this header (pimpl) so users do not inherit its macros.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace kb::coordinator {

// Result codes of ZooKeeper operations, mapped from the C client's ZOK/ZNONODE/... values.
enum class ZkCode {
  kOk,
  kNoNode,
  kNodeExists,
  kBadVersion,
  kNotEmpty,
  kNoChildrenForEphemerals,
  kConnectionLoss,
  kSessionExpired,
  kOperationTimeout,
  kInvalidState,
  kClosing,
  kBadArguments,
  kMarshallingError,
  kNoAuth,
  kInvalidAcl,
  kAuthFailed,
  kSessionMoved,
  kRuntimeInconsistency,
  kApiError,
  kSystemError,
  kOther,
};
const char* zk_code_name(ZkCode code);
inline std::ostream& operator<<(std::ostream& os, ZkCode code) { return os << zk_code_name(code); }

// The ZooKeeper Stat of a znode. `version` is the data version ("zkVersion"); czxid of an
// ephemeral broker registration is Kafka's broker epoch.
struct ZkStat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t pzxid = 0;
  int64_t ctime = 0;  // ms since epoch
  int64_t mtime = 0;
  int32_t version = 0;
  int32_t cversion = 0;
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;  // session id, 0 for persistent nodes
  int32_t data_length = 0;
  int32_t num_children = 0;
};

enum class CreateMode { kPersistent, kEphemeral, kPersistentSequential, kEphemeralSequential };

inline constexpr int32_t kAnyVersion = -1;

// Thrown by the blocking helpers for codes the caller did not expect, and by connect().
class ZkError : public std::runtime_error {
 public:
  ZkError(ZkCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  ZkCode code() const { return code_; }

 private:
  ZkCode code_;
};

// One operation of a multi (transaction). Build with the static helpers.
struct ZkOp {
  enum class Type { kCreate, kDelete, kSetData, kCheck };
  Type type = Type::kCheck;
  std::string path;
  std::optional<std::string> data;  // create/set; nullopt = null data
  CreateMode mode = CreateMode::kPersistent;
  int32_t version = kAnyVersion;  // delete/set/check

  static ZkOp create(std::string path, std::optional<std::string> data,
                     CreateMode mode = CreateMode::kPersistent);
  static ZkOp remove(std::string path, int32_t version = kAnyVersion);
  static ZkOp set_data(std::string path, std::string data, int32_t version = kAnyVersion);
  static ZkOp check(std::string path, int32_t version);
};

struct ZkOpResult {
  ZkCode code = ZkCode::kOk;
  std::string created_path;  // create ops
  ZkStat stat;               // set ops
};

struct GetDataResult {
  ZkCode code = ZkCode::kOk;
  std::string data;  // empty when the node holds null data
  ZkStat stat;
};

struct GetChildrenResult {
  ZkCode code = ZkCode::kOk;
  std::vector<std::string> children;  // names, not full paths; unsorted (ZooKeeper's order)
  ZkStat stat;
};

struct CreateResult {
  ZkCode code = ZkCode::kOk;
  std::string path;  // actual path (with the sequence suffix for sequential nodes)
  ZkStat stat;
};

struct MultiResult {
  ZkCode code = ZkCode::kOk;  // the first failing op's code, or kOk
  std::vector<ZkOpResult> results;
};

// Watch handlers for one path. ZooKeeper watches fire once; re-arm by reading again with
// watch=true. Handlers run on the ZooKeeper completion thread: they must only enqueue work
// (never call blocking ZkClient methods; that would deadlock and is rejected with a logic_error).
struct ZNodeHandler {
  std::function<void()> on_created;
  std::function<void()> on_deleted;
  std::function<void()> on_data_changed;
};
using ChildrenHandler = std::function<void()>;

// Session state listener; same threading rule as the watch handlers. `on_new_session` runs on
// the thread that called reconnect(), after the new session is connected.
struct SessionListener {
  std::function<void()> on_connected;
  std::function<void()> on_disconnected;
  std::function<void()> on_expired;
  std::function<void()> on_new_session;
};

// Thread-safety: every method may be called from any thread. Async callbacks, watch handlers and
// session listeners run on the single ZooKeeper completion thread, in server order; the blocking
// helpers must not be called from that thread. During reconnect() new operations fail at once
// with kConnectionLoss, and their callbacks then run on the calling thread.
class ZkClient {
 public:
  using CreateCallback = std::function<void(const CreateResult&)>;
  using DataCallback = std::function<void(const GetDataResult&)>;
  using StatCallback = std::function<void(ZkCode, const ZkStat&)>;
  using VoidCallback = std::function<void(ZkCode)>;
  using ChildrenCallback = std::function<void(const GetChildrenResult&)>;
  using MultiCallback = std::function<void(const MultiResult&)>;

  // Connects (blocking up to connection_timeout_ms). "h1:2181,h2:2181/chroot": the chroot is
  // created (persistent, with parents) through a chroot-less session first when missing.
  // Throws ZkError("Timed out waiting for connection to ZooKeeper at <connect> after <n> ms").
  static std::unique_ptr<ZkClient> connect(const std::string& connect_string,
                                           int session_timeout_ms, int connection_timeout_ms);
  ~ZkClient();
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  // Closes the current session (its ephemerals go at once) and opens a new one, blocking up to
  // the connection timeout; then runs every listener's on_new_session. Watches are not carried
  // over: owners re-arm them in on_new_session. Throws ZkError on timeout.
  void reconnect();
  // Closes the session for good; later operations fail with kClosing.
  void close();

  int64_t session_id() const;  // 0 when not connected
  // The session password; only for tests that force expiry by taking the session over.
  std::string session_password() const;
  bool connected() const;
  int session_timeout_ms() const;  // negotiated with the server once connected
  const std::string& connect_string() const;

  // ---- async operations (callbacks on the completion thread) ----
  void create_async(const std::string& path, std::optional<std::string> data, CreateMode mode,
                    CreateCallback cb);
  void get_data_async(const std::string& path, bool watch, DataCallback cb);
  void set_data_async(const std::string& path, const std::string& data, int32_t version,
                      StatCallback cb);
  void delete_async(const std::string& path, int32_t version, VoidCallback cb);
  void exists_async(const std::string& path, bool watch, StatCallback cb);
  void get_children_async(const std::string& path, bool watch, ChildrenCallback cb);
  void multi_async(std::vector<ZkOp> ops, MultiCallback cb);

  // ---- blocking helpers (startup code and tools). They retry on kConnectionLoss until the
  // connection timeout passes; callers of non-idempotent ops must handle kNodeExists etc. ----
  CreateResult create(const std::string& path, std::optional<std::string> data,
                      CreateMode mode = CreateMode::kPersistent);
  GetDataResult get_data(const std::string& path, bool watch = false);
  std::pair<ZkCode, ZkStat> set_data(const std::string& path, const std::string& data,
                                     int32_t version = kAnyVersion);
  ZkCode remove(const std::string& path, int32_t version = kAnyVersion);
  std::pair<ZkCode, ZkStat> exists(const std::string& path, bool watch = false);
  GetChildrenResult get_children(const std::string& path, bool watch = false);
  MultiResult multi(std::vector<ZkOp> ops);
  // Creates `path` and its missing parents as persistent nodes with null data (the leaf gets
  // `data`). kNodeExists when the leaf already existed (parents are never an error).
  ZkCode create_recursive(const std::string& path, std::optional<std::string> data = std::nullopt);
  // Deletes `path` and everything below it. kOk also when it did not exist.
  ZkCode delete_recursive(const std::string& path);

  // ---- watches and listeners ----
  void register_znode_handler(const std::string& path, ZNodeHandler handler);
  void unregister_znode_handler(const std::string& path);
  void register_children_handler(const std::string& path, ChildrenHandler handler);
  void unregister_children_handler(const std::string& path);
  int add_session_listener(SessionListener listener);  // returns an id for removal
  void remove_session_listener(int id);

  struct Impl;

 private:
  explicit ZkClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "h1:1,h2:2/a/b" into hosts "h1:1,h2:2" and chroot "/a/b" (empty when none or "/").
std::pair<std::string, std::string> split_connect_string(const std::string& connect_string);

}  // namespace kb::coordinator
