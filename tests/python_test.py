#!/usr/bin/env python3
"""Tests of the Python package (import ringsim): each function against the command line's JSON,
dict scenarios, overrides, and bad input as ringsim.Error with the CLI's one-line message.

usage: RINGSIM_BUILD_DIR=BUILD python3 tests/python_test.py PATH/TO/ringsim
"""
import json
import os
import sys
import unittest

from ringsim_cli import ROOT, run, take_binary_argument

sys.path.insert(0, ROOT)
SCENARIO = "scenarios/llama7b-8xa100-256k.yaml"


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.chdir(ROOT)
        import ringsim  # noqa: E402 (needs RINGSIM_BUILD_DIR)
        cls.ringsim = ringsim

    def cli_json(self, *args):
        code, out, err = run(*args, "--format", "json")
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def test_simulate_equals_the_command_line(self):
        got = self.ringsim.simulate(SCENARIO, set={"parallel.variant": "zigzag"})
        want = self.cli_json("simulate", SCENARIO, "--set", "parallel.variant=zigzag")
        self.assertEqual(got, want)
        self.assertGreater(got["step_time_s"], 0)

    def test_a_dict_scenario_is_the_same_scenario(self):
        scenario = {"name": "from-python", "model": "llama-7b", "hardware": "a100-sxm-80g",
                    "devices": 8,
                    "parallel": {"context": 8, "variant": "ring", "fsdp": 8},
                    "workload": {"seq_len": 262144, "batch": 1, "causal": True,
                                 "precision": "bf16", "scope": "model", "pass": "fwd_bwd",
                                 "checkpointing": "full"}}
        got = self.ringsim.simulate(scenario)
        want = self.cli_json("simulate", SCENARIO)
        self.assertEqual(got["step_time_s"], want["step_time_s"])
        self.assertEqual(got["peak_memory_bytes"], want["peak_memory_bytes"])

    def test_sweep_rows_in_order_and_partial_sweeps_returned(self):
        rows = self.ringsim.sweep(SCENARIO, {"parallel.variant": ["ring", "zigzag"],
                                             "workload.seq_len": ["128K", 8200]})
        self.assertEqual([r["index"] for r in rows], [0, 1, 2, 3])
        self.assertIsNone(rows[0]["error"])
        self.assertIn("workload.seq_len", rows[3]["error"])  # zigzag cannot cut 8200 in 16
        self.assertEqual(rows[2]["vary"], {"parallel.variant": "zigzag", "workload.seq_len": "128K"})

    def test_plan_overlap_memory(self):
        plan = self.ringsim.plan("llama-7b", "256K", ["a100-sxm-80g"], devices=8, top=2,
                                 recheck=0)
        want = self.cli_json("plan", "--model", "llama-7b", "--context", "256K", "--hardware",
                             "a100-sxm-80g", "--devices", "8", "--top", "2", "--recheck", "0")
        # The search's own wall time differs between any two runs.
        del plan["search"]["seconds"], want["search"]["seconds"]
        self.assertEqual(plan, want)
        overlap = self.ringsim.overlap(["h100-sxm", "a100-sxm-80g"], model="llama3-8b")
        self.assertEqual(overlap, self.cli_json("overlap", "--hardware", "h100-sxm,a100-sxm-80g",
                                                "--model", "llama3-8b"))
        memory = self.ringsim.memory(SCENARIO)
        self.assertEqual(memory, self.cli_json("memory", SCENARIO))
        longest = self.ringsim.memory(max_context=True, hardware="paper-a100-nvlink",
                                      model="llama-7b", devices=8)
        self.assertEqual(longest, self.cli_json("memory", "--max-context", "--hardware",
                                                "paper-a100-nvlink", "--model", "llama-7b",
                                                "--devices", "8"))

    def test_bad_input_is_an_error_with_the_one_line_message(self):
        code, _, err = run("simulate", SCENARIO, "--set", "workload.seq_lenn=1")
        self.assertEqual(code, 2)
        with self.assertRaises(self.ringsim.Error) as caught:
            self.ringsim.simulate(SCENARIO, set={"workload.seq_lenn": 1})
        self.assertEqual("ringsim: " + str(caught.exception), err.strip())
        self.assertIsInstance(caught.exception, ValueError)
        with self.assertRaises(self.ringsim.Error):
            self.ringsim.simulate({"model": "no-such-model"})
        with self.assertRaises(TypeError):
            self.ringsim.simulate(42)


if __name__ == "__main__":
    take_binary_argument()
    unittest.main(verbosity=2)
