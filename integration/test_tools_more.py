#!/usr/bin/env python3
"""kafka-dump-log, kafka-get-offsets and kafka-leader-election against a real three-broker
cluster.

Records with known keys, values and timestamps are produced; kafka-dump-log reads the partition's
segment and index files from the leader's data directory and its output is compared with what was
produced and acknowledged; kafka-get-offsets is compared with the acknowledged offsets and the
record timestamps; kafka-leader-election must move leadership back to the preferred replica after
a broker restart, as the metadata shows (through ElectLeaders; --zookeeper is accepted and
unused when the brokers serve it). Failures must exit non-zero with one line on stderr
within the bounded time."""

import os
import re
import time

import harness
from tool_helpers import ToolAssertions, run_tool

BIN = os.path.join(harness.BUILD_DIR, "bin")
DUMP_LOG = os.path.join(BIN, "kafka-dump-log")
GET_OFFSETS = os.path.join(BIN, "kafka-get-offsets")
ELECTION = os.path.join(BIN, "kafka-leader-election")

RECORD_RE = re.compile(r"\| offset: (\d+) CreateTime: (\d+) keysize: (-?\d+) valuesize: (-?\d+) "
                       r"sequence: (-?\d+) headerKeys: \[([^\]]*)\]( key: (\S*))?( payload: (\S*))?")
BATCH_RE = re.compile(
    r"baseOffset: (\d+) lastOffset: (\d+) count: (\d+) baseSequence: (-?\d+) lastSequence: (-?\d+) "
    r"producerId: (-?\d+) producerEpoch: (-?\d+) partitionLeaderEpoch: (-?\d+) "
    r"isTransactional: (true|false) isControl: (true|false) position: (\d+) CreateTime: (-?\d+) "
    r"size: (\d+) magic: 2 compresscodec: (NONE|GZIP|SNAPPY|LZ4|ZSTD) crc: (\d+) isvalid: true")


def run(binary, *args, timeout=60):
    return run_tool(binary, *args, timeout=timeout)


class ToolsMoreTest(ToolAssertions, harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"auto.leader.rebalance.enable": "false", "replica.lag.time.max.ms": "5000"}

    def produce_keyed(self, topic, partition, records, separate_batches=True):
        """records: [(key, value, timestamp_ms)]; returns the acknowledged offsets in order."""
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "linger.ms": 0,
                      "log_level": 0})
        offsets = []

        def cb(err, msg):
            self.assertIsNone(err)
            offsets.append(msg.offset())
        for key, value, ts in records:
            p.produce(topic, value=value, key=key, partition=partition, timestamp=ts,
                      on_delivery=cb)
            if separate_batches:
                p.flush(30)
        p.flush(30)
        self.assertEqual(len(records), len(offsets))
        return offsets

    def partition_dir(self, topic, partition):
        leader = self.metadata_partitions(topic)[partition][0]
        return os.path.join(self.cluster.broker(leader).log_dir, "%s-%d" % (topic, partition))

    # ---- kafka-dump-log -----------------------------------------------------------------------

    def test_dump_log_segment_and_indexes(self):
        topic = self.unique_topic("dump")
        # An index entry per batch, so the index has several entries to check.
        self.create_topic(topic, 1, 1, config={"index.interval.bytes": "1"})
        base_ts = int(time.time() * 1000) - 100000
        records = [(("k%d" % i).encode(), ("value-%d" % i).encode(), base_ts + i * 10)
                   for i in range(12)]
        records.append((None, b"keyless", base_ts + 500))
        offsets = self.produce_keyed(topic, 0, records)
        self.assertEqual(list(range(len(records))), offsets)
        d = self.partition_dir(topic, 0)
        seg = os.path.join(d, "00000000000000000000")

        out = self.ok(run(DUMP_LOG, "--files", seg + ".log", "--print-data-log"))
        lines = out.splitlines()
        self.assertEqual("Dumping " + seg + ".log", lines[0])
        self.assertEqual("Starting offset: 0", lines[1])
        batches = [BATCH_RE.fullmatch(line) for line in lines if line.startswith("baseOffset:")]
        self.assertTrue(batches and all(batches), out)
        dumped = [RECORD_RE.fullmatch(line) for line in lines if line.startswith("|")]
        self.assertTrue(all(dumped), out)
        self.assertEqual(len(records), sum(int(b.group(3)) for b in batches))
        self.assertEqual(len(records) - 1, int(batches[-1].group(2)))
        self.assertEqual(len(records), len(dumped))
        for (key, value, ts), off, m in zip(records, offsets, dumped):
            self.assertEqual(off, int(m.group(1)))
            self.assertEqual(ts, int(m.group(2)))
            self.assertEqual(-1 if key is None else len(key), int(m.group(3)))
            self.assertEqual(len(value), int(m.group(4)))
            self.assertEqual(None if key is None else key.decode(), m.group(8))
            self.assertEqual(value.decode(), m.group(10))
        # Positions add up: each batch starts where the previous one ended.
        pos = 0
        for b in batches:
            self.assertEqual(pos, int(b.group(11)))
            pos += int(b.group(13))
        self.assertEqual(os.path.getsize(seg + ".log"), pos)
        batch_at = {int(b.group(11)): int(b.group(2)) for b in batches}  # position -> lastOffset
        max_ts = {int(b.group(2)): int(b.group(12)) for b in batches}   # lastOffset -> max ts

        # Shallow dump: batch lines only.
        shallow = self.ok(run(DUMP_LOG, "--files", seg + ".log")).splitlines()
        self.assertEqual(2 + len(batches), len(shallow))

        rc, out, err, _ = run(DUMP_LOG, "--files", seg + ".index," + seg + ".timeindex")
        self.assertEqual(0, rc, err)
        self.assertEqual("", err, "no index mismatches")
        index_lines = re.findall(r"^offset: (\d+) position: (\d+)$", out, re.M)
        self.assertGreaterEqual(len(index_lines), 2, out)
        for offset, position in index_lines:
            self.assertEqual(batch_at[int(position)], int(offset), "index entry points at the batch")
        time_lines = re.findall(r"^timestamp: (\d+) offset: (\d+)$", out, re.M)
        self.assertGreaterEqual(len(time_lines), 1, out)
        for ts, offset in time_lines:
            self.assertEqual(max_ts[int(offset)], int(ts))

        rc, out, err, _ = run(DUMP_LOG, "--files", seg + ".index", "--verify-index-only")
        self.assertEqual((0, "Dumping %s.index\n" % seg, ""), (rc, out, err))
        out = self.ok(run(DUMP_LOG, "--files", seg + ".index," + seg + ".timeindex",
                          "--index-sanity-check"))
        self.assertIn("%s.index passed sanity check." % seg, out)
        self.assertIn("%s.timeindex passed sanity check." % seg, out)

    def test_dump_log_rolled_segments_and_producer_snapshots(self):
        from confluent_kafka import Producer
        topic = self.unique_topic("roll")
        # Small segments: several rolls, and a producer snapshot at each roll.
        self.create_topic(topic, 1, 1, config={"segment.bytes": "1024"})
        p = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                      "linger.ms": 0, "log_level": 0})
        for i in range(40):
            p.produce(topic, value=b"roll-value-%03d" % i, partition=0)
            p.flush(30)
        d = self.partition_dir(topic, 0)
        logs = sorted(f for f in os.listdir(d) if f.endswith(".log"))
        self.assertGreater(len(logs), 2, logs)
        out = self.ok(run(DUMP_LOG, "--files", ",".join(os.path.join(d, f) for f in logs),
                          "--deep-iteration"))
        starts = [int(x) for x in re.findall(r"^Starting offset: (\d+)$", out, re.M)]
        self.assertEqual([int(f.split(".")[0]) for f in logs], starts)
        offsets = [int(x) for x in re.findall(r"^\| offset: (\d+) ", out, re.M)]
        self.assertEqual(list(range(40)), offsets, "every record once, in order, across segments")
        pids = set(re.findall(r" producerId: (\d+) ", out))
        self.assertEqual(1, len(pids), "one idempotent producer")
        snapshots = sorted(f for f in os.listdir(d) if f.endswith(".snapshot"))
        self.assertTrue(snapshots, os.listdir(d))
        snap = os.path.join(d, snapshots[-1])
        rc, out, err, _ = run(DUMP_LOG, "--files", snap)
        self.assertEqual((0, ""), (rc, err))
        entries = re.findall(r"^producerId: (\d+) producerEpoch: (\d+) coordinatorEpoch: -1 "
                             r"currentTxnFirstOffset: None firstSequence: (\d+) lastSequence: "
                             r"(\d+) lastOffset: (\d+) offsetDelta: (\d+) timestamp: (\d+)$",
                             out, re.M)
        self.assertTrue(entries, out)
        below = int(snapshots[-1].split(".")[0])
        for pid, _, first, last, last_offset, delta, _ in entries:
            self.assertIn(pid, pids)
            self.assertEqual(int(last) - int(first), int(delta))
            self.assertLess(int(last_offset), below, "a snapshot holds batches below its offset")

    # ---- kafka-get-offsets --------------------------------------------------------------------

    def test_get_offsets_earliest_latest_by_time(self):
        topic = self.unique_topic("offs")
        self.create_topic(topic, 2, 2)
        base_ts = int(time.time() * 1000) - 100000
        self.produce_keyed(topic, 0, [(None, b"a%d" % i, base_ts + 1000 * i) for i in range(5)],
                           separate_batches=False)
        self.produce_keyed(topic, 1, [(None, b"b%d" % i, base_ts + 1000 * i) for i in range(3)],
                           separate_batches=False)
        out = self.ok(run(GET_OFFSETS, "--broker-list", self.bootstrap, "--topic", topic))
        self.assertEqual("%s:0:5\n%s:1:3\n" % (topic, topic), out)
        out = self.ok(run(GET_OFFSETS, "--bootstrap-server", self.bootstrap, "--topic", topic,
                          "--time", "-2"))
        self.assertEqual("%s:0:0\n%s:1:0\n" % (topic, topic), out)
        out = self.ok(run(GET_OFFSETS, "--broker-list", self.bootstrap, "--topic", topic,
                          "--partitions", "0", "--time", str(base_ts + 2500)))
        self.assertEqual("%s:0:3\n" % topic, out)
        out = self.ok(run(GET_OFFSETS, "--broker-list", self.bootstrap, "--topic", topic,
                          "--time", str(base_ts + 1000)))
        self.assertEqual("%s:0:1\n%s:1:1\n" % (topic, topic), out)
        # Later than every record: no offset, an empty field.
        out = self.ok(run(GET_OFFSETS, "--broker-list", self.bootstrap, "--topic", topic,
                          "--partitions", "1", "--time", str(base_ts + 10 ** 9)))
        self.assertEqual("%s:1:\n" % topic, out)
        rc, out, err, _ = run(GET_OFFSETS, "--broker-list", self.bootstrap, "--topic", topic,
                              "--partitions", "0,7")
        self.assertEqual((0, "%s:0:5\n" % topic, "Error: partition 7 does not exist\n"),
                         (rc, out, err))
        self.failed(run(GET_OFFSETS, "--broker-list", self.bootstrap, "--topic", "no-such-topic"),
                    r"^Topic no-such-topic does not exist$")

    # ---- kafka-leader-election ----------------------------------------------------------------

    def test_leader_election_preferred_after_restart(self):
        from confluent_kafka.admin import NewTopic
        topic = self.unique_topic("elect")
        admin = self.admin()
        admin.create_topics([NewTopic(topic, num_partitions=2, replica_assignment=[[2, 1, 3], [3, 1, 2]])])[
            topic].result(30)
        self.wait_for_topic(topic, 2)
        harness.wait_until(lambda: all(len(v[2]) == 3 for v in
                                       self.metadata_partitions(topic).values()), 60, "full ISR")
        broker2 = self.cluster.broker(2)
        broker2.restart()
        harness.wait_until(lambda: 2 in self.metadata_partitions(topic)[0][2] and
                           self.metadata_partitions(topic)[0][0] not in (-1, 2), 60,
                           "broker 2 back in the ISR, not leading")
        election = [ELECTION, "--bootstrap-server", self.bootstrap, "--zookeeper",
                    self.cluster.zk.connect, "--election-type", "preferred"]
        out = self.ok(run(*election, "--topic", topic, "--partition", "0"))
        self.assertEqual(
            "Successfully completed leader election (PREFERRED) for partitions %s-0\n" % topic, out)
        harness.wait_until(lambda: self.metadata_partitions(topic)[0][0] == 2, 30,
                           "broker 2 leads %s-0 in the metadata" % topic)
        self.assertEqual(2, self.cluster.partition_state(topic, 0)["leader"])
        out = self.ok(run(*election, "--topic", topic, "--partition", "0"))
        self.assertEqual("Valid replica already elected for partitions %s-0\n" % topic, out)
        # A partition that does not exist fails with Kafka's exception text.
        rc, out, err, _ = run(*election, "--topic", topic, "--partition", "9")
        self.assertEqual(1, rc)
        self.assertIn("Error completing leader election (PREFERRED) for partition: %s-9: "
                      "org.apache.kafka.common.errors.UnknownTopicOrPartitionException" % topic, out)
        self.assertEqual("Error: 1 replica(s) could not be elected\n", err)

        # Every partition of the cluster: after broker 3 restarts, t-1 goes back to broker 3.
        broker3 = self.cluster.broker(3)
        broker3.restart()
        harness.wait_until(lambda: 3 in self.metadata_partitions(topic)[1][2] and
                           self.metadata_partitions(topic)[1][0] not in (-1, 3), 60,
                           "broker 3 back in the ISR, not leading")
        # Every other topic's replicas on broker 3 must be back in sync too, or their preferred
        # leader is not available.
        harness.wait_until(lambda: all(
            len(isr) == len(replicas) for t in self.admin().list_topics(timeout=10).topics
            for _, replicas, isr in self.metadata_partitions(t).values()), 60, "full ISRs")
        out = self.ok(run(*election, "--all-topic-partitions"))
        done = re.search(r"^Successfully completed leader election \(PREFERRED\) for partitions "
                         r"(.*)$", out, re.M)
        self.assertTrue(done, out)
        self.assertIn("%s-1" % topic, done.group(1).split(", "))
        self.assertNotIn("%s-0" % topic, done.group(1).split(", "))
        harness.wait_until(lambda: self.metadata_partitions(topic)[1][0] == 3, 30,
                           "broker 3 leads %s-1 in the metadata" % topic)
        for t, parts in ((t, self.metadata_partitions(t)) for t in
                         self.admin().list_topics(timeout=10).topics):
            for p, (leader, replicas, _) in parts.items():
                self.assertEqual(replicas[0], leader, "%s-%d leader is the preferred one" % (t, p))

        json_file = os.path.join(self.cluster.work_dir, "election.json")
        with open(json_file, "w") as f:
            f.write('{"partitions": [{"topic": "%s", "partition": 0}, '
                    '{"topic": "%s", "partition": 1}]}' % (topic, topic))
        out = self.ok(run(*election, "--path-to-json-file", json_file))
        self.assertEqual("Valid replica already elected for partitions %s-0, %s-1\n" % (
            topic, topic), out)

    # ---- failures -----------------------------------------------------------------------------

    def test_failures_one_line_bounded(self):
        dead = "127.0.0.1:%d" % harness.free_port()
        for tool, args in [
                (DUMP_LOG, ["--files"]),
                (DUMP_LOG, ["--bogus"]),
                (DUMP_LOG, ["--files", "x.log", "--max-message-size", "big"]),
                (GET_OFFSETS, ["--topic", "t"]),
                (GET_OFFSETS, ["--broker-list", self.bootstrap, "--topic", "t", "--time", "-5"]),
                (GET_OFFSETS, ["--broker-list", self.bootstrap, "--topic", "t",
                               "--partitions", "a"]),
                (GET_OFFSETS, ["--broker-list", self.bootstrap, "--topic", "t",
                               "--output", "json"]),
                (ELECTION, ["--bootstrap-server", self.bootstrap, "--all-topic-partitions"]),
                (ELECTION, ["--bootstrap-server", self.bootstrap, "--election-type", "preferred"]),
                (ELECTION, ["--bootstrap-server", self.bootstrap, "--election-type", "preferred",
                            "--topic", "t"]),
        ]:
            self.failed(run(tool, *args), r"\(see --help\)$", within=5)
        # The brokers serve ElectLeaders: --zookeeper is not needed, and UNCLEAN works (every
        # partition has a live leader, so none is reported).
        self.assertEqual("", self.ok(run(ELECTION, "--bootstrap-server", self.bootstrap,
                                         "--election-type", "unclean", "--all-topic-partitions")))
        rc, out, err, _ = run(DUMP_LOG, "--files", "/nonexistent/00000000000000000000.log")
        self.assertEqual(1, rc)
        self.assertEqual(1, len(err.splitlines()), err)
        self.failed(run(GET_OFFSETS, "--broker-list", dead, "--topic", "t", "--timeout-ms", "3000"),
                    r"^Error: ", within=10)
        self.failed(run(ELECTION, "--bootstrap-server", dead, "--zookeeper", self.cluster.zk.connect,
                        "--election-type", "preferred", "--all-topic-partitions",
                        "--timeout-ms", "3000"), r"^Error: ", within=10)
        for tool in (DUMP_LOG, GET_OFFSETS, ELECTION):
            self.assertIn("--help", self.ok(run(tool, "--help")))
            self.assertRegex(self.ok(run(tool, "--version")), r"^kafka-\S+ \d+\.\d+\.\d+")


if __name__ == "__main__":
    harness.main()
