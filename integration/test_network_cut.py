#!/usr/bin/env python3
"""Network partition of a partition leader, with real network namespaces.

The test runs itself inside a fresh network namespace (ZooKeeper, the clients and a bridge live
there); each of the 3 brokers has its own namespace and address on that bridge
(netlab.NetworkLab). Topic: 3 partitions, replication factor 3, min.insync.replicas 2; a
confluent-kafka producer writes at acks=all throughout.

  1. the leader L of partition 0 is cut from both followers (iptables DROP both ways inside L's
     namespace) while it still reaches ZooKeeper: acks=all writes to L cannot complete (the
     followers cannot fetch) and nothing may be acknowledged by L alone;
  2. L is also cut from ZooKeeper (and the clients, which share that side of the network): its
     session expires and the controller moves leadership of L's partitions to a follower; writes
     go on there;
  3. heal: L comes back as a follower, truncates whatever it took alone, and rejoins the ISRs.

Asserts: a new leader other than L, acks=all progress on partition 0 under it, full ISRs after
healing, acknowledged minus consumed empty (duplicates are reported). If network namespaces
cannot be created the test is skipped with the reason."""

import os
import time

import harness
import netlab
from client_helpers import BackgroundProducer

LAG_MS = 10000
SESSION_MS = 6000


class NetworkCutTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"default.replication.factor": "3", "min.insync.replicas": "2",
                 "replica.lag.time.max.ms": str(LAG_MS),
                 "zookeeper.session.timeout.ms": str(SESSION_MS),
                 "auto.leader.rebalance.enable": "false"}
    lab = None

    @classmethod
    def setUpClass(cls):
        if os.environ.get("KB_NETNS_UNAVAILABLE"):
            raise harness.unittest.SkipTest("network namespaces unavailable: %s"
                                            % os.environ["KB_NETNS_UNAVAILABLE"])
        cls.lab = netlab.NetworkLab(cls.NUM_BROKERS).setup()
        cls.BROKER_HOSTS = dict(cls.lab.brokers)
        cls.BROKER_PREFIXES = {i: cls.lab.prefix_for(i) for i in cls.lab.brokers}
        cls.ZK_HOST = cls.lab.gateway
        super().setUpClass()

    def full_isrs(self, topic):
        return all(len(self.cluster.partition_state(topic, p)["isr"]) == 3 for p in range(3))

    def test_partitioned_leader_loses_no_acknowledged_write(self):
        topic = self.unique_topic("cut")
        self.create_topic(topic, partitions=3, replication=3)
        harness.wait_until(lambda: self.full_isrs(topic), 30, "full ISRs")
        started = time.time()
        # A produce request parked at the cut-off leader (it cannot get the followers' acks and
        # never hears that it lost leadership) ends only with the request timeout (librdkafka
        # default 30 s); 15 s keeps it above replica.lag.time.max.ms so that the leaders of the
        # other partitions answer (after dropping L from their ISRs) before the client retries.
        producer = BackgroundProducer(self.bootstrap, topic, prefix="cut",
                                      config={"request.timeout.ms": 15000}).start()
        lab = self.lab
        try:
            harness.wait_until(lambda: len(producer.acked) > 500, 60, "writes flowing")
            state = self.cluster.partition_state(topic, 0)
            leader = state["leader"]
            followers = [b for b in lab.brokers if b != leader]
            harness.log("leader of partition 0: %d (controller %s), epoch %d" % (
                leader, self.cluster.controller_id(), state["leader_epoch"]))

            # 1. cut from the followers only.
            for f in followers:
                lab.cut(leader, lab.brokers[f])
            time.sleep(4)
            # 2. also from ZooKeeper: the controller moves leadership away. L is cut from the
            # whole ZooKeeper/client side (not only the ZooKeeper port): a cut-off leader never
            # learns that it lost leadership and would keep telling the producer (Metadata) that
            # it leads, as a Kafka 2.4 broker does, so the producer could not move on.
            lab.cut(leader, lab.gateway)
            new = harness.wait_until(
                lambda: (lambda s: s["leader"] if s["leader"] not in (leader, -1) else None)(
                    self.cluster.partition_state(topic, 0)), 60, "a new leader of partition 0")
            harness.log("new leader of partition 0: %d" % new)
            moved = time.time()
            mark = {k for k in producer.acked if k[0] == 0}
            harness.wait_until(lambda: sum(1 for k in producer.acked if k[0] == 0
                                           and k not in mark) > 100, 120,
                               "acks=all writes to partition 0 under the new leader")
            harness.log("partition 0 takes acks=all writes under the new leader %.1fs after "
                        "the move" % (time.time() - moved))
            time.sleep(2)
            # 3. heal.
            lab.heal(leader)
            harness.wait_until(lambda: self.full_isrs(topic), 120, "full ISRs after healing")
            time.sleep(2)
        finally:
            producer.stop()
            if lab is not None:
                for b in lab.brokers:
                    try:
                        lab.heal(b)
                    except Exception:  # noqa: BLE001 - the namespace may be gone
                        pass
        lost, dups, got = self.acked_lost_duplicated(topic, [0, 1, 2], producer.acked,
                                                     timeout=120)
        harness.log("RESULT network cut of the leader: acked %d, lost %d, duplicated %d, "
                    "consumed %d, failed deliveries %d %s, %.0fs" % (
                        len(producer.acked), len(lost), dups, len(got), len(producer.failed),
                        producer.error_names(), time.time() - started))
        self.assertEqual({}, dict(list(lost.items())[:20]),
                         "%d acknowledged records missing" % len(lost))


if __name__ == "__main__":
    netlab.run_in_private_netns(os.path.abspath(__file__))
    harness.main()
