#!/usr/bin/env python3
"""Every command in README.md's shell blocks runs as written (from the repository root, with
build/ standing for the build folder under test) and exits 0; the Python example runs too.
Skipped, with the reason printed: commands that need a GPU and the benchmarks (they print
numbers and take minutes).

usage: readme_test.py PATH/TO/ringsim
"""
import os
import re
import subprocess
import sys
import unittest

from ringsim_cli import ROOT, take_binary_argument

BUILD = None


def readme_commands():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", "").splitlines():
            line = line.strip()
            if line.startswith(("build/", "reports/", "mkdir")):
                commands.append(line)
    return commands


def skip_reason(command):
    if "perftest" in command:
        return "a benchmark (prints numbers, takes minutes)"
    if re.search(r"ringsim (calibrate|rehearse)\b", command) and "--measured" not in command:
        return "needs a GPU"
    return None


class ReadmeCommands(unittest.TestCase):
    def test_every_shell_command_runs(self):
        commands = readme_commands()
        self.assertGreater(len(commands), 20)
        ran = 0
        for command in commands:
            reason = skip_reason(command)
            if reason:
                print(f"skipped ({reason}): {command}", file=sys.stderr)
                continue
            shell = command.replace("build/", BUILD + "/")
            proc = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True,
                                  text=True, timeout=600)
            # A sweep whose README line shows invalid mixes prints its rows and exits 2.
            partial = re.search(r"sweep: \d+ of \d+ configurations failed", proc.stderr)
            if proc.returncode == 2 and partial and "say why" in command:
                self.assertTrue(proc.stdout.strip(), command)
            else:
                self.assertEqual(proc.returncode, 0,
                                 f"README command failed: {command}\n{proc.stderr[-2000:]}")
            ran += 1
        self.assertGreater(ran, 20)

    def test_the_python_example_runs(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
        self.assertEqual(len(blocks), 1)
        if not os.path.isdir(os.path.join(BUILD, "python")):
            self.skipTest("no Python module in this build (pybind11 missing, or sanitized)")
        env = dict(os.environ, RINGSIM_BUILD_DIR=BUILD)
        proc = subprocess.run([sys.executable, "-c", blocks[0]], cwd=ROOT, capture_output=True,
                              text=True, timeout=600, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])


if __name__ == "__main__":
    BUILD = os.path.dirname(take_binary_argument())
    unittest.main(verbosity=2)
