"""Cluster harness for the integration tests: a private ZooKeeper plus N broker processes.

Every process is started on 127.0.0.1 on a free port, tracked by PID and stopped by PID when the
test class ends, when the interpreter exits, on SIGTERM/SIGINT/SIGHUP, and on the harness's own
watchdog (KB_TEST_TIMEOUT, set a little below the ctest TIMEOUT so cleanup runs before ctest kills
us). Brokers also get PR_SET_PDEATHSIG so they die if this process is SIGKILLed.

Environment:
  KB_BUILD_DIR   build directory (default <source>/build); the broker is <build>/bin/kafka-server
  KB_SOURCE_DIR  repository root (default: parent of this file's directory)
  KB_BROKER_BIN  explicit broker binary (overrides KB_BUILD_DIR)
  KB_KEEP_WORK   1 = keep the work directory even when the tests pass
  KB_TEST_TIMEOUT seconds before the watchdog cleans up and exits (0 = off)
"""

import atexit
import ctypes
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unittest

from client_helpers import ClientHelpers, wait_until  # noqa: F401 (wait_until: for the tests)

SOURCE_DIR = os.environ.get("KB_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
BUILD_DIR = os.environ.get("KB_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
BROKER_BIN = os.environ.get("KB_BROKER_BIN") or os.path.join(BUILD_DIR, "bin", "kafka-server")
ZK_SCRIPT = os.path.join(SOURCE_DIR, "scripts", "zookeeper-local")
BASE_PROPERTIES = os.path.join(SOURCE_DIR, "conf", "server.properties")

# Settings every test broker gets on top of conf/server.properties (short timeouts so that a
# restarted broker re-registers quickly and tests stay fast; single-broker-friendly internals).
TEST_DEFAULTS = {
    "zookeeper.session.timeout.ms": "6000",
    "zookeeper.connection.timeout.ms": "15000",
    "num.partitions": "1",
    "default.replication.factor": "1",
    "offsets.topic.replication.factor": "1",
    "auto.create.topics.enable": "true",
    "delete.topic.enable": "true",
}


def log(msg):
    sys.stderr.write("[harness %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# Process bookkeeping: every PID we start is registered here until we have reaped it.

_registry_lock = threading.Lock()
_live_pids = {}          # pid -> description
_cleanup_callbacks = []  # callables run at exit (stop ZooKeepers via their script)


def _register(pid, what):
    with _registry_lock:
        _live_pids[pid] = what


def _unregister(pid):
    with _registry_lock:
        _live_pids.pop(pid, None)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as dead.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


def kill_everything():
    """Kills every registered process by PID. Safe to call more than once."""
    with _registry_lock:
        callbacks = list(_cleanup_callbacks)
        _cleanup_callbacks.clear()
        pids = dict(_live_pids)
        _live_pids.clear()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
    for cb in callbacks:
        try:
            cb()
        except Exception as e:  # noqa: BLE001 - best effort at exit
            log("cleanup callback failed: %s" % e)


atexit.register(kill_everything)


def _on_signal(signum, frame):
    log("signal %d: stopping every process we started" % signum)
    kill_everything()
    os._exit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def _on_watchdog(signum, frame):
    log("KB_TEST_TIMEOUT reached: dumping logs and stopping every process")
    for cluster in list(Cluster.instances):
        try:
            cluster.dump_logs()
        except Exception:  # noqa: BLE001
            pass
    # The stack of the main thread says where the test hung; written last, where a tail sees it.
    for f in traceback.extract_stack(frame)[-8:]:
        sys.stderr.write("##### KB_TEST_TIMEOUT hung at: %s:%d in %s: %s\n" % (
            os.path.basename(f.filename), f.lineno, f.name, f.line))
    sys.stderr.flush()
    kill_everything()
    os._exit(124)


_timeout = int(os.environ.get("KB_TEST_TIMEOUT", "0") or 0)
if _timeout > 0:
    signal.signal(signal.SIGALRM, _on_watchdog)
    signal.alarm(_timeout)


_PR_SET_PDEATHSIG = 1
try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # pragma: no cover
    _libc = None


def _die_with_parent():
    # Runs in the child between fork and exec: if the test process dies, so does the broker.
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


# --------------------------------------------------------------------------------------------
# Ports

def _port_is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


_handed_out = set()


def free_port():
    """A free loopback port below the kernel's ephemeral range (32768+), so that outgoing client
    connections cannot take it while a broker is down between a kill and a restart."""
    rng = random.Random(os.getpid() ^ int(time.time() * 1e6))
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        if port in _handed_out:
            continue
        if _port_is_free(port):
            _handed_out.add(port)
            return port
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_port(port, timeout, proc=None, host="127.0.0.1"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def read_properties(path):
    props = {}
    if not os.path.exists(path):
        return props
    with open(path, encoding="utf-8") as f:
        pending = ""
        for raw in f:
            line = raw.rstrip("\n")
            if pending:
                line = pending + line.lstrip()
                pending = ""
            stripped = line.strip()
            if not stripped or stripped[0] in "#!":
                continue
            if stripped.endswith("\\"):
                pending = stripped[:-1]
                continue
            for i, ch in enumerate(stripped):
                if ch in "=:":
                    props[stripped[:i].strip()] = stripped[i + 1:].strip()
                    break
            else:
                props[stripped] = ""
    return props


# --------------------------------------------------------------------------------------------

class ZooKeeper:
    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.connect = None
        self.pid = None

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        res = subprocess.run([ZK_SCRIPT, "start", self.data_dir], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=120)
        pid_file = os.path.join(self.data_dir, "zookeeper.pid")
        if os.path.exists(pid_file):
            with open(pid_file) as f:
                self.pid = int(f.read().strip())
            _register(self.pid, "zookeeper")
        with _registry_lock:
            _cleanup_callbacks.append(self.stop)
        if res.returncode != 0:
            raise RuntimeError("zookeeper-local start failed (%d): %s\n%s" % (
                res.returncode, res.stderr.strip(), self.log_tail()))
        self.connect = res.stdout.strip().splitlines()[-1]
        log("zookeeper at %s (pid %s)" % (self.connect, self.pid))
        return self.connect

    def stop(self):
        with _registry_lock:
            if self.stop in _cleanup_callbacks:
                _cleanup_callbacks.remove(self.stop)
        if not os.path.isdir(self.data_dir):
            return
        subprocess.run([ZK_SCRIPT, "stop", self.data_dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        if self.pid is not None:
            if _pid_alive(self.pid):
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            _unregister(self.pid)
            self.pid = None

    def log_tail(self, lines=40):
        return tail(os.path.join(self.data_dir, "zookeeper.log"), lines)


class ZooKeeperEnsemble:
    """A ZooKeeper ensemble of `size` members on loopback, one data dir each. `connect` lists every
    member, so brokers fail over between them."""

    def __init__(self, base_dir, size=3):
        self.base_dir = base_dir
        self.size = size
        self.members = {}  # myid -> (data_dir, client_port)
        self.pids = {}
        self.connect = None

    def start(self):
        ports = [free_port() for _ in range(3 * self.size)]
        servers = ",".join("%d=127.0.0.1:%d:%d" % (i + 1, ports[self.size + 2 * i],
                                                   ports[self.size + 2 * i + 1])
                           for i in range(self.size))
        self._servers = servers
        for i in range(self.size):
            self.members[i + 1] = (os.path.join(self.base_dir, "zookeeper-%d" % (i + 1)), ports[i])
        with _registry_lock:
            _cleanup_callbacks.append(self.stop)
        procs = {myid: self._launch(myid) for myid in self.members}
        for myid, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            self._record_pid(myid)
            if proc.returncode != 0:
                raise RuntimeError("ensemble member %d failed: %s" % (myid, err.strip()))
        self.connect = ",".join("127.0.0.1:%d" % port for _, port in self.members.values())
        log("zookeeper ensemble at %s" % self.connect)
        return self.connect

    def _launch(self, myid):
        data_dir, port = self.members[myid]
        os.makedirs(data_dir, exist_ok=True)
        return subprocess.Popen([ZK_SCRIPT, "start-member", data_dir, str(myid), str(port),
                                 self._servers], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def _record_pid(self, myid):
        pid_file = os.path.join(self.members[myid][0], "zookeeper.pid")
        if os.path.exists(pid_file):
            with open(pid_file) as f:
                self.pids[myid] = int(f.read().strip())
            _register(self.pids[myid], "zookeeper member %d" % myid)

    def kill_member(self, myid):
        pid = self.pids.pop(myid, None)
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            _unregister(pid)
        subprocess.run([ZK_SCRIPT, "stop", self.members[myid][0]], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
        log("zookeeper member %d killed" % myid)

    def start_member(self, myid):
        proc = self._launch(myid)
        proc.communicate(timeout=120)
        self._record_pid(myid)

    def stop(self):
        with _registry_lock:
            if self.stop in _cleanup_callbacks:
                _cleanup_callbacks.remove(self.stop)
        for myid in list(self.members):
            self.kill_member(myid)

    def log_tail(self, lines=40):
        return "\n".join("-- member %d\n%s" % (myid, tail(os.path.join(d, "zookeeper.log"), lines))
                         for myid, (d, _) in self.members.items())


def tail(path, lines):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError as e:
        return "(no log: %s)" % e
    return "\n".join(data.splitlines()[-lines:])


class Broker:
    """One kafka-server process. `host` is its listener (and advertised) address; `prefix` is a
    command put in front of the binary (e.g. ["ip", "netns", "exec", NAME] to run it in a network
    namespace; the prefix must exec the broker so that the PID we track is the broker's)."""

    def __init__(self, cluster, broker_id, port, overrides, host="127.0.0.1", prefix=None):
        self.cluster = cluster
        self.broker_id = broker_id
        self.port = port
        self.host = host
        self.prefix = list(prefix or [])
        self.dir = os.path.join(cluster.work_dir, "broker-%d" % broker_id)
        self.log_dir = os.path.join(self.dir, "data")
        self.log_file = os.path.join(self.dir, "broker.log")
        self.properties_file = os.path.join(self.dir, "server.properties")
        self.overrides = dict(overrides)
        self.metrics_port = free_port()
        self.proc = None
        self.starts = 0
        os.makedirs(self.log_dir, exist_ok=True)

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def metrics(self):
        """GET /metrics (Prometheus text) as {name: value}; the broker label is dropped."""
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port,
                                    timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name.split("{", 1)[0]] = float(value)
        return out

    def write_properties(self):
        props = read_properties(BASE_PROPERTIES)
        props.update(TEST_DEFAULTS)
        props.update({
            "broker.id": str(self.broker_id),
            "listeners": "PLAINTEXT://%s:%d" % (self.host, self.port),
            "advertised.listeners": "PLAINTEXT://%s:%d" % (self.host, self.port),
            "log.dirs": self.log_dir,
            "zookeeper.connect": self.cluster.zk_connect_for_brokers(),
            "kb.metrics.port": str(self.metrics_port),
        })
        props.update(self.overrides)
        with open(self.properties_file, "w", encoding="utf-8") as f:
            f.write("# generated by integration/harness.py\n")
            for k in sorted(props):
                f.write("%s=%s\n" % (k, props[k]))

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "broker already running"
        self.write_properties()
        self.starts += 1
        logf = open(self.log_file, "ab")
        logf.write(("\n===== harness: start #%d at %s on port %d =====\n" % (
            self.starts, time.strftime("%H:%M:%S"), self.port)).encode())
        logf.flush()
        self.proc = subprocess.Popen(self.prefix + [BROKER_BIN, self.properties_file], stdin=subprocess.DEVNULL,
                                     stdout=logf, stderr=subprocess.STDOUT, cwd=self.dir,
                                     preexec_fn=_die_with_parent)
        logf.close()
        _register(self.proc.pid, "broker %d" % self.broker_id)
        log("broker %d started, pid %d, %s" % (self.broker_id, self.proc.pid, self.address))

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def _reap(self, timeout):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        _unregister(self.proc.pid)
        return True

    def stop(self, timeout=30):
        """SIGTERM, wait, then SIGKILL. Returns the exit code (negative = killed by signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
                self.proc.send_signal(signal.SIGTERM)
            except OSError:
                pass
            if not self._reap(timeout):
                log("broker %d ignored SIGTERM for %ss; SIGKILL" % (self.broker_id, timeout))
                self.proc.kill()
                self._reap(30)
        else:
            _unregister(self.proc.pid)
        return self.proc.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self._reap(30)
        log("broker %d killed (SIGKILL)" % self.broker_id)

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def restart(self, timeout=60, clean=True):
        if clean:
            self.stop()
        else:
            self.kill()
        self.start()
        self.cluster.wait_ready([self], timeout=timeout)

    def log_tail(self, lines=60):
        return tail(self.log_file, lines)


class Cluster:
    """One ZooKeeper + N brokers in a fresh work directory."""

    instances = []

    def __init__(self, name, num_brokers=1, overrides=None, broker_overrides=None, zk_nodes=1,
                 broker_hosts=None, broker_prefixes=None, zk_host=None):
        """broker_hosts: {broker id: listener address} (default 127.0.0.1); broker_prefixes:
        {broker id: command prefix}; zk_host: the address brokers use to reach ZooKeeper (which
        must then listen on it: KB_ZK_BIND) instead of 127.0.0.1."""
        if not os.access(BROKER_BIN, os.X_OK):
            raise RuntimeError("broker binary %s not found (build it first: scripts/build)"
                               % BROKER_BIN)
        base = os.path.join(BUILD_DIR, "integration-work")
        os.makedirs(base, exist_ok=True)
        self.work_dir = tempfile.mkdtemp(prefix="%s-" % name, dir=base)
        self.zk = (ZooKeeper(os.path.join(self.work_dir, "zookeeper")) if zk_nodes == 1 else
                   ZooKeeperEnsemble(self.work_dir, zk_nodes))
        self._kazoo = None
        self.overrides = dict(overrides or {})
        self.broker_overrides = broker_overrides or {}
        self.num_brokers = num_brokers
        self.broker_hosts = broker_hosts or {}
        self.broker_prefixes = broker_prefixes or {}
        self.zk_host = zk_host
        self.brokers = []
        self.failed = False
        Cluster.instances.append(self)

    @property
    def bootstrap(self):
        return ",".join(b.address for b in self.brokers)

    def start(self, timeout=90):
        self.zk.start()
        for i in range(self.num_brokers):
            broker_id = i + 1
            ov = dict(self.overrides)
            ov.update(self.broker_overrides.get(broker_id, {}))
            self.brokers.append(Broker(self, broker_id, free_port(), ov,
                                       host=self.broker_hosts.get(broker_id, "127.0.0.1"),
                                       prefix=self.broker_prefixes.get(broker_id)))
        for b in self.brokers:
            self._start_with_port_retry(b, timeout)
        self.wait_ready(self.brokers, timeout=timeout)
        return self

    def zk_connect_for_brokers(self):
        if not self.zk_host:
            return self.zk.connect
        return ",".join("%s:%s" % (self.zk_host, hp.rsplit(":", 1)[1])
                        for hp in self.zk.connect.split(","))

    def _start_with_port_retry(self, broker, timeout):
        # Another process may grab the port between our probe and the broker's bind; if the
        # broker exits before listening on its first start, retry on a fresh port.
        for attempt in range(3):
            broker.start()
            if wait_for_port(broker.port, timeout, broker.proc, broker.host):
                return
            if broker.is_running():
                raise RuntimeError("broker %d did not listen on %d within %ss\n%s" % (
                    broker.broker_id, broker.port, timeout, broker.log_tail()))
            broker.stop()
            if "in use" not in broker.log_tail(20).lower() or attempt == 2:
                raise RuntimeError("broker %d exited during startup (code %s)\n%s" % (
                    broker.broker_id, broker.proc.returncode, broker.log_tail()))
            broker.port = free_port()
            broker.metrics_port = free_port()

    def wait_ready(self, brokers=None, timeout=90):
        """Waits until each broker listens and answers a Metadata request that lists every
        broker of the cluster which is currently running."""
        from confluent_kafka.admin import AdminClient
        brokers = brokers or self.brokers
        deadline = time.time() + timeout
        for b in brokers:
            if not wait_for_port(b.port, max(1, deadline - time.time()), b.proc, b.host):
                raise RuntimeError("broker %d not listening on %d (running=%s)\n%s" % (
                    b.broker_id, b.port, b.is_running(), b.log_tail()))
        expected = {b.broker_id for b in self.brokers if b.is_running()}
        last = None
        for b in brokers:
            admin = AdminClient({"bootstrap.servers": b.address, "socket.timeout.ms": 5000,
                                 "log_level": 3})
            while True:
                if not b.is_running():
                    raise RuntimeError("broker %d exited (code %s)\n%s" % (
                        b.broker_id, b.proc.returncode, b.log_tail()))
                try:
                    md = admin.list_topics(timeout=5)
                    seen = set(md.brokers.keys())
                    if expected <= seen and md.controller_id in seen:
                        break
                    last = "brokers seen %s, controller %s" % (sorted(seen), md.controller_id)
                except Exception as e:  # noqa: BLE001 - KafkaException while starting
                    last = repr(e)
                if time.time() > deadline:
                    raise RuntimeError("broker %d not ready within %ss: %s\n%s" % (
                        b.broker_id, timeout, last, b.log_tail()))
                time.sleep(0.3)

    def broker(self, broker_id):
        return next(b for b in self.brokers if b.broker_id == broker_id)

    def dump_logs(self, lines=60):
        out = ["", "=" * 30 + " cluster %s " % self.work_dir + "=" * 30]
        for b in self.brokers:
            out.append("----- broker %d (%s, running=%s, exit=%s) log tail: %s" % (
                b.broker_id, b.address, b.is_running(),
                None if b.proc is None else b.proc.returncode, b.log_file))
            out.append(b.log_tail(lines))
        out.append("----- zookeeper log tail")
        out.append(self.zk.log_tail(15))
        sys.stderr.write("\n".join(out) + "\n")
        sys.stderr.flush()

    def zk_client(self):
        """A kazoo client on the cluster's ZooKeeper (read what the controller wrote, or write
        znodes directly as Kafka's --zookeeper tools do)."""
        if self._kazoo is None:
            from kazoo.client import KazooClient
            import logging
            logging.getLogger("kazoo").setLevel(logging.ERROR)
            self._kazoo = KazooClient(hosts=self.zk.connect, timeout=15)
            self._kazoo.start(timeout=30)
        return self._kazoo

    def zk_json(self, path):
        """The JSON content of a znode, or None when it does not exist."""
        import json
        zk = self.zk_client()
        if not zk.exists(path):
            return None
        data, _ = zk.get(path)
        return json.loads(data.decode()) if data else None

    def controller_id(self):
        c = self.zk_json("/controller")
        return None if c is None else c["brokerid"]

    def controller_epoch(self):
        data, _ = self.zk_client().get("/controller_epoch")
        return int(data.decode())

    def partition_state(self, topic, partition):
        return self.zk_json("/brokers/topics/%s/partitions/%d/state" % (topic, partition))

    def running_brokers(self):
        return [b for b in self.brokers if b.is_running()]

    def shutdown(self):
        if self._kazoo is not None:
            try:
                self._kazoo.stop()
                self._kazoo.close()
            except Exception:  # noqa: BLE001
                pass
            self._kazoo = None
        for b in self.brokers:
            try:
                b.stop(timeout=20)
            except Exception as e:  # noqa: BLE001
                log("stopping broker %d: %s" % (b.broker_id, e))
        try:
            self.zk.stop()
        except Exception as e:  # noqa: BLE001
            log("stopping zookeeper: %s" % e)
        if self in Cluster.instances:
            Cluster.instances.remove(self)
        if self.failed or os.environ.get("KB_KEEP_WORK") == "1":
            log("work directory kept: %s" % self.work_dir)
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)


class ClusterTestCase(ClientHelpers, unittest.TestCase):
    """Base class: one cluster per test class. Subclasses set NUM_BROKERS / OVERRIDES /
    ZK_NODES."""

    NUM_BROKERS = 1
    OVERRIDES = {}
    ZK_NODES = 1
    BROKER_HOSTS = None     # {broker id: listener address}
    BROKER_PREFIXES = None  # {broker id: command prefix}
    ZK_HOST = None          # address brokers reach ZooKeeper at
    cluster = None

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(cls.__name__, cls.NUM_BROKERS, cls.OVERRIDES, zk_nodes=cls.ZK_NODES,
                              broker_hosts=cls.BROKER_HOSTS, broker_prefixes=cls.BROKER_PREFIXES,
                              zk_host=cls.ZK_HOST)
        try:
            cls.cluster.start()
        except BaseException:
            cls.cluster.failed = True
            cls.cluster.dump_logs()
            cls.cluster.shutdown()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.cluster is not None:
            cls.cluster.shutdown()

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > before and self.cluster is not None:
            self.cluster.failed = True
            sys.stderr.write("\n##### %s failed; broker logs follow\n" % self.id())
            self.cluster.dump_logs()
            # Repeated after the logs so that a tail of the output (all CI may keep) names it.
            for _, trace in (result.failures + result.errors)[before:]:
                last = trace.strip().splitlines()[-1] if trace.strip() else "?"
                sys.stderr.write("##### %s failed: %s\n" % (self.id(), last[:500]))
        return out

    # ---- helpers shared by the tests -------------------------------------------------------

    @property
    def bootstrap(self):
        return self.cluster.bootstrap

    def unique_topic(self, prefix):
        return "%s-%s-%d" % (prefix, self._testMethodName.replace("_", "-")[:40],
                             random.randrange(1 << 30))


def main():
    # Unbuffered, verbose output so ctest --output-on-failure shows progress.
    unittest.main(verbosity=2, buffer=False)


# Raw protocol helpers for the malformed-frame tests.

def encode_request(api_key, api_version, correlation_id, client_id=b"harness", body=b""):
    header = struct.pack(">hhih", api_key, api_version, correlation_id, len(client_id)) + client_id
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def connection_closed_by_peer(sock, timeout=10):
    """True if the peer closes (EOF or reset) within `timeout` seconds, reading and discarding
    anything it sends first."""
    sock.settimeout(timeout)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False
