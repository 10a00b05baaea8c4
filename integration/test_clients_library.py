#!/usr/bin/env python3
"""The C++ client library (kb_clients) against ZooKeeper + 3 real brokers: runs the GoogleTest
binary build/bin/kb_clients_live_test (clients/tests/live/) with the cluster's bootstrap list,
then kills a broker and runs its Offline.* tests (offline replicas in Metadata, an unreachable
broker failing within the deadline)."""

import os
import subprocess

import harness

LIVE_TEST = os.path.join(harness.BUILD_DIR, "bin", "kb_clients_live_test")


class ClientsLibraryTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"auto.leader.rebalance.enable": "false", "default.replication.factor": "3"}

    def run_live(self, gtest_filter, **env):
        e = dict(os.environ, KB_TEST_BOOTSTRAP=self.bootstrap, **env)
        p = subprocess.run([LIVE_TEST, "--gtest_filter=" + gtest_filter], env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=240)
        harness.log("kb_clients_live_test %s:\n%s" % (gtest_filter, p.stdout[-6000:]))
        self.assertEqual(0, p.returncode, "kb_clients_live_test %s failed" % gtest_filter)
        self.assertIn("[  PASSED  ]", p.stdout)

    def test_library_against_cluster(self):
        self.run_live("Live.*")

    def test_offline_replicas_after_broker_kill(self):
        topic = self.unique_topic("offline")
        self.create_topic(topic, partitions=3, replication=3)
        harness.wait_until(lambda: all(len(v[2]) == 3 for v in
                                       self.metadata_partitions(topic).values()), 60, "full ISRs")
        broker = self.cluster.broker(3)
        broker.kill()
        try:
            harness.wait_until(lambda: all(
                3 not in self.cluster.partition_state(topic, p)["isr"] for p in range(3)), 60,
                "broker 3 out of every ISR")
            harness.wait_until(lambda: all(
                v[0] != 3 for v in self.metadata_partitions(topic).values()), 30,
                "new leaders in Metadata")
            self.run_live("Offline.*", KB_TEST_DEAD_BROKER="3", KB_TEST_TOPIC=topic)
        finally:
            broker.start()
            self.cluster.wait_ready([broker])


if __name__ == "__main__":
    harness.main()
