#!/usr/bin/env python3
"""Controller election and failover with three real brokers: exactly one controller; SIGKILL of
the controller elects another one within the session timeout plus 2 s with /controller_epoch one
higher; a zombie controller (SIGSTOP past the session timeout, then SIGCONT) lands no ZooKeeper
write, is refused by the brokers, and resigns."""

import time

import harness

SESSION_TIMEOUT_S = 6


def read_log(broker):
    with open(broker.log_file, "rb") as f:
        return f.read()


class ControllerElectionTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"zookeeper.session.timeout.ms": str(SESSION_TIMEOUT_S * 1000),
                 "default.replication.factor": "3"}

    def all_brokers_report_controller(self, expected):
        for b in self.cluster.running_brokers():
            from confluent_kafka.admin import AdminClient
            md = AdminClient({"bootstrap.servers": b.address, "log_level": 0}).list_topics(
                timeout=10)
            if md.controller_id != expected:
                return False
        return True

    def test_1_exactly_one_controller(self):
        controller = harness.wait_until(self.cluster.controller_id, 30, "a controller")
        self.assertIn(controller, [1, 2, 3])
        harness.wait_until(lambda: self.all_brokers_report_controller(controller), 30,
                           "every broker reporting controller %d" % controller)
        # Only the winner's log says it became controller.
        winners = [b.broker_id for b in self.cluster.brokers
                   if b"elected controller with epoch" in read_log(b)]
        self.assertEqual([controller], winners)

    def test_2_sigkill_controller_elects_another(self):
        old = harness.wait_until(self.cluster.controller_id, 30, "a controller")
        epoch = self.cluster.controller_epoch()
        victim = self.cluster.broker(old)
        victim.kill()
        killed_at = time.time()
        new = harness.wait_until(
            lambda: (lambda c: c if c is not None and c != old else None)(
                self.cluster.controller_id()),
            SESSION_TIMEOUT_S + 10, "a new controller")
        took = time.time() - killed_at
        harness.log("new controller %d %.2f s after SIGKILL of %d" % (new, took, old))
        self.assertLessEqual(took, SESSION_TIMEOUT_S + 2)
        self.assertEqual(epoch + 1, self.cluster.controller_epoch())
        victim.start()
        self.cluster.wait_ready([victim], timeout=60)
        harness.wait_until(lambda: self.all_brokers_report_controller(new), 30,
                           "every broker reporting controller %d" % new)

    def test_3_zombie_controller_is_fenced_and_resigns(self):
        topic = self.unique_topic("zombie")
        self.create_topic(topic, partitions=3, replication=3)
        old = harness.wait_until(self.cluster.controller_id, 30, "a controller")
        epoch = self.cluster.controller_epoch()
        zombie = self.cluster.broker(old)
        zombie.pause()
        try:
            new = harness.wait_until(
                lambda: (lambda c: c if c is not None and c != old else None)(
                    self.cluster.controller_id()),
                SESSION_TIMEOUT_S + 15, "a new controller while %d is paused" % old)
        finally:
            zombie.resume()
        new_epoch = self.cluster.controller_epoch()
        self.assertGreater(new_epoch, epoch)
        # Give the zombie time to act on whatever it had queued, then check it changed nothing.
        time.sleep(5)
        self.assertEqual(new, self.cluster.controller_id())
        self.assertEqual(new_epoch, self.cluster.controller_epoch())
        for p in range(3):
            state = self.cluster.partition_state(topic, p)
            # A write by the zombie would carry its old epoch after the new controller's writes.
            self.assertLessEqual(state["controller_epoch"], new_epoch)
        # It knows it is no longer the controller, and it rejoined as a broker.
        self.cluster.wait_ready([zombie], timeout=60)
        harness.wait_until(lambda: self.all_brokers_report_controller(new), 30,
                           "every broker (the zombie too) reporting controller %d" % new)
        self.assertIn(b"resigning as controller", read_log(zombie))
        # The topic still works through the new leaders.
        acked, failed = self.produce_acked(topic, [b"after-zombie-%d" % i for i in range(30)])
        self.assertEqual([], failed)
        self.assertEqual(30, len(acked))


if __name__ == "__main__":
    harness.main()
