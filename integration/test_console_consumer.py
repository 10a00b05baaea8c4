#!/usr/bin/env python3
"""kafka-console-consumer (and through it the kb_clients Consumer) against three real brokers.

Records are produced with confluent-kafka (keys, headers, explicit timestamps, several partitions,
one gzip- and one lz4-compressed batch) and read back by the tool; its output is compared exactly
with what Kafka's DefaultMessageFormatter prints for them. Groups: a --group run commits (checked
with confluent-kafka's Consumer.committed()) so a second run reads only new records; two members
split a 4-partition topic 2/2 with the range assignor and one takes over when the other leaves.
Failures (bad flags, unreachable cluster) exit non-zero with one line on stderr in bounded
time."""

import glob
import os
import signal
import socket
import struct
import subprocess
import threading
import time

import harness
from client_helpers import wait_until

CONSOLE = os.path.join(harness.BUILD_DIR, "bin", "kafka-console-consumer")
LIVE_TEST = os.path.join(harness.BUILD_DIR, "bin", "kb_consumer_live_test")
ALL_PROPS = ["--property", "print.timestamp=true", "--property", "print.partition=true",
             "--property", "print.offset=true", "--property", "print.headers=true",
             "--property", "print.key=true"]


def run(*args, timeout=60):
    start = time.time()
    p = subprocess.run([CONSOLE] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), time.time() - start


class Member:
    """A console consumer running in the background; its stdout lines are collected."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([CONSOLE] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines = []
        self.err = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.decode().rstrip("\n"))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, self.err = self.proc.communicate(timeout=30)
        self._reader.join(10)
        return self.proc.returncode


class ConsoleConsumerTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"offsets.topic.replication.factor": "3", "offsets.topic.num.partitions": "4",
                 "group.initial.rebalance.delay.ms": "0"}
    topic = None
    expected = None  # {partition: [formatted line with every print property]}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        helper = cls("test_from_beginning_all_columns")
        cls.topic = "console-data"
        helper.create_topic(cls.topic, partitions=3, replication=2)
        cls.expected = helper.produce_mixed(cls.topic)

    def produce_mixed(self, topic):
        """Partition 0: one gzip batch; 1: one lz4 batch; 2: uncompressed, with a null key and
        a record without headers. Returns the expected all-columns lines per partition."""
        from confluent_kafka import Producer
        expected = {0: [], 1: [], 2: []}
        ts = 1600000000000
        for partition, codec in ((0, "gzip"), (1, "lz4"), (2, "none")):
            p = Producer({"bootstrap.servers": self.bootstrap, "compression.type": codec,
                          "linger.ms": 200, "batch.num.messages": 100, "acks": "all",
                          "log_level": 0})
            p.list_topics(topic, timeout=10)  # metadata first, so the records batch together
            errors = []
            for i in range(5):
                key = None if (partition == 2 and i == 1) else ("k%d-%d" % (partition, i))
                headers = [] if (partition == 2 and i == 2) else [("h", "x%d" % i), ("n", "%d" % partition)]
                value = "value %d of p%d" % (i, partition)
                p.produce(topic, value=value.encode(), key=key.encode() if key else None,
                          partition=partition, headers=headers or None, timestamp=ts + i,
                          on_delivery=lambda err, msg: err and errors.append(err))
                hdr = ",".join("%s:%s" % h for h in headers) if headers else "NO_HEADERS"
                expected[partition].append("CreateTime:%d\tPartition:%d\tOffset:%d\t%s\t%s\t%s" % (
                    ts + i, partition, i, hdr, key if key else "null", value))
            self.assertEqual(0, p.flush(30))
            self.assertEqual([], errors)
        return expected

    def batch_codecs(self, topic, partition):
        """{broker dir: [(codec bits, record count) of each batch of the first segment]} for
        every replica: proves the data really is compressed on disk."""
        out = {}
        for path in glob.glob(os.path.join(self.cluster.work_dir, "broker-*", "data",
                                           "%s-%d" % (topic, partition), "*.log")):
            with open(path, "rb") as f:
                data = f.read()
            batches, pos = [], 0
            while pos + 61 <= len(data):
                length, = struct.unpack(">i", data[pos + 8:pos + 12])
                attributes, = struct.unpack(">h", data[pos + 21:pos + 23])
                count, = struct.unpack(">i", data[pos + 57:pos + 61])
                batches.append((attributes & 7, count))
                pos += 12 + length
            if batches:
                out[path] = batches
        return out

    def by_partition(self, lines):
        out = {}
        for line in lines:
            part = int(line.split("\t")[1].split(":")[1])
            out.setdefault(part, []).append(line)
        return out

    def committed(self, group, topic, partitions):
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group, "log_level": 0})
        try:
            tps = c.committed([TopicPartition(topic, p) for p in partitions], timeout=20)
            return {tp.partition: tp.offset for tp in tps}
        finally:
            c.close()

    # ---- tests ---------------------------------------------------------------------------------

    def test_from_beginning_all_columns(self):
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", self.topic,
                              "--from-beginning", "--max-messages", "15", "--timeout-ms", "20000",
                              *ALL_PROPS)
        self.assertEqual(0, rc, err)
        self.assertEqual("Processed a total of 15 messages\n", err)
        # Partitions interleave arbitrarily; within a partition the order is the log's.
        self.assertEqual(self.expected, self.by_partition(out.splitlines()))
        self.assertTrue(out.endswith("\n"))
        # On disk: gzip (1) batches in partition 0, lz4 (3) in partition 1 (librdkafka may send a
        # lone first record uncompressed), none in partition 2; 5 records each.
        for partition, codec in ((0, 1), (1, 3), (2, 0)):
            replicas = self.batch_codecs(self.topic, partition)
            self.assertTrue(replicas, "no segment found for partition %d" % partition)
            for batches in replicas.values():
                self.assertEqual(5, sum(n for _, n in batches), batches)
                self.assertTrue(any(c == codec and n >= 2 for c, n in batches), batches)
                self.assertTrue(all(c in (0, codec) for c, _ in batches), batches)

    def test_default_format_and_key_separator(self):
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", self.topic,
                              "--partition", "2", "--offset", "earliest", "--max-messages", "5",
                              "--timeout-ms", "20000")
        self.assertEqual(0, rc, err)
        self.assertEqual("".join("value %d of p2\n" % i for i in range(5)), out)
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", self.topic,
                              "--partition", "2", "--offset", "0", "--max-messages", "2",
                              "--property", "print.key=true", "--property", "key.separator=|",
                              "--timeout-ms", "20000")
        self.assertEqual(0, rc, err)
        self.assertEqual("k2-0|value 0 of p2\nnull|value 1 of p2\n", out)

    def test_partition_offset(self):
        # A numeric offset inside a compressed batch: records before it are skipped.
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", self.topic,
                              "--partition", "0", "--offset", "3", "--timeout-ms", "3000",
                              *ALL_PROPS)
        self.assertEqual(0, rc, err)
        self.assertEqual(self.expected[0][3:], out.splitlines())
        self.assertEqual("Processed a total of 2 messages\n", err)
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", self.topic,
                              "--partition", "1", "--offset", "latest", "--timeout-ms", "2000")
        self.assertEqual(0, rc, err)
        self.assertEqual("", out)
        self.assertEqual("Processed a total of 0 messages\n", err)
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", self.topic,
                              "--partition", "1", "--offset", "earliest", "--max-messages", "2",
                              *ALL_PROPS)
        self.assertEqual(0, rc, err)
        self.assertEqual(self.expected[1][:2], out.splitlines())
        # Past the end: auto.offset.reset (latest without --from-beginning) applies.
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", self.topic,
                              "--partition", "1", "--offset", "1000", "--timeout-ms", "2000")
        self.assertEqual((0, ""), (rc, out), err)

    def test_group_commits_and_second_run_reads_only_new(self):
        topic = self.unique_topic("grp")
        self.create_topic(topic, partitions=2, replication=3)
        acked, failed = self.produce_acked(topic, [b"a%d" % i for i in range(4)], partition=0)
        acked1, failed1 = self.produce_acked(topic, [b"a%d" % i for i in range(4, 6)], partition=1)
        acked.update(acked1)
        self.assertEqual(([], 6), (failed + failed1, len(acked)))
        group = "console-group-1"
        args = ("--bootstrap-server", self.bootstrap, "--topic", topic, "--group", group,
                "--from-beginning", "--timeout-ms", "4000")
        rc, out, err, _ = run(*args)
        self.assertEqual(0, rc, err)
        self.assertEqual(sorted(v.decode() for v in acked.values()), sorted(out.splitlines()))
        self.assertEqual({0: 4, 1: 2}, self.committed(group, topic, [0, 1]))
        acked2, failed = self.produce_acked(topic, [b"b%d" % i for i in range(3)])
        self.assertEqual([], failed)
        rc, out, err, _ = run(*args)
        self.assertEqual(0, rc, err)
        self.assertEqual(["b0", "b1", "b2"], sorted(out.splitlines()))
        self.assertEqual("Processed a total of 3 messages\n", err)

    def test_two_members_split_and_take_over(self):
        topic = self.unique_topic("split")
        self.create_topic(topic, partitions=4, replication=2)
        group = "console-group-2"
        args = ["--bootstrap-server", self.bootstrap, "--topic", topic, "--group", group,
                "--property", "print.partition=true", "--consumer-property",
                "heartbeat.interval.ms=300", "--consumer-property", "session.timeout.ms=6000"]
        a = Member(*args)
        b = Member(*args)
        try:
            from confluent_kafka import Producer
            p = Producer({"bootstrap.servers": self.bootstrap, "log_level": 0})
            seen = {}

            def round_split(tag):
                """Produces one record per partition; returns each member's partitions of it
                once all four arrived."""
                for part in range(4):
                    p.produce(topic, value=("%s" % tag).encode(), partition=part)
                p.flush(10)

                def arrived():
                    got = {name: sorted(int(line.split("\t")[0].split(":")[1])
                                        for line in m.lines if line.endswith("\t%s" % tag))
                           for name, m in (("a", a), ("b", b))}
                    return got if len(got["a"]) + len(got["b"]) == 4 else None
                return wait_until(arrived, 20, "round %s consumed" % tag)

            # Both members joined and the rebalance settled: a round splits 2/2, disjointly.
            def split_two_two():
                seen["r"] = seen.get("r", 0) + 1
                got = round_split("r%d" % seen["r"])
                return got if (len(got["a"]), len(got["b"])) == (2, 2) else None
            got = wait_until(split_two_two, 60, "a 2/2 split", interval=0.5)
            # Range assignor: each member holds two consecutive partitions.
            self.assertEqual({(0, 1), (2, 3)}, {tuple(got["a"]), tuple(got["b"])})
            self.assertEqual(0, b.stop())
            self.assertIn(b"Processed a total of", b.err)

            def a_owns_all():
                seen["t"] = seen.get("t", 0) + 1
                got = round_split("t%d" % seen["t"])
                return got if got["a"] == [0, 1, 2, 3] else None
            wait_until(a_owns_all, 60, "the remaining member taking every partition",
                       interval=0.5)
        finally:
            for m in (a, b):
                if m.proc.poll() is None:
                    m.stop()
        # Both members committed on exit what they consumed: every partition's end offset.
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "probe", "log_level": 0})
        ends = {part: c.get_watermark_offsets(TopicPartition(topic, part), timeout=10)[1]
                for part in range(4)}
        c.close()
        self.assertEqual(ends, self.committed(group, topic, range(4)))

    def test_library_consumer(self):
        """The Consumer API itself (clients/tests/live/consumer_live_test.cc); the offsets it
        commits are then read back with confluent-kafka."""
        group = "live-consumer-group"
        env = dict(os.environ, KB_TEST_BOOTSTRAP=self.bootstrap, KB_TEST_TOPIC=self.topic,
                   KB_TEST_GROUP=group)
        p = subprocess.run([LIVE_TEST], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=env, timeout=240)
        harness.log("kb_consumer_live_test:\n%s" % p.stdout[-6000:])
        self.assertEqual(0, p.returncode, "kb_consumer_live_test failed")
        self.assertIn("[  PASSED  ] 4 tests", p.stdout)
        self.assertEqual({2: 5}, self.committed(group, self.topic, [2]))

    def test_whitelist(self):
        other = "console-data-extra"
        self.create_topic(other, partitions=1, replication=1)
        acked, failed = self.produce_acked(other, [b"extra"])
        self.assertEqual([], failed)
        for extra in ([], ["--group", "console-whitelist"]):
            rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--whitelist",
                                  "console-data.*", "--from-beginning", "--max-messages", "16",
                                  "--timeout-ms", "10000", *extra)
            self.assertEqual(0, rc, err)
            want = sorted(["extra"] + ["value %d of p%d" % (i, p) for p in range(3)
                                       for i in range(5)])
            self.assertEqual(want, sorted(out.splitlines()), extra)

    def test_failures_are_one_line(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # nothing listens there once closed
        rc, out, err, elapsed = run("--bootstrap-server", "127.0.0.1:%d" % port, "--topic", "t",
                                    "--from-beginning", "--timeout-ms", "3000")
        self.assertNotEqual(0, rc)
        self.assertEqual(1, len(err.splitlines()), err)
        self.assertLess(elapsed, 15)
        for bad in (["--topic", "t"],
                    ["--bootstrap-server", self.bootstrap],
                    ["--bootstrap-server", self.bootstrap, "--topic", "t", "--offset", "1"],
                    ["--bootstrap-server", self.bootstrap, "--topic", "t", "--bogus"]):
            rc, out, err, _ = run(*bad)
            self.assertNotEqual(0, rc, bad)
            self.assertEqual(1, len(err.splitlines()), err)
            self.assertEqual("", out)


if __name__ == "__main__":
    harness.main()
