#!/usr/bin/env python3
"""kafka-producer-perf-test and kafka-consumer-perf-test against a real three-broker cluster.

The producer's final line must parse and count every record, and the topic's end offsets (read
with confluent-kafka) must add up to the same number; --throughput must hold the run to about
N/rate seconds while the 5-second window lines come out during the run, not at the end; the
consumer must read the records back as a group member and report their number and size; a
payload file's pieces must be what is stored. Bad flags and an unreachable cluster must exit 1
with one line on stderr within the bounded time."""

import os
import re
import subprocess
import threading
import time

import harness
from tool_helpers import ToolAssertions, run_tool

BIN = os.path.join(harness.BUILD_DIR, "bin")
PRODUCER = os.path.join(BIN, "kafka-producer-perf-test")
CONSUMER = os.path.join(BIN, "kafka-consumer-perf-test")

# Kafka's tool divides by the elapsed whole milliseconds and prints Java's "Infinity" when a
# short run (a few dozen records) completes within one.
TOTAL_RE = re.compile(
    r"(\d+) records sent, (\d+\.\d{6}|Infinity) records/sec \((\d+\.\d{2}|Infinity) MB/sec\), "
    r"(\d+\.\d{2}) ms avg "
    r"latency, (\d+\.\d{2}) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms "
    r"99\.9th\.")
WINDOW_RE = re.compile(
    r"(\d+) records sent, (\d+\.\d) records/sec \((\d+\.\d{2}) MB/sec\), (\d+\.\d) ms avg "
    r"latency, (\d+\.\d) ms max latency\.")
DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}"
RESULT_RE = re.compile(
    r"(%s), (%s), (\d+\.\d{4}), (\d+\.\d{4}|NaN|Infinity), (\d+), (\d+\.\d{4}|NaN|Infinity), "
    r"(\d+), (-?\d+), (\S+), (\S+)" % (DATE, DATE))
HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
          "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
WARNING = ("WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) "
           "exceeded. You can use the --timeout option to increase the timeout.")


class PerfToolsTest(ToolAssertions, harness.ClusterTestCase):
    NUM_BROKERS = 3
    # The group joins at once instead of after Kafka's 3 s initial delay.
    OVERRIDES = {"group.initial.rebalance.delay.ms": "0"}

    def end_offsets(self, topic, partitions):
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "offsets-reader",
                      "log_level": 0})
        try:
            return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                    for p in range(partitions)]
        finally:
            c.close()

    def produce(self, topic, *args, timeout=120):
        return run_tool(PRODUCER, "--topic", topic, *args, "--producer-props",
                        "bootstrap.servers=" + self.bootstrap, timeout=timeout)

    def test_produce_then_consume(self):
        topic = self.unique_topic("perf")
        self.create_topic(topic, 3, 3)
        n, size = 20000, 100
        out = self.ok(self.produce(topic, "--num-records", str(n), "--record-size", str(size),
                                   "--throughput", "-1", "--producer-props", "acks=all"))
        lines = out.splitlines()
        m = TOTAL_RE.fullmatch(lines[-1])
        self.assertIsNotNone(m, "final line %r" % lines[-1])
        self.assertEqual(n, int(m.group(1)))
        p50, p95, p99, p999 = (int(m.group(i)) for i in range(6, 10))
        self.assertTrue(p50 <= p95 <= p99 <= p999 <= float(m.group(5)), lines[-1])
        for line in lines[:-1]:
            self.assertRegex(line, WINDOW_RE)
        harness.log("producer: %s" % lines[-1])
        ends = self.end_offsets(topic, 3)
        self.assertEqual(n, sum(ends), "end offsets %s" % ends)
        self.assertTrue(all(e > 0 for e in ends), "keyless records spread over partitions: %s"
                        % ends)

        group = "perf-group-" + topic
        out = self.ok(run_tool(CONSUMER, "--broker-list", self.bootstrap, "--topic", topic,
                               "--messages", str(n), "--group", group, timeout=90))
        header, result = out.splitlines()
        self.assertEqual(HEADER, header)
        m = RESULT_RE.fullmatch(result)
        self.assertIsNotNone(m, "result line %r" % result)
        self.assertEqual(n, int(m.group(5)))
        self.assertEqual("%.4f" % (n * size / (1024.0 * 1024.0)), m.group(3))
        self.assertGreaterEqual(int(m.group(7)), 0)
        harness.log("consumer: %s" % result)

        # The group committed its position on close: a second run finds nothing new, waits
        # --timeout ms and says so with Kafka's warning, after the detailed-stats header.
        start = time.time()
        out = self.ok(run_tool(CONSUMER, "--bootstrap-server", self.bootstrap, "--topic", topic,
                               "--messages", "1", "--group", group, "--timeout", "1500",
                               "--show-detailed-stats", timeout=60))
        elapsed = time.time() - start
        self.assertEqual(["time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
                          "nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, "
                          "fetch.nMsg.sec", WARNING % 1500], out.splitlines())
        self.assertGreaterEqual(elapsed, 1.5)
        self.assertLess(elapsed, 30)

    def test_throughput_limit_and_progress_lines(self):
        topic = self.unique_topic("throttled")
        self.create_topic(topic, 2, 2)
        n, rate = 650, 100  # 6.5 s: at least one 5-second window line while running
        cmd = [PRODUCER, "--topic", topic, "--num-records", str(n), "--record-size", "10",
               "--throughput", str(rate), "--producer-props", "bootstrap.servers=" + self.bootstrap,
               "linger.ms=0"]
        start = time.time()
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) as p:
            timer = threading.Timer(60, p.kill)
            timer.start()
            try:
                seen = [(time.time() - start, line.rstrip("\n")) for line in p.stdout]
                err = p.stderr.read()
                p.wait()
            finally:
                timer.cancel()
        elapsed = time.time() - start
        self.assertEqual(0, p.returncode, err)
        self.assertGreaterEqual(elapsed, 0.8 * n / rate)
        self.assertLess(elapsed, 3 * n / rate + 10)
        windows = [(t, line) for t, line in seen if WINDOW_RE.fullmatch(line)]
        self.assertGreaterEqual(len(windows), 1, "lines %r" % seen)
        first_at, first = windows[0]
        # Printed while the run was going on (about 5 s in), not flushed at the end.
        self.assertLess(first_at, elapsed - 0.5, "window line at %.1fs of %.1fs" % (first_at,
                                                                                   elapsed))
        window_rate = float(WINDOW_RE.fullmatch(first).group(2))
        self.assertLess(window_rate, rate * 1.5, first)
        m = TOTAL_RE.fullmatch(seen[-1][1])
        self.assertIsNotNone(m, seen[-1][1])
        self.assertEqual(n, int(m.group(1)))
        self.assertLess(float(m.group(2)), rate * 1.3, seen[-1][1])
        self.assertEqual(n, sum(self.end_offsets(topic, 2)))

    def test_payload_file(self):
        from confluent_kafka import Consumer, TopicPartition
        topic = self.unique_topic("payloads")
        self.create_topic(topic, 1, 1)
        path = os.path.join(self.cluster.work_dir, "payloads.txt")
        with open(path, "w") as f:
            f.write("alpha|beta gamma|delta||")
        out = self.ok(self.produce(topic, "--num-records", "40", "--payload-file", path,
                                   "--payload-delimiter", "|", "--throughput", "-1"))
        lines = out.splitlines()
        self.assertEqual("Reading payloads from: " + path, lines[0])
        self.assertEqual("Number of messages read: 3", lines[1])
        m = TOTAL_RE.fullmatch(lines[-1])
        self.assertIsNotNone(m, "final line %r" % lines[-1])
        self.assertEqual(40, int(m.group(1)))
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "payload-check",
                      "log_level": 0})
        c.assign([TopicPartition(topic, 0, 0)])
        values = []
        deadline = time.time() + 30
        while len(values) < 40 and time.time() < deadline:
            m = c.poll(1)
            if m is not None and m.error() is None:
                values.append(m.value())
        c.close()
        self.assertEqual(40, len(values))
        self.assertLessEqual(set(values), {b"alpha", b"beta gamma", b"delta"})
        self.assertGreater(len(set(values)), 1, "payloads are chosen at random")

    def test_failures_are_one_line(self):
        dead = "127.0.0.1:%d" % harness.free_port()
        common = ["--topic", "t", "--num-records", "10", "--record-size", "10", "--throughput",
                  "-1"]
        self.failed(run_tool(PRODUCER, *common, "--producer-props",
                             "bootstrap.servers=" + dead, "--timeout-ms", "3000"),
                    r"^ERROR Error when sending message to topic t with error: .*3000 ms", within=15)
        self.failed(run_tool(PRODUCER, *common), r"Either --producer-props or --producer\.config "
                    r"must be specified\.", within=5)
        self.failed(run_tool(PRODUCER, *common, "--bogus"), r"--bogus is not a recognized option",
                    within=5)
        self.failed(run_tool(PRODUCER, *common, "--producer-props", "bootstrap.servers=" +
                             self.bootstrap, "--transaction-duration-ms", "100"),
                    r"Transactions are not supported", within=5)
        self.failed(run_tool(PRODUCER, *common, "--producer-props", "acks"),
                    r"Invalid property: acks", within=5)

        self.failed(run_tool(CONSUMER, "--broker-list", dead, "--topic", "t", "--messages", "5",
                             "--timeout-ms", "3000"),
                    r"^ERROR .*(connect|Timed out)", within=15)
        self.failed(run_tool(CONSUMER, "--broker-list", self.bootstrap, "--topic", "t"),
                    r'Missing required argument "\[messages\]"', within=5)
        self.failed(run_tool(CONSUMER, "--broker-list", self.bootstrap, "--topic", "t",
                             "--messages", "5", "--reporting-interval", "0"),
                    r"Reporting interval must be greater than 0\.", within=5)
        self.failed(run_tool(CONSUMER, "--broker-list", self.bootstrap, "--topic", "t",
                             "--messages", "5", "--date-format", "yyyy-qq"),
                    r"Illegal pattern character 'q'", within=5)


if __name__ == "__main__":
    harness.main()
