// ZkClient against a real ZooKeeper (see zk_test_env.h).
#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <latch>
#include <mutex>
#include <thread>

#include "coordinator/tests/zk_test_env.h"
#include "coordinator/zk_client.h"

namespace kb::coordinator {
namespace {

using namespace std::chrono_literals;
using testing::unique_chroot;
using testing::zk_address;

// Counts events delivered on the completion thread; the test thread waits for them.
class EventLog {
 public:
  std::function<void()> recorder(const std::string& name) {
    return [this, name] {
      std::lock_guard l(mu_);
      events_.push_back(name);
      cv_.notify_all();
    };
  }
  bool wait_for(const std::string& name, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] {
      return std::find(events_.begin(), events_.end(), name) != events_.end();
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

TEST(ZkClientIT, ConnectCreatesMissingChroot) {
  const std::string chroot = unique_chroot() + "/deep/er";
  auto client = ZkClient::connect(zk_address() + chroot, 6000, 10000);
  EXPECT_TRUE(client->connected());
  EXPECT_NE(client->session_id(), 0);
  ASSERT_EQ(client->create("/a", std::string("x")).code, ZkCode::kOk);

  auto raw = ZkClient::connect(zk_address(), 6000, 10000);
  GetDataResult r = raw->get_data(chroot + "/a");
  ASSERT_EQ(r.code, ZkCode::kOk);
  EXPECT_EQ(r.data, "x");
  // Connecting again to the existing chroot is fine.
  EXPECT_NO_THROW(ZkClient::connect(zk_address() + chroot, 6000, 10000));
}

TEST(ZkClientIT, ConnectTimeoutIsOneClearLine) {
  // Port 1 on localhost: nothing listens, the client keeps retrying until our deadline.
  try {
    ZkClient::connect("127.0.0.1:1/x", 6000, 1000);
    FAIL() << "connect should have thrown";
  } catch (const ZkError& e) {
    EXPECT_STREQ(e.what(),
                 "Timed out waiting for connection to ZooKeeper at 127.0.0.1:1/x after 1000 ms");
  }
}

TEST(ZkClientIT, CrudWithVersionsAndStat) {
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  CreateResult c = zk->create("/n", std::string("v0"));
  ASSERT_EQ(c.code, ZkCode::kOk);
  EXPECT_EQ(c.path, "/n");
  EXPECT_EQ(c.stat.version, 0);
  EXPECT_EQ(zk->create("/n", std::string("again")).code, ZkCode::kNodeExists);
  EXPECT_EQ(zk->create("/missing/child", std::nullopt).code, ZkCode::kNoNode);

  GetDataResult g = zk->get_data("/n");
  ASSERT_EQ(g.code, ZkCode::kOk);
  EXPECT_EQ(g.data, "v0");
  EXPECT_EQ(g.stat.czxid, c.stat.czxid);
  EXPECT_EQ(g.stat.ephemeral_owner, 0);

  auto [sc, st] = zk->set_data("/n", "v1", 0);
  ASSERT_EQ(sc, ZkCode::kOk);
  EXPECT_EQ(st.version, 1);
  EXPECT_EQ(zk->set_data("/n", "v2", 0).first, ZkCode::kBadVersion);
  EXPECT_EQ(zk->get_data("/n").data, "v1");

  CreateResult null_node = zk->create("/null", std::nullopt);
  ASSERT_EQ(null_node.code, ZkCode::kOk);
  EXPECT_EQ(zk->get_data("/null").data, "");

  CreateResult e = zk->create("/eph", std::string("e"), CreateMode::kEphemeral);
  ASSERT_EQ(e.code, ZkCode::kOk);
  EXPECT_EQ(zk->exists("/eph").second.ephemeral_owner, zk->session_id());

  CreateResult s1 = zk->create("/n/seq_", std::nullopt, CreateMode::kPersistentSequential);
  CreateResult s2 = zk->create("/n/seq_", std::nullopt, CreateMode::kPersistentSequential);
  ASSERT_EQ(s1.code, ZkCode::kOk);
  EXPECT_EQ(s1.path, "/n/seq_0000000000");
  EXPECT_EQ(s2.path, "/n/seq_0000000001");
  GetChildrenResult ch = zk->get_children("/n");
  EXPECT_EQ(ch.children.size(), 2u);
  EXPECT_EQ(ch.stat.num_children, 2);

  EXPECT_EQ(zk->remove("/n"), ZkCode::kNotEmpty);
  EXPECT_EQ(zk->remove("/null", 5), ZkCode::kBadVersion);
  EXPECT_EQ(zk->remove("/null", 0), ZkCode::kOk);
  EXPECT_EQ(zk->exists("/null").first, ZkCode::kNoNode);
  EXPECT_EQ(zk->delete_recursive("/n"), ZkCode::kOk);
  EXPECT_EQ(zk->exists("/n").first, ZkCode::kNoNode);
  EXPECT_EQ(zk->create_recursive("/x/y/z", std::string("d")), ZkCode::kOk);
  EXPECT_EQ(zk->create_recursive("/x/y/z"), ZkCode::kNodeExists);
  EXPECT_EQ(zk->get_data("/x/y/z").data, "d");
}

TEST(ZkClientIT, MultiIsAtomic) {
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  ASSERT_EQ(zk->create("/v", std::string("1")).code, ZkCode::kOk);
  MultiResult ok = zk->multi({ZkOp::check("/v", 0), ZkOp::create("/a", std::string("a")),
                              ZkOp::set_data("/v", "2", 0)});
  ASSERT_EQ(ok.code, ZkCode::kOk);
  ASSERT_EQ(ok.results.size(), 3u);
  EXPECT_EQ(ok.results[1].created_path, "/a");
  EXPECT_EQ(ok.results[2].stat.version, 1);

  MultiResult bad = zk->multi({ZkOp::check("/v", 0), ZkOp::create("/b", std::nullopt)});
  EXPECT_EQ(bad.code, ZkCode::kBadVersion);
  EXPECT_EQ(bad.results[0].code, ZkCode::kBadVersion);
  EXPECT_EQ(zk->exists("/b").first, ZkCode::kNoNode);  // nothing applied

  MultiResult del = zk->multi({ZkOp::remove("/a", 0), ZkOp::remove("/v", 1)});
  EXPECT_EQ(del.code, ZkCode::kOk);
  EXPECT_EQ(zk->multi({}).code, ZkCode::kOk);
}

TEST(ZkClientIT, AsyncPipelined) {
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  constexpr int kN = 200;
  std::atomic<int> ok{0};
  std::latch done(kN);
  for (int i = 0; i < kN; ++i) {
    zk->create_async("/p" + std::to_string(i), std::to_string(i), CreateMode::kPersistent,
                     [&](const CreateResult& r) {
                       if (r.code == ZkCode::kOk) ++ok;
                       done.count_down();
                     });
  }
  done.wait();
  EXPECT_EQ(ok.load(), kN);
  EXPECT_EQ(zk->get_children("/").children.size(), static_cast<size_t>(kN));
}

TEST(ZkClientIT, BlockingCallFromCallbackIsRejected) {
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  std::promise<bool> threw;
  zk->exists_async("/", false, [&](ZkCode, const ZkStat&) {
    try {
      zk->exists("/");
      threw.set_value(false);
    } catch (const std::logic_error&) {
      threw.set_value(true);
    }
  });
  EXPECT_TRUE(threw.get_future().get());
}

TEST(ZkClientIT, WatchesFireWithChrootRelativePaths) {
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  auto other = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  EventLog log;
  zk->register_znode_handler("/w", ZNodeHandler{log.recorder("created"), log.recorder("deleted"),
                                                log.recorder("changed")});
  zk->register_children_handler("/", log.recorder("children"));

  EXPECT_EQ(zk->exists("/w", true).first, ZkCode::kNoNode);
  EXPECT_EQ(zk->get_children("/", true).code, ZkCode::kOk);
  ASSERT_EQ(other->create("/w", std::string("1")).code, ZkCode::kOk);
  EXPECT_TRUE(log.wait_for("created"));
  EXPECT_TRUE(log.wait_for("children"));

  ASSERT_EQ(zk->get_data("/w", true).code, ZkCode::kOk);
  ASSERT_EQ(other->set_data("/w", "2").first, ZkCode::kOk);
  EXPECT_TRUE(log.wait_for("changed"));

  ASSERT_EQ(zk->exists("/w", true).first, ZkCode::kOk);
  ASSERT_EQ(other->remove("/w"), ZkCode::kOk);
  EXPECT_TRUE(log.wait_for("deleted"));
}

// Takes the client's session over with a second handle and closes it: the server ends the
// session, and the client learns on reconnecting that it expired.
void end_session_elsewhere(ZkClient& zk) {
  clientid_t id{};
  id.client_id = zk.session_id();
  std::string pw = zk.session_password();
  std::memcpy(id.passwd, pw.data(), std::min(pw.size(), sizeof(id.passwd)));
  zhandle_t* thief = zookeeper_init(zk_address().c_str(), nullptr, 4000, &id, nullptr, 0);
  ASSERT_NE(thief, nullptr);
  for (int i = 0; i < 100 && zoo_state(thief) != ZOO_CONNECTED_STATE; ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(zoo_state(thief), ZOO_CONNECTED_STATE);
  zookeeper_close(thief);
}

TEST(ZkClientIT, ExpiryIsReportedAndReconnectStartsNewSession) {
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 4000, 10000);
  EventLog log;
  zk->add_session_listener(SessionListener{log.recorder("connected"), log.recorder("disconnected"),
                                           log.recorder("expired"), log.recorder("new_session")});
  ASSERT_EQ(zk->create("/eph", std::nullopt, CreateMode::kEphemeral).code, ZkCode::kOk);
  const int64_t old_session = zk->session_id();
  end_session_elsewhere(*zk);

  ASSERT_TRUE(log.wait_for("expired", 20s));
  EXPECT_FALSE(zk->connected());
  zk->reconnect();
  EXPECT_TRUE(log.wait_for("new_session", 1s));
  EXPECT_TRUE(zk->connected());
  EXPECT_NE(zk->session_id(), old_session);
  EXPECT_EQ(zk->exists("/eph").first, ZkCode::kNoNode);  // the old session's ephemeral is gone
  EXPECT_EQ(zk->create("/eph", std::nullopt, CreateMode::kEphemeral).code, ZkCode::kOk);
}

TEST(ZkClientIT, MultiOnAnExpiredSessionFailsWithoutCorruptingTheHeap) {
  // The C client's zoo_amulti frees a request path it never set (and, under a chroot, one it
  // had already freed) when an op is refused because the session has expired: a controller's
  // fenced write issued just as its session expired crashed a broker with "double free". Several
  // ops of every kind under a chroot, repeatedly, make that crash near certain without the guard.
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 4000, 10000);
  EventLog log;
  zk->add_session_listener(SessionListener{nullptr, nullptr, log.recorder("expired"), nullptr});
  ASSERT_EQ(zk->create("/n", std::string("x")).code, ZkCode::kOk);
  end_session_elsewhere(*zk);
  ASSERT_TRUE(log.wait_for("expired", 20s));
  for (int round = 0; round < 50; ++round) {
    MultiResult r = zk->multi({ZkOp::check("/n", 0), ZkOp::set_data("/n", "y", 0),
                               ZkOp::create("/m-" + std::to_string(round), std::nullopt),
                               ZkOp::remove("/n", 0)});
    EXPECT_NE(r.code, ZkCode::kOk);
    ASSERT_EQ(r.results.size(), 4u);
    for (const auto& op : r.results) EXPECT_NE(op.code, ZkCode::kOk);
  }
  // The client is still usable once it has a new session.
  zk->reconnect();
  EXPECT_EQ(zk->multi({ZkOp::check("/n", 0), ZkOp::set_data("/n", "y", 0)}).code, ZkCode::kOk);
}

TEST(ZkClientIT, MultiWithAnInvalidPathIsRefusedWhole) {
  // The other case in which zoo_amulti frees what it should not (see above): a refused path.
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  ASSERT_EQ(zk->create("/ok", std::nullopt).code, ZkCode::kOk);
  for (const std::string bad : {"/a//b", "relative", "/a/", "/a/../b", "/a/./b"}) {
    MultiResult r =
        zk->multi({ZkOp::check("/ok", 0), ZkOp::create(bad, std::nullopt), ZkOp::remove("/ok", 0)});
    EXPECT_EQ(r.code, ZkCode::kBadArguments) << bad;
  }
  EXPECT_EQ(zk->exists("/ok").first, ZkCode::kOk);  // nothing of a refused multi was applied
  MultiResult seq =
      zk->multi({ZkOp::create("/ok/", std::nullopt, CreateMode::kPersistentSequential)});
  EXPECT_EQ(seq.code, ZkCode::kOk);  // a sequential create may end with a slash
}

TEST(ZkClientIT, ClosedClientFailsFast) {
  auto zk = ZkClient::connect(zk_address() + unique_chroot(), 6000, 10000);
  zk->close();
  EXPECT_EQ(zk->exists("/").first, ZkCode::kClosing);
}

TEST(ZkClientIT, SplitConnectString) {
  EXPECT_EQ(split_connect_string("h:1,h2:2/a/b"), std::make_pair(std::string("h:1,h2:2"),
                                                                  std::string("/a/b")));
  EXPECT_EQ(split_connect_string("h:1"), std::make_pair(std::string("h:1"), std::string()));
  EXPECT_EQ(split_connect_string("h:1/"), std::make_pair(std::string("h:1"), std::string()));
}

}  // namespace
}  // namespace kb::coordinator
