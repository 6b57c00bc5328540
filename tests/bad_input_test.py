#!/usr/bin/env python3
"""The bad-input corpus (issue 15): one test per class of input that once crashed, hung, gave
an internal error, printed nonsense or split its error over several lines. Each pins the exact
one line on stderr (exit code 2, nothing on stdout), the way ninja's parser tests pin theirs;
the files are in tests/bad/, or written to a temporary folder where they are large or need a
path of their own.

usage: bad_input_test.py PATH/TO/ringsim
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

from ringsim_cli import OneLineErrors, ROOT, run, take_binary_argument

SCENARIO = "scenarios/llama7b-8xa100-256k.yaml"
LIMITS = '(README.md "Limits")'


class Corpus(unittest.TestCase, OneLineErrors):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ringsim-bad-input-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def check_both_engines(self, args, expected):
        for engine in ("analytical", "simgrid"):
            with self.subTest(engine=engine):
                self.check_one_line(args + ["--engine", engine], expected)

    # ---- crashes: SIGFPE on wrapped products, SIGSEGV on deep nesting

    def test_products_of_degrees_cannot_wrap(self):
        # 2^32 x 2^32 wrapped to 0, and devices % 0 was SIGFPE.
        self.check_both_engines(["simulate", "tests/bad/overflow_degrees.yaml"],
                                "tests/bad/overflow_degrees.yaml:4:21: parallel.context: "
                                "4294967296 is above the limit of 4096 (2^12) " + LIMITS)

    def test_validate_row_with_a_huge_device_count(self):
        self.check_one_line(["validate", "tests/bad/overflow_devices.csv"],
                            "tests/bad/overflow_devices.csv:2:devices: 1099511627776 is above "
                            "the limit of 1048576 (2^20) " + LIMITS)

    def test_deeply_nested_json(self):
        deep = self.write("deep.json", '{"a":' * 100000 + "1" + "}" * 100000)
        expected = deep + ": not valid JSON: nested deeper than 64 levels"
        self.check_one_line(["calibrate", "--attention-csv", "calibrate/testdata/bench.csv",
                             "--micro-json", deep, "--out", os.path.join(self.dir, "c.yaml")],
                            expected)
        # report reads its charting libraries first: give it stand-ins.
        reports = os.path.join(self.dir, "reports")
        shutil.copytree(os.path.join(ROOT, "reports"), reports,
                        ignore=shutil.ignore_patterns("node_modules"))
        for lib in ("vega", "vega-lite", "vega-embed"):
            os.makedirs(os.path.join(reports, "node_modules", lib, "build"))
            self.write(os.path.join(reports, "node_modules", lib, "build", lib + ".min.js"), "")
        code, out, err = run("report", deep, "--out", os.path.join(self.dir, "x.html"),
                             env=dict(os.environ, RINGSIM_REPORTS_DIR=reports))
        self.assertEqual((code, out, err), (2, "", "ringsim: " + expected + "\n"))

    def test_deeply_nested_yaml(self):
        deep = self.write("deep.yaml", "[" * 100000 + "]" * 100000 + "\n")
        self.check_one_line(["simulate", deep],
                            deep + ":2:1: YAML nested too deeply (500 levels, yaml-cpp's limit)")
        self.check_one_line(["simulate", SCENARIO, "--set", "workload=" + "[" * 3000],
                            "--set workload:1:1: YAML nested too deeply (500 levels, yaml-cpp's "
                            "limit)")

    # ---- hangs: devices read as files, a SimGrid ring too large to simulate

    def test_hardware_from_a_device(self):
        self.check_one_line(["simulate", "tests/bad/hardware_dev_zero.yaml"],
                            "tests/bad/hardware_dev_zero.yaml:2:11: hardware: '/dev/zero' is not "
                            "a regular file (a folder, device or pipe)")
        self.check_one_line(["simulate", SCENARIO, "--set", "hardware=/dev/zero"],
                            "--set: hardware: '/dev/zero' is not a regular file (a folder, "
                            "device or pipe)")

    def test_inputs_must_be_regular_files(self):
        fifo = os.path.join(self.dir, "fifo.yaml")
        os.mkfifo(fifo)
        self.check_one_line(["simulate", fifo],
                            fifo + ": cannot open file: not a regular file (a device, pipe or "
                                   "socket)")
        self.check_one_line(["simulate", self.dir],
                            self.dir + ": cannot open file: not a regular file (a folder)")
        self.check_one_line(["validate", "/dev/zero"],
                            "/dev/zero: cannot open file: not a regular file (a device, pipe "
                            "or socket)")

    def test_input_files_have_a_size_limit(self):
        big = os.path.join(self.dir, "big.yaml")
        with open(big, "wb") as f:
            f.truncate(65 << 20)  # sparse: no disk used
        self.check_one_line(["simulate", big],
                            big + ": cannot open file: 68157440 bytes, over the limit of 64 MiB")

    def test_rings_the_engines_cannot_finish(self):
        # Both engines price every (device, step) pair: 8192 devices took the closed form four
        # minutes, and 1 048 576 under SimGrid grew past 12 GB.
        self.check_both_engines(["simulate", "tests/bad/ring_8192.yaml"],
                                "tests/bad/ring_8192.yaml:4:21: parallel.context: 8192 is above "
                                "the limit of 4096 (2^12) " + LIMITS)
        ring_512 = ["--set", "devices=512", "--set", "parallel.context=512", "--set",
                    "parallel.fsdp=512", "--set", "workload.seq_len=2097152"]
        self.check_one_line(["simulate", SCENARIO, "--engine", "simgrid", "--set",
                             "simgrid.mode=naive", *ring_512],
                            SCENARIO + ": simgrid.mode: naive replay of 50282496 rank-steps is "
                                       "above the limit of 10000000; use mode fast or auto")

    # ---- internal errors instead of one clear line

    def test_yaml_conversions_are_caught_at_the_boundary(self):
        self.check_one_line(["simulate", "tests/bad/failed_link_mapping.yaml", "--engine",
                             "simgrid"],
                            "tests/bad/failed_link_mapping.yaml:5:26: simgrid.failed_links: "
                            "expected a link name, got a mapping")
        self.check_one_line(["simulate", "tests/bad/rank_speed_list_key.yaml"],
                            "tests/bad/rank_speed_list_key.yaml:5:24: simgrid.rank_speed: "
                            "expected a key name, got a list")

    def test_switches_take_true_or_false(self):
        self.check_one_line(["simulate", SCENARIO, "--set", "parallel.tp_comm_overlap=maybe"],
                            "--set: parallel.tp_comm_overlap: expected true or false, got 'maybe'")

    def test_a_hardware_name_too_long_for_the_file_system(self):
        code, out, err = run("simulate", "tests/bad/long_hardware_name.yaml")
        self.assertEqual((code, out, err.count("\n")), (2, "", 1), err)
        self.assertEqual(err, "ringsim: tests/bad/long_hardware_name.yaml:2:11: hardware: "
                              "unknown hardware '" + "h" * 300 + "' (ringsim hw list shows all)\n")

    # ---- silent nonsense: absurd sizes and rates

    def test_plausibility_limits(self):
        self.check_one_line(["simulate", "tests/bad/seq_len_1e15.yaml"],
                            "tests/bad/seq_len_1e15.yaml:4:21: workload.seq_len: "
                            "1000000000000000 is above the limit of 4294967296 (2^32) " + LIMITS)
        self.check_one_line(["simulate", "tests/bad/model_dims_9e15.yaml"],
                            "tests/bad/model_dims_9e15.yaml:1:29: model.hidden: 9000000000000000 "
                            "is above the limit of 1048576 (2^20) " + LIMITS)
        self.check_one_line(["simulate", SCENARIO, "--set", "workload.batch=65536"],
                            "--set: workload.batch: seq_len x batch = 262144 x 65536 = "
                            "17179869184 tokens per step is above the limit of 4294967296 "
                            "(2^32) " + LIMITS)

    def test_sm_count_far_out_of_range(self):
        # Found by the hardware fuzz target: 1e114 SMs was cast to an integer (undefined).
        with open(os.path.join(ROOT, "hwmodels", "h100-sxm.yaml")) as f:
            text = f.read()
        self.assertIn("sm_count: {value: 132,", text)
        for count, shown in (("1e114", "1e+114"), ("65537", "65537"), ("2.5", "2.5")):
            profile = self.write("sm.yaml", text.replace("sm_count: {value: 132,",
                                                         "sm_count: {value: " + count + ",", 1))
            self.check_one_line(["simulate", SCENARIO, "--set", "hardware=" + profile],
                                profile + ":12:21: device.sm_count.value: expected a whole number "
                                "of SMs from 1 to 65536 (2^16), got " + shown)

    def test_curve_reference_launch_within_limits(self):
        # heads x batch of a curve's reference launch is printed as a whole number: both are
        # held to the scenario limits so that the product cannot leave the integers.
        with open(os.path.join(ROOT, "hwmodels", "a100-sxm-80g.yaml")) as f:
            text = f.read()
        self.assertIn("reference: {heads: 16, tokens_in_all: 16384,", text)
        profile = self.write("ref.yaml", text.replace(
            "reference: {heads: 16, tokens_in_all: 16384,",
            "reference: {heads: 9007199254740992, batch: 9007199254740992,", 1))
        self.check_one_line(["hw", "show", profile],
                            "hw show: " + profile + ":36:24: efficiency.attention.reference.heads: "
                            "9007199254740992 is above the limit of 65536 (2^16)")

    def test_speed_factors_near_zero(self):
        self.check_one_line(["simulate", "tests/bad/rank_speed_near_zero.yaml"],
                            "tests/bad/rank_speed_near_zero.yaml:5:23: simgrid.rank_speed: rank "
                            "3: speed factor 1e-300 is outside the limits [0.001, 1000]")
        self.check_one_line(["simulate", "tests/bad/link_factor_near_zero.yaml"],
                            "tests/bad/link_factor_near_zero.yaml:5:27: simgrid.link_bw_factor: "
                            "link 'nvl:gpu3': bandwidth factor 1e-300 is outside the limits "
                            "[0.001, 1000]")

    def test_fabric_oversubscription_is_a_whole_divisor_of_the_leaf_ports(self):
        self.check_both_engines(["simulate", "tests/bad/oversubscription_huge.yaml"],
                                "tests/bad/oversubscription_huge.yaml:5:45: "
                                "simgrid.oversubscription: 1e30 is above the largest whole "
                                "number read exactly, 2^53 = 9007199254740992")
        self.check_one_line(["simulate", "tests/bad/oversubscription_huge.yaml", "--set",
                             "simgrid.oversubscription=6"],
                            "--set: simgrid.oversubscription: expected a leaf's down ports per "
                            "up port dividing its 32 down ports (1, 2, 4, 8, 16 or 32), got 6")

    def test_calibration_rate_near_zero(self):
        with open(os.path.join(ROOT, "hwmodels", "calibrations", "h100-sxm.yaml")) as f:
            text = f.read()
        first = "flops_per_s: 5.113400e+13"
        self.assertIn(first, text)
        cal = self.write("tiny.yaml", text.replace(first, "flops_per_s: 1e-308", 1))
        self.check_one_line(["simulate", "scenarios/attention-only-h100-128k.yaml", "--set",
                             "calibration=" + cal],
                            cal + ":24:90: attention[0].flops_per_s: 1e-308 is 9.88e-324 of "
                                  "peak_bf16_flops_per_s (9.894e+14); expected from 0.0001 to 1 "
                                  "of it")

    def test_too_large_integers_are_refused_not_clamped(self):
        self.check_one_line(["simulate", "tests/bad/batch_1e30.yaml"],
                            "tests/bad/batch_1e30.yaml:4:36: workload.batch: 1e30 is above the "
                            "largest whole number read exactly, 2^53 = 9007199254740992")
        self.check_one_line(["plan", "--model", "llama-7b", "--context", "99999999999999999999",
                             "--hardware", "h100-sxm"],
                            "--context: 99999999999999999999 tokens is above the limit of "
                            "4294967296 (2^32) " + LIMITS + " (see ringsim --help)")
        self.check_one_line(["memory", "--max-context", "--hardware", "h100-sxm", "--model",
                             "llama-7b", "--devices", "99999999999999999999"],
                            "--devices: expected a whole number from 1 to 1048576 (2^20), got "
                            "'99999999999999999999' (see ringsim --help)")

    def test_empty_hardware_list(self):
        self.check_one_line(["overlap", "--hardware", ""],
                            "--hardware: expected one or more profile names (ringsim hw list), "
                            "got ''")

    # ---- multi-line errors and unreadable bounds

    def test_control_characters_are_escaped(self):
        self.check_one_line(["simulate", "tests/bad/control_chars_key.yaml"],
                            "tests/bad/control_chars_key.yaml:5:1: bad\\nkey\\x1b[31m: unknown "
                            "key 'bad\\nkey\\x1b[31m'; expected one of block, calibration, "
                            "devices, hardware, implementation, kernel, model, name, parallel, simgrid, "
                            "workload")
        self.check_one_line(["simulate", "tests/bad/control_chars_value.yaml"],
                            "tests/bad/control_chars_value.yaml:1:8: model: unknown model "
                            "'llama\\n7b'; did you mean 'llama-7b'? (ringsim models shows all)")
        self.check_one_line(["simulate", SCENARIO, "--set", "workload.seq_len\n=1"],
                            SCENARIO + ": workload.seq_len\\n: unknown key 'seq_len\\n'; did "
                                       "you mean 'seq_len'?")

    def test_ranges_print_readable_bounds(self):
        # CLI::PositiveNumber printed the largest double in 309 digits.
        self.check_one_line(["sweep", SCENARIO, "--vary", "workload.seq_len=65536", "--jobs",
                             "0"],
                            "--jobs: expected a whole number from 1 to 1024 (2^10), got '0' "
                            "(see ringsim --help)")
        self.check_one_line(["overlap", "--hardware", "h100-sxm", "--block", "0"],
                            "--block: expected a whole number of tokens, or one with K, M, G "
                            "(10^3, 10^6, 10^9) or Ki, Mi, Gi (2^10, 2^20, 2^30): 128K = 128000, "
                            "128Ki = 131072; got '0' (see ringsim --help)")
        self.check_one_line(["overlap", "--hardware", "h100-sxm", "--block", "8G"],
                            "--block: 8G tokens is above the limit of 4294967296 (2^32) " + LIMITS +
                            " (see ringsim --help)")

    # ---- output: invalid UTF-8 and write failures

    def test_sweep_json_with_invalid_utf8(self):
        # The JSON writer threw inside the sweep and the process aborted (SIGABRT).
        proc = subprocess.run([BINARY, "sweep", SCENARIO, "--vary", b"name=a\xff,b",
                               "--format", "json"], cwd=ROOT, capture_output=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = json.loads(proc.stdout.decode("utf-8"))
        self.assertEqual([r["vary"]["name"] for r in rows], ["a\ufffd", "b"])
        self.assertTrue(all(r["error"] is None for r in rows))

    def test_write_failures_are_errors(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        with open("/dev/full", "w") as full:
            proc = subprocess.run([BINARY, "simulate", SCENARIO], cwd=ROOT, stdout=full,
                                  stderr=subprocess.PIPE, text=True)
        self.assertEqual((proc.returncode, proc.stderr),
                         (2, "ringsim: standard output: write failed: No space left on device\n"))
        self.check_one_line(["simulate", SCENARIO, "--engine", "simgrid", "--trace",
                             "/dev/full"],
                            "--trace /dev/full: write failed")


if __name__ == "__main__":
    BINARY = take_binary_argument()
    unittest.main(verbosity=2)
