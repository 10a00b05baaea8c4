#!/usr/bin/env python3
"""KIP-101 scenario 2 (replica divergence after both replicas crash), replication factor 2,
min.insync.replicas 1, unclean leader election allowed for the topic:

  1. leader A and follower B both hold the records written at acks=all ("both-*");
  2. B stalls (SIGSTOP) and leaves the ISR; A alone takes records at acks=1 ("a-only-*");
  3. both crash together (SIGKILL A, SIGKILL B);
  4. B restarts first and becomes leader (unclean: it is not in the ISR) in a new leader epoch and
     takes different records ("b-new-*", fewer, so they end before A's log end) at the offsets
     where A holds "a-only-*";
  5. A restarts as a follower: it must truncate to the end offset of its own last epoch as B
     reports it (OffsetsForLeaderEpoch) and then copy B's records.

Asserts: the two replicas' segment .log files become identical byte for byte; every record
acknowledged at acks=all before the crash and everything acknowledged by B afterwards is read
back. The "a-only-*" records were acknowledged only at acks=1 by a replica that an unclean
election then left behind: losing them is what the scenario allows, and the test asserts that
they are gone (not half there) rather than that they survive."""

import os
import time

import harness

LAG_MS = 3000


class LogDivergenceTest(harness.ClusterTestCase):
    NUM_BROKERS = 2
    OVERRIDES = {"default.replication.factor": "2", "min.insync.replicas": "1",
                 "replica.lag.time.max.ms": str(LAG_MS), "auto.leader.rebalance.enable": "false",
                 "zookeeper.session.timeout.ms": "6000"}

    def state(self, topic):
        return self.cluster.partition_state(topic, 0)

    def segment_bytes(self, broker, topic):
        d = os.path.join(broker.log_dir, "%s-0" % topic)
        out = []
        for name in sorted(os.listdir(d)):
            if name.endswith(".log"):
                with open(os.path.join(d, name), "rb") as f:
                    out.append((name, f.read()))
        return out

    def test_replicas_converge_after_both_crash_and_restart_in_the_other_order(self):
        topic = self.unique_topic("diverge")
        self.create_topic(topic, partitions=1, replication=2,
                          config={"unclean.leader.election.enable": "true"})
        harness.wait_until(lambda: len(self.state(topic)["isr"]) == 2, 30, "ISR of two")
        both, failed = self.produce_acked(topic, [b"both-%04d" % i for i in range(200)],
                                          partition=0, acks="all")
        self.assertEqual([], failed)
        a = self.cluster.broker(self.state(topic)["leader"])
        b = next(x for x in self.cluster.brokers if x is not a)
        # Both replicas have everything (high watermark at the end) before B stalls.
        self.wait_for_high_watermark(topic, 0, max(o for _, o in both) + 1)

        b.pause()
        harness.wait_until(lambda: self.state(topic)["isr"] == [a.broker_id], 30,
                           "ISR shrunk to the leader")
        a_only, failed = self.produce_acked(topic, [b"a-only-%04d" % i for i in range(120)],
                                            partition=0, acks="1")
        self.assertEqual([], failed)
        self.assertEqual(120, len(a_only))
        harness.log("A=%d holds offsets %d..%d alone" % (
            a.broker_id, min(o for _, o in a_only), max(o for _, o in a_only)))

        # Both crash together.
        a.kill()
        b.kill()
        epoch_before = self.state(topic)["leader_epoch"]

        # B first: it becomes leader through an unclean election in a new epoch.
        b.start()
        self.cluster.wait_ready([b], timeout=90)
        harness.wait_until(lambda: self.state(topic)["leader"] == b.broker_id, 90,
                           "B leader (unclean election)")
        self.assertGreater(self.state(topic)["leader_epoch"], epoch_before)
        b_new, failed = self.produce_acked(topic, [b"b-new-%04d" % i for i in range(40)],
                                           partition=0, acks="all")
        self.assertEqual([], failed)
        self.assertEqual(40, len(b_new))
        overlap = set(b_new) & set(a_only)
        harness.log("B=%d wrote %d records at offsets A holds differently" % (
            b.broker_id, len(overlap)))
        self.assertTrue(overlap, "the scenario needs records at the same offsets")

        # A returns as a follower and must truncate its divergent suffix.
        a.start()
        self.cluster.wait_ready([a], timeout=90)
        harness.wait_until(lambda: len(self.state(topic)["isr"]) == 2, 90, "A back in the ISR")
        started = time.time()

        def same():
            x, y = self.segment_bytes(a, topic), self.segment_bytes(b, topic)
            return x == y and x
        try:
            harness.wait_until(same, 60, "identical segment files on both replicas")
        except AssertionError:
            x, y = self.segment_bytes(a, topic), self.segment_bytes(b, topic)
            self.fail("replicas differ: A %s, B %s" % (
                [(n, len(d)) for n, d in x], [(n, len(d)) for n, d in y]))
        harness.log("segments identical %.1fs after A rejoined: %s" % (
            time.time() - started, [(n, len(d)) for n, d in self.segment_bytes(a, topic)]))

        consumed = self.assert_acked_consumed(topic, [0], {**both, **b_new})
        values = set(consumed.values())
        self.assertFalse(values & set(a_only.values()),
                         "records only the left-behind replica had came back")
        self.assertEqual(len(both) + len(b_new), len(consumed))
        # The new leader's records, then A as the leader again: the logs stay identical.
        b.stop()
        harness.wait_until(lambda: self.state(topic)["leader"] == a.broker_id, 60, "A leads")
        more, failed = self.produce_acked(topic, [b"after-%d" % i for i in range(20)],
                                          partition=0, acks="1")
        self.assertEqual([], failed)
        b.start()
        self.cluster.wait_ready([b], timeout=90)
        harness.wait_until(lambda: len(self.state(topic)["isr"]) == 2, 90, "B back in the ISR")
        harness.wait_until(same, 60, "identical segment files after B rejoined")
        self.assert_acked_consumed(topic, [0], {**both, **b_new, **more})


if __name__ == "__main__":
    harness.main()
