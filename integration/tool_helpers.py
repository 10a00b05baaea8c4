"""Running the project's command-line tools in integration tests and checking their outcome:
exit status, output, and the one-line error every tool promises."""

import subprocess
import time


def run_tool(binary, *args, timeout=60):
    """(exit status, stdout, stderr, seconds taken) of one run of `binary`."""
    start = time.time()
    p = subprocess.run([binary] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.time() - start


class ToolAssertions:
    """A mixin for unittest.TestCase."""

    def ok(self, result):
        rc, out, err, _ = result
        self.assertEqual(0, rc, "exit %d, stdout %r, stderr %r" % (rc, out, err))
        return out

    def failed(self, result, pattern, within=None):
        """A non-zero exit with exactly one line on stderr matching `pattern`, within
        `within` seconds when given. Returns that line."""
        rc, out, err, elapsed = result
        self.assertNotEqual(0, rc, "expected a failure; stdout %r" % out)
        lines = err.splitlines()
        self.assertEqual(1, len(lines), "one line on stderr, got %r" % err)
        self.assertRegex(lines[0], pattern)
        if within is not None:
            self.assertLess(elapsed, within, "failure took %.1fs" % elapsed)
        return lines[0]
