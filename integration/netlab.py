#!/usr/bin/env python3
"""Network namespaces for network-fault tests (used by test_network_cut.py)."""
import os
import random
import shutil
import signal
import subprocess
import sys

from harness import _die_with_parent, log

# Network namespaces for network-fault tests. The test process re-executes itself inside a fresh
# namespace of its own (run_in_private_netns), so ZooKeeper, the test's clients and a bridge live
# there; every broker gets its own namespace with a veth pair to that bridge and its own address.
# Cuts are iptables rules inside the brokers' namespaces only: the host's namespaces are never
# touched. Names are unique per run (prefix from the parent's PID and a random part) and the
# parent deletes every namespace with its prefix when the child ends, even on failure.

NETNS_ENV = "KB_NETNS_PREFIX"


def _sh(*cmd, check=True):
    res = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=30)
    if check and res.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), res.returncode,
                                                   res.stderr.strip()))
    return res


def netns_names(prefix):
    res = _sh("ip", "netns", "list", check=False)
    return [line.split()[0] for line in res.stdout.splitlines()
            if line.split() and line.split()[0].startswith(prefix)]


def netns_unavailable_reason():
    """None if this process may create network namespaces, else why not."""
    if os.geteuid() != 0:
        return "not root (euid %d): ip netns needs CAP_SYS_ADMIN/CAP_NET_ADMIN" % os.geteuid()
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return "%s not installed" % tool
    probe = "kbprobe%d" % os.getpid()
    res = _sh("ip", "netns", "add", probe, check=False)
    if res.returncode != 0:
        return "ip netns add failed: %s" % res.stderr.strip()
    _sh("ip", "netns", "del", probe, check=False)
    return None


def run_in_private_netns(script):
    """In the parent (no KB_NETNS_PREFIX yet): creates namespace <prefix>h, runs `script` again
    inside it, deletes every <prefix>* namespace afterwards and exits with the child's code.
    Returns None in the child (or when namespaces are unavailable: the reason is logged and
    KB_NETNS_UNAVAILABLE set so the test can skip)."""
    if os.environ.get(NETNS_ENV):
        return None
    reason = netns_unavailable_reason()
    if reason:
        log("network namespaces unavailable: %s" % reason)
        os.environ["KB_NETNS_UNAVAILABLE"] = reason
        return None
    prefix = "kb%d%04x" % (os.getpid() % 100000, random.randrange(1 << 16))
    host_ns = prefix + "h"
    _sh("ip", "netns", "add", host_ns)
    env = dict(os.environ)
    env[NETNS_ENV] = prefix
    env["KB_ZK_BIND"] = "0.0.0.0"
    child = None

    def forward(signum, frame):
        if child is not None and child.poll() is None:
            child.send_signal(signum)
    try:
        # The watchdog belongs to the child; the parent only cleans up namespaces after it.
        signal.alarm(0)
        child = subprocess.Popen(["ip", "netns", "exec", host_ns, sys.executable, script]
                                 + sys.argv[1:], env=env, preexec_fn=_die_with_parent)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, forward)
        rc = child.wait()
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        for name in netns_names(prefix):
            _sh("ip", "netns", "del", name, check=False)
        left = netns_names(prefix)
        if left:
            log("namespaces left behind: %s" % left)
    sys.exit(rc)


class NetworkLab:
    """Inside the private namespace: a bridge with `gateway` (ZooKeeper and the clients use it)
    and one namespace per broker, address 10.<net>.0.<10+id>/24, joined by veth pairs."""

    def __init__(self, num_brokers, net=77):
        self.prefix = os.environ[NETNS_ENV]
        self.net = net
        self.gateway = "10.%d.0.1" % net
        self.brokers = {i: "10.%d.0.%d" % (net, 10 + i) for i in range(1, num_brokers + 1)}
        self.bridge = "kbbr0"

    def ns(self, broker_id):
        return "%sb%d" % (self.prefix, broker_id)

    def prefix_for(self, broker_id):
        return ["ip", "netns", "exec", self.ns(broker_id)]

    def setup(self):
        _sh("ip", "link", "set", "lo", "up")
        _sh("ip", "link", "add", self.bridge, "type", "bridge")
        _sh("ip", "addr", "add", self.gateway + "/24", "dev", self.bridge)
        _sh("ip", "link", "set", self.bridge, "up")
        for i, addr in self.brokers.items():
            ns = self.ns(i)
            # A broker namespace created from inside the private one is still a named
            # namespace in /run/netns: the parent deletes it by its prefix.
            _sh("ip", "netns", "add", ns)
            outer, inner = "kbv%d" % i, "kbv%di" % i
            _sh("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
            _sh("ip", "link", "set", inner, "netns", ns)
            _sh("ip", "link", "set", outer, "master", self.bridge)
            _sh("ip", "link", "set", outer, "up")
            _sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
            _sh("ip", "netns", "exec", ns, "ip", "addr", "add", addr + "/24", "dev", inner)
            _sh("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up")
            _sh("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", self.gateway)
        return self

    def iptables(self, broker_id, *args):
        return _sh("ip", "netns", "exec", self.ns(broker_id), "iptables", "-w", *args)

    def cut(self, broker_id, peer_addr, port=None):
        """Drops traffic between the broker and `peer_addr` (only TCP `port` on the peer's side
        when given), both directions, in the broker's namespace."""
        match = [] if port is None else ["-p", "tcp"]
        self.iptables(broker_id, "-A", "OUTPUT", "-d", peer_addr, *match,
                      *([] if port is None else ["--dport", str(port)]), "-j", "DROP")
        self.iptables(broker_id, "-A", "INPUT", "-s", peer_addr, *match,
                      *([] if port is None else ["--sport", str(port)]), "-j", "DROP")
        log("cut broker %d from %s%s" % (broker_id, peer_addr, "" if port is None else
                                         ":%d" % port))

    def heal(self, broker_id):
        self.iptables(broker_id, "-F", "INPUT")
        self.iptables(broker_id, "-F", "OUTPUT")
        log("healed broker %d" % broker_id)
