#!/usr/bin/env python3
"""Brokers connected to a three-node ZooKeeper ensemble keep working when one ZooKeeper node is
killed: the controller stays, topics can still be created, records still flow."""

import harness


class ZooKeeperEnsembleTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    ZK_NODES = 3
    OVERRIDES = {"default.replication.factor": "3", "zookeeper.session.timeout.ms": "10000"}

    def test_cluster_survives_losing_one_zookeeper_node(self):
        before = self.unique_topic("before")
        self.create_topic(before, partitions=3, replication=3)
        acked, failed = self.produce_acked(before, [b"a-%d" % i for i in range(50)])
        self.assertEqual([], failed)
        controller = self.cluster.controller_id()
        epoch = self.cluster.controller_epoch()

        self.cluster.zk.kill_member(1)
        after = self.unique_topic("after")
        self.create_topic(after, partitions=3, replication=3, timeout=60)
        more, failed = self.produce_acked(after, [b"b-%d" % i for i in range(50)])
        self.assertEqual([], failed)
        more2, failed = self.produce_acked(before, [b"c-%d" % i for i in range(50)])
        self.assertEqual([], failed)
        acked.update(more2)
        # No broker lost its session: same controller, same epoch, every broker registered.
        self.assertEqual(controller, self.cluster.controller_id())
        self.assertEqual(epoch, self.cluster.controller_epoch())
        self.assertEqual(["1", "2", "3"], sorted(self.cluster.zk_client().get_children(
            "/brokers/ids")))
        got = self.consume_all(before, [0, 1, 2], timeout=60)
        consumed = {(m.partition(), m.offset()): m.value() for m in got}
        self.assertEqual({}, {k: v for k, v in acked.items() if consumed.get(k) != v})
        got = self.consume_all(after, [0, 1, 2], timeout=60)
        self.assertEqual(50, len(got))


if __name__ == "__main__":
    harness.main()
