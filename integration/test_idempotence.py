#!/usr/bin/env python3
"""Idempotent producer (Kafka 2.4 semantics) on 3 brokers, replication factor 3,
min.insync.replicas 2.

- Raw protocol: InitProducerId gives a producer id with epoch 0; a batch sent twice is appended
  once and the retry is answered with the original offset, also by the next leader after the
  first one was killed; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an unknown producer starting
  mid-sequence UNKNOWN_PRODUCER_ID, an older epoch INVALID_PRODUCER_EPOCH.
- confluent-kafka with enable.idempotence while the partition leader is SIGKILLed or paused
  (SIGSTOP) past its ZooKeeper session: acknowledged minus consumed is empty and no value was
  written twice."""

import collections
import socket
import struct
import threading
import time

from confluent_kafka import Producer
from kafka.record.default_records import DefaultRecordBatchBuilder

import harness

INIT_PRODUCER_ID = 22
PRODUCE = 0
NONE, OUT_OF_ORDER, INVALID_EPOCH, UNKNOWN_PRODUCER = 0, 45, 47, 59


def batch(producer_id, epoch, base_sequence, values):
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                  producer_id=producer_id, producer_epoch=epoch,
                                  base_sequence=base_sequence, batch_size=1 << 20)
    now = int(time.time() * 1000)
    for i, v in enumerate(values):
        b.append(i, timestamp=now, key=None, value=v, headers=[])
    return bytes(b.build())


def string(s):
    data = s.encode()
    return struct.pack(">h", len(data)) + data


class Connection:
    def __init__(self, address):
        host, port = address.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=20)
        self.correlation = 0

    def call(self, api_key, version, body):
        self.correlation += 1
        self.sock.sendall(harness.encode_request(api_key, version, self.correlation, body=body))
        size = struct.unpack(">i", self.recv(4))[0]
        payload = self.recv(size)
        assert struct.unpack(">i", payload[:4])[0] == self.correlation
        return payload[4:]

    def recv(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed by the broker")
            out += chunk
        return out

    def init_producer_id(self):
        body = struct.pack(">hi", -1, 60000)  # null transactional id, timeout
        throttle, error, pid, epoch = struct.unpack(">ihqh", self.call(INIT_PRODUCER_ID, 0, body))
        return error, pid, epoch

    def produce(self, topic, partition, records):
        """Produce v3, acks=all: returns (error, base offset)."""
        body = (struct.pack(">hhi", -1, -1, 30000) + struct.pack(">i", 1) + string(topic) +
                struct.pack(">i", 1) + struct.pack(">ii", partition, len(records)) + records)
        resp = self.call(PRODUCE, 3, body)
        pos = 4  # topic count
        name_len = struct.unpack(">h", resp[pos:pos + 2])[0]
        pos += 2 + name_len + 4  # name, partition count
        _, error, base_offset, _ = struct.unpack(">ihqq", resp[pos:pos + 22])
        return error, base_offset

    def close(self):
        self.sock.close()


class IdempotenceTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"default.replication.factor": "3", "min.insync.replicas": "2",
                 "replica.lag.time.max.ms": "5000", "zookeeper.session.timeout.ms": "6000",
                 "auto.leader.rebalance.enable": "false"}

    def full_isr(self, topic, partition=0):
        return len(self.cluster.partition_state(topic, partition)["isr"]) == 3

    def leader_connection(self, topic, partition=0):
        leader = self.cluster.partition_state(topic, partition)["leader"]
        return Connection(self.cluster.broker(leader).address)

    def test_init_producer_id_allocates_blocks(self):
        ids = []
        for b in self.cluster.running_brokers():
            conn = Connection(b.address)
            for _ in range(2):
                error, pid, epoch = conn.init_producer_id()
                self.assertEqual((NONE, 0), (error, epoch))
                ids.append(pid)
            conn.close()
        self.assertEqual(len(ids), len(set(ids)), ids)
        block = self.cluster.zk_json("/latest_producer_id_block")
        self.assertEqual(1, block["version"])
        self.assertIsInstance(block["block_start"], str)
        self.assertLessEqual(max(ids), int(block["block_end"]))

    def test_raw_duplicate_gets_original_offset_across_failover(self):
        topic = self.unique_topic("idem-raw")
        self.create_topic(topic, partitions=1, replication=3)
        harness.wait_until(lambda: self.full_isr(topic), 30, "full ISR")
        conn = self.leader_connection(topic)
        error, pid, epoch = conn.init_producer_id()
        self.assertEqual(NONE, error)
        first = batch(pid, epoch, 0, [b"a0", b"a1", b"a2"])
        self.assertEqual((NONE, 0), conn.produce(topic, 0, first))
        self.assertEqual((NONE, 3), conn.produce(topic, 0, batch(pid, epoch, 3, [b"b0"])))
        # The retry of the first batch: success with its original offset, nothing appended.
        self.assertEqual((NONE, 0), conn.produce(topic, 0, first))
        self.assertEqual(OUT_OF_ORDER, conn.produce(topic, 0, batch(pid, epoch, 9, [b"gap"]))[0])
        self.assertEqual(UNKNOWN_PRODUCER,
                         conn.produce(topic, 0, batch(pid + 999, 0, 5, [b"who"]))[0])
        self.assertEqual((NONE, 4), conn.produce(topic, 0, batch(pid, epoch + 1, 0, [b"e1"])))
        self.assertEqual(INVALID_EPOCH,
                         conn.produce(topic, 0, batch(pid, epoch, 4, [b"zombie"]))[0])
        retry = batch(pid, epoch + 1, 1, [b"c0", b"c1"])
        self.assertEqual((NONE, 5), conn.produce(topic, 0, retry))
        conn.close()

        # Kill the leader: the next one learned the producer state as a follower.
        old_leader = self.cluster.partition_state(topic, 0)["leader"]
        self.cluster.broker(old_leader).kill()
        harness.wait_until(
            lambda: self.cluster.partition_state(topic, 0)["leader"] not in (old_leader, -1),
            60, "a new leader")
        conn = self.leader_connection(topic)
        self.assertEqual((NONE, 5), conn.produce(topic, 0, retry))
        self.assertEqual((NONE, 7), conn.produce(topic, 0, batch(pid, epoch + 1, 3, [b"d0"])))
        conn.close()

        # The old leader comes back and rebuilds its state from its log.
        self.cluster.broker(old_leader).start()
        self.cluster.wait_ready([self.cluster.broker(old_leader)], timeout=90)
        harness.wait_until(lambda: self.full_isr(topic), 90, "full ISR after the restart")
        values = [m.value() for m in self.consume_all(topic, [0], timeout=60)]
        self.assertEqual([b"a0", b"a1", b"a2", b"b0", b"e1", b"c0", b"c1", b"d0"], values)

    def test_idempotent_producer_survives_leader_kills_and_pauses(self):
        topic = self.unique_topic("idem-kill")
        self.create_topic(topic, partitions=2, replication=3)
        harness.wait_until(lambda: self.full_isr(topic, 0) and self.full_isr(topic, 1), 30,
                           "full ISRs")
        acked, failed = {}, []
        produced, unfinished = [0], [None]
        stop = threading.Event()

        def produce():
            def cb(err, msg):
                if err is None:
                    acked[(msg.partition(), msg.offset())] = msg.value()
                else:
                    failed.append(err)
            p = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                          "acks": "all", "linger.ms": 2, "message.timeout.ms": 120000,
                          "request.timeout.ms": 4000,
                          "retry.backoff.ms": 100, "log_level": 0})
            i = 0
            while not stop.is_set():
                try:
                    p.produce(topic, b"v-%07d" % i, partition=i % 2, on_delivery=cb)
                except BufferError:  # the local queue is full: let deliveries catch up
                    p.poll(0.1)
                    continue
                i += 1
                p.poll(0.001)
            produced[0] = i
            unfinished[0] = p.flush(150)

        writer = threading.Thread(target=produce)
        writer.start()
        try:
            # A kill closes the producer's connection at once; a pause longer than the ZooKeeper
            # session leaves requests the followers already replicated unanswered until the
            # client times them out and retries them to the new leader: duplicates to detect.
            for mode in ["kill", "pause", "kill", "pause"]:
                time.sleep(2)
                victim_id = self.cluster.partition_state(topic, 0)["leader"]
                victim = self.cluster.broker(victim_id)
                harness.log("%s leader %d, %d acked so far" % (mode, victim_id, len(acked)))
                if mode == "kill":
                    victim.kill()
                    time.sleep(1)
                    victim.start()
                else:
                    victim.pause()
                    time.sleep(9)
                    victim.resume()
                self.cluster.wait_ready([victim], timeout=90)
                harness.wait_until(lambda: self.full_isr(topic, 0) and self.full_isr(topic, 1),
                                   90, "full ISRs after the kill")
        finally:
            stop.set()
            writer.join(200)
        harness.log("acked %d, failed %d (%s)" % (
            len(acked), len(failed), sorted({e.name() for e in failed})))
        # Every message must be delivered: a broker without duplicate detection answers a retried
        # batch with OUT_OF_ORDER_SEQUENCE_NUMBER and the producer stalls or fails.
        self.assertEqual(0, unfinished[0], "messages still undelivered after the flush")
        self.assertEqual([], failed)
        self.assertEqual(produced[0], len(acked))
        self.assertGreater(len(acked), 1000)
        consumed = self.assert_acked_consumed(topic, [0, 1], acked, timeout=120)
        counts = collections.Counter(consumed.values())
        dups = {v: n for v, n in counts.items() if n > 1}
        self.assertEqual({}, dups, "%d values written more than once" % len(dups))


if __name__ == "__main__":
    harness.main()
