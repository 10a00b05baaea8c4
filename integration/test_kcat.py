#!/usr/bin/env python3
"""kcat produces keyed records with headers under every codec; kcat reads them back unchanged."""

import json
import subprocess

import harness

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def records():
    out = [("key-%03d" % i, "value %d for the codec test %s" % (i, "x" * (i % 7)))
           for i in range(40)]
    # A large, compressible value so that compression really happens inside a batch.
    out.append(("big", "abcdefghij" * 3000))
    out.append(("spaces", "  leading and trailing  "))
    return out


class KcatTest(harness.ClusterTestCase):

    def kcat(self, args, stdin=None, timeout=60):
        res = subprocess.run(["kcat", "-b", self.bootstrap] + args, input=stdin,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        self.assertEqual(0, res.returncode, "kcat %s failed: %s" % (
            " ".join(args), res.stderr.decode(errors="replace")))
        return res

    def check_codec(self, codec):
        topic = self.unique_topic("kcat-" + codec)
        self.create_topic(topic, partitions=1)
        recs = records()
        data = "".join("%s:%s\n" % kv for kv in recs).encode()
        res = self.kcat(["-P", "-t", topic, "-p", "0", "-K:", "-z", codec,
                         "-H", "trace=abc-123", "-H", "codec=" + codec,
                         "-X", "message.timeout.ms=30000"], stdin=data)
        self.assertNotIn(b"ERROR", res.stderr, res.stderr.decode(errors="replace"))

        res = self.kcat(["-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-J",
                         "-X", "fetch.wait.max.ms=100"])
        got = [json.loads(line) for line in res.stdout.decode().splitlines() if line.strip()]
        self.assertEqual(len(recs), len(got), res.stderr.decode(errors="replace"))
        for i, ((key, value), msg) in enumerate(zip(recs, got)):
            self.assertEqual(i, msg["offset"])
            self.assertEqual(key, msg["key"])
            self.assertEqual(value, msg["payload"])
            self.assertEqual(["trace", "abc-123", "codec", codec], msg.get("headers"))

        # The text format path too (%k %h %s), for the small records.
        res = self.kcat(["-C", "-t", topic, "-p", "0", "-o", "beginning", "-c", "5", "-e",
                         "-f", "%k|%h|%s\\n"])
        lines = res.stdout.decode().splitlines()
        self.assertEqual(["%s|trace=abc-123,codec=%s|%s" % (k, codec, v) for k, v in recs[:5]],
                         lines)

    def test_codec_none(self):
        self.check_codec("none")

    def test_codec_gzip(self):
        self.check_codec("gzip")

    def test_codec_snappy(self):
        self.check_codec("snappy")

    def test_codec_lz4(self):
        self.check_codec("lz4")

    def test_codec_zstd(self):
        self.check_codec("zstd")

    def test_metadata_listing(self):
        res = self.kcat(["-L", "-J"])
        md = json.loads(res.stdout)
        self.assertEqual([1], [b["id"] for b in md["brokers"]])
        self.assertEqual(self.cluster.brokers[0].address, md["brokers"][0]["name"])


if __name__ == "__main__":
    harness.main()
