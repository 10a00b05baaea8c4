#!/usr/bin/env python3
"""Group coordinator failover, three brokers, __consumer_offsets replicated 3 times with
min.insync.replicas 2:
- SIGKILL of the coordinator while a confluent-kafka group consumes and commits: the group finds
  the new coordinator (the new leader of its __consumer_offsets partition) and goes on from its
  committed offsets: no acknowledged commit is lost, nothing before a committed offset is
  delivered again, nothing is skipped;
- a rolling restart (SIGTERM, controlled shutdown) of every broker under an active group, same
  checks;
- a member's generation and assignment survive SIGKILL of its coordinator;
- commits are refused (COORDINATOR_NOT_AVAILABLE) below min.insync.replicas;
- the coordinator moves back to a restarted broker (preferred replica election) and serves every
  commit made while it was down."""

import json
import threading
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

import group_wire as w
import harness

OFFSETS_PARTITIONS = 6
OFFSETS_TOPIC = "__consumer_offsets"
PARTITIONS = 6
PER_PARTITION = 100


class GroupConsumer(threading.Thread):
    """A confluent-kafka group member that consumes slowly and commits (synchronously) every 10
    records, recording every delivery and every acknowledged commit with its time."""

    def __init__(self, bootstrap, group_id, topic, delay=0.02):
        super().__init__(daemon=True)
        self.conf = {"bootstrap.servers": bootstrap, "group.id": group_id,
                     "session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "topic.metadata.refresh.interval.ms": 2000, "log_level": 3}
        self.topic, self.delay = topic, delay
        self.deliveries = []      # (time, partition, offset)
        self.commits = []         # (time acknowledged, {partition: offset})
        self.commit_errors = []   # (time, error)
        self.failure = None
        self.halt = threading.Event()

    def run(self):
        try:
            c = Consumer(self.conf)
            c.subscribe([self.topic])
            pos, n = {}, 0
            while not self.halt.is_set():
                m = c.poll(0.2)
                if m is None or m.error() is not None:
                    continue
                self.deliveries.append((time.time(), m.partition(), m.offset()))
                pos[m.partition()] = m.offset() + 1
                n += 1
                if n % 10 == 0:
                    self.commit(c, pos)
                time.sleep(self.delay)
            c.close()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.failure = e

    def commit(self, c, pos):
        offsets = [TopicPartition(self.topic, p, o) for p, o in sorted(pos.items())]
        try:
            res = c.commit(offsets=offsets, asynchronous=False)
        except KafkaException as e:
            self.commit_errors.append((time.time(), e))
            return
        bad = [tp for tp in res if tp.error is not None]
        if bad:
            self.commit_errors.append((time.time(), bad))
        else:
            self.commits.append((time.time(), {tp.partition: tp.offset for tp in res}))

    def acked_by(self, when=None):
        """{partition: highest offset committed and acknowledged (before `when`)}"""
        out = {}
        for t, offs in self.commits:
            if when is None or t < when:
                for p, o in offs.items():
                    out[p] = max(out.get(p, -1), o)
        return out


class GroupFailoverTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"offsets.topic.num.partitions": str(OFFSETS_PARTITIONS),
                 "offsets.topic.replication.factor": "3",
                 "default.replication.factor": "3",
                 "min.insync.replicas": "2",
                 "replica.lag.time.max.ms": "6000",
                 "auto.leader.rebalance.enable": "false",
                 "group.initial.rebalance.delay.ms": "0",
                 "group.min.session.timeout.ms": "2000"}

    def setUp(self):
        # A broker killed by an earlier test comes back first.
        dead = [b for b in self.cluster.brokers if not b.is_running()]
        for b in dead:
            b.start()
        if dead:
            self.cluster.wait_ready(dead, timeout=60)
        # FindCoordinator creates __consumer_offsets; wait until every partition has 3 in-sync
        # replicas.
        w.find_coordinator(self.cluster.brokers[0].address, "probe")
        harness.wait_until(lambda: all(
            (s := self.cluster.partition_state(OFFSETS_TOPIC, p)) and len(s["isr"]) == 3
            for p in range(OFFSETS_PARTITIONS)), 60, "__consumer_offsets fully in sync")
        # Leaders back on their preferred replicas (an earlier test may have piled them up).
        assignment = self.cluster.zk_json("/brokers/topics/%s" % OFFSETS_TOPIC)["partitions"]

        def misplaced():
            return [p for p in range(OFFSETS_PARTITIONS)
                    if self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"]
                    != assignment[str(p)][0]]
        if misplaced():
            harness.wait_until(lambda: not self.cluster.zk_client().exists(
                "/admin/preferred_replica_election"), 30, "no election pending")
            self.cluster.zk_client().create("/admin/preferred_replica_election", json.dumps({
                "version": 1, "partitions": [{"topic": OFFSETS_TOPIC, "partition": p}
                                             for p in misplaced()]}).encode())
            harness.wait_until(lambda: not misplaced(), 30, "preferred offsets leaders")

    def group_not_on_controller(self, tag):
        """A group id whose coordinator is not the controller (one failure at a time)."""
        controller = self.cluster.controller_id()
        for i in range(1000):
            g = "gf-%s-%d-%d" % (tag, i, time.time_ns() % 100000)
            p = w.offsets_partition(g, OFFSETS_PARTITIONS)
            if self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"] != controller:
                return g, p
        self.fail("no group id off the controller")

    def coordinator(self, g, via):
        return w.find_coordinator(via.address, g)[0]

    def fetch_offsets(self, g, topic, via):
        """{partition: committed offset} through OffsetFetch at the group's coordinator."""
        _, address = w.find_coordinator(via.address, g)
        c = w.Conn.to(address)
        try:
            r = c.call(w.OffsetFetchRequest_v3(g, [(topic, list(range(PARTITIONS)))]))
        finally:
            c.close()
        if r.error_code != w.NONE:
            raise AssertionError("OffsetFetch error %d" % r.error_code)
        return {p: off for _, parts in r.topics for p, off, _, _ in parts}

    def produce_all(self, topic):
        acked = {}
        for p in range(PARTITIONS):
            got, failed = self.produce_acked(topic, [b"%d-%03d" % (p, i)
                                                     for i in range(PER_PARTITION)], partition=p)
            self.assertEqual([], failed)
            acked.update(got)
        self.assertEqual(PARTITIONS * PER_PARTITION, len(acked))
        return acked

    def verify_resume(self, a, g, topic, via, acked):
        """After member A stopped: the coordinator holds at least every commit A saw
        acknowledged and at most what A read; a new member B resumes exactly there, reads the
        rest once, and A and B together read everything."""
        acked_all = a.acked_by()
        fetched = harness.wait_until(lambda: self.fetch_offsets(g, topic, via), 30,
                                     "OffsetFetch from the new coordinator")
        delivered_max = {}
        for _, q, o in a.deliveries:
            delivered_max[q] = max(delivered_max.get(q, -1), o)
        for q in range(PARTITIONS):
            self.assertGreaterEqual(fetched[q], acked_all.get(q, -1), "partition %d" % q)
            self.assertLessEqual(fetched[q], delivered_max.get(q, -1) + 1, "partition %d" % q)

        # A new member resumes exactly at the committed offsets and reads the rest once.
        b = Consumer(dict(a.conf, **{"client.id": "member-b"}))
        b.subscribe([topic])
        got = []
        want = sum(PER_PARTITION - max(fetched[q], 0) for q in range(PARTITIONS))
        try:
            deadline = time.time() + 60
            while len(got) < want and time.time() < deadline:
                m = b.poll(0.2)
                if m is not None and m.error() is None:
                    got.append(m)
            extra_deadline = time.time() + 2
            while time.time() < extra_deadline:
                m = b.poll(0.2)
                if m is not None and m.error() is None:
                    got.append(m)
        finally:
            b.close()
        for q in range(PARTITIONS):
            offs = [m.offset() for m in got if m.partition() == q]
            start = max(fetched[q], 0)
            self.assertEqual(list(range(start, PER_PARTITION)), offs, "partition %d" % q)
        everything = {(q, o) for _, q, o in a.deliveries} | {(m.partition(), m.offset())
                                                              for m in got}
        self.assertEqual(set(acked), everything, "records skipped by the group")

    def test_commit_refused_below_min_insync_replicas(self):
        # Commits are written at acks=all: with the group's partition down to one in-sync
        # replica (min.insync.replicas 2) they fail with COORDINATOR_NOT_AVAILABLE and are not
        # visible; once the replicas are back they succeed again.
        topic = self.unique_topic("gf-minisr")
        self.create_topic(topic, partitions=PARTITIONS, replication=3)
        g, p = self.group_not_on_controller("minisr")
        coord_id, address = w.find_coordinator(self.cluster.brokers[0].address, g)
        others = [b for b in self.cluster.brokers if b.broker_id != coord_id]

        def commit(offset):
            c = w.Conn.to(address)
            try:
                r = c.call(w.OffsetCommitRequest_v2(g, -1, "", -1, [(topic, [(0, offset, "")])]),
                           timeout=30)
            finally:
                c.close()
            return r.topics[0][1][0][1]

        self.assertEqual(w.NONE, commit(10))
        for b in others:
            b.kill()
        harness.wait_until(lambda: self.cluster.partition_state(OFFSETS_TOPIC, p)["isr"]
                           == [coord_id], 30, "ISR of offsets-%d shrunk to [%d]" % (p, coord_id))
        self.assertEqual(coord_id, self.coordinator(g, self.cluster.broker(coord_id)))
        self.assertEqual(w.COORDINATOR_NOT_AVAILABLE, commit(20))
        self.assertEqual({0: 10}, {q: o for q, o in self.fetch_offsets(
            g, topic, self.cluster.broker(coord_id)).items() if q == 0})
        for b in others:
            b.start()
        self.cluster.wait_ready(others, timeout=60)
        harness.wait_until(lambda: len(self.cluster.partition_state(OFFSETS_TOPIC, p)["isr"])
                           >= 2, 60, "ISR of offsets-%d back to 2+" % p)
        harness.wait_until(lambda: commit(30) == w.NONE, 30, "commit accepted again")
        self.assertEqual(30, self.fetch_offsets(g, topic, self.cluster.broker(coord_id))[0])

    def test_coordinator_killed_while_group_commits(self):
        topic = self.unique_topic("gf")
        self.create_topic(topic, partitions=PARTITIONS, replication=3)
        acked = self.produce_all(topic)
        g, p = self.group_not_on_controller("kill")
        victim = self.cluster.broker(self.coordinator(g, self.cluster.brokers[0]))
        self.assertEqual(victim.broker_id, self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"])
        survivor = next(b for b in self.cluster.brokers if b is not victim)

        a = GroupConsumer(self.bootstrap, g, topic)
        a.start()
        try:
            harness.wait_until(lambda: a.failure or len(a.commits) >= 15, 60,
                               "150 records consumed and committed")
            self.assertIsNone(a.failure)
            kill_time = time.time()
            victim.kill()
            before_kill = a.acked_by(kill_time)
            # The group's partition gets a new leader from its ISR: the new coordinator.
            harness.wait_until(lambda: self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"]
                               not in (-1, victim.broker_id), 30, "new leader of offsets-%d" % p)
            new_coord = harness.wait_until(
                lambda: (c := self.coordinator(g, survivor)) != victim.broker_id and c, 30,
                "FindCoordinator naming a live broker")
            self.assertEqual(new_coord, self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"])
            # The member carries on: commits are acknowledged again, by the new coordinator.
            harness.wait_until(lambda: a.failure or any(t > kill_time for t, _ in a.commits), 60,
                               "a commit acknowledged after the kill")
            self.assertIsNone(a.failure)
            harness.wait_until(lambda: len({(q, o) for _, q, o in a.deliveries}) >= 450, 90,
                               "450 distinct records consumed")
        finally:
            a.halt.set()
            a.join(60)
        self.assertIsNone(a.failure)
        harness.log("member A: %d deliveries, %d commits acknowledged, %d commit errors: %s" % (
            len(a.deliveries), len(a.commits), len(a.commit_errors),
            sorted({str(e)[:80] for _, e in a.commit_errors})))

        # Nothing before an offset committed (and acknowledged) before the kill came again.
        seen = set()
        for t, q, o in a.deliveries:
            if (q, o) in seen:
                self.assertGreaterEqual(o, before_kill.get(q, 0),
                                        "partition %d offset %d delivered again although "
                                        "%d was committed before the kill" % (q, o,
                                                                             before_kill[q]))
            seen.add((q, o))

        self.verify_resume(a, g, topic, survivor, acked)

    def test_membership_survives_coordinator_kill(self):
        # The group's metadata record (members, generation, assignment) is replicated with the
        # offsets: the new coordinator knows the member, its generation and its assignment.
        topic = self.unique_topic("gf-member")
        self.create_topic(topic, partitions=PARTITIONS, replication=3)
        g, p = self.group_not_on_controller("member")
        coord_id, address = w.find_coordinator(self.cluster.brokers[0].address, g)
        victim = self.cluster.broker(coord_id)
        survivor = next(b for b in self.cluster.brokers if b is not victim)
        c = w.Conn.to(address)
        assignment = w.consumer_assignment({topic: [0, 2, 4]})
        try:
            r = c.call(w.JoinGroupRequest_v1(g, 30000, 30000, "", "consumer",
                                             [("range", w.consumer_metadata([topic]))]))
            self.assertEqual(w.NONE, r.error_code)
            member, gen = r.member_id, r.generation_id
            s = c.call(w.SyncGroupRequest_v1(g, gen, member, [(member, assignment)]))
            self.assertEqual((w.NONE, assignment), (s.error_code, s.member_assignment))
        finally:
            c.close()
        victim.kill()

        def heartbeat():
            _, addr = w.find_coordinator(survivor.address, g)
            conn = w.Conn.to(addr)
            try:
                return conn.call(w.HeartbeatRequest_v1(g, gen, member)).error_code
            finally:
                conn.close()
        # NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS while it moves, then NONE.
        harness.wait_until(lambda: self.coordinator(g, survivor) != victim.broker_id, 30,
                           "a new coordinator")
        errors = []
        harness.wait_until(lambda: (errors.append(heartbeat()), errors[-1] == w.NONE)[1], 20,
                           "heartbeat accepted by the new coordinator")
        self.assertNotIn(w.UNKNOWN_MEMBER_ID, errors)
        self.assertNotIn(w.ILLEGAL_GENERATION, errors)
        _, addr = w.find_coordinator(survivor.address, g)
        conn = w.Conn.to(addr)
        try:
            d = conn.call(w.DescribeGroupsRequest_v0([g])).groups[0]
            self.assertEqual((w.NONE, "Stable", "consumer", "range"), (d[0], d[2], d[3], d[4]))
            self.assertEqual([(member, assignment)], [(m[0], m[4]) for m in d[5]])
            # A SyncGroup of the Stable generation hands the same assignment back.
            s = conn.call(w.SyncGroupRequest_v1(g, gen, member, []))
            self.assertEqual((w.NONE, assignment), (s.error_code, s.member_assignment))
            self.assertEqual(w.NONE, conn.call(w.LeaveGroupRequest_v1(g, member)).error_code)
        finally:
            conn.close()

    def test_rolling_restart_with_active_group(self):
        # Each broker in turn stops cleanly (controlled shutdown hands its partitions, the
        # group's among them, to others) and comes back while the member consumes and commits.
        topic = self.unique_topic("gf-roll")
        self.create_topic(topic, partitions=PARTITIONS, replication=3)
        acked = self.produce_all(topic)
        g, p = self.group_not_on_controller("roll")
        a = GroupConsumer(self.bootstrap, g, topic, delay=0.05)
        a.start()
        coordinators = []
        try:
            harness.wait_until(lambda: a.failure or len(a.commits) >= 3, 60, "first commits")
            for b in self.cluster.brokers:
                coordinators.append(self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"])
                self.assertEqual(0, b.stop())
                b.start()
                self.cluster.wait_ready([b], timeout=60)
                harness.wait_until(lambda: all(
                    len(self.cluster.partition_state(OFFSETS_TOPIC, q)["isr"]) == 3
                    for q in range(OFFSETS_PARTITIONS)), 60, "offsets ISRs full again")
                restarted = time.time()
                harness.wait_until(lambda: a.failure or any(t > restarted for t, _ in a.commits),
                                   60, "a commit acknowledged after broker %d restarted"
                                   % b.broker_id)
                self.assertIsNone(a.failure)
            coordinators.append(self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"])
        finally:
            a.halt.set()
            a.join(60)
        self.assertIsNone(a.failure)
        harness.log("rolling: coordinators %s; member A: %d deliveries, %d commits, %d errors %s"
                    % (coordinators, len(a.deliveries), len(a.commits), len(a.commit_errors),
                       sorted({str(e)[:80] for _, e in a.commit_errors})))
        # Every broker was restarted, the coordinator's among them: its partition moved.
        self.assertGreater(len(set(coordinators)), 1, "the coordinator never moved")
        # A record delivered again never lies before a commit acknowledged earlier.
        seen = set()
        for t, q, o in a.deliveries:
            if (q, o) in seen:
                self.assertGreaterEqual(o, a.acked_by(t).get(q, 0),
                                        "partition %d offset %d delivered again" % (q, o))
            seen.add((q, o))
        self.verify_resume(a, g, topic, self.cluster.brokers[0], acked)

    def test_coordinator_moves_back_after_restart(self):
        topic = self.unique_topic("gf-back")
        self.create_topic(topic, partitions=PARTITIONS, replication=3)
        g, p = self.group_not_on_controller("back")
        original = self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"]
        preferred = self.cluster.zk_json(
            "/brokers/topics/%s" % OFFSETS_TOPIC)["partitions"][str(p)][0]
        self.assertEqual(preferred, original)
        victim = self.cluster.broker(original)
        survivor = next(b for b in self.cluster.brokers if b is not victim and b.is_running())
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": g,
                      "enable.auto.commit": False, "log_level": 3})

        def commit(offsets):
            tps = [TopicPartition(topic, q, o) for q, o in offsets.items()]

            def attempt():
                res = c.commit(offsets=tps, asynchronous=False)
                return all(tp.error is None for tp in res)
            harness.wait_until(attempt, 60, "commit %s" % offsets)

        try:
            first = {q: 10 + q for q in range(PARTITIONS)}
            commit(first)
            self.assertEqual(first, self.fetch_offsets(g, topic, survivor))
            victim.kill()
            harness.wait_until(lambda: self.coordinator(g, survivor) != victim.broker_id, 30,
                               "a new coordinator")
            harness.wait_until(lambda: self.fetch_offsets(g, topic, survivor) == first, 30,
                               "the first commit at the new coordinator")
            second = {q: 50 + q for q in range(PARTITIONS)}
            commit(second)
            self.assertEqual(second, self.fetch_offsets(g, topic, survivor))

            victim.start()
            self.cluster.wait_ready([victim], timeout=60)
            harness.wait_until(lambda: victim.broker_id in self.cluster.partition_state(
                OFFSETS_TOPIC, p)["isr"], 60, "restarted broker back in the ISR of offsets-%d" % p)
            zk = self.cluster.zk_client()
            zk.create("/admin/preferred_replica_election", json.dumps({
                "version": 1, "partitions": [{"topic": OFFSETS_TOPIC, "partition": p}]}).encode())
            harness.wait_until(lambda: self.cluster.partition_state(OFFSETS_TOPIC, p)["leader"]
                               == victim.broker_id, 30, "the preferred leader back")
            harness.wait_until(lambda: self.coordinator(g, survivor) == victim.broker_id, 30,
                               "the coordinator back on broker %d" % victim.broker_id)
            # It loaded what was committed while it was down; the old coordinator let go.
            harness.wait_until(lambda: self.fetch_offsets(g, topic, victim) == second, 30,
                               "the second commit at the restored coordinator")
            other = w.Conn.to(survivor.address)
            try:
                r = other.call(w.OffsetFetchRequest_v3(g, [(topic, [0])]))
            finally:
                other.close()
            self.assertEqual(w.NOT_COORDINATOR, r.error_code)
            third = {q: 70 + q for q in range(PARTITIONS)}
            commit(third)
            self.assertEqual(third, self.fetch_offsets(g, topic, survivor))
        finally:
            c.close()


if __name__ == "__main__":
    harness.main()
