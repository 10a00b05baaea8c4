#!/usr/bin/env python3
"""kafka-consumer-groups against a real three-broker cluster.

Consumers (confluent-kafka) commit known offsets; the tool's --list and --describe output is
parsed and compared with what they committed and with the log end offsets the brokers report
(watermarks read by confluent-kafka). An active consumer shows up in --describe --members and
blocks --reset-offsets. Every reset scenario is checked in dry-run (offsets unchanged) and
execute mode (offsets changed), read back through a consumer's committed(). Failures (unknown
group, unreachable cluster, bad flags) must exit non-zero with a clear message."""

import datetime
import json
import os
import threading
import time

import harness
from tool_helpers import ToolAssertions, run_tool

TOOL = os.path.join(harness.BUILD_DIR, "bin", "kafka-consumer-groups")


def run(*args, timeout=60):
    return run_tool(TOOL, *args, timeout=timeout)


def parse_table(text, header):
    """Rows (lists of columns) of every table whose header starts with `header`."""
    rows, in_table = [], False
    for line in text.splitlines():
        if not line.strip():
            in_table = False
            continue
        if line.startswith(header):
            in_table = True
            continue
        assert in_table, "line outside a table: %r" % line
        rows.append(line.split())
    return rows


def parse_offsets(text):
    """{(group, topic, partition): (current, log_end, lag, consumer_id, host, client_id)}"""
    out = {}
    for r in parse_table(text, "GROUP "):
        assert len(r) == 9, "bad describe row %r" % r
        num = lambda s: None if s == "-" else int(s)  # noqa: E731
        out[(r[0], r[1], int(r[2]))] = (num(r[3]), num(r[4]), num(r[5]), r[6], r[7], r[8])
    return out


def parse_plan(text):
    """{(group, topic, partition): new offset} of a --reset-offsets table."""
    return {(r[0], r[1], int(r[2])): int(r[3]) for r in parse_table(text, "GROUP ")}


class ConsumerGroupsToolTest(ToolAssertions, harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"offsets.topic.replication.factor": "3", "offsets.topic.num.partitions": "4",
                 "group.initial.rebalance.delay.ms": "0"}
    topic = None
    sizes = {0: 10, 1: 6, 2: 3}  # records per partition of the shared topic

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        helper = cls("test_list_and_describe")
        cls.topic = "cg-shared"
        helper.create_topic(cls.topic, partitions=3, replication=3)
        for p, n in cls.sizes.items():
            acked, failed = helper.produce_acked(cls.topic, [b"v%d" % i for i in range(n)],
                                                 partition=p)
            assert not failed and len(acked) == n, (acked, failed)

    # ---- helpers ---------------------------------------------------------------------------

    def tool(self, *args, **kw):
        return run("--bootstrap-server", self.bootstrap, *args, **kw)

    def failed(self, result, pattern, within=None):
        rc, out, err, elapsed = result
        self.assertNotEqual(0, rc, "expected a failure; stdout %r" % out)
        self.assertRegex(err, pattern)
        if within is not None:
            self.assertLess(elapsed, within, "failure took %.1fs" % elapsed)
        return err

    def consumer(self, group, **extra):
        from confluent_kafka import Consumer
        config = {"bootstrap.servers": self.bootstrap, "group.id": group,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest", "log_level": 0}
        config.update(extra)
        return Consumer(config)

    def commit(self, group, offsets):
        """Commits {(topic, partition): offset} for `group` from outside the group."""
        from confluent_kafka import TopicPartition
        c = self.consumer(group)
        try:
            c.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()],
                     asynchronous=False)
        finally:
            c.close()

    def committed(self, group, topic=None, partitions=None):
        """{partition: committed offset or None} of `group` on `topic`."""
        from confluent_kafka import TopicPartition
        topic = topic or self.topic
        partitions = partitions if partitions is not None else sorted(self.sizes)
        c = self.consumer(group)
        try:
            got = c.committed([TopicPartition(topic, p) for p in partitions], timeout=20)
        finally:
            c.close()
        return {tp.partition: (tp.offset if tp.offset >= 0 else None) for tp in got}

    def log_end(self, topic, partition):
        from confluent_kafka import TopicPartition
        c = self.consumer("watermarks")
        try:
            return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=20)[1]
        finally:
            c.close()

    def reset(self, group, *args):
        return self.tool("--reset-offsets", "--group", group, *args)

    # ---- list / describe -------------------------------------------------------------------

    def test_list_and_describe(self):
        commits = {"cg-a": {0: 4, 1: 6}, "cg-b": {2: 1}}
        for group, offsets in commits.items():
            self.commit(group, {(self.topic, p): o for p, o in offsets.items()})

        listed = self.ok(self.tool("--list")).splitlines()
        self.assertIn("cg-a", listed)
        self.assertIn("cg-b", listed)
        as_json = json.loads(self.ok(self.tool("--list", "--output", "json")))
        self.assertTrue({"cg-a", "cg-b"} <= {g["group"] for g in as_json["groups"]})

        rc, out, err, _ = self.tool("--describe", "--group", "cg-a")
        self.assertEqual(0, rc, err)
        self.assertIn("Consumer group 'cg-a' has no active members.", err)
        self.assertTrue(out.startswith("\nGROUP "), out)
        self.assertRegex(out.splitlines()[1], r"^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +"
                         r"LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$")
        described = parse_offsets(out)
        expected = {}
        for p, o in commits["cg-a"].items():
            end = self.log_end(self.topic, p)
            self.assertEqual(self.sizes[p], end)
            expected[("cg-a", self.topic, p)] = (o, end, end - o, "-", "-", "-")
        self.assertEqual(expected, described)

        # Several groups at once, and JSON with the same numbers.
        both = parse_offsets(self.ok(self.tool("--describe", "--group", "cg-a", "--group",
                                               "cg-b")))
        self.assertEqual((1, 3, 2, "-", "-", "-"), both[("cg-b", self.topic, 2)])
        self.assertEqual(3, len(both))
        everything = parse_offsets(self.ok(self.tool("--describe", "--all-groups")))
        self.assertTrue(set(both) <= set(everything))
        doc = json.loads(self.ok(self.tool("--describe", "--group", "cg-a", "--output", "json")))
        (g,) = doc["groups"]
        self.assertEqual(("cg-a", "Empty"), (g["group"], g["state"]))
        self.assertEqual({(self.topic, 0, 4, 10, 6), (self.topic, 1, 6, 6, 0)},
                         {(o["topic"], o["partition"], o["current_offset"], o["log_end_offset"],
                           o["lag"]) for o in g["offsets"]})

        state = self.ok(self.tool("--describe", "--group", "cg-a", "--state"))
        (row,) = parse_table(state, "GROUP ")
        self.assertEqual("cg-a", row[0])
        self.assertEqual(["Empty", "0"], row[-2:])
        self.assertRegex(row[1], r"^127\.0\.0\.1:\d+$")
        self.assertRegex(row[2], r"^\(\d\)$")

    def test_describe_unknown_group(self):
        err = self.failed(self.tool("--describe", "--group", "cg-nobody"),
                          r"Consumer group 'cg-nobody' does not exist\.")
        self.assertEqual(1, len(err.splitlines()), err)
        err = self.failed(self.tool("--describe", "--group", "cg-nobody", "--members"),
                          r"^Error: Consumer group 'cg-nobody' does not exist\.\n$")

    def start_active_consumer(self, group, client_id, **extra):
        """A subscribed consumer polling in a thread until the returned event is set; waits
        until it owns partitions."""
        stop, assigned = threading.Event(), threading.Event()
        config = {"client.id": client_id, "enable.auto.commit": True,
                  "auto.commit.interval.ms": 200}
        config.update(extra)
        c = self.consumer(group, **config)

        def on_assign(consumer, partitions):
            if partitions:
                assigned.set()

        c.subscribe([self.topic], on_assign=on_assign)

        def loop():
            try:
                while not stop.is_set():
                    c.poll(0.2)
            finally:
                c.close()

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        self.assertTrue(assigned.wait(60), "consumer got no assignment")
        return stop, t

    def test_active_consumer_members_and_refused_reset(self):
        group = "cg-active"
        stop, thread = self.start_active_consumer(group, "cg-tool-client")
        try:
            # The consumer reads everything and auto-commits: wait for its commits.
            harness.wait_until(lambda: self.committed(group) == self.sizes, 60,
                               "auto-commit of the whole topic")
            members = self.ok(self.tool("--describe", "--group", group, "--members",
                                        "--verbose"))
            self.assertRegex(members.splitlines()[1], r"^GROUP +CONSUMER-ID +HOST +CLIENT-ID +"
                             r"#PARTITIONS +ASSIGNMENT$")
            (row,) = parse_table(members, "GROUP ")
            self.assertEqual(group, row[0])
            self.assertTrue(row[1].startswith("cg-tool-client-"), row)
            self.assertEqual(["/127.0.0.1", "cg-tool-client", "3"], row[2:5])
            self.assertEqual("%s(0,1,2)" % self.topic, " ".join(row[5:]))

            offsets = parse_offsets(self.ok(self.tool("--describe", "--group", group)))
            self.assertEqual({(group, self.topic, p) for p in self.sizes}, set(offsets))
            for (_, _, p), (cur, end, lag, cid, host, client) in offsets.items():
                self.assertEqual((self.sizes[p], self.sizes[p], 0), (cur, end, lag))
                self.assertEqual((row[1], "/127.0.0.1", "cg-tool-client"), (cid, host, client))

            state = parse_table(self.ok(self.tool("--describe", "--group", group, "--state")),
                                "GROUP ")
            self.assertEqual(["range", "Stable", "1"], state[0][-3:])

            err = self.failed(self.reset(group, "--topic", self.topic, "--to-earliest",
                                         "--execute"),
                              r"Assignments can only be reset if the group 'cg-active' is "
                              r"inactive, but the current state is Stable\.")
            self.assertEqual(1, len(err.splitlines()), err)
            self.assertEqual(self.sizes, self.committed(group))
            self.failed(self.tool("--delete", "--group", group),
                        r"Group 'cg-active' could not be deleted due to: NON_EMPTY_GROUP")
        finally:
            stop.set()
            thread.join(30)
        harness.wait_until(lambda: "Empty" in self.tool("--describe", "--group", group,
                                                        "--state")[1], 60, "group empty")

    # ---- reset -----------------------------------------------------------------------------

    def check_dry_run_then_execute(self, group, args, expected):
        """--dry-run (explicit and implicit) plans `expected` ({partition: offset}) without
        changing anything; --execute commits it."""
        before = self.committed(group)
        rc, out, err, _ = self.reset(group, *args)
        self.assertEqual(0, rc, err)
        self.assertIn("WARN: No action will be performed as the --execute option is missing.",
                      err)
        want = {(group, self.topic, p): o for p, o in expected.items()}
        self.assertEqual(want, parse_plan(out))
        self.assertEqual(want, parse_plan(self.ok(self.reset(group, *args, "--dry-run"))))
        self.assertEqual(before, self.committed(group), "a dry run changed offsets")
        self.assertEqual(want, parse_plan(self.ok(self.reset(group, *args, "--execute"))))
        after = self.committed(group)
        for p, o in expected.items():
            self.assertEqual(o, after[p], "partition %d after %s" % (p, args))

    def test_reset_modes(self):
        group = "cg-reset"
        self.commit(group, {(self.topic, 0): 5, (self.topic, 1): 2})
        scope = ["--topic", self.topic]
        self.check_dry_run_then_execute(group, scope + ["--to-earliest"], {0: 0, 1: 0, 2: 0})
        self.check_dry_run_then_execute(group, scope + ["--to-latest"], {0: 10, 1: 6, 2: 3})
        # Clamped to the log end.
        self.check_dry_run_then_execute(group, scope + ["--to-offset", "4"], {0: 4, 1: 4, 2: 3})
        self.check_dry_run_then_execute(group, ["--topic", self.topic + ":0,1", "--shift-by",
                                                "3"], {0: 7, 1: 6})
        # Clamped to the log start.
        self.check_dry_run_then_execute(group, ["--all-topics", "--shift-by", "-5"],
                                        {0: 2, 1: 1, 2: 0})
        self.check_dry_run_then_execute(group, scope + ["--to-current"], {0: 2, 1: 1, 2: 0})
        # Every record is newer than 2000-01-01, none newer than 2100.
        self.check_dry_run_then_execute(group, scope + ["--to-datetime",
                                                        "2100-01-01T00:00:00.000"],
                                        {0: 10, 1: 6, 2: 3})
        self.check_dry_run_then_execute(group, scope + ["--to-datetime",
                                                        "2000-01-01T00:00:00.000+02:00"],
                                        {0: 0, 1: 0, 2: 0})

        # Export a plan and apply it from the file.
        plan = self.ok(self.reset(group, "--topic", self.topic + ":1", "--to-offset", "2",
                                  "--dry-run", "--export"))
        self.assertEqual("%s,1,2\n" % self.topic, plan)
        path = os.path.join(self.cluster.work_dir, "plan.csv")
        with open(path, "w") as f:
            f.write(plan)
        self.check_dry_run_then_execute(group, ["--from-file", path], {1: 2})

    def test_reset_by_time(self):
        """Records with chosen timestamps: --to-datetime and --by-duration find the first one at
        or after the time."""
        from confluent_kafka import Producer
        topic = self.unique_topic("cg-time")
        self.create_topic(topic, partitions=1, replication=3)
        now_ms = int(time.time() * 1000)
        base = now_ms - 2 * 3600 * 1000  # record i at base + i minutes
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "log_level": 0})
        for i in range(10):
            p.produce(topic, b"r%d" % i, partition=0, timestamp=base + i * 60000)
        self.assertEqual(0, p.flush(30))
        group = "cg-time"
        self.commit(group, {(topic, 0): 1})

        def reset_to(*args):
            plan = parse_plan(self.ok(self.tool("--reset-offsets", "--group", group, "--topic",
                                                topic, "--execute", *args)))
            self.assertEqual(self.committed(group, topic, [0])[0], plan[(group, topic, 0)])
            return plan[(group, topic, 0)]

        # 3.5 minutes after the first record: record 4 is the first at or after it.
        at = datetime.datetime.fromtimestamp((base + 210000) / 1000, datetime.timezone.utc)
        self.assertEqual(4, reset_to("--to-datetime", at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]))
        # The same instant written in another zone.
        east = at.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
        self.assertEqual(4, reset_to("--to-datetime",
                                     east.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+05:30"))
        # now - 1h55m30s is 4.5 minutes after the first record (the test's own delay is far
        # below the 30 s margin): record 5.
        self.assertEqual(5, reset_to("--by-duration", "PT1H55M30S"))
        self.assertEqual(0, reset_to("--by-duration", "P1D"))
        self.assertEqual(10, reset_to("--by-duration", "PT1M"))

    # ---- delete ----------------------------------------------------------------------------

    def test_delete(self):
        self.commit("cg-del", {(self.topic, 0): 1})
        self.assertIn("cg-del", self.ok(self.tool("--list")).splitlines())
        self.assertEqual("Deletion of requested consumer groups ('cg-del') was successful.\n",
                         self.ok(self.tool("--delete", "--group", "cg-del")))
        self.assertNotIn("cg-del", self.ok(self.tool("--list")).splitlines())
        self.assertEqual({0: None, 1: None, 2: None}, self.committed("cg-del"))
        self.failed(self.tool("--describe", "--group", "cg-del"), r"does not exist")

        # Partly failing: the deleted group is named on stdout, the failure on stderr.
        self.commit("cg-del2", {(self.topic, 0): 1})
        rc, out, err, _ = self.tool("--delete", "--group", "cg-del2", "--group", "cg-never2")
        self.assertEqual(1, rc)
        self.assertEqual("\nThese consumer groups were deleted successfully: 'cg-del2'\n", out)
        self.assertIn("* Group 'cg-never2' could not be deleted due to: GROUP_ID_NOT_FOUND", err)
        self.assertNotIn("cg-del2", self.ok(self.tool("--list")).splitlines())

        err = self.failed(self.tool("--delete", "--group", "cg-never"),
                          r"^Error: Deletion of some consumer groups failed:\n\* Group "
                          r"'cg-never' could not be deleted due to: GROUP_ID_NOT_FOUND")
        self.assertEqual(2, len(err.splitlines()), err)

    def test_delete_offsets(self):
        self.commit("cg-deloff", {(self.topic, 0): 3, (self.topic, 1): 4})
        out = self.ok(self.tool("--delete-offsets", "--group", "cg-deloff", "--topic",
                                self.topic + ":0"))
        self.assertIn("Request succeed for deleting offsets with topic %s group cg-deloff"
                      % self.topic, out)
        self.assertEqual([[self.topic, "0", "Successful"]], parse_table(
            out.split("\n", 1)[1], "TOPIC "))
        self.assertEqual({0: None, 1: 4, 2: None}, self.committed("cg-deloff"))
        # A whole topic (every partition) of a group that does not exist.
        rc, out, err, _ = self.tool("--delete-offsets", "--group", "cg-never", "--topic",
                                    self.topic)
        self.assertEqual(1, rc)
        self.assertEqual("Error: 'cg-never' does not exist.\n", err)
        rows = parse_table(out, "TOPIC ")
        self.assertEqual([[self.topic, str(p)] for p in range(3)], [r[:2] for r in rows])
        self.assertTrue(all(r[2] == "Error:" for r in rows), rows)

    def test_static_member(self):
        group = "cg-static"
        stop, thread = self.start_active_consumer(group, "cg-static-client",
                                                  **{"group.instance.id": "instance-1"})
        try:
            out = self.ok(self.tool("--describe", "--group", group, "--members"))
            self.assertRegex(out.splitlines()[1], r"^GROUP +CONSUMER-ID +GROUP-INSTANCE-ID +HOST +"
                             r"CLIENT-ID +#PARTITIONS +$")
            (row,) = parse_table(out, "GROUP ")
            self.assertEqual([group, "instance-1", "/127.0.0.1", "cg-static-client", "3"],
                             [row[0]] + row[2:])
        finally:
            stop.set()
            thread.join(30)

    # ---- failures --------------------------------------------------------------------------

    def test_bad_flags_and_unreachable_cluster(self):
        def one_line(result, pattern, within=None):
            err = self.failed(result, pattern, within)
            self.assertEqual(1, len(err.splitlines()), "one line on stderr, got %r" % err)

        one_line(self.tool("--describe"), r"Option \[describe\] takes one of these options")
        one_line(self.tool("--list", "--describe", "--group", "g"), r"exactly one action")
        one_line(run("--list"), r"Missing required argument \"\[bootstrap-server\]\"")
        one_line(self.reset("g", "--all-topics", "--to-datetime", "last tuesday"),
                 r"Unparseable date")
        one_line(self.reset("g", "--all-topics", "--by-duration", "1h"), r"Invalid duration")
        one_line(self.reset("g", "--to-earliest"), r"One of the reset scopes should be defined")
        # A partition or topic that does not exist fails at once, not after the timeout.
        one_line(self.reset("cg-typo", "--topic", self.topic + ":7", "--to-earliest",
                            "--dry-run"),
                 r"^Error: Error getting starting offset of topic partition: %s-7$" % self.topic,
                 within=5)
        one_line(self.reset("cg-typo", "--topic", "cg-no-such-topic", "--to-earliest",
                            "--dry-run"),
                 r"^Error: Topic 'cg-no-such-topic' does not exist$", within=5)
        dead = "127.0.0.1:%d" % harness.free_port()
        one_line(run("--bootstrap-server", dead, "--list", "--timeout", "2000"),
                 r"^Error: Timed out waiting for a node", within=8)
        one_line(run("--bootstrap-server", dead, "--describe", "--group", "g", "--timeout-ms",
                     "2000"), r"^Error: Timed out waiting for a node", within=8)
        rc, out, err, _ = run("--help")
        self.assertEqual((0, ""), (rc, err))
        for flag in ("--reset-offsets", "--to-datetime", "--by-duration", "--members"):
            self.assertIn(flag, out)
        rc, out, _, _ = run("--version")
        self.assertEqual(0, rc)
        self.assertRegex(out, r"^kafka-consumer-groups \d+\.\d+\.\d+")


if __name__ == "__main__":
    harness.main()
