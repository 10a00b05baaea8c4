#!/usr/bin/env python3
"""Kafka's replication system test as a failure-mode matrix: 3 brokers, a topic with 3 partitions,
replication factor 3, min.insync.replicas 2, a confluent-kafka producer at acks=all writing the
whole time (every acknowledged (partition, offset, value) recorded) while the test applies one
failure mode to the current leader of partition 0 or to the current controller:

  clean_shutdown  SIGTERM the victim, keep producing until a new leader/controller serves, restart it
  hard_shutdown   the same with SIGKILL
  clean_bounce    SIGTERM + immediate restart, N times, each time chasing the current victim
  hard_bounce     SIGKILL + immediate restart, N times

Each mode gets its own topic. Afterwards a consumer reads every partition: acknowledged minus
consumed must be empty; values consumed twice (producer retries written twice; allowed without
idempotence) are counted and reported. One results line per mode goes to the test log and to
bounce-matrix.json / bounce-matrix.md (KB_RESULTS_DIR, default <build>/integration-work/results).

CI form: leader hard_bounce and controller clean_bounce, 2 bounces each.
KB_FULL_MATRIX=1: all 8 modes (leader, controller) x (clean/hard shutdown, clean/hard bounce)
with 5 bounces; run it directly (takes ~10-15 min), e.g.
  KB_FULL_MATRIX=1 KB_BUILD_DIR=$PWD/build /usr/bin/python3 integration/test_bounce_leaders.py
"""

import json
import os
import time

import harness
from client_helpers import BackgroundProducer

FULL = os.environ.get("KB_FULL_MATRIX") == "1"
BOUNCES = int(os.environ.get("KB_BOUNCES", "5" if FULL else "2"))
TARGETS = ("leader", "controller")
ACTIONS = ("clean_shutdown", "hard_shutdown", "clean_bounce", "hard_bounce")
MATRIX = ([(t, a) for t in TARGETS for a in ACTIONS] if FULL else
          [("leader", "hard_bounce"), ("controller", "clean_bounce")])
RESULTS_DIR = os.environ.get("KB_RESULTS_DIR") or os.path.join(
    harness.BUILD_DIR, "integration-work", "results")


class BounceMatrixTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"default.replication.factor": "3", "min.insync.replicas": "2",
                 "replica.lag.time.max.ms": "5000", "zookeeper.session.timeout.ms": "6000",
                 "auto.leader.rebalance.enable": "false"}
    results = []

    @classmethod
    def tearDownClass(cls):
        cls.write_results()
        super().tearDownClass()

    @classmethod
    def write_results(cls):
        if not cls.results:
            return
        os.makedirs(RESULTS_DIR, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        doc = {"form": "full" if FULL else "ci", "bounces": BOUNCES, "when": stamp,
               "work_dir": cls.cluster.work_dir if cls.cluster else None,
               "modes": cls.results}
        lines = ["| target | failure mode | acked | lost | duplicated | failed deliveries |"
                 " seconds |", "|---|---|---|---|---|---|---|"]
        for r in cls.results:
            lines.append("| %(target)s | %(mode)s | %(acked)d | %(lost)d | %(duplicated)d | "
                         "%(failed)d | %(seconds).0f |" % r)
        for d in filter(None, [RESULTS_DIR, cls.cluster.work_dir if cls.cluster else None]):
            if not os.path.isdir(d):
                continue
            with open(os.path.join(d, "bounce-matrix.json"), "w") as f:
                json.dump(doc, f, indent=1)
            with open(os.path.join(d, "bounce-matrix.md"), "w") as f:
                f.write("Bounce matrix (%s form, %d bounces), %s\n\n%s\n" % (
                    doc["form"], BOUNCES, stamp, "\n".join(lines)))
        harness.log("results written to %s/bounce-matrix.{json,md}:\n%s" % (
            RESULTS_DIR, "\n".join(lines)))

    def full_isrs(self, topic):
        return all(len(self.cluster.partition_state(topic, p)["isr"]) == 3 for p in range(3))

    def victim_id(self, topic, target):
        return (self.cluster.partition_state(topic, 0)["leader"] if target == "leader"
                else self.cluster.controller_id())

    def take_down(self, victim, action):
        if action.startswith("clean"):
            victim.stop()
        else:
            victim.kill()

    def bring_back(self, victim, topic):
        victim.start()
        self.cluster.wait_ready([victim], timeout=90)
        harness.wait_until(lambda: self.full_isrs(topic), 90, "full ISRs after the restart")

    def run_mode(self, target, action):
        topic = self.unique_topic("%s-%s" % (target, action.replace("_", "-")))
        self.create_topic(topic, partitions=3, replication=3)
        harness.wait_until(lambda: self.full_isrs(topic), 30, "full ISRs")
        started = time.time()
        producer = BackgroundProducer(self.bootstrap, topic, prefix=action).start()
        try:
            rounds = BOUNCES if action.endswith("bounce") else 1
            for n in range(rounds):
                time.sleep(2)
                victim_id = harness.wait_until(lambda: self.victim_id(topic, target), 30,
                                               "a %s to chase" % target)
                victim = self.cluster.broker(victim_id)
                harness.log("%s %s #%d: broker %d, %d acked so far" % (
                    target, action, n + 1, victim_id, len(producer.acked)))
                self.take_down(victim, action)
                if action.endswith("shutdown"):
                    # Stay down until someone else took over and acks=all writes go on with
                    # two replicas (min.insync.replicas 2), then restart for the next mode.
                    harness.wait_until(lambda: self.victim_id(topic, target) not in
                                       (None, victim_id), 60, "a new %s" % target)
                    mark = len(producer.acked)
                    harness.wait_until(lambda: len(producer.acked) > mark + 200, 60,
                                       "acks=all writes with the %s down" % target)
                else:
                    time.sleep(1)
                self.bring_back(victim, topic)
            time.sleep(2)
        finally:
            producer.stop()
        lost, dups, got = self.acked_lost_duplicated(topic, [0, 1, 2], producer.acked,
                                                     timeout=120)
        r = {"target": target, "mode": action, "rounds": rounds, "acked": len(producer.acked),
             "lost": len(lost), "duplicated": dups, "consumed": len(got),
             "failed": len(producer.failed), "failed_errors": producer.error_names(),
             "seconds": time.time() - started, "topic": topic}
        self.results.append(r)
        harness.log("RESULT %(target)s %(mode)s x%(rounds)d: acked %(acked)d, lost %(lost)d, "
                    "duplicated %(duplicated)d, consumed %(consumed)d, failed deliveries "
                    "%(failed)d %(failed_errors)s" % r)
        self.assertGreater(len(producer.acked), 500)
        self.assertEqual({}, dict(list(lost.items())[:20]),
                         "%d acknowledged records missing" % len(lost))


def _make(target, action):
    def test(self):
        self.run_mode(target, action)
    test.__doc__ = "%s of the %s under acks=all: nothing acknowledged lost" % (action, target)
    return test


for _i, (_t, _a) in enumerate(MATRIX):
    setattr(BounceMatrixTest, "test_%d_%s_%s" % (_i, _t, _a), _make(_t, _a))


if __name__ == "__main__":
    harness.main()
