#!/usr/bin/env python3
"""The kb_clients producer, through kafka-console-producer, against a real three-broker cluster.

Every codec and every acks setting: records (keys, values, headers) are read back with
confluent-kafka and compared, keyed records must sit on the partition Java's murmur2
partitioner picks (computed here independently), and the batches on disk must carry the
codec asked for. The idempotent producer's batches carry a producer id and no record is
duplicated. Failures (unreachable cluster, a record the broker refuses, a missing topic) exit
non-zero with one line on stderr within the bounded time."""

import glob
import os
import struct
import subprocess
import time

import harness

PRODUCER = os.path.join(harness.BUILD_DIR, "bin", "kafka-console-producer")
CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def murmur2(data):
    """Kafka's Utils.murmur2, written from its definition (seed 0x9747b28c), as an unsigned
    32-bit value."""
    m, seed = 0x5BD1E995, 0x9747B28C
    length = len(data)
    h = (seed ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = struct.unpack_from("<I", data, i)[0]
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = data[length - length % 4:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def java_partition(key, partitions):
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def run(*args, stdin="", timeout=60):
    start = time.time()
    p = subprocess.run([PRODUCER] + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.time() - start


class ProducerTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"auto.create.topics.enable": "false"}

    def produce(self, topic, lines, *args, timeout=60):
        # The console producer's default request timeout is Kafka's 1.5 s and it retries without
        # idempotence, so one slow acks=all answer on a loaded machine duplicates a batch; the
        # tests here check codecs, acks and placement, not that.
        rc, out, err, _ = run("--bootstrap-server", self.bootstrap, "--topic", topic,
                              "--timeout-ms", "20000", "--request-timeout-ms", "30000", *args,
                              stdin="".join(l + "\n" for l in lines), timeout=timeout)
        self.assertEqual(0, rc, "exit %d, stdout %r, stderr %r" % (rc, out, err))
        self.assertEqual("", err)

    def read_back(self, topic, partitions, count):
        """Every record of the topic once `count` are committed: with acks 0 or 1 the high
        watermark moves only after the followers have fetched."""
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "hw", "log_level": 0})
        try:
            harness.wait_until(lambda: sum(
                c.get_watermark_offsets(TopicPartition(topic, p), timeout=5)[1]
                for p in partitions) >= count, 30, "%d records in %s" % (count, topic))
        finally:
            c.close()
        return self.consume_all(topic, partitions, expected_count=count)

    def failed(self, result, pattern, within):
        rc, out, err, elapsed = result
        self.assertNotEqual(0, rc, "expected a failure; stdout %r" % out)
        lines = err.splitlines()
        self.assertEqual(1, len(lines), "one line on stderr, got %r" % err)
        self.assertRegex(lines[0], pattern)
        self.assertLess(elapsed, within, "failure took %.1fs" % elapsed)

    def batch_headers(self, topic, partition):
        """(attributes, producer id, base sequence, records count) of every batch of the
        partition as the leader's log segments hold it (read from disk, independently of any
        client)."""
        out = []
        leader = self.metadata_partitions(topic)[partition][0]
        pattern = os.path.join(self.cluster.broker(leader).log_dir, "%s-%d" % (topic, partition),
                               "*.log")
        for path in sorted(glob.glob(pattern)):
            with open(path, "rb") as f:
                data = f.read()
            pos = 0
            while pos + 61 <= len(data):
                length = struct.unpack_from(">i", data, pos + 8)[0]
                if length <= 0:
                    break
                attributes = struct.unpack_from(">h", data, pos + 21)[0]
                producer_id = struct.unpack_from(">q", data, pos + 43)[0]
                sequence = struct.unpack_from(">i", data, pos + 53)[0]
                count = struct.unpack_from(">i", data, pos + 57)[0]
                out.append((attributes, producer_id, sequence, count))
                pos += 12 + length
        return out

    def test_java_murmur2_here_matches_kafkas_vectors(self):
        # The independent Python murmur2 the partition checks rely on, against UtilsTest.
        signed = lambda v: v - (1 << 32) if v >= 1 << 31 else v  # noqa: E731
        self.assertEqual(-973932308, signed(murmur2(b"21")))
        self.assertEqual(-1486304829, signed(murmur2(b"a-little-bit-longer-string")))
        self.assertEqual(479470107, signed(murmur2(b"abc")))

    def test_every_codec_and_acks_keys_values_headers_partitions(self):
        partitions = 3
        for codec in CODECS:
            for acks in ("0", "1", "all"):
                with self.subTest(codec=codec, acks=acks):
                    topic = self.unique_topic("p-%s-%s" % (codec, acks))
                    self.create_topic(topic, partitions, 3)
                    lines, expected = [], []
                    for i in range(60):
                        key, value = "key-%d" % i, "value-%d-%s" % (i, "x" * (i % 7) * 20)
                        headers = [("h1", "a%d" % i), ("h2", "b")]
                        lines.append("h1:a%d,h2:b\t%s\t%s" % (i, key, value))
                        expected.append((key, value, headers))
                    self.produce(topic, lines, "--compression-codec", codec,
                                 "--request-required-acks", acks, "--timeout", "20",
                                 "--property", "parse.key=true", "--property",
                                 "parse.headers=true")
                    got = self.read_back(topic, range(partitions), len(lines))
                    by_key = {m.key().decode(): m for m in got}
                    self.assertEqual(len(lines), len(by_key), "no duplicates")
                    for key, value, headers in expected:
                        m = by_key[key]
                        self.assertEqual(value, m.value().decode())
                        self.assertEqual(headers, [(k, v.decode()) for k, v in m.headers()])
                        self.assertEqual(java_partition(key.encode(), partitions), m.partition(),
                                         "partition of key %s" % key)
                    # Order within a partition is the order of the input lines.
                    for p in range(partitions):
                        keys = [int(m.key().decode()[4:]) for m in got if m.partition() == p]
                        self.assertEqual(sorted(keys), keys)
                    for p in range(partitions):
                        batches = self.batch_headers(topic, p)
                        self.assertTrue(batches, "no batch found on disk for partition %d" % p)
                        for attributes, _, _, _ in batches:
                            self.assertEqual(CODECS[codec], attributes & 7,
                                             "codec of a batch on partition %d" % p)

    def test_keyless_records_spread_and_sync_mode(self):
        topic = self.unique_topic("keyless")
        self.create_topic(topic, 3, 2)
        lines = ["line-%d" % i for i in range(300)]
        # Small batches: the sticky partitioner moves on after each, so all partitions get some.
        self.produce(topic, lines, "--batch-size", "500", "--timeout", "0")
        got = self.read_back(topic, range(3), 300)
        self.assertEqual(sorted(lines), sorted(m.value().decode() for m in got))
        self.assertTrue(all(m.key() is None for m in got))
        self.assertEqual({0, 1, 2}, {m.partition() for m in got})
        # --sync and the --broker-list alias, with a custom key separator.
        topic2 = self.unique_topic("sync")
        self.create_topic(topic2, 2, 3)
        rc, out, err, _ = run("--broker-list", self.bootstrap, "--topic", topic2, "--sync",
                              "--property", "parse.key=true", "--property", "key.separator=::",
                              stdin="a::1\nb::2\nc::3\n")
        self.assertEqual(0, rc, err)
        got = self.read_back(topic2, range(2), 3)
        self.assertEqual({("a", "1"), ("b", "2"), ("c", "3")},
                         {(m.key().decode(), m.value().decode()) for m in got})
        for m in got:
            self.assertEqual(java_partition(m.key(), 2), m.partition())

    def test_keyed_partition_matches_librdkafka_murmur2_random(self):
        """confluent-kafka's murmur2_random partitioner implements Java's: same keys, same
        partitions."""
        from confluent_kafka import Producer
        topic = self.unique_topic("cmp")
        self.create_topic(topic, 5, 1)
        keys = ["k%d-%s" % (i, "z" * (i % 5)) for i in range(50)]
        self.produce(topic, ["%s\tours" % k for k in keys], "--property", "parse.key=true")
        p = Producer({"bootstrap.servers": self.bootstrap, "partitioner": "murmur2_random",
                      "log_level": 0})
        for k in keys:
            p.produce(topic, b"theirs", key=k.encode())
        self.assertEqual(0, p.flush(30))
        got = self.read_back(topic, range(5), 100)
        ours = {m.key().decode(): m.partition() for m in got if m.value() == b"ours"}
        theirs = {m.key().decode(): m.partition() for m in got if m.value() == b"theirs"}
        self.assertEqual(theirs, ours)

    def test_producer_config_file_and_producer_property_precedence(self):
        topic = self.unique_topic("cfg")
        self.create_topic(topic, 1, 3)
        path = os.path.join(self.cluster.work_dir, "producer-%s.properties" % topic)
        with open(path, "w") as f:
            f.write("# a Java producer properties file\ncompression.type=gzip\nacks=all\n"
                    "linger.ms=10\n")
        self.produce(topic, ["a", "b", "c"], "--producer.config", path)
        self.assertEqual({1}, {a & 7 for a, _, _, _ in self.batch_headers(topic, 0)})
        # --producer-property wins over the file.
        self.produce(topic, ["d"], "--producer.config", path, "--producer-property",
                     "compression.type=snappy")
        self.assertEqual(2, self.batch_headers(topic, 0)[-1][0] & 7)
        got = self.read_back(topic, range(1), 4)
        self.assertEqual(["a", "b", "c", "d"], [m.value().decode() for m in got])

    def test_idempotent_producer_has_producer_id_and_no_duplicates(self):
        topic = self.unique_topic("idem")
        self.create_topic(topic, 2, 3)
        lines = ["k%d\tv%d" % (i, i) for i in range(500)]
        self.produce(topic, lines, "--property", "parse.key=true", "--request-required-acks",
                     "all", "--producer-property", "enable.idempotence=true", "--batch-size",
                     "2000", "--compression-codec", "lz4")
        got = self.read_back(topic, range(2), 500)
        self.assertEqual(sorted(lines),
                         sorted("%s\t%s" % (m.key().decode(), m.value().decode()) for m in got))
        for p in range(2):
            batches = self.batch_headers(topic, p)
            self.assertTrue(batches)
            ids = {pid for _, pid, _, _ in batches}
            self.assertEqual(1, len(ids))
            self.assertGreaterEqual(ids.pop(), 0)
            # Sequence numbers run 0, n1, n1+n2, ... with no gap.
            expect = 0
            for _, _, seq, count in batches:
                self.assertEqual(expect, seq)
                expect += count

    def test_leader_killed_mid_run_retries_without_loss_or_duplicates(self):
        """The retry path: NETWORK_EXCEPTION / NOT_LEADER_OR_FOLLOWER after the leader dies are
        retriable in the table; the idempotent producer refreshes metadata, resends the same
        batches to the new leader, and nothing is lost or written twice."""
        topic = self.unique_topic("failover")
        self.create_topic(topic, 1, 3)
        leader = self.metadata_partitions(topic)[0][0]
        victim = self.cluster.broker(leader)
        p = subprocess.Popen([PRODUCER, "--bootstrap-server", self.bootstrap, "--topic", topic,
                              "--request-required-acks", "all", "--producer-property",
                              "enable.idempotence=true", "--timeout", "5", "--timeout-ms",
                              "30000", "--message-send-max-retries", "1000"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            for i in range(300):
                p.stdin.write("r%d\n" % i)
                p.stdin.flush()
                if i == 150:
                    victim.kill()
                time.sleep(0.01)
            p.stdin.close()
            p.stdin = None  # communicate() must not flush the closed pipe
            _, err = p.communicate(timeout=90)
            self.assertEqual(0, p.returncode, err)
            harness.wait_until(lambda: self.metadata_partitions(topic)[0][0] not in (-1, leader),
                               30, "a new leader")
            got = self.read_back(topic, range(1), 300)
            self.assertEqual(["r%d" % i for i in range(300)], [m.value().decode() for m in got])
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
            victim.start()
            self.cluster.wait_ready([victim], timeout=60)

    def test_unreachable_cluster_fails_in_bounded_time(self):
        port = harness.free_port()
        self.failed(run("--bootstrap-server", "127.0.0.1:%d" % port, "--topic", "t",
                        "--timeout-ms", "3000", stdin="a\n"),
                    r"^ERROR .*(not present in metadata|127\.0\.0\.1:%d)" % port, within=15)
        # The default bound (15 s) also applies.
        self.failed(run("--bootstrap-server", "127.0.0.1:%d" % port, "--topic", "t",
                        stdin="a\n"), r"^ERROR ", within=30)

    def test_failures_are_one_line_and_exit_non_zero(self):
        # The topic does not exist (auto-creation is off).
        self.failed(run("--bootstrap-server", self.bootstrap, "--topic", "no-such-topic",
                        "--timeout-ms", "3000", stdin="a\n"),
                    r"^ERROR .*not present in metadata", within=15)
        # A record the broker refuses (fatal in the table: not retried).
        topic = self.unique_topic("small")
        self.create_topic(topic, 1, 1, config={"max.message.bytes": "200"})
        self.failed(run("--bootstrap-server", self.bootstrap, "--topic", topic,
                        stdin="x" * 1000 + "\n"),
                    r"^ERROR Error when sending message to topic .* with error: .*", within=15)
        # A line without the key separator.
        self.failed(run("--bootstrap-server", self.bootstrap, "--topic", topic, "--property",
                        "parse.key=true", stdin="no separator\n"),
                    r"No key found on line 1", within=15)
        # Bad flags.
        self.failed(run("--bootstrap-server", self.bootstrap, "--topic", topic,
                        "--compression-codec", "brotli", stdin=""),
                    r"^kafka-console-producer: .*compression", within=5)
        self.failed(run("--topic", topic, stdin=""), r"bootstrap-server", within=5)

    def test_help_and_version(self):
        rc, out, _, _ = run("--help")
        self.assertEqual(0, rc)
        for flag in ("--bootstrap-server", "--broker-list", "--topic", "--property",
                     "--request-required-acks", "--compression-codec", "--producer-property",
                     "--producer.config", "--sync", "--timeout"):
            self.assertIn(flag, out)
        rc, out, _, _ = run("--version")
        self.assertEqual(0, rc)
        self.assertIn("kafka-console-producer", out)


if __name__ == "__main__":
    harness.main()
