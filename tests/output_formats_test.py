#!/usr/bin/env python3
"""Every command's machine-readable output: --format csv parses with Python's csv module, has a
header of unique names and at least one row, and every column whose name carries a unit holds
a plain number in every row (no "GB", "%" or "K"); --format json parses.

usage: output_formats_test.py PATH/TO/ringsim
"""
import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
import unittest

from ringsim_cli import ROOT, run, take_binary_argument

RINGSIM = None
SCENARIO = "scenarios/llama7b-8xa100-256k.yaml"
TESTDATA = os.path.join(ROOT, "calibrate", "testdata")

# Column names that promise a number: a unit suffix, or a key simulate's JSON has always had (README.md "Usage").
UNIT_NAME = re.compile(r"(_s|_bytes|_per_s|_tokens|_flops|_pct|_usd_per_mtok|_per_device)$|"
                       r"^(mfu|devices|context|seq_len|params|layers|hidden|vocab|line|rank|"
                       r"overlap\.min_block_paper|overlap\.min_block_calibrated|"
                       r"min_block_paper|min_block_calibrated|min_seq_paper|margin|"
                       r"predicted|measured|efficiency_at_calibrated)$")
# Text a human form would put into a cell: a unit or a suffixed number.
HUMAN_CELL = re.compile(r"^-?[0-9.]+\s*(GB|MB|kB|B|K|M|%|ms|us|s|TFLOP/s|GB/s|tokens)$")


class OutputFormats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ringsim-formats-")
        cls.cal = os.path.join(cls.tmp, "cal.yaml")
        code, _, err = run("calibrate", "--from", TESTDATA, "--out", cls.cal)
        assert code == 0, err
        # Each command with --format, on shipped inputs; the value: its arguments.
        cls.commands = {
            "simulate": ["simulate", SCENARIO],
            "sweep": ["sweep", SCENARIO, "--vary", "workload.seq_len=65536,131072",
                      "--vary", "parallel.variant=ring,zigzag"],
            "overlap": ["overlap", "--hardware", "h100-sxm,tpu-v5p", "--model", "llama-7b",
                        "--block", "4096"],
            "memory": ["memory", SCENARIO],
            "memory --max-context": ["memory", "--max-context", "--hardware", "a100-sxm-80g",
                                     "--model", "llama-7b", "--devices", "8"],
            "plan": ["plan", "--model", "llama-7b", "--context", "65536", "--hardware",
                     "h100-sxm", "--max-devices", "8", "--top", "3", "--recheck", "0",
                     "--price", "h100-sxm=3"],
            "validate": ["validate", "validation/ring_attention_paper.csv"],
            "hw list": ["hw", "list"],
            "hw show": ["hw", "show", "h100-sxm"],
            "models": ["models"],
            "implementations": ["implementations"],
            "rehearse": ["rehearse", os.path.join(TESTDATA, "rehearsal-scenario.yaml"),
                         "--calibration", cls.cal, "--measured",
                         os.path.join(TESTDATA, "rehearsal.json")],
        }

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def output(self, name, fmt):
        code, out, err = run(*self.commands[name], "--format", fmt)
        self.assertEqual(code, 0, f"{name} --format {fmt}: {err}")
        return out

    def test_every_format_command_is_covered(self):
        # A new command (or subcommand) offering csv must be added above.
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        names = re.findall(r"^  ([a-z]+)\s", out.split("Subcommands:")[1], re.M)
        self.assertIn("simulate", names)
        for name in names:
            paths = [[name]]
            if name == "hw":
                paths = [["hw", "list"], ["hw", "show"]]
            for path in paths:
                _, help_text, _ = run(*path, "--help")
                offers_csv = re.search(r"--format.*\n?.*csv", help_text) or (
                    "--format" in help_text and "csv" in help_text)
                if offers_csv:
                    self.assertIn(" ".join(path), self.commands, " ".join(path))

    def test_csv_is_machine_readable(self):
        for name in self.commands:
            with self.subTest(command=name):
                out = self.output(name, "csv")
                reader = csv.reader(io.StringIO(out))
                header = next(reader)
                rows = list(reader)
                self.assertTrue(header and all(header), header)
                self.assertEqual(len(header), len(set(header)), f"repeated names: {header}")
                self.assertGreaterEqual(len(rows), 1)
                for row in rows:
                    self.assertEqual(len(row), len(header), row)
                    for key, cell in zip(header, row):
                        self.assertIsNone(HUMAN_CELL.match(cell),
                                          f"{name}: {key} = {cell!r} is a human string")
                        if UNIT_NAME.search(key) and not (name == "sweep" and row[-1]):
                            if cell == "" and key in ("cost_usd_per_mtok",
                                                      "simgrid_step_time_s"):
                                continue  # null: no price, no re-check
                            if cell == "" and name == "rehearse":
                                continue  # not measured, or the engine not run
                            try:
                                float(cell)
                            except ValueError:
                                self.fail(f"{name}: {key} = {cell!r} is not a number")

    def test_hw_show_values_are_numbers(self):
        rows = list(csv.DictReader(io.StringIO(self.output("hw show", "csv"))))
        keys = {r["key"]: r for r in rows}
        self.assertEqual(float(keys["device.hbm_bytes"]["value"]), 81559 * 2**20)
        self.assertEqual(keys["device.hbm_bytes"]["unit"], "bytes")
        self.assertTrue(keys["device.hbm_bytes"]["source"])
        for r in rows:
            float(r["value"])

    def test_memory_csv_has_bytes(self):
        row = next(csv.DictReader(io.StringIO(self.output("memory", "csv"))))
        self.assertEqual(float(row["total_bytes"]),
                         json.loads(self.output("simulate", "json"))["peak_memory_bytes"])
        self.assertEqual(row["fits"], "true")

    def test_csv_and_json_agree(self):
        row = next(csv.DictReader(io.StringIO(self.output("simulate", "csv"))))
        result = json.loads(self.output("simulate", "json"))
        for key in ("step_time_s", "mfu", "peak_memory_bytes", "tflops_per_device"):
            self.assertEqual(float(row[key]), result[key])
        self.assertEqual(float(row["overlap.min_block_paper"]),
                         result["overlap"]["min_block_paper"])
        self.assertEqual(float(row["memory.total_bytes"]), result["memory"]["total_bytes"])

    def test_json_parses(self):
        for name in self.commands:
            with self.subTest(command=name):
                self.assertTrue(json.loads(self.output(name, "json")))


if __name__ == "__main__":
    RINGSIM = take_binary_argument()
    unittest.main(verbosity=2)
