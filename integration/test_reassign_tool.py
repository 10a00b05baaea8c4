#!/usr/bin/env python3
"""kafka-reassign-partitions and the KIP-455 API (AlterPartitionReassignments 45,
ListPartitionReassignments 46) against ZooKeeper and three real brokers.

--generate proposes a plan on the given brokers, --execute starts it (through
/admin/reassign_partitions with --zookeeper, through AlterPartitionReassignments with
--bootstrap-server), --verify --wait follows it until done; the Metadata then shows the new
replicas and every record acknowledged before the move is read back from the new leader. An API
reassignment to a broker that is stopped cannot finish: ListPartitionReassignments shows it, a
null replica list cancels it and the original replicas come back. A non-controller answers
NOT_CONTROLLER. Bad inputs fail with one line on stderr and exit 1."""

import json
import os
import struct
import tempfile

import harness
from flexible_wire import compact_string, read_uvarint, roundtrip, uvarint
from tool_helpers import ToolAssertions, run_tool

BIN = os.path.join(harness.BUILD_DIR, "bin")
REASSIGN = os.path.join(BIN, "kafka-reassign-partitions")

NONE, NOT_CONTROLLER, NO_REASSIGNMENT_IN_PROGRESS = 0, 41, 85


# ---- a minimal flexible-version (KIP-482) codec for the two APIs ----

class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def uvarint(self):
        value, self.pos = read_uvarint(self.data, self.pos)
        return value

    def nullable_string(self):
        n = self.uvarint()
        if n == 0:
            return None
        s = self.data[self.pos:self.pos + n - 1].decode()
        self.pos += n - 1
        return s

    def int32_array(self):
        return [self.take(">i") for _ in range(self.uvarint() - 1)]

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.pos += self.uvarint()


def call(address, api_key, body):
    """One flexible v0 request; returns a Reader on the response body."""
    return Reader(roundtrip(address, api_key, 0, body, flexible=True))


def list_reassignments(address):
    """(error code, {(topic, partition): (replicas, adding, removing)}) for every ongoing one."""
    r = call(address, 46, struct.pack(">i", 30000) + uvarint(0) + uvarint(0))
    r.take(">i")
    error = r.take(">h")
    r.nullable_string()
    out = {}
    for _ in range(r.uvarint() - 1):
        topic = r.nullable_string()
        for _ in range(r.uvarint() - 1):
            p = r.take(">i")
            out[(topic, p)] = (r.int32_array(), r.int32_array(), r.int32_array())
            r.skip_tags()
        r.skip_tags()
    return error, out


def alter_reassignments(address, topic, targets):
    """targets: {partition: [replicas] or None}. Returns (error, {partition: error})."""
    body = struct.pack(">i", 30000) + uvarint(2) + compact_string(topic) + uvarint(len(targets) + 1)
    for p, replicas in sorted(targets.items()):
        body += struct.pack(">i", p)
        if replicas is None:
            body += uvarint(0)
        else:
            body += uvarint(len(replicas) + 1) + b"".join(struct.pack(">i", x) for x in replicas)
        body += uvarint(0)
    body += uvarint(0) + uvarint(0)
    r = call(address, 45, body)
    r.take(">i")
    error = r.take(">h")
    r.nullable_string()
    out = {}
    for _ in range(r.uvarint() - 1):
        r.nullable_string()
        for _ in range(r.uvarint() - 1):
            p = r.take(">i")
            out[p] = r.take(">h")
            r.nullable_string()
            r.skip_tags()
        r.skip_tags()
    return error, out


class ReassignToolTest(ToolAssertions, harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"auto.leader.rebalance.enable": "false"}

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="reassign-", dir=self.cluster.work_dir)

    def write(self, name, content):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def create_on(self, topic, assignment):
        from confluent_kafka.admin import NewTopic
        admin = self.admin()
        fs = admin.create_topics([NewTopic(topic, len(assignment), replica_assignment=assignment)],
                                 request_timeout=30)
        fs[topic].result(timeout=30)
        self.wait_for_topic(topic, len(assignment))
        for p, replicas in enumerate(assignment):
            harness.wait_until(
                lambda: sorted(self.cluster.partition_state(topic, p)["isr"]) == sorted(replicas),
                30, "full ISR of %s-%d" % (topic, p))

    def zk(self):
        return ["--zookeeper", self.cluster.zk.connect]

    def bs(self):
        return ["--bootstrap-server", self.bootstrap]

    def assert_moved(self, topic, plan, acked):
        for entry in plan["partitions"]:
            p = entry["partition"]
            harness.wait_until(
                lambda: self.metadata_partitions(topic).get(p, (None, []))[1] == entry["replicas"],
                30, "metadata of %s-%d showing %s" % (topic, p, entry["replicas"]))
            leader = self.metadata_partitions(topic)[p][0]
            self.assertIn(leader, entry["replicas"])
        self.assert_acked_consumed(topic, sorted({e["partition"] for e in plan["partitions"]}),
                                   acked)

    def test_generate_execute_verify_through_zookeeper(self):
        a, b, c = sorted(x.broker_id for x in self.cluster.brokers)
        topic = self.unique_topic("zk")
        self.create_on(topic, [[a, b], [b, a]])
        acked, failed = self.produce_acked(topic, [b"z-%d" % i for i in range(300)])
        self.assertEqual([], failed)

        topics_file = self.write("topics.json", {"version": 1, "topics": [{"topic": topic}]})
        out = self.ok(run_tool(REASSIGN, *self.zk(), "--generate", "--topics-to-move-json-file",
                               topics_file, "--broker-list", "%d,%d" % (b, c)))
        lines = out.splitlines()
        self.assertEqual("Current partition replica assignment", lines[0])
        current = json.loads(lines[1])
        self.assertEqual({0: [a, b], 1: [b, a]},
                         {e["partition"]: e["replicas"] for e in current["partitions"]})
        i = lines.index("Proposed partition reassignment configuration")
        proposed = json.loads(lines[i + 1])
        self.assertEqual(1, proposed["version"])
        self.assertEqual([0, 1], sorted(e["partition"] for e in proposed["partitions"]))
        for e in proposed["partitions"]:
            self.assertEqual([b, c], sorted(e["replicas"]))
            self.assertEqual(["any", "any"], e["log_dirs"])
        # The same proposal as JSON.
        out_json = json.loads(self.ok(run_tool(
            REASSIGN, *self.zk(), "--generate", "--topics-to-move-json-file", topics_file,
            "--broker-list", "%d,%d" % (b, c), "--output", "json")))
        self.assertEqual(current, out_json["current"])

        plan_file = self.write("plan.json", proposed)
        out = self.ok(run_tool(REASSIGN, *self.zk(), "--execute", "--reassignment-json-file",
                               plan_file))
        self.assertIn("Current partition replica assignment\n\n" + lines[1], out)
        self.assertIn("Save this to use as the --reassignment-json-file option during rollback",
                      out)
        self.assertTrue(out.endswith("Successfully started reassignment of partitions.\n"), out)

        rc, out, err, _ = run_tool(REASSIGN, *self.zk(), "--verify", "--wait",
                                   "--reassignment-json-file", plan_file, "--timeout-ms", "90000",
                                   timeout=120)
        self.assertEqual(0, rc, "stdout %r stderr %r" % (out, err))
        self.assertEqual(["Status of partition reassignment:",
                          "Reassignment of partition %s-0 completed successfully" % topic,
                          "Reassignment of partition %s-1 completed successfully" % topic],
                         out.splitlines())
        self.assertFalse(self.cluster.zk_client().exists("/admin/reassign_partitions"))
        self.assert_moved(topic, proposed, acked)
        # Verifying again through the API agrees.
        out = self.ok(run_tool(REASSIGN, *self.bs(), "--verify", "--reassignment-json-file",
                               plan_file, "--output", "json"))
        self.assertEqual({"completed"}, {p["status"] for p in json.loads(out)["partitions"]})

    def test_execute_verify_through_the_api(self):
        a, b, c = sorted(x.broker_id for x in self.cluster.brokers)
        topic = self.unique_topic("api")
        self.create_on(topic, [[a, b]])
        acked, failed = self.produce_acked(topic, [b"a-%d" % i for i in range(300)], partition=0)
        self.assertEqual([], failed)
        plan = {"version": 1, "partitions": [{"topic": topic, "partition": 0,
                                              "replicas": [c, b], "log_dirs": ["any", "any"]}]}
        plan_file = self.write("plan.json", plan)
        out = self.ok(run_tool(REASSIGN, *self.bs(), "--execute", "--reassignment-json-file",
                               plan_file))
        self.assertIn("Successfully started reassignment of partitions.", out)
        # Not written to /admin/reassign_partitions (Kafka 2.4's API path).
        self.assertFalse(self.cluster.zk_client().exists("/admin/reassign_partitions"))
        rc, out, err, _ = run_tool(REASSIGN, *self.bs(), "--verify", "--wait",
                                   "--reassignment-json-file", plan_file, "--timeout-ms", "90000",
                                   timeout=120)
        self.assertEqual(0, rc, "stdout %r stderr %r" % (out, err))
        self.assertIn("Reassignment of partition %s-0 completed successfully" % topic, out)
        self.assert_moved(topic, plan, acked)
        self.assertEqual([c, b], self.cluster.zk_json("/brokers/topics/%s" % topic)
                         ["partitions"]["0"])

    def test_cancel_api_reassignment_to_stopped_broker(self):
        controller = self.cluster.controller_id()
        ids = sorted(x.broker_id for x in self.cluster.brokers)
        target = [x for x in ids if x != controller][0]
        original = [x for x in ids if x != target]
        topic = self.unique_topic("cancel")
        self.create_on(topic, [original])
        ctl = self.cluster.broker(controller).address
        other = self.cluster.broker(target).address

        # Nothing to cancel yet.
        self.assertEqual((NONE, {0: NO_REASSIGNMENT_IN_PROGRESS}),
                         alter_reassignments(ctl, topic, {0: None}))
        stopped = self.cluster.broker(target)
        stopped.pause()  # still registered, so the target is accepted, but it cannot catch up
        try:
            wanted = [target, original[0]]
            self.assertEqual((NONE, {0: NONE}), alter_reassignments(ctl, topic, {0: wanted}))
            stopped.kill()
            error, ongoing = list_reassignments(ctl)
            self.assertEqual(NONE, error)
            self.assertEqual(([target, original[0], original[1]], [target], [original[1]]),
                             ongoing[(topic, 0)])
            plan_file = self.write("plan.json", {"version": 1, "partitions": [
                {"topic": topic, "partition": 0, "replicas": wanted}]})
            rc, out, _, _ = run_tool(REASSIGN, *self.bs(), "--verify",
                                     "--reassignment-json-file", plan_file)
            self.assertEqual(0, rc)
            self.assertIn("Reassignment of partition %s-0 is still in progress" % topic, out)

            self.assertEqual((NONE, {0: NONE}), alter_reassignments(ctl, topic, {0: None}))
            harness.wait_until(lambda: (topic, 0) not in list_reassignments(ctl)[1], 30,
                               "the cancelled reassignment to disappear")
            assignment = self.cluster.zk_json("/brokers/topics/%s" % topic)
            self.assertEqual(sorted(original), sorted(assignment["partitions"]["0"]))
            self.assertEqual({}, assignment.get("adding_replicas", {}))
            harness.wait_until(
                lambda: sorted(self.metadata_partitions(topic).get(0, (None, []))[1]) ==
                sorted(original), 30, "metadata showing the original replicas")
            rc, out, _, _ = run_tool(REASSIGN, *self.bs(), "--verify",
                                     "--reassignment-json-file", plan_file)
            self.assertEqual(1, rc)
            self.assertIn("Reassignment of partition %s-0 failed" % topic, out)
        finally:
            if not stopped.is_running():
                stopped.start()
                self.cluster.wait_ready([stopped], timeout=60)
        # A broker that is not the controller answers NOT_CONTROLLER.
        self.assertEqual(NOT_CONTROLLER, list_reassignments(other)[0])
        self.assertEqual(NOT_CONTROLLER, alter_reassignments(other, topic, {0: None})[0])

    def test_bad_inputs_fail_with_one_line(self):
        a, b, _ = sorted(x.broker_id for x in self.cluster.brokers)
        topic = self.unique_topic("bad")
        self.create_on(topic, [[a, b]])

        def plan(replicas, partition=0):
            return self.write("p.json", {"version": 1, "partitions": [
                {"topic": topic, "partition": partition, "replicas": replicas}]})
        for backend in (self.zk(), self.bs()):
            self.failed(run_tool(REASSIGN, *backend, "--execute", "--reassignment-json-file",
                                 plan([a, 99])), r"non-existent brokerIDs: 99$", within=20)
            self.failed(run_tool(REASSIGN, *backend, "--execute", "--reassignment-json-file",
                                 plan([a, a])), r"may not contain duplicate entries: .* "
                                 r"contains multiple entries for %d$" % a)
            self.failed(run_tool(REASSIGN, *backend, "--execute", "--reassignment-json-file",
                                 plan([a], partition=7)), r"non-existent partitions: %s-7" % topic)
            self.failed(run_tool(REASSIGN, *backend, "--execute", "--reassignment-json-file",
                                 self.write("bad.json", "{not json")),
                        r"^Partitions reassignment failed due to The input string is not a valid "
                        r"JSON$")
            self.failed(run_tool(REASSIGN, *backend, "--generate", "--topics-to-move-json-file",
                                 self.write("t.json", {"topics": [{"topic": topic}]}),
                                 "--broker-list", "%d,42" % a), r"non-existent brokerIDs: 42$")
            self.failed(run_tool(REASSIGN, *backend, "--execute", "--reassignment-json-file",
                                 plan([b, a]), "--throttle", "1000"), r"--throttle is not supported")
        self.failed(run_tool(REASSIGN, *self.bs(), "--verify"),
                    r"must include --reassignment-json-file")
        self.failed(run_tool(REASSIGN, "--execute", "--reassignment-json-file", plan([b, a])),
                    r"--zookeeper .* --bootstrap-server")
        # Nothing was started by any of these.
        self.assertEqual([a, b], self.cluster.zk_json("/brokers/topics/%s" % topic)
                         ["partitions"]["0"])


if __name__ == "__main__":
    harness.main()
