"""test_skips.py - a test that cannot run is reported skipped, not passed.

The corpus tests (the parser unit test and the intake test) need the
real-world corpus beside the project. Without it, ctest must say
"Skipped" (their exit code 77 is their SKIP_RETURN_CODE), so that a run
without the corpus is not mistaken for a run over it.

ctest runs them here from a copy of this build's test lists in a scratch
folder (so that its logs do not mix with those of the ctest running this
file), with GUICHET_CORPUS_DIR naming a folder that does not exist.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.path.dirname(os.path.abspath(os.environ["GUICHET_BIN"]))
CORPUS_TESTS = ("parsers/test_corpus", "integration/test_corpus")


class Skips(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="guichet-skips-")
        self.addCleanup(shutil.rmtree, self.dir)
        for sub in ("", "tests"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
            shutil.copy(os.path.join(BUILD, sub, "CTestTestfile.cmake"),
                        os.path.join(self.dir, sub))

    def ctest(self, corpus):
        ctest = shutil.which("ctest")
        self.assertIsNotNone(ctest, "ctest not on PATH")
        env = dict(os.environ, GUICHET_CORPUS_DIR=corpus)
        return subprocess.run(
            [ctest, "--test-dir", self.dir, "--output-on-failure", "-V",
             "-R", "^(%s)$" % "|".join(CORPUS_TESTS)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=env, timeout=300)

    def test_no_corpus_is_skipped(self):
        missing = os.path.join(self.dir, "no-corpus-here")
        r = self.ctest(missing)
        self.assertEqual(r.returncode, 0, r.stdout)
        for name in CORPUS_TESTS:
            line = [l for l in r.stdout.splitlines()
                    if "Test #" in l and " %s " % name in l]
            self.assertEqual(len(line), 1, r.stdout)
            self.assertIn("Skipped", line[0], r.stdout)
            self.assertNotIn("Passed", line[0])
        # each says why
        self.assertEqual(r.stdout.count("no corpus at %s: skipped" %
                                        missing) +
                         r.stdout.count("corpus not found at %s: skipped" %
                                        missing), 2, r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
