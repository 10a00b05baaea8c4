#!/usr/bin/env python3
"""Group-protocol error codes with raw requests (kafka-python's request classes over a socket,
JoinGroup v4 hand-defined), three brokers: what Kafka 2.4 answers for a wrong generation
(ILLEGAL_GENERATION 22), an unknown member (UNKNOWN_MEMBER_ID 25), a heartbeat during a rebalance
(REBALANCE_IN_PROGRESS 27), a session timeout out of bounds (INVALID_SESSION_TIMEOUT 26), a
request sent to a broker that is not the coordinator (NOT_COORDINATOR 16), JoinGroup v4 without a
member id (MEMBER_ID_REQUIRED 79), commits of a group outside group management (generation -1),
commits for a topic that does not exist (UNKNOWN_TOPIC_OR_PARTITION 3), DeleteGroups
(NON_EMPTY_GROUP 68, GROUP_ID_NOT_FOUND 69); also session expiry, INCONSISTENT_GROUP_PROTOCOL,
commit metadata limits, retention_time expiry, static membership (FENCED_INSTANCE_ID 82) and
OffsetDelete (GROUP_SUBSCRIBED_TO_TOPIC 86)."""

import random
import time

import harness
import group_wire as w

OFFSETS_PARTITIONS = 6
SESSION_MS = 10000


class GroupErrorsTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"offsets.topic.num.partitions": str(OFFSETS_PARTITIONS),
                 "offsets.topic.replication.factor": "3",
                 "group.initial.rebalance.delay.ms": "0",
                 "group.min.session.timeout.ms": "2000",
                 "group.max.session.timeout.ms": "60000",
                 "offsets.retention.check.interval.ms": "500"}

    def setUp(self):
        self.conns = []
        self.topic = self.unique_topic("ge")
        self.create_topic(self.topic, partitions=4, replication=1)

    def tearDown(self):
        for c in self.conns:
            c.close()

    # ---- helpers ---------------------------------------------------------------------------

    def group(self, tag):
        return "ge-%s-%d" % (tag, random.randrange(1 << 30))

    def coordinator(self, group_id):
        return w.find_coordinator(self.bootstrap.split(",")[0], group_id)

    def conn(self, address):
        c = w.Conn.to(address)
        self.conns.append(c)
        return c

    def coord_conn(self, group_id):
        return self.conn(self.coordinator(group_id)[1])

    def join_req(self, group_id, member_id="", session_ms=SESSION_MS, version=1):
        cls = w.JoinGroupRequest_v4 if version == 4 else w.JoinGroupRequest_v1
        return cls(group_id, session_ms, session_ms, member_id, "consumer",
                   [("range", w.consumer_metadata([self.topic]))])

    def join_alone(self, conn, group_id, session_ms=SESSION_MS):
        """Joins an empty group as its only member and syncs: (member id, generation)."""
        r = conn.call(self.join_req(group_id, session_ms=session_ms))
        self.assertEqual(w.NONE, r.error_code)
        self.assertEqual(r.member_id, r.leader_id)
        s = conn.call(w.SyncGroupRequest_v1(group_id, r.generation_id, r.member_id, [
            (r.member_id, w.consumer_assignment({self.topic: [0, 1, 2, 3]}))]))
        self.assertEqual(w.NONE, s.error_code)
        return r.member_id, r.generation_id

    def heartbeat(self, conn, group_id, member_id, generation):
        return conn.call(w.HeartbeatRequest_v1(group_id, generation, member_id)).error_code

    def commit(self, conn, group_id, member_id, generation, offsets, topic=None,
               retention_ms=-1, metadata=""):
        """offsets: {partition: offset}; returns {partition: error code}."""
        r = conn.call(w.OffsetCommitRequest_v2(group_id, generation, member_id, retention_ms, [
            (topic or self.topic, [(p, o, metadata) for p, o in sorted(offsets.items())])]))
        return {p: e for _, parts in r.topics for p, e in parts}

    def fetch(self, conn, group_id, partitions=None):
        """{partition: offset} from OffsetFetch v3 (every committed partition when None)."""
        topics = None if partitions is None else [(self.topic, partitions)]
        r = conn.call(w.OffsetFetchRequest_v3(group_id, topics))
        self.assertEqual(w.NONE, r.error_code)
        out = {}
        for t, parts in r.topics:
            for p, off, _, err in parts:
                self.assertEqual(w.NONE, err)
                if t == self.topic:
                    out[p] = off
        return out

    def state(self, conn, group_id):
        r = conn.call(w.DescribeGroupsRequest_v0([group_id]))
        return r.groups[0][2]  # (error, group, state, ...)

    def delete(self, conn, group_id):
        r = conn.call(w.DeleteGroupsRequest_v0([group_id]))
        self.assertEqual(group_id, r.results[0][0])
        return r.results[0][1]

    # ---- tests -----------------------------------------------------------------------------

    def test_heartbeat_and_commit_generation_and_member_checks(self):
        g = self.group("gen")
        c = self.coord_conn(g)
        member, gen = self.join_alone(c, g)
        self.assertEqual(1, gen)
        self.assertEqual(w.NONE, self.heartbeat(c, g, member, gen))
        self.assertEqual(w.ILLEGAL_GENERATION, self.heartbeat(c, g, member, gen + 1))
        self.assertEqual(w.ILLEGAL_GENERATION, self.heartbeat(c, g, member, gen - 1))
        self.assertEqual(w.UNKNOWN_MEMBER_ID, self.heartbeat(c, g, "no-such-member", gen))
        # A group this coordinator would own but does not know.
        other = next(x for x in ("ge-nogroup-%d" % i for i in range(1000))
                     if w.offsets_partition(x, OFFSETS_PARTITIONS)
                     == w.offsets_partition(g, OFFSETS_PARTITIONS))
        self.assertEqual(w.UNKNOWN_MEMBER_ID, self.heartbeat(c, other, member, gen))
        self.assertEqual({0: w.ILLEGAL_GENERATION},
                         self.commit(c, g, member, gen + 5, {0: 7}))
        self.assertEqual({0: w.UNKNOWN_MEMBER_ID},
                         self.commit(c, g, "no-such-member", gen, {0: 7}))
        # Outside group management (generation -1) while the group has members: refused too.
        self.assertEqual({0: w.UNKNOWN_MEMBER_ID}, self.commit(c, g, "", -1, {0: 7}))
        self.assertEqual({}, self.fetch(c, g))  # nothing of the refused commits was stored
        self.assertEqual({0: w.NONE, 1: w.NONE}, self.commit(c, g, member, gen, {0: 7, 1: 9}))
        self.assertEqual({0: 7, 1: 9, 2: -1}, self.fetch(c, g, [0, 1, 2]))
        # A JoinGroup with a member id the group does not know.
        r = c.call(self.join_req(g, member_id="stranger-1"))
        self.assertEqual(w.UNKNOWN_MEMBER_ID, r.error_code)
        # SyncGroup with a wrong generation / unknown member.
        s = c.call(w.SyncGroupRequest_v1(g, gen + 1, member, []))
        self.assertEqual(w.ILLEGAL_GENERATION, s.error_code)
        s = c.call(w.SyncGroupRequest_v1(g, gen, "stranger-2", []))
        self.assertEqual(w.UNKNOWN_MEMBER_ID, s.error_code)

    def test_rebalance_in_progress(self):
        g = self.group("rip")
        address = self.coordinator(g)[1]
        ca, cb = self.conn(address), self.conn(address)
        a, gen = self.join_alone(ca, g)
        self.assertEqual("Stable", self.state(ca, g))
        # B joins: the group prepares a rebalance and B's JoinGroup waits for A to rejoin.
        cb.send(self.join_req(g))
        harness.wait_until(lambda: self.state(ca, g) == "PreparingRebalance", 10,
                           "PreparingRebalance")
        self.assertFalse(cb.has_response(0.5), "B's join must wait for A")
        self.assertEqual(w.REBALANCE_IN_PROGRESS, self.heartbeat(ca, g, a, gen))
        # A commit of the current generation is still accepted while preparing (Kafka 2.4).
        self.assertEqual({0: w.NONE}, self.commit(ca, g, a, gen, {0: 3}))
        # A rejoins: the rebalance completes for both.
        ra = ca.call(self.join_req(g, member_id=a))
        rb = cb.recv()
        self.assertEqual((w.NONE, w.NONE), (ra.error_code, rb.error_code))
        self.assertEqual(gen + 1, ra.generation_id)
        self.assertEqual(gen + 1, rb.generation_id)
        self.assertEqual(ra.leader_id, rb.leader_id)
        self.assertNotEqual(a, rb.member_id)
        leader_resp = ra if ra.leader_id == a else rb
        self.assertEqual({a, rb.member_id}, {m for m, _ in leader_resp.members})
        self.assertEqual("CompletingRebalance", self.state(ca, g))
        # Before the assignment: heartbeats of the new generation hear REBALANCE_IN_PROGRESS,
        # the old generation is illegal, commits wait for the assignment.
        self.assertEqual(w.REBALANCE_IN_PROGRESS, self.heartbeat(ca, g, a, gen + 1))
        self.assertEqual(w.ILLEGAL_GENERATION, self.heartbeat(ca, g, a, gen))
        self.assertEqual({0: w.REBALANCE_IN_PROGRESS},
                         self.commit(cb, g, rb.member_id, gen + 1, {0: 4}))
        # Both sync (the leader hands out the assignment) -> Stable.
        b = rb.member_id
        leader, follower = (a, b) if ra.leader_id == a else (b, a)
        lconn, fconn = (ca, cb) if leader == a else (cb, ca)
        fconn.send(w.SyncGroupRequest_v1(g, gen + 1, follower, []))
        ls = lconn.call(w.SyncGroupRequest_v1(g, gen + 1, leader, [
            (leader, w.consumer_assignment({self.topic: [0, 1]})),
            (follower, w.consumer_assignment({self.topic: [2, 3]}))]))
        fs = fconn.recv()
        self.assertEqual((w.NONE, w.NONE), (ls.error_code, fs.error_code))
        self.assertEqual(w.consumer_assignment({self.topic: [2, 3]}), fs.member_assignment)
        self.assertEqual("Stable", self.state(ca, g))
        self.assertEqual(w.NONE, self.heartbeat(cb, g, b, gen + 1))
        self.assertEqual(w.ILLEGAL_GENERATION, self.heartbeat(ca, g, a, gen))
        self.assertEqual({0: w.NONE}, self.commit(cb, g, b, gen + 1, {0: 4}))
        self.assertEqual({0: 4}, self.fetch(ca, g, [0]))

    def test_invalid_session_timeout(self):
        g = self.group("sess")
        c = self.coord_conn(g)
        for session_ms in (0, 1000, 1999, 60001, 120000):
            r = c.call(self.join_req(g, session_ms=session_ms))
            self.assertEqual(w.INVALID_SESSION_TIMEOUT, r.error_code, "session %d" % session_ms)
        # Nothing was created by the refused joins; the bounds themselves are accepted.
        self.assertEqual("Dead", self.state(c, g))
        r = c.call(self.join_req(g, session_ms=2000))
        self.assertEqual(w.NONE, r.error_code)
        r = c.call(self.join_req(g, member_id=r.member_id, session_ms=60000))
        self.assertEqual(w.NONE, r.error_code)

    def test_member_id_required_on_join_v4(self):
        g = self.group("v4")
        c = self.coord_conn(g)
        r = c.call(self.join_req(g, version=4))
        self.assertEqual(w.MEMBER_ID_REQUIRED, r.error_code)
        self.assertTrue(r.member_id.startswith("gtest-"), r.member_id)
        self.assertEqual(-1, r.generation_id)
        # The group has no member until it comes back with that id.
        r2 = c.call(self.join_req(g, member_id=r.member_id, version=4))
        self.assertEqual(w.NONE, r2.error_code)
        self.assertEqual(r.member_id, r2.member_id)
        self.assertEqual(r.member_id, r2.leader_id)
        self.assertEqual(1, r2.generation_id)
        self.assertEqual([r.member_id], [m for m, _ in r2.members])
        # Version 1 has no such round trip: an id comes with the first answer.
        g1 = self.group("v1")
        c1 = self.coord_conn(g1)
        r3 = c1.call(self.join_req(g1, version=1))
        self.assertEqual(w.NONE, r3.error_code)
        self.assertTrue(r3.member_id)

    def test_not_coordinator(self):
        g = self.group("nc")
        coord_id, coord_addr = self.coordinator(g)
        # Every broker names the same coordinator: the leader of the group's partition.
        for b in self.cluster.brokers:
            self.assertEqual(coord_id, w.find_coordinator(b.address, g)[0])
        p = w.offsets_partition(g, OFFSETS_PARTITIONS)
        self.assertEqual(coord_id, self.metadata_partitions("__consumer_offsets")[p][0])
        other = next(b for b in self.cluster.brokers if b.broker_id != coord_id)
        c = self.conn(other.address)
        self.assertEqual(w.NOT_COORDINATOR, c.call(self.join_req(g)).error_code)
        self.assertEqual(w.NOT_COORDINATOR, c.call(self.join_req(g, version=4)).error_code)
        self.assertEqual(w.NOT_COORDINATOR, self.heartbeat(c, g, "m", 1))
        self.assertEqual(w.NOT_COORDINATOR,
                         c.call(w.SyncGroupRequest_v1(g, 1, "m", [])).error_code)
        self.assertEqual(w.NOT_COORDINATOR, c.call(w.LeaveGroupRequest_v1(g, "m")).error_code)
        self.assertEqual({0: w.NOT_COORDINATOR}, self.commit(c, g, "", -1, {0: 1}))
        r = c.call(w.OffsetFetchRequest_v3(g, [(self.topic, [0])]))
        self.assertEqual(w.NOT_COORDINATOR, r.error_code)
        r = c.call(w.OffsetFetchRequest_v1(g, [(self.topic, [0])]))
        self.assertEqual(w.NOT_COORDINATOR, r.topics[0][1][0][3])  # v1: per partition
        r = c.call(w.DescribeGroupsRequest_v0([g]))
        self.assertEqual(w.NOT_COORDINATOR, r.groups[0][0])
        self.assertEqual(w.NOT_COORDINATOR, self.delete(c, g))
        # The coordinator itself accepts the same commit.
        cc = self.conn(coord_addr)
        self.assertEqual({0: w.NONE}, self.commit(cc, g, "", -1, {0: 1}))

    def test_simple_commits_outside_group_management(self):
        g = self.group("simple")
        c = self.coord_conn(g)
        self.assertEqual({0: w.NONE, 1: w.NONE, 3: w.NONE},
                         self.commit(c, g, "", -1, {0: 10, 1: 0, 3: 12345}))
        self.assertEqual({0: 10, 1: 0, 2: -1, 3: 12345}, self.fetch(c, g, [0, 1, 2, 3]))
        self.assertEqual({0: 10, 1: 0, 3: 12345}, self.fetch(c, g))  # all of them (v2+)
        r = c.call(w.OffsetFetchRequest_v1(g, [(self.topic, [0, 2])]))
        self.assertEqual([(0, 10, "", 0), (2, -1, "", 0)], list(r.topics[0][1]))
        # A later commit overwrites, including going backwards.
        self.assertEqual({0: w.NONE}, self.commit(c, g, "", -1, {0: 4}))
        self.assertEqual({0: 4}, self.fetch(c, g, [0]))
        self.assertEqual("Empty", self.state(c, g))
        # Kafka refuses offsets for partitions that do not exist.
        self.assertEqual({0: w.UNKNOWN_TOPIC_OR_PARTITION},
                         self.commit(c, g, "", -1, {0: 1},
                                     topic="no-such-topic-%d" % time.time_ns()))
        self.assertEqual({99: w.UNKNOWN_TOPIC_OR_PARTITION}, self.commit(c, g, "", -1, {99: 1}))
        self.assertEqual({0: 4, 1: 0, 3: 12345}, self.fetch(c, g))
        # A member may join the group that so far only stored offsets; they stay.
        r = c.call(self.join_req(g))
        self.assertEqual(w.NONE, r.error_code)
        self.assertEqual({0: 4, 1: 0, 3: 12345}, self.fetch(c, g))

    def test_delete_groups(self):
        g = self.group("del")
        c = self.coord_conn(g)
        member, gen = self.join_alone(c, g)
        self.assertEqual({0: w.NONE}, self.commit(c, g, member, gen, {0: 42}))
        self.assertEqual(w.NON_EMPTY_GROUP, self.delete(c, g))
        self.assertEqual({0: 42}, self.fetch(c, g, [0]))
        unknown = self.group("unknown")
        self.assertEqual(w.GROUP_ID_NOT_FOUND, self.delete(self.coord_conn(unknown), unknown))
        self.assertEqual(w.NONE, c.call(w.LeaveGroupRequest_v1(g, member)).error_code)
        harness.wait_until(lambda: self.state(c, g) == "Empty", 10, "Empty after the leave")
        self.assertEqual(w.UNKNOWN_MEMBER_ID, self.heartbeat(c, g, member, gen))
        self.assertEqual(w.NONE, self.delete(c, g))
        self.assertEqual({0: -1}, self.fetch(c, g, [0]))
        self.assertEqual({}, self.fetch(c, g))
        self.assertEqual("Dead", self.state(c, g))
        self.assertEqual(w.GROUP_ID_NOT_FOUND, self.delete(c, g))
        # A group holding only offsets (never joined) is Empty and deletable too.
        s = self.group("delsimple")
        cs = self.coord_conn(s)
        self.assertEqual({1: w.NONE}, self.commit(cs, s, "", -1, {1: 5}))
        self.assertEqual(w.NONE, self.delete(cs, s))
        self.assertEqual({1: -1}, self.fetch(cs, s, [1]))

    def test_session_expiry_removes_silent_members(self):
        # Alone: the member that never heartbeats is gone after its session timeout.
        g = self.group("expire")
        c = self.coord_conn(g)
        member, gen = self.join_alone(c, g, session_ms=2000)
        harness.wait_until(lambda: self.state(c, g) == "Empty", 10, "Empty after 2 s of silence")
        self.assertEqual(w.UNKNOWN_MEMBER_ID, self.heartbeat(c, g, member, gen))
        # Two members: B falls silent, A keeps heartbeating and is told to rejoin, then forms
        # the next generation alone.
        g = self.group("expire2")
        address = self.coordinator(g)[1]
        ca, cb = self.conn(address), self.conn(address)
        a, gen = self.join_alone(ca, g, session_ms=10000)
        cb.send(self.join_req(g, session_ms=2000))
        harness.wait_until(lambda: self.state(ca, g) == "PreparingRebalance", 10, "rebalance")
        ra = ca.call(self.join_req(g, member_id=a))
        rb = cb.recv()
        self.assertEqual((w.NONE, w.NONE, gen + 1), (ra.error_code, rb.error_code,
                                                     ra.generation_id))
        leader, lconn = (a, ca) if ra.leader_id == a else (rb.member_id, cb)
        if leader == a:
            cb.send(w.SyncGroupRequest_v1(g, gen + 1, rb.member_id, []))
            self.assertEqual(w.NONE, ca.call(w.SyncGroupRequest_v1(g, gen + 1, a, [])).error_code)
        else:
            ca.send(w.SyncGroupRequest_v1(g, gen + 1, a, []))
            self.assertEqual(w.NONE, cb.call(w.SyncGroupRequest_v1(
                g, gen + 1, rb.member_id, [])).error_code)
        self.assertEqual(w.NONE, (cb if leader == a else ca).recv().error_code)
        self.assertEqual(w.NONE, self.heartbeat(ca, g, a, gen + 1))
        started = time.time()
        errors = []
        while time.time() - started < 15:
            e = self.heartbeat(ca, g, a, gen + 1)
            errors.append(e)
            if e != w.NONE:
                break
            time.sleep(0.3)
        self.assertEqual(w.REBALANCE_IN_PROGRESS, errors[-1], errors)
        self.assertGreater(time.time() - started, 1.0, "B expired too early")
        r = ca.call(self.join_req(g, member_id=a))
        self.assertEqual((w.NONE, gen + 2, a), (r.error_code, r.generation_id, r.leader_id))
        self.assertEqual([a], [m for m, _ in r.members])
        self.assertEqual(w.UNKNOWN_MEMBER_ID, self.heartbeat(cb, g, rb.member_id, gen + 1))

    def test_pending_member_does_not_disturb_a_stable_group(self):
        g = self.group("pending")
        c = self.coord_conn(g)
        a, gen = self.join_alone(c, g)
        r = c.call(self.join_req(g, version=4))
        self.assertEqual(w.MEMBER_ID_REQUIRED, r.error_code)
        # The new id alone does not start a rebalance: A's heartbeats stay fine.
        for _ in range(3):
            self.assertEqual(w.NONE, self.heartbeat(c, g, a, gen))
            time.sleep(0.2)
        self.assertEqual("Stable", self.state(c, g))

    def test_inconsistent_group_protocol(self):
        g = self.group("proto")
        c = self.coord_conn(g)
        a, gen = self.join_alone(c, g)
        other = w.JoinGroupRequest_v1(g, SESSION_MS, SESSION_MS, "", "consumer",
                                      [("roundrobin", w.consumer_metadata([self.topic]))])
        self.assertEqual(w.INCONSISTENT_GROUP_PROTOCOL, c.call(other).error_code)
        other = w.JoinGroupRequest_v1(g, SESSION_MS, SESSION_MS, "", "connect",
                                      [("range", b"")])
        self.assertEqual(w.INCONSISTENT_GROUP_PROTOCOL, c.call(other).error_code)
        self.assertEqual(w.NONE, self.heartbeat(c, g, a, gen))
        self.assertEqual("Stable", self.state(c, g))

    def test_commit_metadata(self):
        g = self.group("meta")
        c = self.coord_conn(g)
        self.assertEqual({0: w.NONE}, self.commit(c, g, "", -1, {0: 5}, metadata="hello, group"))
        r = c.call(w.OffsetFetchRequest_v3(g, [(self.topic, [0])]))
        self.assertEqual([(0, 5, "hello, group", 0)], list(r.topics[0][1]))
        # Over offset.metadata.max.bytes (4096): OFFSET_METADATA_TOO_LARGE, nothing stored.
        self.assertEqual({0: w.OFFSET_METADATA_TOO_LARGE},
                         self.commit(c, g, "", -1, {0: 6}, metadata="x" * 4097))
        self.assertEqual({0: 5}, self.fetch(c, g, [0]))

    def test_commit_retention_time_expires_offsets(self):
        g = self.group("ret")
        keep = self.group("keep")
        c, ck = self.coord_conn(g), self.coord_conn(keep)
        self.assertEqual({0: w.NONE, 1: w.NONE},
                         self.commit(c, g, "", -1, {0: 3, 1: 4}, retention_ms=1500))
        self.assertEqual({2: w.NONE}, self.commit(ck, keep, "", -1, {2: 8}))
        self.assertEqual({0: 3, 1: 4}, self.fetch(c, g))
        # offsets.retention.check.interval.ms is 500: gone soon after 1.5 s, group and all.
        harness.wait_until(lambda: self.fetch(c, g) == {}, 15, "expired offsets")
        harness.wait_until(lambda: self.state(c, g) == "Dead", 10, "the emptied group removed")
        self.assertEqual(w.GROUP_ID_NOT_FOUND, self.delete(c, g))
        self.assertEqual({2: 8}, self.fetch(ck, keep))

    def test_static_membership(self):
        g = self.group("static")
        address = self.coordinator(g)[1]
        ca, cb = self.conn(address), self.conn(address)
        md = [("range", w.consumer_metadata([self.topic]))]

        def join(conn, member_id, instance, send_only=False):
            req = w.JoinGroupRequest_v5(g, SESSION_MS, SESSION_MS, member_id, instance,
                                        "consumer", md)
            return conn.send(req) if send_only else conn.call(req)

        # Static members skip the MEMBER_ID_REQUIRED round trip.
        ra = join(ca, "", "inst-a")
        self.assertEqual((w.NONE, 1), (ra.error_code, ra.generation_id))
        a = ra.member_id
        self.assertEqual([(a, "inst-a")], [(m, i) for m, i, _ in ra.members])
        self.assertEqual(w.NONE, ca.call(w.SyncGroupRequest_v3(g, 1, a, "inst-a", [])).error_code)
        join(cb, "", "inst-b", send_only=True)
        harness.wait_until(lambda: self.state(ca, g) == "PreparingRebalance", 10, "rebalance")
        ra = join(ca, a, "inst-a")
        rb = cb.recv()
        self.assertEqual((w.NONE, w.NONE, 2, a), (ra.error_code, rb.error_code,
                                                  rb.generation_id, ra.leader_id))
        b = rb.member_id
        self.assertEqual({(a, "inst-a"), (b, "inst-b")}, {(m, i) for m, i, _ in ra.members})
        cb.send(w.SyncGroupRequest_v3(g, 2, b, "inst-b", []))
        assignment_b = w.consumer_assignment({self.topic: [2, 3]})
        self.assertEqual(w.NONE, ca.call(w.SyncGroupRequest_v3(g, 2, a, "inst-a", [
            (a, w.consumer_assignment({self.topic: [0, 1]})), (b, assignment_b)])).error_code)
        sb = cb.recv()
        self.assertEqual((w.NONE, assignment_b), (sb.error_code, sb.member_assignment))

        # B restarts (new connection, no member id, same instance id): it gets a new member id
        # in the same generation, without a rebalance, and its old assignment.
        cb2 = self.conn(address)
        rb2 = join(cb2, "", "inst-b")
        self.assertEqual((w.NONE, 2, a, []), (rb2.error_code, rb2.generation_id, rb2.leader_id,
                                              list(rb2.members)))
        b2 = rb2.member_id
        self.assertNotEqual(b, b2)
        self.assertEqual("Stable", self.state(ca, g))
        self.assertEqual(w.NONE, ca.call(w.HeartbeatRequest_v3(g, 2, a, "inst-a")).error_code)
        s = cb2.call(w.SyncGroupRequest_v3(g, 2, b2, "inst-b", []))
        self.assertEqual((w.NONE, assignment_b), (s.error_code, s.member_assignment))
        self.assertEqual(w.NONE, cb2.call(w.HeartbeatRequest_v3(g, 2, b2, "inst-b")).error_code)
        # The old member id is fenced.
        self.assertEqual(w.FENCED_INSTANCE_ID,
                         cb.call(w.HeartbeatRequest_v3(g, 2, b, "inst-b")).error_code)
        r = cb.call(w.OffsetCommitRequest_v7(g, 2, b, "inst-b", [(self.topic, [(2, 5, -1, "")])]))
        self.assertEqual(w.FENCED_INSTANCE_ID, r.topics[0][1][0][1])
        r = cb2.call(w.OffsetCommitRequest_v7(g, 2, b2, "inst-b",
                                              [(self.topic, [(2, 5, -1, "")])]))
        self.assertEqual(w.NONE, r.topics[0][1][0][1])
        # LeaveGroup v3 by instance id alone removes B; A is told to rebalance.
        r = ca.call(w.LeaveGroupRequest_v3(g, [("", "inst-b")]))
        self.assertEqual((w.NONE, [w.NONE]), (r.error_code, [e for _, _, e in r.members]))
        self.assertEqual(w.REBALANCE_IN_PROGRESS,
                         ca.call(w.HeartbeatRequest_v3(g, 2, a, "inst-a")).error_code)
        ra = join(ca, a, "inst-a")
        self.assertEqual((w.NONE, 3, [a]), (ra.error_code, ra.generation_id,
                                            [m for m, _, _ in ra.members]))

    def test_offset_delete(self):
        g = self.group("odel")
        c = self.coord_conn(g)
        other = self.unique_topic("ge-other")
        self.create_topic(other, partitions=2, replication=1)

        def delete_offsets(group_id, topic, partitions, conn=c):
            r = conn.call(w.OffsetDeleteRequest_v0(group_id, [(topic, list(partitions))]))
            return r.error_code, {q: e for _, parts in r.topics for q, e in parts}

        self.assertEqual({0: w.NONE, 1: w.NONE, 2: w.NONE}, self.commit(c, g, "", -1,
                                                                       {0: 1, 1: 2, 2: 3}))
        self.assertEqual({0: w.NONE}, self.commit(c, g, "", -1, {0: 9}, topic=other))
        # An Empty group: any partition goes.
        self.assertEqual((w.NONE, {1: w.NONE}), delete_offsets(g, self.topic, [1]))
        self.assertEqual({0: 1, 2: 3}, self.fetch(c, g))
        # Kafka answers UNKNOWN_TOPIC_OR_PARTITION for partitions the metadata does not know.
        self.assertEqual((w.NONE, {99: w.UNKNOWN_TOPIC_OR_PARTITION}),
                         delete_offsets(g, self.topic, [99]))
        # With a member subscribed to self.topic: its partitions stay, the other topic's go.
        member, gen = self.join_alone(c, g)
        self.assertEqual((w.NONE, {0: w.GROUP_SUBSCRIBED_TO_TOPIC}),
                         delete_offsets(g, self.topic, [0]))
        self.assertEqual((w.NONE, {0: w.NONE}), delete_offsets(g, other, [0]))
        r = c.call(w.OffsetFetchRequest_v3(g, None))
        self.assertEqual({(self.topic, 0): 1, (self.topic, 2): 3},
                         {(t, q): o for t, parts in r.topics for q, o, _, _ in parts})
        unknown = self.group("odel-unknown")
        self.assertEqual(w.GROUP_ID_NOT_FOUND,
                         delete_offsets(unknown, self.topic, [0], self.coord_conn(unknown))[0])
        coord_id = self.coordinator(g)[0]
        elsewhere = self.conn(next(b for b in self.cluster.brokers
                                   if b.broker_id != coord_id).address)
        self.assertEqual(w.NOT_COORDINATOR, delete_offsets(g, self.topic, [0], elsewhere)[0])


if __name__ == "__main__":
    harness.main()
