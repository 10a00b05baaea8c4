#!/usr/bin/env python3
"""ElectLeaders (API 43) on a real three-broker cluster, through kafka-leader-election (which uses
the API when the brokers advertise it) and on the raw wire.

1. Preferred: after a broker restart its partitions are led by others; an election over every
   partition moves them back, and the metadata shows every partition led by its preferred replica.
2. ELECTION_NOT_NEEDED and UNKNOWN_TOPIC_OR_PARTITION come back as Kafka's tool lines.
3. A broker that is not the controller answers ElectLeaders v0 and v2 with NOT_CONTROLLER.
4. Unclean (KIP-460): replication factor 2, the follower stopped, records written to the leader
   alone, the leader killed, only the stale follower started. With unclean.leader.election.enable
   false the partition stays without a leader; an UNCLEAN election makes the stale follower leader
   and the partition serves produce and consume again."""

import json
import os
import re
import struct
import time

import harness
from flexible_wire import read_uvarint, roundtrip, uvarint
from tool_helpers import ToolAssertions, run_tool

ELECTION = os.path.join(harness.BUILD_DIR, "bin", "kafka-leader-election")
ELECT_LEADERS = 43
NONE, UNKNOWN_SERVER_ERROR, UNKNOWN_TOPIC_OR_PARTITION, NOT_CONTROLLER = 0, -1, 3, 41


# ---- raw ElectLeaders (v0: classic encoding; v2: flexible, KIP-482) ---------------------------

def encode_elect_leaders(version, partitions, election_type=0, timeout_ms=10000):
    """`partitions`: {topic: [ids]} or None (every partition)."""
    if version < 2:
        body = b"" if version == 0 else struct.pack(">b", election_type)
        if partitions is None:
            body += struct.pack(">i", -1)
        else:
            body += struct.pack(">i", len(partitions))
            for topic, ids in partitions.items():
                t = topic.encode()
                body += struct.pack(">h", len(t)) + t + struct.pack(">i", len(ids))
                body += b"".join(struct.pack(">i", p) for p in ids)
        return body + struct.pack(">i", timeout_ms)
    body = struct.pack(">b", election_type)
    if partitions is None:
        body += uvarint(0)
    else:
        body += uvarint(len(partitions) + 1)
        for topic, ids in partitions.items():
            t = topic.encode()
            body += uvarint(len(t) + 1) + t + uvarint(len(ids) + 1)
            body += b"".join(struct.pack(">i", p) for p in ids) + uvarint(0)
    return body + struct.pack(">i", timeout_ms) + uvarint(0)


def decode_elect_leaders(version, data):
    """(top-level error or None for v0, {(topic, partition): (error, message)})."""
    pos = 4  # throttle time
    top = None
    if version >= 1:
        top = struct.unpack_from(">h", data, pos)[0]
        pos += 2
    results = {}

    def count():
        nonlocal pos
        if version >= 2:
            n, pos = read_uvarint(data, pos)
            return n - 1
        n = struct.unpack_from(">i", data, pos)[0]
        pos += 4
        return n

    def string():
        nonlocal pos
        if version >= 2:
            n, pos = read_uvarint(data, pos)
            n -= 1
        else:
            n = struct.unpack_from(">h", data, pos)[0]
            pos += 2
        if n < 0:
            return None
        s = data[pos:pos + n].decode()
        pos += n
        return s

    def skip_tags():
        nonlocal pos
        if version >= 2:
            n, pos = read_uvarint(data, pos)
            assert n == 0, "unexpected tagged fields"

    for _ in range(count()):
        topic = string()
        for _ in range(count()):
            partition, error = struct.unpack_from(">ih", data, pos)
            pos += 6
            results[(topic, partition)] = (error, string())
            skip_tags()
        skip_tags()
    skip_tags()
    assert pos == len(data), "trailing bytes in the response"
    return top, results


def call_elect_leaders(address, version, partitions, election_type=0, timeout_ms=10000):
    body = encode_elect_leaders(version, partitions, election_type, timeout_ms)
    data = roundtrip(address, ELECT_LEADERS, version, body, flexible=version >= 2,
                     client_id=b"elect-test")
    return decode_elect_leaders(version, data)


class ElectLeadersTest(ToolAssertions, harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"unclean.leader.election.enable": "false", "min.insync.replicas": "1",
                 "auto.leader.rebalance.enable": "false", "replica.lag.time.max.ms": "5000"}

    def election(self, *args):
        return run_tool(ELECTION, "--bootstrap-server", self.bootstrap, *args, timeout=60)

    def create_assigned(self, topic, assignment):
        from confluent_kafka.admin import NewTopic
        admin = self.admin()
        admin.create_topics([NewTopic(topic, num_partitions=len(assignment),
                                      replica_assignment=assignment)])[topic].result(30)
        self.wait_for_topic(topic, len(assignment))
        harness.wait_until(lambda: all(len(isr) == len(replicas) for _, replicas, isr in
                                       self.metadata_partitions(topic).values()), 60, "full ISR")

    def all_isrs_full(self):
        return all(len(isr) == len(replicas)
                   for t in self.admin().list_topics(timeout=10).topics
                   for _, replicas, isr in self.metadata_partitions(t).values())

    def test_1_preferred_all_partitions_after_restart(self):
        topic = "pref"
        self.create_assigned(topic, [[2, 1, 3], [3, 1, 2]])
        self.cluster.broker(2).restart()
        harness.wait_until(lambda: 2 in self.metadata_partitions(topic)[0][2] and
                           self.metadata_partitions(topic)[0][0] not in (-1, 2), 60,
                           "broker 2 back in the ISR, not leading")
        harness.wait_until(self.all_isrs_full, 60, "full ISRs")
        out = self.ok(self.election("--election-type", "preferred", "--all-topic-partitions"))
        # Only partitions that needed an election are reported for "every partition".
        lines = out.splitlines()
        self.assertEqual(1, len(lines), out)
        done = re.match(r"^Successfully completed leader election \(PREFERRED\) for partitions "
                        r"(.*)$", lines[0])
        self.assertTrue(done, out)
        elected = done.group(1).split(", ")
        self.assertIn("pref-0", elected)
        self.assertNotIn("pref-1", elected)
        # The answer waited for the controller's metadata; every broker follows shortly.
        for broker in self.cluster.brokers:
            harness.wait_until(lambda: all(
                leader == replicas[0] for t in self.admin().list_topics(timeout=10).topics
                for leader, replicas, _ in self.metadata_partitions(t, via=broker).values()),
                15, "every partition led by its preferred replica (broker %d's metadata)" %
                broker.broker_id)
        self.assertEqual(2, self.cluster.partition_state(topic, 0)["leader"])

    def test_2_not_needed_and_unknown(self):
        topic = "pref"
        harness.wait_until(lambda: self.metadata_partitions(topic)[0][0] == 2, 30, "pref-0 on 2")
        out = self.ok(self.election("--election-type", "preferred", "--topic", topic,
                                    "--partition", "0"))
        self.assertEqual("Valid replica already elected for partitions pref-0\n", out)
        # UNCLEAN is not needed either while the leader is alive.
        json_file = os.path.join(self.cluster.work_dir, "election.json")
        with open(json_file, "w") as f:
            json.dump({"partitions": [{"topic": topic, "partition": 0},
                                      {"topic": topic, "partition": 1}]}, f)
        out = self.ok(self.election("--election-type", "unclean", "--path-to-json-file",
                                    json_file))
        self.assertEqual("Valid replica already elected for partitions pref-0, pref-1\n", out)

        rc, out, err, _ = self.election("--election-type", "preferred", "--topic", topic,
                                        "--partition", "9")
        self.assertEqual(1, rc)
        self.assertEqual(
            "Error completing leader election (PREFERRED) for partition: pref-9: "
            "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: The partition does "
            "not exist.\n", out)
        self.assertEqual("Error: 1 replica(s) could not be elected\n", err)
        rc, out, err, _ = self.election("--election-type", "unclean", "--topic", "no-such",
                                        "--partition", "0")
        self.assertEqual(1, rc)
        self.assertIn("for partition: no-such-0: org.apache.kafka.common.errors."
                      "UnknownTopicOrPartitionException", out)
        self.assertEqual("Error: 1 replica(s) could not be elected\n", err)

    def test_3_raw_wire_not_controller(self):
        controller = self.cluster.controller_id()
        other = next(b for b in self.cluster.brokers if b.broker_id != controller)
        for version in (0, 2):
            top, results = call_elect_leaders(other.address, version, {"pref": [0, 1]})
            self.assertEqual(None if version == 0 else NONE, top)
            self.assertEqual({("pref", 0): (NOT_CONTROLLER, None),
                              ("pref", 1): (NOT_CONTROLLER, None)}, results, "v%d" % version)
        # The controller itself answers; v2 with every partition reports none (all preferred).
        ctrl = self.cluster.broker(controller)
        top, results = call_elect_leaders(ctrl.address, 2, None)
        self.assertEqual((NONE, {}), (top, results))
        top, results = call_elect_leaders(ctrl.address, 1, {"nope": [0]}, election_type=1)
        self.assertEqual((NONE, {("nope", 0): (UNKNOWN_TOPIC_OR_PARTITION,
                                               "The partition does not exist.")}), (top, results))
        # An unknown election type: Kafka's generic error response.
        top, results = call_elect_leaders(ctrl.address, 2, {"pref": [0]}, election_type=5)
        self.assertEqual(UNKNOWN_SERVER_ERROR, top)
        self.assertEqual([("pref", 0)], list(results))
        self.assertEqual(UNKNOWN_SERVER_ERROR, results[("pref", 0)][0])

    def test_4_unclean_elects_the_stale_follower(self):
        topic = "unclean"
        self.create_assigned(topic, [[1, 2]])
        leader, follower = self.cluster.broker(1), self.cluster.broker(2)
        harness.wait_until(lambda: self.cluster.partition_state(topic, 0)["leader"] == 1, 30,
                           "broker 1 leads")
        base, failed = self.produce_acked(topic, [b"both-%d" % i for i in range(20)], partition=0)
        self.assertEqual([], failed)
        follower.stop()
        harness.wait_until(lambda: self.cluster.partition_state(topic, 0)["isr"] == [1], 30,
                           "ISR without the stopped follower")
        _, failed = self.produce_acked(topic, [b"alone-%d" % i for i in range(20)], partition=0)
        self.assertEqual([], failed)
        leader.kill()
        follower.start()
        zk = self.cluster.zk_client()
        harness.wait_until(lambda: zk.exists("/brokers/ids/2"), 60, "follower registered")
        harness.wait_until(lambda: not zk.exists("/brokers/ids/1"), 60, "killed leader gone")
        harness.wait_until(lambda: self.cluster.partition_state(topic, 0)["leader"] == -1, 30,
                           "the partition without a leader")
        time.sleep(2)
        self.assertEqual(-1, self.cluster.partition_state(topic, 0)["leader"])

        # A preferred election cannot help: the preferred replica (1) is gone.
        rc, out, err, _ = self.election("--election-type", "preferred", "--topic", topic,
                                        "--partition", "0")
        self.assertEqual(1, rc)
        self.assertIn("Error completing leader election (PREFERRED) for partition: unclean-0: "
                      "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException", out)

        out = self.ok(self.election("--election-type", "unclean", "--topic", topic,
                                    "--partition", "0"))
        self.assertEqual(
            "Successfully completed leader election (UNCLEAN) for partitions unclean-0\n", out)
        state = self.cluster.partition_state(topic, 0)
        self.assertEqual((2, [2]), (state["leader"], state["isr"]))
        controller = self.cluster.broker(self.cluster.controller_id())
        self.assertGreaterEqual(controller.metrics()[
            "kafka_controller_controllerstats_uncleanleaderelections_total"], 1)

        # The partition serves again: what the stale follower had plus what is written now.
        after, failed = self.produce_acked(topic, [b"after-%d" % i for i in range(20)],
                                           partition=0)
        self.assertEqual([], failed)
        self.assert_acked_consumed(topic, [0], {**base, **after})
        leader.start()
        self.cluster.wait_ready(self.cluster.brokers, timeout=60)


if __name__ == "__main__":
    harness.main()
