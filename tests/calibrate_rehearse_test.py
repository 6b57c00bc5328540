#!/usr/bin/env python3
"""CLI tests of ringsim calibrate and ringsim rehearse that need no GPU.

- Without a GPU both say so in one line and exit 2.
- `calibrate --from` turns the benchmark programs' output (calibrate/testdata: made-up numbers
  in their formats, labelled TEST DATA) into a calibration file that ringsim's own loader reads
  back through a hardware profile, with the numbers it was given.
- vendor_sdpa_bench.py's YAML writer (the PyTorch-kernel calibration) passes the same loader.
- `rehearse --measured` sets a recorded rehearsal beside both engines' predictions, which come
  from the calibration alone: scaling the rehearsal's timings moves the measurement, never the
  predictions.

usage: calibrate_rehearse_test.py PATH/TO/ringsim
"""
import csv
import io
import json
import math
import re
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from ringsim_cli import ROOT, run, take_binary_argument

RINGSIM = None
TESTDATA = os.path.join(ROOT, "calibrate", "testdata")
SCENARIO = os.path.join(TESTDATA, "rehearsal-scenario.yaml")
sys.path.insert(0, os.path.join(ROOT, "calibrate", "scripts"))
import calibration_yaml  # noqa: E402
import vendor_sdpa_bench  # noqa: E402

TEST_DEVICE = "TEST DATA (made-up numbers, no GPU)"


def profile_with(tmp, calibration_text, name="h100-testcal"):
    """A copy of the h100-sxm profile (renamed) that names the given calibration file."""
    folder = os.path.join(tmp, "profiles")
    os.makedirs(os.path.join(folder, "calibrations"), exist_ok=True)
    with open(os.path.join(folder, "calibrations", "test.yaml"), "w") as f:
        f.write(calibration_text)
    with open(os.path.join(ROOT, "hwmodels", "h100-sxm.yaml")) as f:
        profile = f.read().replace("name: h100-sxm", f"name: {name}")
    # The shipped profile names its own calibration; the copy names the test's instead.
    profile = re.sub(r"^calibration:.*\n", "", profile, flags=re.M)
    # The other kernels' calibrations are not copied: only the one under test.
    profile = re.sub(r"^kernels:\n(?:  .*\n)*", "", profile, flags=re.M)
    profile += "calibration: calibrations/test.yaml\n"
    path = os.path.join(folder, f"{name}.yaml")
    with open(path, "w") as f:
        f.write(profile)
    return path


class NoGpu(unittest.TestCase):
    """Where the CUDA programs are missing, or present but without a device."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ringsim-calreh-")
        self.env = dict(os.environ, RINGSIM_CALIBRATE_BIN=self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def program(self, name):
        """The built calibrate/ program beside ringsim, or None."""
        path = os.path.join(os.path.dirname(RINGSIM), "calibrate", name)
        return path if os.access(path, os.X_OK) else None

    def check_line(self, code, out, err, command):
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith(f"ringsim: {command}: no CUDA device ("), err)
        self.assertTrue(err.endswith("); run it on a machine with a GPU\n"), err)

    def test_programs_refuse_a_bad_option_in_one_line(self):
        # Option parsing comes before any CUDA call, so this runs without a GPU.
        cases = {"attention_check": (["--tol", "x"], "--tol: expected a number, got 'x'"),
                 "attention_bench": (["--foo"], "--foo: unknown option (see --help)"),
                 "micro_bench": (["--dim", "96"], "--dim: expected one of 64|128, got '96'"),
                 "rehearse": (["--ranks", "4", "--copy-priority", "urgent"],
                              "--copy-priority: expected one of normal|high, got 'urgent'")}
        built = {name: self.program(name) for name in cases}
        if not any(built.values()):
            self.skipTest("the calibrate/ programs were not built here (no CUDA compiler)")
        for name, (args, why) in cases.items():
            if not built[name]:
                continue
            with self.subTest(program=name):
                proc = subprocess.run([built[name], *args], capture_output=True, text=True,
                                      timeout=60)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(proc.stdout, "")
                self.assertEqual(proc.stderr, f"{name}: {why}\n")

    def test_calibrate_without_the_programs(self):
        self.check_line(*run("calibrate", "--out", os.path.join(self.tmp, "c.yaml"), env=self.env),
                        "calibrate")

    def test_rehearse_without_the_programs(self):
        cal = os.path.join(self.tmp, "cal.yaml")
        code, _, err = run("calibrate", "--from", TESTDATA, "--out", cal)
        self.assertEqual(code, 0, err)
        self.check_line(*run("rehearse", SCENARIO, "--calibration", cal, env=self.env),
                        "rehearse")

    def test_without_a_device(self):
        micro = self.program("micro_bench")
        if micro is None:
            self.skipTest("calibrate/ was not built here (no CUDA compiler)")
        probe = subprocess.run([micro, "--probe"], capture_output=True, text=True, timeout=120)
        if probe.returncode != 77:
            self.skipTest("this machine has a GPU: the no-device lines cannot be checked")
        reason = probe.stdout.strip()[len("SKIP: no CUDA device ("):-1]
        out_yaml = os.path.join(self.tmp, "c.yaml")
        code, out, err = run("calibrate", "--out", out_yaml)
        self.check_line(code, out, err, "calibrate")
        self.assertIn(reason, err)
        self.assertFalse(os.path.exists(out_yaml))
        cal = os.path.join(self.tmp, "cal.yaml")
        self.assertEqual(run("calibrate", "--from", TESTDATA, "--out", cal)[0], 0)
        code, out, err = run("rehearse", SCENARIO, "--calibration", cal)
        self.check_line(code, out, err, "rehearse")
        self.assertIn(reason, err)


class Calibrate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ringsim-calreh-")
        self.out = os.path.join(self.tmp, "cal.yaml")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def overlap(self, calibration_text):
        code, out, err = run("overlap", "--hardware", profile_with(self.tmp, calibration_text),
                             "--format", "json")
        self.assertEqual(code, 0, err)
        return json.loads(out)["rows"]

    def test_from_benchmark_output_reads_back_through_a_profile(self):
        code, out, err = run("calibrate", "--from", TESTDATA, "--out", self.out)
        self.assertEqual(code, 0, err)
        self.assertIn("read back with the loader", out)
        self.assertIn("256: 0.10, 1024: 0.30, 4096: 0.50, 16384: 0.60", out)
        with open(self.out) as f:
            text = f.read()
        self.assertIn("schema_version: 1", text)
        self.assertIn('kernel: "ringsim-blockwise/w16rows"', text)
        self.assertIn("do not edit by hand", text)
        # The median of 6%, 4%, 1%, and each block's own.
        self.assertIn("interference: {compute_slowdown: 0.0400, by_block: [[1024, 0.0600], "
                      "[4096, 0.0400], [16384, 0.0100]]}", text)
        self.assertIn("repetitions: 5", text)  # the fewest behind any number
        self.assertNotIn("w32rows", text.split("schema_version")[1])
        rows = self.overlap(text)
        self.assertTrue(rows)
        for row in rows:
            self.assertTrue(row["efficiency_source"].startswith("measured: "), row)
            self.assertIn(TEST_DEVICE, row["efficiency_source"])
            self.assertFalse(row["efficiency_assumed"])
        # The fixed point's achieved rate is the test curve's (linear in log2 c between its
        # points 256: 0.10 and 1024: 0.30 of the file's 1e15 peak), re-expressed as a fraction
        # of the profile's own peak so that the engines compute at the measured rate.
        c = rows[0]["min_block_calibrated"]
        self.assertTrue(256 < c < 1024, rows[0])
        file_fraction = 0.1 + 0.2 * math.log2(c / 256) / 2
        self.assertAlmostEqual(rows[0]["efficiency_at_calibrated"] * rows[0]["peak_flops_per_s"],
                               file_fraction * 1e15, delta=1e-9 * 1e15)

    def test_kernel_variant_can_be_named(self):
        code, out, err = run("calibrate", "--from", TESTDATA, "--out", self.out, "--kernel",
                             "ringsim/w32rows")
        self.assertEqual(code, 0, err)
        self.assertIn("256: 0.09, 1024: 0.28, 4096: 0.52, 16384: 0.61", out)

    def test_bad_input_is_one_line(self):
        code, out, err = run("calibrate", "--from", TESTDATA, "--out", self.out, "--kernel",
                             "ringsim/w64rows")
        self.assertEqual(code, 2)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith("ringsim: --kernel ringsim/w64rows: expected"), err)
        code, out, err = run("calibrate", "--from", self.tmp, "--out", self.out)
        self.assertEqual(code, 2)
        self.assertEqual(err.strip(),
                         f"ringsim: --from {self.tmp}: none of attention.csv, bench.csv there")

    def test_vendor_yaml_reads_back_through_a_profile(self):
        rows = [{"pass": p, "backend": b, "causal": causal, "batch": 1, "heads": 32,
                 "head_dim": 128, "seq": c, "tflops": t, "reps": 9}
                for b in ("cudnn", "flash") for p in ("fwd", "bwd") for causal in (False, True)
                for c, t in ((1024, 300.0), (4096, 600.0))]
        context = {"device": TEST_DEVICE, "driver": "0.0", "cuda": "13.0", "date": "2000-01-01",
                   "git_sha": "", "sm_clock_mhz": 1900}
        matmul = [{"m": 4096, "n": 4096, "k": 4096, "flops_per_s": 7e14, "reps": 7}]
        copy = [{"kind": "d2d", "bytes": 1 << 20, "bw_bytes_per_s": 1e12, "reps": 20}]
        interference = [{"backend": "cudnn", "block_tokens": c, "slowdown": x, "reps": 6}
                        for c, x in ((1024, -0.03), (2048, -0.01), (4096, 0.02))]
        text = vendor_sdpa_bench.vendor_calibration("cudnn", rows, context, 1000.0, matmul, copy,
                                                     interference)
        # YAML comments, then a JSON document (which YAML reads as the same mapping).
        doc = json.loads("".join(line for line in text.splitlines(True)
                                 if not line.startswith("#")))
        self.assertEqual(doc["kernel"], "torch-sdpa/cudnn")
        # The median (-1%) and each block's own, noise below 0 written as 0.
        self.assertEqual(doc["interference"], {"compute_slowdown": 0.0,
                                               "by_block": [[1024, 0.0], [2048, 0.0], [4096, 0.02]]})
        self.assertIn("below zero: noise", text)
        self.assertEqual(doc["context"]["repetitions"], 6)
        rows_out = self.overlap(text)
        self.assertTrue(rows_out[0]["efficiency_source"].startswith("measured: "))
        self.assertIn("torch-sdpa/cudnn", rows_out[0]["efficiency_source"])
        self.assertIsNone(vendor_sdpa_bench.vendor_calibration(
            "flash", [r for r in rows if r["backend"] == "cudnn"], context, 1000.0, matmul, copy,
            interference))
        self.assertEqual(vendor_sdpa_bench.datasheet_peak_tflops("NVIDIA H100 80GB HBM3"), 989.4)
        self.assertEqual(vendor_sdpa_bench.datasheet_peak_tflops("NVIDIA H100 PCIe"), 756.0)

    def test_python_writer_refuses_what_the_loader_would(self):
        ok = dict(generator="g", kernel="k", peak_bf16_flops_per_s=1e15,
                  context={"device": "d", "driver": "x", "cuda": "13.0", "date": "2000-01-01",
                           "repetitions": 3},
                  attention=[{"pass": "fwd", "causal": False, "head_dim": 128, "heads": 32,
                              "block_tokens": 4096, "flops_per_s": 5e14}])
        calibration_yaml.calibration_yaml(**ok)
        for change in ({"compute_slowdown": 1.0}, {"peak_bf16_flops_per_s": 0},
                       {"attention": [dict(ok["attention"][0], causal=True)]},
                       {"context": dict(ok["context"], repetitions=0)}):
            with self.assertRaises(ValueError):
                calibration_yaml.calibration_yaml(**dict(ok, **change))


class Rehearse(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ringsim-calreh-")
        self.cal = os.path.join(self.tmp, "cal.yaml")
        code, _, err = run("calibrate", "--from", TESTDATA, "--out", self.cal)
        self.assertEqual(code, 0, err)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def rehearse(self, measured, *extra):
        code, out, err = run("rehearse", SCENARIO, "--calibration", self.cal, "--measured",
                             measured, "--format", "json", *extra)
        self.assertEqual(code, 0, err)
        return json.loads(out)

    def test_table_of_measured_and_predicted(self):
        result = self.rehearse(os.path.join(TESTDATA, "rehearsal.json"))
        self.assertEqual(result["mode"], "one-gpu")
        self.assertEqual(result["calibration"], self.cal)
        rows = result["rows"]
        self.assertEqual([r["block_tokens"] for r in rows], [256, 512, 1 << 20])
        self.assertIn("skipped", rows[2])
        for row in rows[:2]:
            self.assertTrue(row["check_passed"])
            self.assertGreater(row["measured_s"], 0)
            self.assertGreater(row["analytical_s"], 0)
            # No contention on this machine: the two engines agree within 1% (README.md "Philosophy").
            self.assertAlmostEqual(row["simgrid_s"] / row["analytical_s"], 1.0, delta=0.01)
            self.assertAlmostEqual(
                row["analytical_error_pct"],
                100 * (row["analytical_s"] - row["measured_s"]) / row["measured_s"], places=6)
        code, out, err = run("rehearse", SCENARIO, "--calibration", self.cal, "--measured",
                             os.path.join(TESTDATA, "rehearsal.json"), "--format", "markdown")
        self.assertEqual(code, 0, err)
        self.assertIn("| block | seq_len | check | measured | analytical |", out)
        self.assertIn("predicted from " + self.cal + " only", out)
        code, out, err = run("rehearse", SCENARIO, "--calibration", self.cal, "--measured",
                             os.path.join(TESTDATA, "rehearsal.json"), "--format", "csv")
        self.assertEqual(code, 0, err)
        table = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual(table[0]["check"], "passed")
        self.assertEqual(table[2]["check"], "skipped")

    def test_without_calibration_the_profiles_ringsim_kernels_are_used(self):
        # The rehearsal runs ringsim's kernels: the h100-sxm profile's default calibration is
        # PyTorch's cuDNN, its `kernels: ringsim` entry the measurement of ringsim's own.
        scenario = os.path.join(ROOT, "scenarios", "attention-only-h100-128k.yaml")
        measured = os.path.join(ROOT, "calibrate", "results", "2026-11-26-h100-run2",
                                "rehearsal.json")
        code, out, err = run("rehearse", scenario, "--measured", measured, "--format", "json")
        self.assertEqual(code, 0, err)
        self.assertTrue(json.loads(out)["calibration"].endswith(
            os.path.join("calibrations", "h100-sxm.yaml")), out[:300])

    def test_predictions_ignore_the_rehearsals_timings(self):
        with open(os.path.join(TESTDATA, "rehearsal.json")) as f:
            data = json.load(f)
        for run_ in data["runs"]:
            for step in run_.get("steps", []):
                for key in ("compute_ms", "compute_ms_min", "copy_ms", "step_ms"):
                    if step[key] is not None:
                        step[key] *= 3
        slower = os.path.join(self.tmp, "slower.json")
        with open(slower, "w") as f:
            json.dump(data, f)
        a = self.rehearse(os.path.join(TESTDATA, "rehearsal.json"))["rows"]
        b = self.rehearse(slower)["rows"]
        for x, y in zip(a[:2], b[:2]):
            self.assertEqual(x["analytical_s"], y["analytical_s"])
            self.assertEqual(x["simgrid_s"], y["simgrid_s"])
            self.assertEqual(x["predicted_step_compute_s"], y["predicted_step_compute_s"])
            self.assertAlmostEqual(y["measured_s"], 3 * x["measured_s"], places=12)

    def test_a_different_ring_is_refused(self):
        code, out, err = run("rehearse", SCENARIO, "--calibration", self.cal, "--measured",
                             os.path.join(TESTDATA, "rehearsal.json"), "--set",
                             "parallel.variant=ring")
        self.assertEqual(code, 2)
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn("the rehearsal ran layout zigzag (scenario: ring)", err)

    def test_failed_check_exits_1_after_the_table(self):
        with open(os.path.join(TESTDATA, "rehearsal.json")) as f:
            data = json.load(f)
        data["runs"][0]["check"]["passed"] = False
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            json.dump(data, f)
        code, out, err = run("rehearse", SCENARIO, "--calibration", self.cal, "--measured", bad)
        self.assertEqual(code, 1)
        self.assertIn("FAILED", out)
        self.assertIn("failed its check", err)

    def test_needs_a_calibration(self):
        # The scenario's ring on a profile without a calibration (b200 has none).
        tmp = tempfile.mkdtemp(prefix="ringsim-calreh-")
        self.addCleanup(shutil.rmtree, tmp, True)
        with open(SCENARIO) as f:
            text = f.read().replace("hardware: h100-sxm", "hardware: b200")
        scenario = os.path.join(tmp, "no-calibration.yaml")
        with open(scenario, "w") as f:
            f.write(text)
        code, out, err = run("rehearse", scenario, "--measured",
                             os.path.join(TESTDATA, "rehearsal.json"))
        self.assertEqual(code, 2)
        self.assertIn("has no calibration; give --calibration FILE.yaml", err)


class MeasuredOnGpus(unittest.TestCase):
    """The rehearsals recorded on an H100 and an H200 (calibrate/results/), predicted from the
    committed calibrations: the model's accuracy as RESULTS.md reports it, kept from
    regressing."""

    RESULTS = os.path.join(ROOT, "calibrate", "results")
    SHIPPED = os.path.join(ROOT, "scenarios", "attention-only-h100-128k.yaml")

    def rows(self, measured, *sets, calibration="h100-sxm"):
        args = ["rehearse", self.SHIPPED, "--calibration",
                os.path.join(ROOT, "hwmodels", "calibrations", calibration + ".yaml")]
        for s in sets:
            args += ["--set", s]
        code, out, err = run(*args, "--measured", os.path.join(self.RESULTS, measured),
                             "--format", "json")
        self.assertEqual(code, 0, err)
        doc = json.loads(out)
        self.assertTrue(doc["calibration"].endswith(f"hwmodels/calibrations/{calibration}.yaml"))
        return doc["rows"]

    def check(self, rows, within_pct):
        self.assertEqual([r["block_tokens"] for r in rows], [512, 1024, 2048, 4096, 8192, 16384])
        for r in rows:
            self.assertTrue(r["check_passed"])
            # One GPU, no network: both engines run the same recurrence.
            self.assertAlmostEqual(r["simgrid_s"] / r["analytical_s"], 1.0, places=9)
            if r["block_tokens"] >= 1024:
                self.assertLess(abs(r["analytical_error_pct"]), within_pct, r)

    def test_zigzag_normal_priority(self):
        self.check(self.rows("2026-11-26-h100/rehearsal.json"), 10)

    def test_zigzag_high_priority(self):
        rows = self.rows("2026-11-26-h100-run2/rehearsal-priority.json")
        self.check(rows, 10)
        # The copy no longer waits for the attention kernel's SMs: within 2x of its time alone.
        big = rows[-1]
        self.assertLess(big["measured_copy_s"], 2 * big["predicted_copy_s"])

    def test_contiguous_ring(self):
        rows = self.rows("2026-11-26-h100-run2/rehearsal-ring.json",
                         "parallel.variant=ring", "workload.causal=false")
        self.check(rows, 10)

    def test_h200(self):
        for measured, sets in (("rehearsal.json", ()), ("rehearsal-priority.json", ()),
                               ("rehearsal-ring.json",
                                ("parallel.variant=ring", "workload.causal=false"))):
            with self.subTest(measured):
                rows = self.rows("2026-11-26-h200/" + measured, *sets, calibration="h200")
                self.check(rows, 10)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    RINGSIM = take_binary_argument()
    unittest.main(verbosity=1)
