#!/usr/bin/env python3
"""CLI tests of ringsim sweep, plan and validate: normal output, determinism, and bad input
(unknown hardware, impossible context, malformed CSV) as one exact line with exit code 2.

usage: plan_sweep_validate_test.py PATH/TO/ringsim
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import ringsim_cli
from ringsim_cli import OneLineErrors, ROOT, run, take_binary_argument

RINGSIM = None
SCENARIO = "scenarios/llama7b-8xa100-256k.yaml"
PAPER_CSV = "validation/ring_attention_paper.csv"


class MpiSweep(unittest.TestCase):
    """mpirun -n 2 ringsim sweep: the configurations split over two processes, rank 0 writing
    the same bytes one process writes (README "Sweeps across machines")."""

    VARY = ["--vary", "workload.seq_len=32K,64K,8200", "--vary",
            "parallel.variant=ring,striped,zigzag", "--vary", "hardware=a100-sxm-80g,h100-sxm",
            "--vary", "workload.batch=1,2"]

    def mpirun(self, *args):
        launcher = shutil.which("mpirun")
        if os.environ.get("RINGSIM_SANITIZED"):
            # Open MPI is not built with the sanitizers (its allocations at MPI_Init read as
            # leaks); the plain build's run of this test covers the MPI path.
            self.skipTest("sanitized build: Open MPI is not instrumented")
        if launcher is None:
            self.skipTest("no mpirun on this machine (./setup.sh installs openmpi-bin)")
        flags = ["-n", "2", "--oversubscribe"]
        if os.geteuid() == 0:
            flags.append("--allow-run-as-root")  # CI containers run as root
        proc = subprocess.run([launcher, *flags, ringsim_cli.BINARY, *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout, proc.stderr

    def test_two_ranks_write_what_one_process_writes(self):
        for fmt in ("csv", "json"):
            # 36 configurations (in MPI chunks of 1024: all on rank 0) and, below, enough for
            # both ranks to run chunks.
            one = run("sweep", SCENARIO, *self.VARY, "--format", fmt)
            two = self.mpirun("sweep", SCENARIO, *self.VARY, "--format", fmt)
            # zigzag does not divide seq_len 8200 into 16 chunks: a partial sweep, exit 2.
            self.assertEqual(one[0], 2, one[2])
            self.assertNotEqual(two[0], 0, two[2])
            self.assertEqual(two[1], one[1], fmt)
            self.assertIn("ringsim: sweep: 4 of 36 configurations failed", two[2])

    def test_chunks_from_both_ranks_in_order(self):
        vary = ["--vary", "workload.seq_len=" + ",".join(str(4096 * k) for k in range(1, 41)),
                "--vary", "parallel.variant=ring,striped,zigzag", "--vary",
                "hardware=a100-sxm-80g,h100-sxm,h200", "--vary", "workload.batch=1,2,4,8"]
        one = run("sweep", SCENARIO, *vary, "--jobs", "1")
        two = self.mpirun("sweep", SCENARIO, *vary, "--jobs", "1")
        self.assertEqual(one[0], 0, one[2])
        self.assertEqual(two[0], 0, two[2])
        self.assertEqual(len(one[1].splitlines()), 1 + 40 * 3 * 3 * 4)
        self.assertEqual(two[1], one[1])


class Sweep(unittest.TestCase, OneLineErrors):
    VARY = ["--vary", "parallel.variant=ring,zigzag", "--vary", "workload.seq_len=131072,8200"]

    def test_csv_rows_in_order_with_error_column(self):
        # The rows that ran are printed, and the exit code (2) says that one did not.
        code, out, err = run("sweep", SCENARIO, *self.VARY)
        self.assertEqual(code, 2, err)
        rows = list(csv.DictReader(io.StringIO(out)))
        header = out.splitlines()[0].split(",")
        self.assertEqual(header[:2], ["parallel.variant", "workload.seq_len"])
        self.assertEqual(header[-1], "error")
        self.assertIn("step_time_s", header)
        self.assertIn("overlap.comm_hidden", header)
        self.assertEqual([(r["parallel.variant"], r["workload.seq_len"]) for r in rows],
                         [("ring", "131072"), ("ring", "8200"), ("zigzag", "131072"),
                          ("zigzag", "8200")])
        for r in rows[:3]:
            self.assertEqual(r["error"], "")
            self.assertGreater(float(r["step_time_s"]), 0)
            self.assertEqual(r["variant"], r["parallel.variant"])
        self.assertEqual(rows[3]["step_time_s"], "")
        self.assertEqual(rows[3]["error"], "--vary workload.seq_len: seq_len 8200 is not "
                                           "divisible by 16 (zigzag needs 2 x 8 devices)")
        self.assertEqual(err, "ringsim: sweep: 1 of 4 configurations failed (see the error "
                              "column)\n")
        # Zigzag balances the causal ring: faster than contiguous blocks at the same length.
        self.assertLess(float(rows[2]["step_time_s"]), float(rows[0]["step_time_s"]))

    def test_matches_simulate_with_set(self):
        code, out, _ = run("sweep", SCENARIO, "--vary", "workload.seq_len=65536")
        self.assertEqual(code, 0)
        row = next(csv.DictReader(io.StringIO(out)))
        code, out, _ = run("simulate", SCENARIO, "--set", "workload.seq_len=65536", "--format",
                           "json")
        self.assertEqual(code, 0)
        self.assertAlmostEqual(float(row["step_time_s"]), json.loads(out)["step_time_s"],
                               delta=1e-12)

    def test_deterministic_across_jobs(self):
        args = ["sweep", SCENARIO, "--set", "parallel={ulysses: 1}", "--vary", "devices=2,4,8",
                "--vary", "workload.seq_len=32768,65536,131072", "--vary",
                "parallel.variant=ring,striped,zigzag"]
        code1, out1, _ = run(*args, "--jobs", "1")
        code2, out2, _ = run(*args, "--jobs", "2")
        self.assertEqual((code1, code2), (0, 0))
        self.assertEqual(out1, out2)
        self.assertEqual(len(out1.splitlines()), 1 + 27)

    def test_column_that_repeats_a_result_field(self):
        code, out, _ = run("sweep", SCENARIO, "--set", "parallel={ulysses: 1}", "--vary",
                           "devices=4,8")
        self.assertEqual(code, 0)
        header = out.splitlines()[0].split(",")
        self.assertEqual(header[0], "vary.devices")
        self.assertIn("devices", header[1:])

    def test_json(self):
        code, out, err = run("sweep", SCENARIO, *self.VARY, "--format", "json")
        self.assertEqual(code, 2, err)  # one configuration failed
        entries = json.loads(out)
        self.assertEqual([e["index"] for e in entries], [0, 1, 2, 3])
        self.assertEqual(entries[0]["vary"], {"parallel.variant": "ring",
                                              "workload.seq_len": 131072})
        self.assertIsNone(entries[0]["error"])
        self.assertGreater(entries[0]["result"]["step_time_s"], 0)
        self.assertIn("overlap", entries[0]["result"])
        self.assertIsNone(entries[3]["result"])
        self.assertIn("not divisible", entries[3]["error"])
        self.assertIn("see the error field", err)

    def test_progress_on_request(self):
        code, _, err = run("sweep", SCENARIO, "--vary", "workload.seq_len=32768,65536",
                           "--progress")
        self.assertEqual(code, 0)
        self.assertIn("2/2", err)

    def test_every_configuration_failing_is_an_error(self):
        self.check_one_line(["sweep", SCENARIO, "--vary", "workload.seq_len=8201,8203"],
                            "sweep: all 2 configurations failed; the first: --vary "
                            "workload.seq_len: seq_len 8201 is not divisible by 8 (ring needs 8 "
                            "devices)")
        self.check_one_line(["sweep", SCENARIO, "--vary", "workload.seq_lenn=1"],
                            "--vary workload.seq_lenn: unknown key 'seq_lenn'; did you mean "
                            "'seq_len'?")

    def test_bad_options(self):
        self.check_one_line(["sweep", SCENARIO, "--vary", "devices"],
                            "--vary devices: expected key=v1,v2,..., e.g. "
                            "workload.seq_len=65536,131072")
        self.check_one_line(["sweep", SCENARIO, "--vary", "devices=4,,8"],
                            "--vary devices=4,,8: empty value in the list; expected key=v1,v2,... "
                            "(values cannot contain commas)")
        self.check_one_line(["sweep", SCENARIO, "--vary", "devices=4", "--vary", "devices=8"],
                            "--vary devices=8: key 'devices' is varied twice; give all its values "
                            "in one --vary")
        self.check_one_line(["sweep", "tests/bad/nope.yaml", "--vary", "devices=4"],
                            "tests/bad/nope.yaml: cannot open file")
        code, _, err = run("sweep", SCENARIO)
        self.assertEqual(code, 2)
        self.assertIn("--vary", err)


class Plan(unittest.TestCase, OneLineErrors):
    BASE = ["plan", "--model", "llama-7b", "--context", "262144", "--hardware",
            "a100-sxm-80g,h100-sxm", "--max-devices", "64", "--recheck", "0"]

    # The best plan on one H100 node, in JSON.
    H100_TOP1 = ["plan", "--model", "llama-7b", "--context", "262144", "--hardware", "h100-sxm",
                 "--max-devices", "8", "--recheck", "0", "--format", "json", "--top", "1"]

    def plan_json_with(self, args):
        code, out, err = run(*args)
        self.assertEqual(code, 0, err)
        return json.loads(out)["plans"][0]

    def plan_json(self, *extra):
        code, out, err = run(*self.BASE, "--format", "json", *extra)
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def test_ranked_by_step_time_and_fits(self):
        result = self.plan_json("--top", "8")
        self.assertEqual(result["ranked_by"], "step_time")
        plans = result["plans"]
        self.assertEqual(len(plans), 8)
        self.assertEqual([p["rank"] for p in plans], list(range(1, 9)))
        # Per sequence: a pipelined layout runs several micro-batches a step.
        times = [p["step_time_s"] / p["batch"] for p in plans]
        self.assertEqual(times, sorted(times))
        for p in plans:
            self.assertIn(p["hardware"], ["a100-sxm-80g", "h100-sxm"])
            self.assertLessEqual(p["devices"], 64)
            self.assertEqual(p["devices"], p["replicas"] * p["pipeline"] * p["context"] *
                             p["ulysses"] * p["tensor"])
            self.assertEqual(p["block_tokens"] * p["context"], 262144)
            self.assertLessEqual(p["peak_memory_bytes"], p["memory_usable_bytes"])
            self.assertIn(p["variant"], ["ring", "striped", "zigzag"])
            self.assertIn(p["comm"], ["hidden", "comm-bound", "no ring"])
            self.assertTrue(p["reason"].startswith(p["comm"]), p["reason"])
            self.assertEqual(p["comm_hidden"], p["step_compute_s"] >= p["step_comm_s"])
            self.assertIsNone(p["cost_usd_per_mtok"])
            self.assertEqual(p["engine"], "analytical")
        self.assertGreater(result["search"]["layouts_fit"], 0)
        self.assertEqual(result["simgrid"]["note"], "SimGrid re-check: skipped (--recheck 0)")

    def test_another_kernels_calibration(self):
        # H100 with ringsim's own kernel instead of the default, PyTorch SDPA's cuDNN (which is
        # faster at these blocks); the rows name the kernel.
        base = self.H100_TOP1
        cudnn = self.plan_json_with(base)
        self.assertEqual(cudnn["kernel"], "torch-sdpa/cudnn")
        code, out, err = run(*base, "--calibration", "h100-sxm=calibrations/h100-sxm.yaml")
        self.assertEqual(code, 0, err)
        own = json.loads(out)["plans"][0]
        self.assertEqual(own["kernel"], "ringsim-blockwise/wgmma_pipe")
        self.assertLess(cudnn["step_time_s"], own["step_time_s"])
        for bad, says in (("a100-sxm-80g=calibrations/h100-sxm.yaml",
                           "'a100-sxm-80g' is not one of the --hardware"),
                          ("h100-sxm=nope.yaml", "no calibration file 'nope.yaml'"),
                          ("h100-sxm", "expected NAME=FILE")):
            code, _, err = run(*base, "--calibration", bad)
            self.assertEqual(code, 2, bad)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn(says, err)

    def test_kernel_by_name(self):
        # --kernel names the attention kernel on every hardware, as the scenario key does: FA2
        # on the H100 (its calibration of that name), slower than the default cuDNN.
        base = self.H100_TOP1
        cudnn = self.plan_json_with(base)
        code, out, err = run(*base, "--kernel", "flash-attention-2")
        self.assertEqual(code, 0, err)
        flash = json.loads(out)["plans"][0]
        self.assertEqual(flash["kernel"], "torch-sdpa/flash")
        self.assertLess(cudnn["step_time_s"], flash["step_time_s"])
        self.check_one_line(base[:6] + ["b200"] + base[7:] + ["--kernel", "flash-attention-2"],
                            "--kernel flash-attention-2: hardware 'b200' has no attention kernel "
                            "'flash-attention-2' (it knows: flash-attention-4, cudnn)")
        self.check_one_line(base + ["--kernel", "cudnn", "--calibration",
                                    "h100-sxm=calibrations/h100-sxm.yaml"],
                            "--kernel cudnn: --calibration also chooses h100-sxm's attention "
                            "curves: give one")

    def test_tp_comm_overlap(self):
        # Llama 3.1 405B at 128K on 64 H100s: a few layouts need tensor parallelism to fit.
        # --tp-comm-overlap hides their collectives behind the GEMMs (each faster), and leaves
        # the layouts without tensor parallelism as they were.
        base = ["plan", "--model", "llama3.1-405b", "--context", "131072", "--devices", "64",
                "--hardware", "h100-sxm", "--top", "100", "--recheck", "0", "--format", "json"]
        plans = {}
        for flag in ([], ["--tp-comm-overlap"]):
            code, out, err = run(*base, *flag)
            self.assertEqual(code, 0, err)
            plans[bool(flag)] = {(p["tensor"], p["context"], p["fsdp"], p["pipeline"],
                                  p["replicas"], p["variant"], p.get("ulysses")): p["step_time_s"]
                                 for p in json.loads(out)["plans"]}
        common = [k for k in plans[False] if k in plans[True]]
        tensor = [k for k in common if k[0] > 1]
        self.assertGreater(len(tensor), 0)
        for k in tensor:
            self.assertLess(plans[True][k], plans[False][k], k)
        for k in common:
            if k[0] == 1:
                self.assertEqual(plans[True][k], plans[False][k], k)

    def test_cost_ranking_with_prices(self):
        result = self.plan_json("--price", "a100-sxm-80g=1.8,h100-sxm=3.0")
        self.assertEqual(result["ranked_by"], "cost")
        costs = [p["cost_usd_per_mtok"] for p in result["plans"]]
        self.assertEqual(costs, sorted(costs))
        top = result["plans"][0]
        price = {"a100-sxm-80g": 1.8, "h100-sxm": 3.0}[top["hardware"]]
        self.assertAlmostEqual(top["cost_usd_per_mtok"],
                               price * top["devices"] / 3600 / top["tokens_per_s"] * 1e6,
                               delta=1e-9 * top["cost_usd_per_mtok"])
        by_mfu = self.plan_json("--rank-by", "mfu")["plans"]
        mfus = [p["mfu"] for p in by_mfu]
        self.assertEqual(mfus, sorted(mfus, reverse=True))

    def test_table_explains_communication(self):
        code, out, err = run(*self.BASE, "--top", "5")
        self.assertEqual(code, 0, err)
        self.assertIn("plan: llama-7b at 262144 tokens", out)
        self.assertIn("ranked by step time", out)
        self.assertIn("Communication (forward ring step on the busiest device):", out)
        self.assertIn("  1. ", out)
        self.assertIn("SimGrid re-check: skipped (--recheck 0)", out)
        self.assertTrue("hidden: a ring step computes" in out or "comm-bound: a ring step" in out)

    def test_csv(self):
        code, out, _ = run(*self.BASE, "--format", "csv", "--top", "3")
        self.assertEqual(code, 0)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([r["rank"] for r in rows], ["1", "2", "3"])
        self.assertGreater(float(rows[0]["step_time_s"]), 0)

    def test_simgrid_recheck_is_reported(self):
        code, out, err = run("plan", "--model", "llama-7b", "--context", "65536", "--hardware",
                             "h100-sxm", "--max-devices", "8", "--recheck", "1", "--top", "2",
                             "--format", "json")
        self.assertEqual(code, 0, err)
        result = json.loads(out)
        note = result["simgrid"]["note"]
        self.assertTrue(note.startswith("SimGrid re-check"), note)
        if result["simgrid"]["checked"] == 1:
            self.assertAlmostEqual(result["plans"][0]["simgrid_step_time_s"],
                                   result["plans"][0]["step_time_s"],
                                   delta=0.05 * result["plans"][0]["step_time_s"])
        else:
            self.assertIn("not available", note)

    def test_simgrid_recheck_on_the_whole_cluster(self):
        # The re-check replays the candidate's whole stage on a chosen fabric and says so.
        args = ["plan", "--model", "llama-7b", "--context", "65536", "--hardware", "h100-sxm",
                "--devices", "64", "--recheck", "1", "--top", "1", "--format", "json"]
        code, out, err = run(*args, "--recheck-scope", "cluster", "--oversubscription", "4",
                             "--placement", "spread")
        self.assertEqual(code, 0, err)
        result = json.loads(out)
        self.assertEqual(result["simgrid"]["checked"], 1, result["simgrid"]["note"])
        self.assertTrue(result["simgrid"]["note"].endswith(
            "(SimGrid scope cluster, fabric rail-optimised, 4:1, spread)"), result["simgrid"])
        self.assertGreater(result["plans"][0]["simgrid_step_time_s"], 0)
        self.check_one_line(args + ["--oversubscription", "3"],
                            "--oversubscription: 3 not in {1,2,4,8,16,32} (see ringsim --help)")

    def test_unknown_hardware_and_model(self):
        self.check_one_line(["plan", "--model", "llama-7b", "--context", "4096", "--hardware",
                             "a100-sxm-80g,h100"],
                            "--hardware: unknown hardware 'h100'; did you mean 'h100-sxm'? "
                            "(ringsim hw list shows all)")
        self.check_one_line(["plan", "--model", "llama-8b", "--context", "4096", "--hardware",
                             "h100-sxm"],
                            "--model: unknown model 'llama-8b'; did you mean 'llama-3b'? "
                            "(ringsim models shows all)")

    def test_impossible_context(self):
        code, out, err = run("plan", "--model", "llama-65b", "--context", "100000000",
                             "--hardware", "a100-sxm-80g", "--max-devices", "64")
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith("ringsim: plan: llama-65b at 100000000 tokens fits on no "
                                       "layout of up to 64 devices of a100-sxm-80g (closest: 64 x "
                                       "a100-sxm-80g, ring 64, fsdp 64, loss chunked, offload "
                                       "activations+optimizer: "), err)
        self.assertTrue(err.endswith("GB usable); raise --max-devices, add hardware with more "
                                     "memory, or shorten --context\n"), err)

    def test_bad_options(self):
        base = ["plan", "--model", "llama-7b", "--context", "4096", "--hardware", "h100-sxm"]
        self.check_one_line(base + ["--price", "h100=2"],
                            "--price h100=2: 'h100' is not one of the --hardware (h100-sxm)")
        self.check_one_line(base + ["--price", "h100-sxm=cheap"],
                            "--price h100-sxm=cheap: expected a price in USD per device-hour (a "
                            "number >= 0), got 'cheap'")
        self.check_one_line(base + ["--rank-by", "cost"],
                            "--rank-by cost: needs --price NAME=USD_PER_DEVICE_HOUR for the "
                            "hardware")
        self.check_one_line(["plan", "--model", "llama-7b", "--context", "0", "--hardware",
                             "h100-sxm"],
                            "--context: expected a whole number of tokens, or one with K, M, G "
                            "(10^3, 10^6, 10^9) or Ki, Mi, Gi (2^10, 2^20, 2^30): 128K = 128000, "
                            "128Ki = 131072; got '0' (see "
                            "ringsim --help)")
        self.check_one_line(base[:-1] + ["h100-sxm,h100-sxm"],
                            "--hardware: 'h100-sxm' is listed twice")


class Validate(unittest.TestCase, OneLineErrors):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ringsim-validate-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_paper_table4(self):
        code, out, err = run("validate", PAPER_CSV, "--format", "json")
        self.assertEqual(code, 0, err)
        result = json.loads(out)
        rows = result["rows"]
        self.assertEqual(len(rows), 5)
        self.assertEqual([(r["model"], r["hardware"], r["devices"], r["seq_len"]) for r in rows],
                         [("llama-7b", "a100-sxm-80g", 8, 262144),
                          ("llama-13b", "a100-sxm-80g", 8, 131072),
                          ("llama-13b", "a100-sxm-80g", 32, 2097152),
                          ("llama-30b", "tpu-v4", 512, 2097152),
                          ("llama-65b", "tpu-v4", 512, 1048576)])
        for r in rows:
            self.assertEqual(r["metric"], "mfu")
            self.assertTrue(0.30 <= r["measured"] <= 0.37, r)
            self.assertTrue(0 < r["predicted"] < 1, r)
            self.assertAlmostEqual(r["error_pct"],
                                   100 * (r["predicted"] - r["measured"]) / r["measured"])
            self.assertIn("2310.01889", r["source"])
        mape = sum(abs(r["error_pct"]) for r in rows) / len(rows)
        self.assertAlmostEqual(result["summary"]["mape_pct"], mape)
        self.assertEqual(result["summary"]["comparisons"], 5)
        code, out, _ = run("validate", PAPER_CSV)
        self.assertEqual(code, 0)
        self.assertIn("MAPE ", out)
        self.assertIn("7B 8xA100 256K", out)

    def test_step_time_round_trip(self):
        code, out, _ = run("simulate", SCENARIO, "--format", "json")
        step = json.loads(out)["step_time_s"]
        path = self.write("runs.csv", "scenario,step_time_s,workload.seq_len\n"
                          f"{os.path.join(ROOT, SCENARIO)},{step * 1.25},\n")
        code, out, err = run("validate", path, "--format", "csv")
        self.assertEqual(code, 0, err)
        row = next(csv.DictReader(io.StringIO(out)))
        self.assertAlmostEqual(float(row["error_pct"]), -20.0, places=6)

    def test_explain_one_row(self):
        # The row at a line of the file: its simulate report beside its measurements, the same
        # prediction as the table's.
        code, out, err = run("validate", PAPER_CSV, "--format", "json")
        self.assertEqual(code, 0, err)
        row = json.loads(out)["rows"][0]
        code, out, err = run("validate", PAPER_CSV, "--explain", str(row["line"]))
        self.assertEqual(code, 0, err)
        self.assertIn(row["label"], out)
        self.assertIn("Memory per device", out)
        self.assertIn("mfu: predicted", out)
        code, out, err = run("validate", PAPER_CSV, "--explain", str(row["line"]), "--format",
                             "json")
        self.assertEqual(code, 0, err)
        explained = json.loads(out)
        self.assertEqual(explained["line"], row["line"])
        self.assertAlmostEqual(explained["measured"]["mfu"]["error_pct"], row["error_pct"],
                               places=9)
        self.assertIn("step_time_s", explained["result"])

    def test_explain_bad_line_and_many_files(self):
        code, out, err = run("validate", PAPER_CSV, "--explain", "1")
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn("--explain 1: " + PAPER_CSV + " has no measured row at line 1", err)
        self.check_one_line(["validate", PAPER_CSV, PAPER_CSV, "--explain", "12"],
                            "--explain 12: give one CSV file (its line numbers name the row), "
                            "not 2 files")

    def test_per_implementation_summary(self):
        # Two stacks, one row each at -20% and +10%: each gets its own MAPE and bias, the
        # overall is their mean.
        code, out, _ = run("simulate", SCENARIO, "--format", "json")
        self.assertEqual(code, 0)
        step_s = json.loads(out)["step_time_s"]
        code, out, _ = run("simulate", SCENARIO, "--set", "implementation=ring-flash-attn",
                           "--format", "json")
        self.assertEqual(code, 0)
        rfa_step_s = json.loads(out)["step_time_s"]
        path = self.write("stacks.csv", "scenario,implementation,step_time_s\n"
                          f"{os.path.join(ROOT, SCENARIO)},ringsim,{step_s / 0.8}\n"
                          f"{os.path.join(ROOT, SCENARIO)},ring-flash-attn,{rfa_step_s / 1.1}\n")
        code, out, err = run("validate", path, "--format", "json")
        self.assertEqual(code, 0, err)
        by_impl = json.loads(out)["summary"]["by_implementation"]
        self.assertEqual(sorted(by_impl), ["ring-flash-attn", "ringsim"])
        self.assertAlmostEqual(by_impl["ringsim"]["mean_error_pct"], -20.0, places=6)
        self.assertAlmostEqual(by_impl["ring-flash-attn"]["mape_pct"], 10.0, places=6)
        self.assertEqual(json.loads(out)["summary"]["comparisons_not_fitting"], 0)
        code, out, err = run("validate", path)
        self.assertEqual(code, 0, err)
        self.assertIn("Per implementation", out)

    def test_low_confidence_rows_summarised_apart(self):
        # Every row counts in the MAPE; the summary gives it again without the rows marked
        # low confidence, and the table marks them.
        code, out, _ = run("simulate", SCENARIO, "--format", "json")
        self.assertEqual(code, 0)
        step_s = json.loads(out)["step_time_s"]
        path = self.write("conf.csv", "scenario,step_time_s,confidence\n"
                          f"{os.path.join(ROOT, SCENARIO)},{step_s / 0.8},\n"
                          f"{os.path.join(ROOT, SCENARIO)},{step_s / 1.5},\"low: the reporter "
                          "doubts it\"\n")
        code, out, err = run("validate", path, "--format", "json")
        self.assertEqual(code, 0, err)
        result = json.loads(out)
        self.assertAlmostEqual(result["summary"]["mape_pct"], (20.0 + 50.0) / 2, places=6)
        high = result["summary"]["high_confidence"]
        self.assertEqual(high["comparisons"], 1)
        self.assertAlmostEqual(high["mean_error_pct"], -20.0, places=6)
        self.assertEqual([r["low_confidence"] for r in result["rows"]],
                         ["", "the reporter doubts it"])
        code, out, err = run("validate", path)
        self.assertEqual(code, 0, err)
        self.assertIn("Without the 1 comparisons of low confidence (1 in " + path, out)
        self.assertIn("MAPE 20.0% over 1, mean signed error -20.0%", out)

    def test_peak_memory_round_trip(self):
        # A measured peak is compared with the memory model's, in decimal GB, and kept out of
        # the layouts' speed order.
        code, out, _ = run("memory", SCENARIO, "--format", "json")
        self.assertEqual(code, 0)
        peak_gb = json.loads(out)["total_bytes"] / 1e9
        path = self.write("runs.csv", "scenario,parallel.variant,peak_memory_gb,step_time_s\n"
                          f"{os.path.join(ROOT, SCENARIO)},zigzag,{peak_gb * 0.8},\n"
                          f"{os.path.join(ROOT, SCENARIO)},striped,{peak_gb * 0.8},\n")
        code, out, err = run("validate", path, "--format", "json")
        self.assertEqual(code, 0, err)
        result = json.loads(out)
        for row in result["rows"]:
            self.assertEqual(row["metric"], "peak_memory_gb")
            self.assertAlmostEqual(row["error_pct"], 25.0, places=6)
        self.assertEqual(result["summary"]["by_metric"]["peak_memory_gb"]["comparisons"], 2)
        self.assertEqual(result["summary"]["zigzag_striped_pairs"], 0)

    def test_malformed_csv(self):
        header = "model,hardware,devices,workload.seq_len,mfu\n"
        good = "llama-7b,a100-sxm-80g,8,262144,"
        cases = {
            "nonnumeric.csv": (header + good + "abc\n", "{}:2:mfu: expected a positive number, "
                               "got 'abc'"),
            "unknown_column.csv": (header.replace("mfu", "mfuu") + good + "0.3\n",
                                   "{}:1:mfuu: unknown column 'mfuu' (did you mean 'mfu'?); "
                                   "expected scenario, scenario keys such as workload.seq_len, "
                                   "measured step_time_s, tflops_per_device, mfu, "
                                   "tokens_per_s or peak_memory_gb, confidence, or label, source, note"),
            "missing_column.csv": ("model,hardware,devices,mfu\nllama-7b,a100-sxm-80g,8,0.3\n",
                                   "{}:1: missing column 'workload.seq_len' (needed when there is "
                                   "no 'scenario' column)"),
            "no_measured.csv": ("model,hardware,devices,workload.seq_len\n"
                                "llama-7b,a100-sxm-80g,8,262144\n",
                                "{}:1: no measured column; expected one of step_time_s, "
                                "tflops_per_device, mfu, tokens_per_s, peak_memory_gb"),
            "short_row.csv": (header + "llama-7b,a100-sxm-80g,8,262144\n",
                              "{}:2: expected 5 fields (as in the header), got 4"),
            "bad_quote.csv": (header + "\"llama-7b,a100-sxm-80g,8,262144,0.3\n",
                              "{}:2: unterminated quoted field (a '\"' is never closed)"),
            "unknown_hardware.csv": (header + "llama-7b,a100-sxm-8g,8,262144,0.3\n",
                                     "{}:2:hardware: unknown hardware 'a100-sxm-8g'; did you mean "
                                     "'a100-sxm-80g'? (ringsim hw list shows all)"),
            "indivisible.csv": (header + "# a comment line\nllama-7b,a100-sxm-80g,8,8201,0.3\n",
                                "{}:3:workload.seq_len: seq_len 8201 is not divisible by 8 (ring "
                                "needs 8 devices)"),
            "percent.csv": (header + good + "35\n",
                            "{}:2:mfu: expected a fraction of peak in (0, 1] or a percentage, got "
                            "'35' (write 35% as 0.35 or 35%)"),
        }
        for name, (text, expected) in cases.items():
            with self.subTest(name=name):
                path = self.write(name, text)
                self.check_one_line(["validate", path], expected.format(path))
        self.check_one_line(["validate", os.path.join(self.dir, "nope.csv")],
                            os.path.join(self.dir, "nope.csv") + ": cannot open file")


if __name__ == "__main__":
    RINGSIM = take_binary_argument()
    unittest.main(verbosity=2)
