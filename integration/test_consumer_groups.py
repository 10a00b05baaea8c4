#!/usr/bin/env python3
"""Consumer groups with real clients against three brokers (__consumer_offsets replicated 3
times): confluent-kafka and kafka-python groups split a 6-partition topic 2/2/2 and rebalance to
3/3 when a member leaves (confluent also with cooperative-sticky); `kcat -G` members consume
everything exactly once and show up in DescribeGroups, and a SIGKILLed one expires after its
session timeout; committed offsets survive a consumer restart (confluent-kafka, kafka-python) and
a restart of every broker; auto.offset.reset earliest / latest on a new group; ListGroups lists
the groups of every coordinator."""

import json
import os
import signal
import subprocess
import threading
import time

from confluent_kafka import Consumer, TopicPartition

import group_wire as w
import harness

OFFSETS_PARTITIONS = 6


# kafka-python probes the broker's version at start-up and gives up with NoBrokersAvailable after
# api_version_auto_timeout_ms (2 s by default), which a loaded 2-core CI machine can exceed.
PROBE_MS = 30000


class ConsumerGroupsTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"offsets.topic.num.partitions": str(OFFSETS_PARTITIONS),
                 "offsets.topic.replication.factor": "3",
                 "group.initial.rebalance.delay.ms": "300",
                 "group.min.session.timeout.ms": "2000"}

    def group(self, tag):
        return "cg-%s-%d" % (tag, time.time_ns() % (1 << 40))

    def consumer(self, group_id, **extra):
        conf = {"bootstrap.servers": self.bootstrap, "group.id": group_id,
                "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                "auto.offset.reset": "earliest", "enable.auto.commit": False,
                "topic.metadata.refresh.interval.ms": 2000, "log_level": 3}
        conf.update(extra)
        return Consumer(conf)

    def describe(self, group_id):
        """(state, [members]) of the group through DescribeGroups (confluent AdminClient)."""
        groups = self.admin().list_groups(group_id, timeout=10)
        self.assertEqual(1, len(groups))
        return groups[0].state, groups[0].members

    def produce_values(self, topic, values):
        acked, failed = self.produce_acked(topic, values)
        self.assertEqual([], failed)
        self.assertEqual(len(values), len(acked))
        return acked

    # ---- balanced assignment ---------------------------------------------------------------

    def wait_balanced(self, assignments_fn, sizes, total, what, timeout=60, settle=2.0):
        """Waits until the members' assignments have `sizes` (sorted) partitions, are disjoint and
        cover range(total), and stay so for `settle` seconds. assignments_fn() returns one set of
        partitions per member (it also drives the members' polling)."""
        deadline = time.time() + timeout
        stable_since, last = None, None
        while time.time() < deadline:
            sets = assignments_fn()
            union = set().union(*sets)
            ok = (sorted(len(s) for s in sets) == sorted(sizes) and
                  sum(len(s) for s in sets) == len(union) and union == set(range(total)))
            if ok and sets == last:
                if stable_since is None:
                    stable_since = time.time()
                if time.time() - stable_since >= settle:
                    return sets
            else:
                stable_since = None
            last = sets
        self.fail("%s: no balanced assignment %s within %ss (last %s)" % (
            what, sizes, timeout, last))

    def test_confluent_group_splits_and_rebalances(self):
        self.check_confluent_group("range")

    def test_confluent_cooperative_sticky_group(self):
        # Incremental rebalancing (KIP-429): the same JoinGroup/SyncGroup, two rounds per change.
        self.check_confluent_group("cooperative-sticky")

    def check_confluent_group(self, strategy):
        topic = self.unique_topic("cg-ck")
        self.create_topic(topic, partitions=6)
        g = self.group("ck")
        members = [self.consumer(g, **{"client.id": "ck-%d" % i,
                                       "partition.assignment.strategy": strategy})
                   for i in range(3)]
        for c in members:
            c.subscribe([topic])
        received = {i: [] for i in range(3)}

        def poll_all(active):
            for i in active:
                for m in members[i].consume(num_messages=500, timeout=0.05):
                    if m.error() is None:
                        received[i].append(m)
            return [{tp.partition for tp in members[i].assignment()} for i in active]

        try:
            sets = self.wait_balanced(lambda: poll_all([0, 1, 2]), [2, 2, 2], 6, "3 members")
            state, described = self.describe(g)
            self.assertEqual("Stable", state)
            self.assertEqual({"ck-0", "ck-1", "ck-2"}, {m.client_id for m in described})
            self.assertEqual(strategy, self.admin().list_groups(g, timeout=10)[0].protocol)
            # Every member reads only its own partitions, and everything arrives once.
            values = [b"ck-%04d" % i for i in range(120)]
            self.produce_values(topic, values)
            harness.wait_until(lambda: (poll_all([0, 1, 2]), sum(map(len, received.values())))[1]
                               >= len(values), 60, "120 records across the group")
            for i in range(3):
                for m in received[i]:
                    self.assertIn(m.partition(), sets[i], "member %d read partition %d" % (
                        i, m.partition()))
            got = [m.value() for i in range(3) for m in received[i]]
            self.assertEqual(sorted(values), sorted(got))

            # One member leaves (close -> LeaveGroup): the other two take 3 partitions each.
            members[0].close()
            members[0] = None
            sets = self.wait_balanced(lambda: poll_all([1, 2]), [3, 3], 6, "2 members")
            state, described = self.describe(g)
            self.assertEqual("Stable", state)
            self.assertEqual({"ck-1", "ck-2"}, {m.client_id for m in described})
        finally:
            for c in members:
                if c is not None:
                    c.close()

    def test_kafka_python_group_splits_and_rebalances(self):
        from kafka import KafkaConsumer
        topic = self.unique_topic("cg-kp")
        self.create_topic(topic, partitions=6)
        g = self.group("kp")
        # kafka-python's poll() blocks inside a rebalance, so each member polls in its own thread.
        assigned = [set() for _ in range(3)]
        received = [[] for _ in range(3)]
        stops = [threading.Event() for _ in range(3)]
        errors = []

        def run(i):
            try:
                c = KafkaConsumer(topic, bootstrap_servers=self.bootstrap, group_id=g,
                                  api_version_auto_timeout_ms=PROBE_MS,
                                  client_id="kp-%d" % i, session_timeout_ms=6000,
                                  heartbeat_interval_ms=500, max_poll_interval_ms=20000,
                                  auto_offset_reset="earliest", enable_auto_commit=False,
                                  metadata_max_age_ms=2000)
                try:
                    while not stops[i].is_set():
                        for recs in c.poll(timeout_ms=100).values():
                            received[i].extend(recs)
                        assigned[i] = {tp.partition for tp in c.assignment()}
                finally:
                    c.close()
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(3)]
        for t in threads:
            t.start()

        def snapshot(active):
            time.sleep(0.05)
            self.assertEqual([], errors)
            return [set(assigned[i]) for i in active]

        try:
            sets = self.wait_balanced(lambda: snapshot([0, 1, 2]), [2, 2, 2], 6, "3 members")
            state, described = self.describe(g)
            self.assertEqual("Stable", state)
            self.assertEqual({"kp-0", "kp-1", "kp-2"}, {m.client_id for m in described})
            values = [b"kp-%04d" % i for i in range(60)]
            self.produce_values(topic, values)
            harness.wait_until(lambda: sum(map(len, received)) >= len(values), 60,
                               "60 records across the group")
            for i in range(3):
                self.assertTrue({r.partition for r in received[i]} <= sets[i])
            self.assertEqual(sorted(values), sorted(r.value for i in range(3)
                                                    for r in received[i]))
            # Member 0 closes (LeaveGroup): the other two take 3 partitions each.
            stops[0].set()
            threads[0].join(30)
            self.wait_balanced(lambda: snapshot([1, 2]), [3, 3], 6, "2 members")
            state, described = self.describe(g)
            self.assertEqual({"kp-1", "kp-2"}, {m.client_id for m in described})
        finally:
            for e in stops:
                e.set()
            for t in threads:
                t.join(30)
        self.assertEqual([], errors)

    # ---- kcat -G -----------------------------------------------------------------------------

    def start_kcat(self, group_id, topic, out_path):
        out = open(out_path, "wb")
        proc = subprocess.Popen(
            ["kcat", "-b", self.bootstrap, "-G", group_id, "-u", "-q", "-f", "%p %o %s\\n",
             "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000",
             "-X", "heartbeat.interval.ms=500", "-X", "client.id=" + os.path.basename(out_path),
             "-X", "topic.metadata.refresh.interval.ms=2000", topic],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=harness._die_with_parent)
        out.close()
        harness._register(proc.pid, "kcat")
        return proc

    def stop_kcat(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)
        harness._unregister(proc.pid)

    def test_kcat_balanced_consumers(self):
        topic = self.unique_topic("cg-kcat")
        self.create_topic(topic, partitions=6)
        g = self.group("kcat")
        work = self.cluster.work_dir
        outs = [os.path.join(work, "kcat-%s-%d.out" % (g, i)) for i in range(3)]
        procs = [self.start_kcat(g, topic, path) for path in outs]
        try:
            def members():
                state, ms = self.describe(g)
                return state == "Stable" and len(ms) == 3 and ms
            described = harness.wait_until(members, 60, "3 kcat members in a Stable group")
            self.assertEqual({os.path.basename(p) for p in outs},
                             {m.client_id for m in described})
            # Each member got an assignment of 2 partitions (consumer protocol bytes).
            from kafka.protocol.group import MemberAssignment
            assigned = [MemberAssignment.decode(m.assignment).assignment for m in described]
            parts = sorted(p for a in assigned for _, ps in a for p in ps)
            self.assertEqual(list(range(6)), parts)
            self.assertEqual([2, 2, 2], sorted(sum(len(ps) for _, ps in a) for a in assigned))

            values = [b"kcat-%04d" % i for i in range(300)]
            acked = self.produce_values(topic, values)

            def lines():
                out = []
                for path in outs:
                    with open(path, "rb") as f:
                        out.append([ln.split(b" ", 2) for ln in f.read().splitlines()
                                    if ln and not ln.startswith(b"%")])
                return out
            harness.wait_until(lambda: sum(map(len, lines())) >= len(values), 60,
                               "300 records through the kcat members")
            time.sleep(1.5)  # anything extra (a duplicate) would show up now
            per_proc = lines()
            got = [(int(p), int(o), v) for recs in per_proc for p, o, v in recs]
            self.assertEqual(len(values), len(got), "duplicates or extra lines")
            self.assertEqual(sorted((p, o, v) for (p, o), v in acked.items()), sorted(got))
            # No partition was read by two members.
            seen = [{int(p) for p, _, _ in recs} for recs in per_proc]
            self.assertEqual(sum(map(len, seen)), len(set().union(*seen)))
        finally:
            for p in procs:
                self.stop_kcat(p)
        # Stopped members left the group (or expire); the group ends up without members.
        harness.wait_until(lambda: self.describe(g)[0] == "Empty", 30, "Empty group")

    # ---- committed offsets -------------------------------------------------------------------

    def poll_n(self, c, n, timeout=60):
        out = []
        deadline = time.time() + timeout
        while len(out) < n and time.time() < deadline:
            m = c.poll(0.2)
            if m is not None and m.error() is None:
                out.append(m)
        return out

    def test_committed_offsets_resume_and_survive_broker_restart(self):
        topic = self.unique_topic("cg-resume")
        self.create_topic(topic, partitions=3, replication=3)
        acked = {}
        for p in range(3):
            acked.update(self.produce_acked(topic, [b"r-%d-%02d" % (p, i) for i in range(30)],
                                            partition=p)[0])
        self.assertEqual(90, len(acked))
        g = self.group("resume")
        tps = [TopicPartition(topic, p) for p in range(3)]

        a = self.consumer(g)
        a.subscribe([topic])
        first = self.poll_n(a, 40)
        self.assertEqual(40, len(first))
        a.commit(asynchronous=False)
        committed_a = {tp.partition: tp.offset for tp in a.committed(tps, timeout=10)}
        a.close()
        # What was committed is exactly one past the last record consumed per partition.
        for p in range(3):
            mine = [m.offset() for m in first if m.partition() == p]
            self.assertEqual(max(mine) + 1 if mine else -1001, committed_a[p], "partition %d" % p)

        b = self.consumer(g)
        b.subscribe([topic])
        rest = self.poll_n(b, 50)
        extra = self.poll_n(b, 1, timeout=2)
        self.assertEqual([], [(m.partition(), m.offset()) for m in extra], "re-delivered extra")
        for p in range(3):
            offs = sorted(m.offset() for m in rest if m.partition() == p)
            start = committed_a[p] if committed_a[p] >= 0 else 0
            self.assertEqual(list(range(start, start + len(offs))), offs, "partition %d" % p)
        got = {(m.partition(), m.offset()): m.value() for m in first + rest}
        self.assertEqual(len(first) + len(rest), len(got), "a record arrived twice")
        self.assertEqual(acked, got)
        b.commit(asynchronous=False)
        b.close()
        end = {p: max(o for (q, o) in acked if q == p) + 1 for p in range(3)}

        # Every broker restarts (SIGTERM); the committed offsets come back from the log.
        for br in self.cluster.brokers:
            self.assertEqual(0, br.stop())
        for br in self.cluster.brokers:
            br.start()
        self.cluster.wait_ready(timeout=90)
        self.wait_for_topic(topic, 3, timeout=60)
        c = self.consumer(g)
        try:
            def committed():
                got = {tp.partition: tp.offset for tp in c.committed(tps, timeout=10)}
                return got == end and got
            harness.wait_until(committed, 60, "committed offsets %s after the restart" % end)
            # kafka-python's OffsetFetch agrees.
            from kafka import KafkaAdminClient
            kadmin = KafkaAdminClient(bootstrap_servers=self.bootstrap,
                                      api_version_auto_timeout_ms=PROBE_MS)
            try:
                fetched = kadmin.list_consumer_group_offsets(g)
            finally:
                kadmin.close()
            self.assertEqual(end, {tp.partition: om.offset for tp, om in fetched.items()})
            # Resuming reads only what is new.
            more = self.produce_values(topic, [b"after-%d" % i for i in range(6)])
            c.subscribe([topic])
            got = self.poll_n(c, 6)
            extra = self.poll_n(c, 1, timeout=2)
            self.assertEqual(sorted(more.items()),
                             sorted(((m.partition(), m.offset()), m.value()) for m in got + extra))
        finally:
            c.close()

    # ---- auto.offset.reset -------------------------------------------------------------------

    def test_auto_offset_reset_earliest_and_latest(self):
        topic = self.unique_topic("cg-reset")
        self.create_topic(topic, partitions=2)
        old = self.produce_values(topic, [b"old-%d" % i for i in range(20)])

        early = self.consumer(self.group("earliest"), **{"auto.offset.reset": "earliest"})
        from kafka import KafkaConsumer, TopicPartition as KTP
        late = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group("latest"),
                             api_version_auto_timeout_ms=PROBE_MS,
                             auto_offset_reset="latest", enable_auto_commit=False,
                             session_timeout_ms=6000, heartbeat_interval_ms=500)
        try:
            early.subscribe([topic])
            got = self.poll_n(early, 20)
            self.assertEqual(sorted(old.items()),
                             sorted(((m.partition(), m.offset()), m.value()) for m in got))
            for p in range(2):
                offs = [m.offset() for m in got if m.partition() == p]
                if offs:
                    self.assertEqual(0, min(offs))

            # kafka-python resolves "latest" when position() is asked for: the end offsets at
            # assignment time; only what is produced after that is read.
            late.subscribe([topic])
            harness.wait_until(lambda: (late.poll(timeout_ms=100), len(late.assignment()))[1]
                               == 2, 60, "latest consumer assigned both partitions")
            ends = {p: max([o for (q, o) in old if q == p], default=-1) + 1 for p in range(2)}
            self.assertEqual(ends, {p: late.position(KTP(topic, p)) for p in range(2)})
            new = self.produce_values(topic, [b"new-%d" % i for i in range(10)])
            got = []
            deadline = time.time() + 30
            while len(got) < 10 and time.time() < deadline:
                for recs in late.poll(timeout_ms=200).values():
                    got.extend(recs)
            for recs in late.poll(timeout_ms=1500).values():
                got.extend(recs)
            self.assertEqual(sorted(new.items()),
                             sorted(((r.partition, r.offset), r.value) for r in got))
        finally:
            early.close()
            late.close()

    def test_kafka_python_commit_and_resume(self):
        from kafka import KafkaConsumer, TopicPartition as KTP
        topic = self.unique_topic("cg-kpc")
        self.create_topic(topic, partitions=2)
        acked = {}
        for p in range(2):
            acked.update(self.produce_acked(topic, [b"kpc-%d-%02d" % (p, i) for i in range(30)],
                                            partition=p)[0])
        g = self.group("kpc")

        def consumer():
            return KafkaConsumer(topic, bootstrap_servers=self.bootstrap, group_id=g,
                                 api_version_auto_timeout_ms=PROBE_MS,
                                 session_timeout_ms=6000, heartbeat_interval_ms=500,
                                 auto_offset_reset="earliest", enable_auto_commit=False)
        a = consumer()
        first = []
        deadline = time.time() + 60
        while len(first) < 25 and time.time() < deadline:
            for recs in a.poll(timeout_ms=200, max_records=5).values():
                first.extend(recs)
        self.assertGreaterEqual(len(first), 25)
        a.commit()  # OffsetCommit v2 with the group's generation and member id
        committed = {p: a.committed(KTP(topic, p)) for p in range(2)}
        a.close(autocommit=False)
        for p in range(2):
            mine = [r.offset for r in first if r.partition == p]
            # kafka-python commits every assigned partition's position (0 for one not read yet).
            self.assertEqual(max(mine) + 1 if mine else 0, committed[p] or 0, "partition %d" % p)
        b = consumer()
        rest = []
        try:
            deadline = time.time() + 60
            while len(first) + len(rest) < 60 and time.time() < deadline:
                for recs in b.poll(timeout_ms=200).values():
                    rest.extend(recs)
            for recs in b.poll(timeout_ms=1500).values():
                rest.extend(recs)
        finally:
            b.close(autocommit=False)
        for p in range(2):
            offs = [r.offset for r in rest if r.partition == p]
            start = committed[p] or 0
            self.assertEqual(list(range(start, 30)), offs, "partition %d" % p)
        self.assertEqual(acked, {(r.partition, r.offset): r.value for r in first + rest})

    def balance_offsets_leaders(self):
        """Preferred leaders for __consumer_offsets (a restart of every broker leaves them all
        on the first broker back)."""
        w.find_coordinator(self.cluster.brokers[0].address, "probe")  # creates the topic if needed
        topic = "__consumer_offsets"
        assignment = harness.wait_until(
            lambda: self.cluster.zk_json("/brokers/topics/%s" % topic), 30, "offsets topic")
        parts = sorted(int(p) for p in assignment["partitions"])

        def misplaced():
            return [p for p in parts if (self.cluster.partition_state(topic, p) or {}).get(
                "leader") != assignment["partitions"][str(p)][0]]
        harness.wait_until(lambda: all(len((self.cluster.partition_state(topic, p) or {}).get(
            "isr", [])) == 3 for p in parts), 60, "offsets ISRs full")
        if misplaced():
            zk = self.cluster.zk_client()
            harness.wait_until(lambda: not zk.exists("/admin/preferred_replica_election"), 30,
                               "no election pending")
            zk.create("/admin/preferred_replica_election", json.dumps({
                "version": 1, "partitions": [{"topic": topic, "partition": p}
                                             for p in misplaced()]}).encode())
            harness.wait_until(lambda: not misplaced(), 30, "preferred offsets leaders")

    def test_list_groups_across_coordinators(self):
        topic = self.unique_topic("cg-list")
        self.create_topic(topic, partitions=1)
        self.balance_offsets_leaders()
        groups = ["cg-list-%d-%d" % (i, time.time_ns() % 100000) for i in range(8)]
        # The brokers learn the new leaders (UpdateMetadata) a moment after ZooKeeper shows them.
        harness.wait_until(lambda: len({w.find_coordinator(self.cluster.brokers[0].address, g)[0]
                                        for g in groups}) > 1, 30,
                           "the groups spread over more than one coordinator")
        coordinators = set()
        # A coordinator that has just become leader of the group's offsets partition answers
        # COORDINATOR_LOAD_IN_PROGRESS until it has loaded it, and one that lost it
        # NOT_COORDINATOR: real clients retry both (after finding the coordinator again).
        retriable = (14, 15, 16)
        for g in groups:
            def commit():
                node, address = w.find_coordinator(self.cluster.brokers[0].address, g)
                c = w.Conn.to(address)
                try:
                    r = c.call(w.OffsetCommitRequest_v2(g, -1, "", -1, [(topic, [(0, 1, "")])]))
                finally:
                    c.close()
                error = r.topics[0][1][0][1]
                return None if error in retriable else (node, error)
            node, error = harness.wait_until(commit, 30, "a commit for %s past loading" % g)
            coordinators.add(node)
            self.assertEqual(w.NONE, error)
        self.assertGreater(len(coordinators), 1, "all groups on one coordinator")
        listed = {gm.id for gm in self.admin().list_groups(timeout=20)}
        self.assertEqual(set(groups), set(groups) & listed)

    def test_kcat_member_killed_expires(self):
        # A member that dies (SIGKILL, no LeaveGroup) is removed after session.timeout.ms; the
        # survivor takes over its partitions and reads what is produced there.
        from kafka.protocol.group import MemberAssignment
        topic = self.unique_topic("cg-kcat-kill")
        self.create_topic(topic, partitions=4)
        g = self.group("kcatkill")
        outs = [os.path.join(self.cluster.work_dir, "kcat-%s-%d.out" % (g, i)) for i in range(2)]
        procs = [self.start_kcat(g, topic, path) for path in outs]

        def assigned():
            state, ms = self.describe(g)
            if state != "Stable":
                return None
            return sorted(sorted(p for _, ps in MemberAssignment.decode(m.assignment).assignment
                                 for p in ps) for m in ms)
        try:
            def split_two_two():
                a = assigned()
                return (a is not None and [len(x) for x in a] == [2, 2] and
                        sorted(sum(a, [])) == [0, 1, 2, 3])
            harness.wait_until(split_two_two, 60, "two kcat members with 2 partitions each")
            killed_at = time.time()
            procs[0].kill()
            procs[0].wait(10)
            harness._unregister(procs[0].pid)
            harness.wait_until(lambda: assigned() == [[0, 1, 2, 3]], 30,
                               "the survivor alone with all 4 partitions")
            # Not before the session timeout (6 s) ran out.
            self.assertGreater(time.time() - killed_at, 4.0)
            values = [b"kill-%03d" % i for i in range(100)]
            acked = self.produce_values(topic, values)

            def survivor_lines():
                with open(outs[1], "rb") as f:
                    return [ln.split(b" ", 2) for ln in f.read().splitlines()
                            if ln and not ln.startswith(b"%")]
            harness.wait_until(lambda: len(survivor_lines()) >= 100, 60,
                               "100 records at the survivor")
            time.sleep(1.0)
            got = sorted((int(p), int(o), v) for p, o, v in survivor_lines())
            self.assertEqual(sorted((p, o, v) for (p, o), v in acked.items()), got)
        finally:
            for p in procs:
                self.stop_kcat(p)


if __name__ == "__main__":
    harness.main()
