#!/usr/bin/env python3
"""kafka-topics, kafka-configs and kafka-broker-api-versions against a real three-broker cluster.

kafka-topics runs in both modes: --bootstrap-server (admin API) and --zookeeper (znodes written
and read by the tool). Every output is parsed and compared with the cluster's state read
independently: Metadata through confluent-kafka, znodes through kazoo, ApiVersions with a raw
request. Failures (bad flags, bad values, unreachable cluster) must exit non-zero with one line
on stderr within the bounded time."""

import json
import os
import re
import socket
import struct

import harness
from tool_helpers import ToolAssertions, run_tool

TOPICS = os.path.join(harness.BUILD_DIR, "bin", "kafka-topics")
API_VERSIONS = os.path.join(harness.BUILD_DIR, "bin", "kafka-broker-api-versions")
CONFIGS = os.path.join(harness.BUILD_DIR, "bin", "kafka-configs")


def run(binary, *args, timeout=60):
    return run_tool(binary, *args, timeout=timeout)


def parse_describe(text):
    """{topic: {"count", "rf", "configs": {k: v}, "partitions": {p: (leader, replicas, isr)}}}"""
    out = {}
    for line in text.splitlines():
        if line.startswith("Topic: "):
            m = re.fullmatch(r"Topic: (\S+)\tPartitionCount: (\d+)\tReplicationFactor: (\d+)"
                             r"\tConfigs: (.*?)(\tMarkedForDeletion: true)?", line)
            assert m, "bad header line %r" % line
            configs = dict(kv.split("=", 1) for kv in m.group(4).split(",") if kv)
            out.setdefault(m.group(1), {"partitions": {}}).update(
                count=int(m.group(2)), rf=int(m.group(3)), configs=configs)
        elif line.startswith("\tTopic: "):
            m = re.fullmatch(r"\tTopic: (\S+)\tPartition: (\d+)\tLeader: (\d+|none)"
                             r"\tReplicas: ([\d,]*)\tIsr: ([\d,]*)(\tMarkedForDeletion: true)?",
                             line)
            assert m, "bad partition line %r" % line
            ids = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
            leader = -1 if m.group(3) == "none" else int(m.group(3))
            out.setdefault(m.group(1), {"partitions": {}})["partitions"][int(m.group(2))] = (
                leader, ids(m.group(4)), ids(m.group(5)))
        else:
            assert not line.strip(), "unexpected line %r" % line
    return out


class ToolsTest(ToolAssertions, harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"auto.leader.rebalance.enable": "false", "replica.lag.time.max.ms": "5000"}

    def bs(self, *args, **kw):
        return run(TOPICS, "--bootstrap-server", self.bootstrap, *args, **kw)

    def zk(self, *args, **kw):
        return run(TOPICS, "--zookeeper", self.cluster.zk.connect, *args, **kw)

    def wait_full_isr(self, topic, partitions, rf=3, timeout=60):
        harness.wait_until(lambda: len(self.metadata_partitions(topic)) == partitions and all(
            len(v[2]) == rf and v[0] >= 0 for v in self.metadata_partitions(topic).values()),
            timeout, "%s: %d partitions with full ISRs" % (topic, partitions))

    def assert_describe_matches_metadata(self, described, topic):
        md = self.metadata_partitions(topic)
        got = described[topic]["partitions"]
        self.assertEqual(sorted(md), sorted(got))
        for p, (leader, replicas, isr) in md.items():
            self.assertEqual(leader, got[p][0], "leader of %s-%d" % (topic, p))
            self.assertEqual(replicas, got[p][1], "replicas of %s-%d" % (topic, p))
            self.assertEqual(sorted(isr), sorted(got[p][2]), "isr of %s-%d" % (topic, p))
        self.assertEqual(len(md), described[topic]["count"])

    def assert_describe_matches_zookeeper(self, described, topic):
        assignment = self.cluster.zk_json("/brokers/topics/" + topic)["partitions"]
        got = described[topic]["partitions"]
        self.assertEqual(sorted(int(p) for p in assignment), sorted(got))
        for p, replicas in assignment.items():
            state = self.cluster.partition_state(topic, int(p))
            self.assertEqual((state["leader"], replicas, state["isr"]), got[int(p)])

    # ---- --bootstrap-server ----------------------------------------------------------------

    def test_bootstrap_create_list_describe(self):
        topic = self.unique_topic("bs")
        out = self.ok(self.bs("--create", "--topic", topic, "--partitions", "3",
                              "--replication-factor", "3", "--config", "cleanup.policy=compact",
                              "--config", "retention.ms=123456"))
        self.assertEqual("Created topic %s.\n" % topic, out)
        self.wait_full_isr(topic, 3)
        self.assertIn(topic, self.ok(self.bs("--list")).splitlines())
        listed = json.loads(self.ok(self.bs("--list", "--output", "json")))
        self.assertIn(topic, [t["topic"] for t in listed["topics"]])
        described = parse_describe(self.ok(self.bs("--describe", "--topic", topic)))
        self.assertEqual([topic], list(described))
        self.assertEqual(3, described[topic]["rf"])
        self.assertEqual("compact", described[topic]["configs"].get("cleanup.policy"))
        self.assertEqual("123456", described[topic]["configs"].get("retention.ms"))
        self.assert_describe_matches_metadata(described, topic)
        js = json.loads(self.ok(self.bs("--describe", "--topic", topic, "--output", "json")))
        self.assertEqual(1, len(js["topics"]))
        t = js["topics"][0]
        self.assertEqual((topic, 3, 3), (t["topic"], t["partition_count"], t["replication_factor"]))
        self.assertEqual({p: (v[0], v[1], sorted(v[2])) for p, v in
                          self.metadata_partitions(topic).items()},
                         {p["partition"]: (p["leader"], p["replicas"], sorted(p["isr"]))
                          for p in t["partitions"]})
        # The same topic as ZooKeeper mode sees it.
        self.assert_describe_matches_zookeeper(
            parse_describe(self.ok(self.zk("--describe", "--topic", topic))), topic)
        # --topics-with-overrides prints the header line only.
        only = self.ok(self.bs("--describe", "--topic", topic, "--topics-with-overrides"))
        self.assertEqual(1, len(only.splitlines()))
        self.assertTrue(only.startswith("Topic: %s\t" % topic))

    def test_bootstrap_explicit_assignment_alter_delete(self):
        topic = self.unique_topic("bsassign")
        self.ok(self.bs("--create", "--topic", topic, "--replica-assignment", "1:2,2:3,3:1"))
        self.wait_full_isr(topic, 3, rf=2)
        md = self.metadata_partitions(topic)
        self.assertEqual({0: [1, 2], 1: [2, 3], 2: [3, 1]}, {p: v[1] for p, v in md.items()})
        out = self.ok(self.bs("--alter", "--topic", topic, "--partitions", "5"))
        self.assertIn("WARNING: If partitions are increased", out)
        self.wait_full_isr(topic, 5, rf=2)
        # An assignment for the added partitions only, then one listing every partition.
        self.ok(self.bs("--alter", "--topic", topic, "--partitions", "6", "--replica-assignment",
                        "3:2"))
        self.wait_full_isr(topic, 6, rf=2)
        self.ok(self.bs("--alter", "--topic", topic, "--partitions", "7", "--replica-assignment",
                        "1:2,2:3,3:1,1:3,2:3,3:2,2:1"))
        self.wait_full_isr(topic, 7, rf=2)
        md = self.metadata_partitions(topic)
        self.assertEqual(([3, 2], [2, 1]), (md[5][1], md[6][1]))
        self.failed(self.bs("--alter", "--topic", topic, "--partitions", "2"),
                    r"^Error while executing topic command : .*(partitions|increase)")
        self.ok(self.bs("--delete", "--topic", topic))
        harness.wait_until(lambda: self.metadata_partitions(topic) == {}, 30, "topic deleted")
        harness.wait_until(lambda: topic not in self.ok(self.bs("--list")).splitlines(), 30,
                           "topic gone from --list")

    def test_bootstrap_if_exists_if_not_exists(self):
        topic = self.unique_topic("bsexists")
        self.ok(self.bs("--create", "--topic", topic, "--partitions", "1",
                        "--replication-factor", "1"))
        self.failed(self.bs("--create", "--topic", topic, "--partitions", "1",
                            "--replication-factor", "1"), r"already exists")
        self.assertEqual("", self.ok(self.bs("--create", "--topic", topic, "--partitions", "1",
                                             "--replication-factor", "1", "--if-not-exists")))
        missing = self.unique_topic("missing")
        self.failed(self.bs("--delete", "--topic", missing),
                    r"^Error while executing topic command : Topic '%s' does not exist as "
                    r"expected$" % missing)
        self.ok(self.bs("--delete", "--topic", missing, "--if-exists"))
        self.ok(self.bs("--alter", "--topic", missing, "--partitions", "3", "--if-exists"))
        self.assertEqual("", self.ok(self.bs("--describe", "--topic", missing, "--if-exists")))
        self.failed(self.bs("--create", "--topic", self.unique_topic("x"), "--partitions", "1",
                            "--replication-factor", "5"), r"[Rr]eplication factor")
        self.failed(self.bs("--create", "--topic", self.unique_topic("x"), "--config",
                            "no.such.config=1"), r"^Error while executing topic command : ")

    # ---- --zookeeper --------------------------------------------------------------------------

    def test_zookeeper_created_topic_is_served(self):
        topic = self.unique_topic("zk")
        out = self.ok(self.zk("--create", "--topic", topic, "--partitions", "3",
                              "--replication-factor", "2", "--config", "retention.ms=3600000"))
        self.assertEqual("Created topic %s.\n" % topic, out)
        znode = self.cluster.zk_json("/brokers/topics/" + topic)
        self.assertEqual(2, znode["version"])
        self.assertEqual(3, len(znode["partitions"]))
        self.assertTrue(all(len(r) == 2 and len(set(r)) == 2 for r in znode["partitions"].values()))
        self.assertEqual({"retention.ms": "3600000"},
                         self.cluster.zk_json("/config/topics/" + topic)["config"])
        self.wait_full_isr(topic, 3, rf=2)
        acked, failed = self.produce_acked(topic, [b"zk-%d" % i for i in range(30)])
        self.assertEqual([], failed)
        got = self.consume_all(topic, [0, 1, 2], timeout=60)
        self.assertEqual(sorted(acked.values()), sorted(m.value() for m in got))
        described = parse_describe(self.ok(self.zk("--describe", "--topic", topic)))
        self.assertEqual({"retention.ms": "3600000"}, described[topic]["configs"])
        self.assertEqual(2, described[topic]["rf"])
        self.assert_describe_matches_zookeeper(described, topic)
        self.assert_describe_matches_metadata(described, topic)
        self.assertIn(topic, self.ok(self.zk("--list")).splitlines())
        js = json.loads(self.ok(self.zk("--describe", "--topic", topic, "--output", "json")))
        self.assertEqual(3, js["topics"][0]["partition_count"])

    def test_zookeeper_assignment_alter_config_delete(self):
        topic = self.unique_topic("zkalter")
        self.ok(self.zk("--create", "--topic", topic, "--replica-assignment", "1:2:3,2:3:1"))
        self.assertEqual({"0": [1, 2, 3], "1": [2, 3, 1]},
                         self.cluster.zk_json("/brokers/topics/" + topic)["partitions"])
        self.wait_full_isr(topic, 2)
        out = self.ok(self.zk("--alter", "--topic", topic, "--partitions", "4"))
        self.assertIn("Adding partitions succeeded!", out)
        parts = self.cluster.zk_json("/brokers/topics/" + topic)["partitions"]
        self.assertEqual(["0", "1", "2", "3"], sorted(parts))
        self.assertEqual([1, 2, 3], parts["0"])
        self.wait_full_isr(topic, 4)
        self.ok(self.zk("--alter", "--topic", topic, "--partitions", "5", "--replica-assignment",
                        "3:1:2"))
        self.assertEqual([3, 1, 2],
                         self.cluster.zk_json("/brokers/topics/" + topic)["partitions"]["4"])
        self.failed(self.zk("--alter", "--topic", topic, "--partitions", "6",
                            "--replica-assignment", "3:1"), r"replication factor")
        self.failed(self.zk("--alter", "--topic", topic, "--partitions", "6",
                            "--replica-assignment", "3:1:7"), r"Unknown broker id 7")
        self.wait_full_isr(topic, 5)
        self.failed(self.zk("--alter", "--topic", topic, "--partitions", "3"),
                    r"can only be increased")
        out = self.ok(self.zk("--alter", "--topic", topic, "--config", "max.message.bytes=5000"))
        self.assertIn("Updated config for topic %s." % topic, out)
        self.assertEqual({"max.message.bytes": "5000"},
                         self.cluster.zk_json("/config/topics/" + topic)["config"])
        # The brokers apply it: the bootstrap view reports the override too.
        harness.wait_until(lambda: parse_describe(self.ok(self.bs("--describe", "--topic", topic)))
                           [topic]["configs"].get("max.message.bytes") == "5000", 30,
                           "override visible through DescribeConfigs")
        out = self.ok(self.zk("--delete", "--topic", topic))
        self.assertIn("Topic %s is marked for deletion." % topic, out)
        harness.wait_until(lambda: not self.cluster.zk_client().exists("/brokers/topics/" + topic),
                           30, "topic znode deleted by the controller")
        harness.wait_until(lambda: self.metadata_partitions(topic) == {}, 30, "topic unserved")

    def test_zookeeper_if_exists_if_not_exists(self):
        topic = self.unique_topic("zkexists")
        self.ok(self.zk("--create", "--topic", topic, "--partitions", "1",
                        "--replication-factor", "1"))
        self.failed(self.zk("--create", "--topic", topic, "--partitions", "1",
                            "--replication-factor", "1"),
                    r"^Error while executing topic command : Topic '%s' already exists\.$" % topic)
        self.assertEqual("", self.ok(self.zk("--create", "--topic", topic, "--partitions", "1",
                                             "--replication-factor", "1", "--if-not-exists")))
        missing = self.unique_topic("missing")
        self.failed(self.zk("--delete", "--topic", missing), r"does not exist as expected")
        self.ok(self.zk("--delete", "--topic", missing, "--if-exists"))
        self.ok(self.zk("--alter", "--topic", missing, "--partitions", "2", "--if-exists"))
        self.failed(self.zk("--create", "--topic", self.unique_topic("x"), "--partitions", "1",
                            "--replication-factor", "4"), r"larger than available brokers")
        self.failed(self.zk("--create", "--topic", self.unique_topic("x"), "--partitions", "1",
                            "--replication-factor", "1", "--config", "retention.ms=soon"),
                    r"retention\.ms")

    # ---- failures and bounded time ------------------------------------------------------------

    def test_bad_flags_values_and_unreachable_cluster(self):
        self.failed(self.bs("--list", "--bogus"), r"^kafka-topics: --bogus is not a recognized")
        self.failed(self.bs("--create", "--topic", "t", "--partitions", "many"),
                    r"Invalid value 'many' for option --partitions")
        self.failed(run(TOPICS, "--list"), r"Only one of --bootstrap-server or --zookeeper")
        self.failed(self.bs("--topic", "t"), r"exactly one action")
        self.failed(self.bs("--list", "--timeout-ms", "0"), r"--timeout-ms")
        self.failed(run(TOPICS, "--bootstrap-server", "nohostport", "--list"),
                    r"bootstrap server address")
        self.failed(run(API_VERSIONS), r"Missing required argument")
        dead = "127.0.0.1:%d" % harness.free_port()
        self.failed(run(TOPICS, "--bootstrap-server", dead, "--list", "--timeout-ms", "2000"),
                    r"^Error while executing topic command : Timed out waiting for a node",
                    within=8)
        self.failed(run(TOPICS, "--bootstrap-server", dead, "--describe"),
                    r"Timed out waiting for a node", within=25)  # default bound: 15 s
        # Something that accepts but does not speak Kafka (a common mistake: the ZooKeeper port).
        self.failed(run(TOPICS, "--bootstrap-server", self.cluster.zk.connect, "--list",
                        "--timeout-ms", "3000"),
                    r"^Error while executing topic command : Timed out waiting for a node",
                    within=10)
        # A mistyped chroot is an error and is not created (a broker would create it).
        self.failed(run(TOPICS, "--zookeeper", self.cluster.zk.connect + "/typo", "--list"),
                    r"^Error while executing topic command : ZooKeeper chroot path /typo does "
                    r"not exist$")
        self.assertFalse(self.cluster.zk_client().exists("/typo"))
        self.failed(run(TOPICS, "--zookeeper", dead, "--list", "--timeout-ms", "2000"),
                    r"^Error while executing topic command : .*ZooKeeper", within=8)
        self.failed(run(API_VERSIONS, "--bootstrap-server", dead, "--timeout-ms", "2000"),
                    r"^Error: Timed out waiting for a node", within=8)
        self.failed(run(CONFIGS, "--bootstrap-server", dead, "--describe", "--entity-type",
                        "topics", "--timeout-ms", "2000"), r"Timed out waiting for a node",
                    within=8)
        for binary in (TOPICS, API_VERSIONS, CONFIGS):
            rc, out, err, _ = run(binary, "--help")
            self.assertEqual((0, ""), (rc, err))
            self.assertIn("--bootstrap-server", out)
            rc, out, err, _ = run(binary, "--version")
            self.assertEqual(0, rc)
            self.assertRegex(out, r"^kafka-[a-z-]+ \d+\.\d+\.\d+")

    def test_configs_tool(self):
        topic = self.unique_topic("cfg")
        self.ok(self.bs("--create", "--topic", topic, "--partitions", "1",
                        "--replication-factor", "3"))
        bs = lambda *a: run(CONFIGS, "--bootstrap-server", self.bootstrap, *a)  # noqa: E731
        zk = lambda *a: run(CONFIGS, "--zookeeper", self.cluster.zk.connect, *a)  # noqa: E731
        t = ("--entity-type", "topics", "--entity-name", topic)
        out = self.ok(bs("--alter", *t, "--add-config",
                         "retention.ms=5000,cleanup.policy=[compact,delete]"))
        self.assertEqual("Completed updating config for topic %s.\n" % topic, out)
        self.assertEqual({"retention.ms": "5000", "cleanup.policy": "compact,delete"},
                         self.cluster.zk_json("/config/topics/" + topic)["config"])
        out = self.ok(bs("--describe", *t))
        lines = out.splitlines()
        self.assertEqual("Dynamic configs for topic %s are:" % topic, lines[0])
        self.assertIn("  cleanup.policy=compact,delete sensitive=false synonyms={"
                      "DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete", out)
        self.assertEqual(3, len(lines), out)
        self.assertEqual("Configs for topic '%s' are cleanup.policy=compact,delete,"
                         "retention.ms=5000\n" % topic, self.ok(zk("--describe", *t)))
        out = self.ok(zk("--alter", *t, "--delete-config", "retention.ms"))
        self.assertEqual("Completed Updating config for entity: topic '%s'.\n" % topic, out)
        self.assertEqual({"cleanup.policy": "compact,delete"},
                         self.cluster.zk_json("/config/topics/" + topic)["config"])
        harness.wait_until(lambda: "retention.ms=5000" not in self.ok(bs("--describe", *t)), 30,
                           "brokers dropped the deleted override")
        self.failed(bs("--alter", *t, "--delete-config", "nope"),
                    r"^Error while executing config command : Invalid config\(s\): nope$")
        self.failed(zk("--alter", "--entity-type", "topics", "--entity-name",
                       self.unique_topic("none"), "--add-config", "retention.ms=1"),
                    r"does not exist")
        self.failed(zk("--alter", *t, "--add-config", "retention.ms=soon"), r"retention\.ms")
        js = json.loads(self.ok(bs("--describe", *t, "--output", "json")))
        self.assertEqual([{"name": "cleanup.policy", "value": "compact,delete",
                           "source": "DYNAMIC_TOPIC_CONFIG", "sensitive": False,
                           "read_only": False}], js["entities"][0]["configs"])
        out = self.ok(bs("--describe", "--entity-type", "brokers", "--entity-name", "2", "--all"))
        self.assertTrue(out.startswith("All configs for broker 2 are:\n"), out)
        self.assertIn("\n  broker.id=2 sensitive=false synonyms={", out)
        out = self.ok(bs("--describe", "--entity-type", "brokers"))
        self.assertEqual(["Dynamic configs for broker %d are:" % i for i in (1, 2, 3)],
                         out.splitlines())
        self.failed(bs("--alter", "--entity-type", "brokers", "--entity-name", "1",
                       "--add-config", "log.cleaner.threads=2"),
                    r"^Error while executing config command : ")

    def test_command_config(self):
        path = os.path.join(self.cluster.work_dir, "client.properties")

        def props(text):
            with open(path, "w") as f:
                f.write(text)
            return path
        props("# tools\nclient.id=tools-test\nrequest.timeout.ms=5000\nacks=all\n"
              "bootstrap.servers=127.0.0.1:%d\n" % harness.free_port())
        # --bootstrap-server wins over the file's bootstrap.servers (a dead address).
        self.ok(self.bs("--list", "--command-config", path))
        self.ok(run(API_VERSIONS, "--bootstrap-server", self.bootstrap, "--command-config", path))
        self.failed(self.bs("--list", "--command-config", props("security.protocol=SSL\n")),
                    r"^kafka-topics: Invalid value SSL for configuration security\.protocol")
        self.failed(self.bs("--list", "--command-config", props("request.timeout.ms=soon\n")),
                    r"request\.timeout\.ms")
        self.failed(self.bs("--list", "--command-config", path + ".missing"), r"cannot read")

    def test_broker_api_versions(self):
        out = self.ok(run(API_VERSIONS, "--bootstrap-server", self.bootstrap))
        blocks = re.findall(r"^(\S+):(\d+) \(id: (\d+) rack: null\) -> \(\n(.*?)\n\)$", out,
                            re.M | re.S)
        self.assertEqual([1, 2, 3], sorted(int(b[2]) for b in blocks))
        for host, port, _, body in blocks:
            printed = {}
            for line in body.split(",\n"):
                m = re.fullmatch(r"\t(\w+)\((\d+)\): (?:(\d+)(?: to (\d+))?(?: \[usable: \d+\])?"
                                 r"|UNSUPPORTED)", line)
                self.assertTrue(m, "bad line %r" % line)
                if m.group(3) is not None:
                    printed[int(m.group(2))] = (int(m.group(3)), int(m.group(4) or m.group(3)))
            self.assertEqual(self.raw_api_versions(host, int(port)), printed)
        self.assertIn("\tMetadata(3): 0 to ", out)
        js = json.loads(self.ok(run(API_VERSIONS, "--bootstrap-server", self.bootstrap,
                                    "--output", "json")))
        self.assertEqual([1, 2, 3], [b["id"] for b in js["brokers"]])

    @staticmethod
    def raw_api_versions(host, port):
        """ApiVersions v0 sent by hand: {api_key: (min, max)}."""
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(harness.encode_request(18, 0, 7))
            size = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
            data = s.recv(size, socket.MSG_WAITALL)
        _, error, n = struct.unpack(">ihi", data[:10])
        assert error == 0
        return {k: (lo, hi) for k, lo, hi in
                (struct.unpack(">hhh", data[10 + 6 * i:16 + 6 * i]) for i in range(n))}

    # ---- a broker down (runs last: test_zz) ------------------------------------------------------

    def test_zz_under_replicated_after_broker_kill(self):
        topic = self.unique_topic("urp")
        self.ok(self.bs("--create", "--topic", topic, "--replica-assignment", "1:2:3,2:3:1,3:1:2"))
        self.wait_full_isr(topic, 3)
        self.assertEqual("", self.ok(self.bs("--describe", "--topic", topic,
                                             "--under-replicated-partitions")))
        # min.insync.replicas 3 (under once a replica is gone) and 2 (at the minimum then); a
        # single replica on broker 3 (unavailable then).
        strict, edge, lone = (self.unique_topic(n) for n in ("strict", "edge", "lone"))
        self.ok(self.bs("--create", "--topic", strict, "--replica-assignment", "1:2:3",
                        "--config", "min.insync.replicas=3"))
        self.ok(self.bs("--create", "--topic", edge, "--replica-assignment", "1:2:3",
                        "--config", "min.insync.replicas=2"))
        self.ok(self.zk("--create", "--topic", lone, "--replica-assignment", "3"))
        for t in (strict, edge):
            self.wait_full_isr(t, 1)
        self.wait_for_topic(lone, 1)
        self.assertEqual("", self.ok(self.bs("--describe", "--topic", strict,
                                             "--under-min-isr-partitions")))
        self.assertEqual(1, len(self.ok(self.bs("--describe", "--topic", strict,
                                                "--at-min-isr-partitions")).splitlines()))
        broker3 = self.cluster.broker(3)
        broker3.kill()
        try:
            harness.wait_until(lambda: all(
                3 not in self.cluster.partition_state(topic, p)["isr"] and
                self.cluster.partition_state(topic, p)["leader"] != 3 for p in range(3)), 60,
                "broker 3 out of every ISR and leadership")
            def filtered(mode, t, flag, expected):
                # The ZooKeeper state above changes first; a broker's metadata follows with the
                # controller's UpdateMetadata, so --bootstrap-server may need a moment to agree.
                got = []

                def listed():
                    got[:] = [parse_describe(self.ok(mode("--describe", "--topic", t, flag)))]
                    return sorted(got[0].get(t, {}).get("partitions", {})) == expected
                harness.wait_until(listed, 30, "%s %s listing %s (%s)" % (
                    t, flag, expected, mode.__name__))
                return got[0]

            for mode in (self.bs, self.zk):
                described = filtered(mode, topic, "--under-replicated-partitions", [0, 1, 2])
                parts = described[topic]["partitions"]
                self.assertEqual([0, 1, 2], sorted(parts), mode.__name__)
                self.assertNotIn("count", described[topic], "no header line with a filter")
                for p, (leader, replicas, isr) in parts.items():
                    self.assertIn(3, replicas)
                    self.assertNotIn(3, isr)
                    self.assertNotEqual(3, leader)
                self.assert_describe_matches_zookeeper(described, topic)
                # Every partition still has a live leader.
                self.assertEqual("", self.ok(mode("--describe", "--topic", topic,
                                                  "--unavailable-partitions")))
                # The lone replica's partition has none.
                # (Kafka keeps the last ISR in the state when the last replica dies.)
                last = []

                def lone_unavailable():
                    isr = ",".join(str(b) for b in self.cluster.partition_state(lone, 0)["isr"])
                    last[:] = [self.ok(mode("--describe", "--topic", lone,
                                            "--unavailable-partitions"))]
                    return last[0] == ("\tTopic: %s\tPartition: 0\tLeader: none\tReplicas: 3"
                                       "\tIsr: %s\n" % (lone, isr))
                harness.wait_until(lone_unavailable, 30, "%s listed as unavailable (%s)" % (
                    lone, mode.__name__))
            # min.insync.replicas comes from DescribeConfigs, so only --bootstrap-server sees it.
            under = filtered(self.bs, strict, "--under-min-isr-partitions", [0])
            self.assertEqual([0], list(under[strict]["partitions"]))
            self.assertEqual("", self.ok(self.bs("--describe", "--topic", edge,
                                                 "--under-min-isr-partitions")))
            at = filtered(self.bs, edge, "--at-min-isr-partitions", [0])
            self.assertEqual([0], list(at[edge]["partitions"]))
        finally:
            broker3.start()
            self.cluster.wait_ready([broker3])


if __name__ == "__main__":
    harness.main()
