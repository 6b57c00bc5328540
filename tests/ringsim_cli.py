"""What the CLI tests share: the repository root (found from this file, so the build folder may
be anywhere), running the built binary from the root, and the check of a one-line error.

Each test script takes the binary as its first argument: `take_binary_argument()` in its main.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = None


def take_binary_argument():
    """Removes PATH/TO/ringsim from sys.argv (before unittest reads it) and returns it."""
    global BINARY
    if len(sys.argv) < 2:
        sys.exit(f"usage: {os.path.basename(sys.argv[0])} PATH/TO/ringsim [unittest options]")
    BINARY = os.path.abspath(sys.argv.pop(1))
    return BINARY


def run(*args, env=None, timeout=300):
    """Runs ringsim with `args` in the repository root; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([BINARY, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)
    return proc.returncode, proc.stdout, proc.stderr


class OneLineErrors:
    """Mixed into a unittest.TestCase: bad input is one line on stderr and exit code 2."""

    def check_one_line(self, args, expected):
        code, out, err = run(*args)
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertEqual(err.strip(), "ringsim: " + expected)
