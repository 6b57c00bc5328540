#!/usr/bin/env python3
"""Report tests: `ringsim report` writes a self-contained page whose charts really render.

Each page is loaded in headless Chromium; the test fails unless the page's render script
marked <body data-charts="ok"> (every chart rendered without warnings and drew data marks,
see reports/render.js) and the screenshot is a picture, not a blank page. Bad input gets
one line on stderr and exit code 2. Without Chromium the browser checks print SKIP with the
reason and the test exits 77, which CTest counts as skipped (not passed).

usage: report_test.py PATH/TO/ringsim
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

from ringsim_cli import ROOT, run, take_binary_argument

RINGSIM = None
SCENARIO = "scenarios/llama7b-8xa100-256k.yaml"
SKIP_CODE = 77
CHART_IDS = ["chart-flops", "chart-exposed", "chart-memory", "chart-devices", "chart-timeline"]


def find_chromium():
    """$RINGSIM_CHROMIUM (a path, or "none" to check the skip path), else the usual names."""
    if os.environ.get("RINGSIM_CHROMIUM") == "none":
        return None
    for candidate in [os.environ.get("RINGSIM_CHROMIUM"), "/usr/bin/chromium", "chromium",
                      "chromium-browser", "google-chrome"]:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


CHROMIUM = find_chromium()
NO_CHROMIUM = "no Chromium (apt-get install chromium, or ./setup.sh test, installs it)"


def chromium(page, *flags):
    """Runs headless Chromium on a file; returns stdout. Virtual time lets the charts finish."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile,
             "--virtual-time-budget=20000", *flags, "file://" + os.path.abspath(page)],
            capture_output=True, text=True, timeout=90)
    if proc.returncode != 0:
        raise AssertionError(f"chromium exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stdout


def read_png(path):
    """Decodes an 8-bit, non-interlaced RGB or RGBA PNG: (width, height, rows of RGB tuples)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(line)
        prev = line
    return width, height, [[tuple(r[x * bpp:x * bpp + 3]) for x in range(0, width, 4)]
                           for r in rows[::4]]


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def body_attributes(dom):
    body = re.search(r"<body([^>]*)>", dom)
    assert body, "no <body> in the dumped DOM"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))


def embedded_data(page):
    with open(page, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r'<script type="application/json" id="ringsim-data">(.*?)</script>', html, re.S)
    assert m, "no embedded data"
    return html, json.loads(m.group(1))


class Fixture:
    """Result files made once for all tests."""
    tmp = None

    @classmethod
    def path(cls, name):
        if cls.tmp is None:
            cls.tmp = tempfile.mkdtemp(prefix="ringsim-report-test-")
        return os.path.join(cls.tmp, name)

    @classmethod
    def simulate(cls, name, *args):
        path = cls.path(name)
        if not os.path.exists(path):
            code, out, err = run("simulate", SCENARIO, "--format", "json", *args)
            assert code == 0, err
            with open(path, "w") as f:
                f.write(out)
        return path


class ReportPage(unittest.TestCase):
    def make_report(self, results, *args):
        page = Fixture.path(f"report-{self.id().split('.')[-1]}.html")
        code, _, err = run("report", results, "--out", page, *args)
        self.assertEqual(code, 0, err)
        return page

    def check_renders(self, page, charts=CHART_IDS):
        if CHROMIUM is None:
            self.skipTest(NO_CHROMIUM)
        dom = chromium(page, "--dump-dom")
        attrs = body_attributes(dom)
        self.assertEqual(attrs.get("data-charts"), "ok",
                         "charts did not render: " + attrs.get("data-charts-error", str(attrs)))
        self.assertEqual(attrs.get("data-chart-count"), str(len(charts)))
        self.assertNotIn("data-charts-warnings", attrs)
        for chart in charts:
            tag = re.search(r'<div[^>]*\bid="%s"[^>]*>' % chart, dom)
            self.assertTrue(tag, f"{chart}: no such element")
            marks = re.search(r'data-marks="(\d+)"', tag.group(0))
            self.assertTrue(marks, f"{chart}: not rendered ({tag.group(0)})")
            self.assertGreater(int(marks.group(1)), 0, chart)
        shot = page + ".png"
        chromium(page, "--window-size=1400,2400", "--screenshot=" + shot)
        width, height, pixels = read_png(shot)
        self.assertEqual((width, height), (1400, 2400))
        flat = [p for row in pixels for p in row]
        not_white = sum(1 for p in flat if min(p) < 235) / len(flat)
        colours = len(set(flat))
        self.assertGreater(not_white, 0.03, "screenshot is (nearly) blank")
        self.assertGreater(colours, 50, "screenshot has too few colours to hold charts")
        return dom

    def test_single_result(self):
        page = self.make_report(Fixture.simulate("r.json"))
        html, data = embedded_data(page)
        # The verdicts are static HTML (readable without JavaScript).
        self.assertIn('id="verdict-memory"', html)
        self.assertRegex(html, r'id="verdict-memory">.*?<div class="value">fits</div>')
        self.assertRegex(html, r'id="verdict-comm">.*?<div class="value">hidden</div>')
        self.assertRegex(html, r'id="verdict-mfu">.*?<div class="value">\d+\.\d%</div>')
        # Self-contained: nothing is fetched from anywhere.
        self.assertNotRegex(html, r'<script[^>]+src=|<link[^>]+href=|sourceMappingURL')
        charts = data["charts"]
        marks = {m["label"].split(":")[0] for m in charts["flops"]["marks"]}
        self.assertEqual(marks, {"this plan", "F/B (paper)", "c* (achieved rate)"})
        self.assertEqual(charts["timeline"]["source"], "phases")
        # The curves pass through the scenario itself.
        here = [p for p in charts["devices"]["points"] if p["current"]]
        self.assertEqual(len(here), 1)
        self.assertAlmostEqual(here[0]["step_time_s"], data["result"]["step_time_s"], places=6)
        self.check_renders(page)

    def test_trace_timeline(self):
        results = Fixture.simulate("sg.json", "--engine", "simgrid", "--trace",
                                   Fixture.path("trace.json"), "--set", "workload.seq_len=65536")
        page = self.make_report(results, "--trace", Fixture.path("trace.json"), "--scenario",
                                SCENARIO, "--set", "workload.seq_len=65536")
        _, data = embedded_data(page)
        timeline = data["charts"]["timeline"]
        self.assertEqual(timeline["source"], "trace")
        self.assertGreater(len(timeline["events"]), 100)
        self.assertIn("rank 0 (gpu0) · compute", timeline["rows"])
        self.assertTrue(all(e["end_ms"] >= e["start_ms"] for e in timeline["events"]))
        # A SimGrid result charts its busiest links too (none saturated on one node).
        links = data["charts"]["links"]["links"]
        self.assertGreater(len(links), 0)
        self.assertTrue(all(l["state"] == "not saturated" for l in links))
        self.check_renders(page, ["chart-links"] + CHART_IDS)

    def test_a_long_trace_is_drawn_one_layer_in_full(self):
        # 32 ranks x 32 layers: about 200 000 slices, over the page's 40 000. The middle layer
        # is drawn whole, not the first fifth of the step.
        long_scenario = "scenarios/llama7b-32xa100-straggler.yaml"
        trace = Fixture.path("long-trace.json")
        code, out, err = run("simulate", long_scenario, "--engine", "simgrid", "--trace", trace,
                             "--format", "json")
        self.assertEqual(code, 0, err)
        results = Fixture.path("long.json")
        with open(results, "w") as f:
            f.write(out)
        page = self.make_report(results, "--trace", trace, "--scenario", long_scenario)
        _, data = embedded_data(page)
        timeline = data["charts"]["timeline"]
        self.assertFalse(timeline["truncated"])
        self.assertIn("layer 16 of 32 drawn in full", timeline["subtitle"])
        names = [e["name"] for e in timeline["events"]]
        self.assertTrue(all(n.startswith("L16 ") for n in names), names[:3])
        phases = {e["phase"] for e in timeline["events"]}
        self.assertIn("fwd.attention", phases)  # the legend names phases, not layers
        self.assertEqual(len({e["row"] for e in timeline["events"]}), 32 * 3)
        self.check_renders(page, ["chart-links"] + CHART_IDS)

    def test_whole_cluster_links(self):
        # The contention scenario's replay: the saturated core links come first, in red.
        contention = "scenarios/llama3-8b-2048xh100-contention.yaml"
        code, out, err = run("simulate", contention, "--engine", "simgrid", "--format", "json")
        self.assertEqual(code, 0, err)
        results = Fixture.path("cluster.json")
        with open(results, "w") as f:
            f.write(out)
        page = self.make_report(results, "--scenario", contention)
        html, data = embedded_data(page)
        self.assertIn("<h2>The fabric</h2>", html)
        chart = data["charts"]["links"]
        self.assertEqual(len(chart["links"]), 30)
        self.assertTrue(all(l["state"] == "saturated" for l in chart["links"]))
        self.assertTrue(all(l["link"].startswith("core:") for l in chart["links"]))
        self.assertIn("scope cluster, 128 ring(s)", chart["subtitle"])
        self.check_renders(page, ["chart-links"] + CHART_IDS)

    def test_array_of_results(self):
        first = load_json(Fixture.simulate("r.json"))
        second = load_json(Fixture.simulate("r128k.json", "--set", "workload.seq_len=131072"))
        results = Fixture.path("array.json")
        with open(results, "w") as f:
            json.dump([first, second], f)
        page = self.make_report(results, "--index", "1", "--scenario", SCENARIO, "--set",
                                "workload.seq_len=131072")
        html, data = embedded_data(page)
        self.assertIn('id="results-table"', html)
        self.assertEqual(data["result"]["seq_len"], 131072)


    def test_sweep_entries(self):
        # sweep --format json: {index, vary, error, result}; the varied keys re-derive the
        # scenario without --scenario, and a failed configuration is listed, not charted.
        result = load_json(Fixture.simulate("r128k.json", "--set", "workload.seq_len=131072"))
        sweep = Fixture.path("sweep.json")
        with open(sweep, "w") as f:
            json.dump([{"index": 0, "vary": {"workload.seq_len": 131072}, "error": None,
                        "result": result},
                       {"index": 1, "vary": {"workload.seq_len": 7}, "error": "bad seq_len",
                        "result": None}], f)
        page = self.make_report(sweep)
        html, data = embedded_data(page)
        self.assertEqual(data["result"]["sweep_vary"], ["workload.seq_len=131072"])
        self.assertIn("failed: bad seq_len", html)
        code, _, err = run("report", sweep, "--index", "1", "--out", Fixture.path("x.html"))
        self.assertEqual(code, 2)
        self.assertIn("result 1: this configuration failed in the sweep (bad seq_len)", err)


class SweepReport(unittest.TestCase):
    def test_a_sweep_is_drawn_as_what_it_varied(self):
        # A real sweep: 2 variants x 3 lengths, one of which zigzag cannot cut.
        sweep = Fixture.path("real-sweep.json")
        code, out, err = run("sweep", SCENARIO, "--vary", "workload.seq_len=128K,256K,8200",
                             "--vary", "parallel.variant=ring,zigzag", "--format", "json")
        self.assertEqual(code, 2, err)  # one configuration failed
        with open(sweep, "w") as f:
            f.write(out)
        page = ReportPage.make_report(self, sweep)
        html, data = embedded_data(page)
        chart = data["charts"]["sweep"]
        self.assertEqual(chart["x_key"], "workload.seq_len")
        self.assertTrue(chart["x_numeric"])
        self.assertEqual(chart["series_keys"], ["parallel.variant"])
        points = chart["points"]
        self.assertEqual(len(points), 5)  # the failed one is left out
        self.assertEqual(sorted({p["x"] for p in points}), [8200, 128000, 256000])
        self.assertEqual({p["series"] for p in points},
                         {"parallel.variant=ring", "parallel.variant=zigzag"})
        results = json.loads(out)
        for p in points:
            self.assertEqual(p["step_time_s"], results[p["index"]]["result"]["step_time_s"])
        self.assertIn('id="chart-sweep"', html)
        ReportPage.check_renders(self, page, ["chart-sweep"] + CHART_IDS)

    def test_a_single_result_has_no_sweep_chart(self):
        page = ReportPage.make_report(self, Fixture.simulate("single.json"))
        html, data = embedded_data(page)
        self.assertNotIn("sweep", data["charts"])
        self.assertNotIn('id="chart-sweep"', html)


class BadInput(unittest.TestCase):
    def check_error(self, args, expected, env=None):
        code, out, err = run("report", *args, env=env)
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertRegex(err.strip(), "^ringsim: " + expected)

    def test_missing_file(self):
        self.check_error(["nope.json", "--out", Fixture.path("x.html")],
                         re.escape("nope.json: cannot open results file"))

    def test_not_json(self):
        bad = Fixture.path("bad.json")
        with open(bad, "w") as f:
            f.write('{"step_time_s": 1,\n  oops}\n')
        self.check_error([bad, "--out", Fixture.path("x.html")],
                         re.escape(bad) + r": not valid JSON: parse error at line 2, column \d+")

    def test_missing_field(self):
        good = load_json(Fixture.simulate("r.json"))
        bad_result = dict(good)
        del bad_result["mfu"]
        bad = Fixture.path("nomfu.json")
        with open(bad, "w") as f:
            json.dump([good, bad_result], f)
        self.check_error([bad, "--out", Fixture.path("x.html")],
                         re.escape(bad + ": result 1: missing field 'mfu' (expected the output "
                                   "of ringsim simulate --format json)"))

    def test_index_out_of_range(self):
        self.check_error([Fixture.simulate("r.json"), "--out", Fixture.path("x.html"),
                          "--index", "3"], re.escape("--index: 3 is out of range"))

    def test_result_from_another_scenario(self):
        # A result made with --set carries its overrides and re-loads exactly; one whose
        # overrides were lost no longer matches its scenario file.
        results = Fixture.simulate("r128k.json", "--set", "workload.seq_len=131072")
        code, _, err = run("report", results, "--out", Fixture.path("ok.html"))
        self.assertEqual(code, 0, err)
        with open(results) as f:
            result = json.load(f)
        del result["overrides"]
        with open(results, "w") as f:
            json.dump(result, f)
        self.check_error([results, "--out", Fixture.path("x.html")],
                         re.escape(f"{results}: result has seq_len 131072 but ") +
                         r"\S*scenarios/llama7b-8xa100-256k\.yaml gives 262144; pass --scenario")

    def test_bad_trace(self):
        trace = Fixture.path("empty-trace.json")
        with open(trace, "w") as f:
            json.dump({"traceEvents": []}, f)
        self.check_error([Fixture.simulate("r.json"), "--out", Fixture.path("x.html"),
                          "--trace", trace], re.escape(trace + ": no complete slices"))

    def test_missing_charting_libraries(self):
        # A reports/ without node_modules: the error says how to install them.
        empty = tempfile.mkdtemp(prefix="ringsim-reports-")
        env = dict(os.environ, RINGSIM_REPORTS_DIR=empty)
        self.check_error([Fixture.simulate("r.json"), "--out", Fixture.path("x.html")],
                         re.escape(f"{empty}/node_modules/vega/build/vega.min.js: missing; ") +
                         r".*run \./setup\.sh \(or `npm ci` in ", env=env)


class PaperPage(unittest.TestCase):
    def test_paper_page_renders(self):
        page = Fixture.path("paper.html")
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "reports", "paper_tables.py"),
                               RINGSIM, "--html", page], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        html, data = embedded_data(page)
        for table in ("table2", "table3", "table4"):
            self.assertIn(f'id="{table}"', html)
        self.assertEqual(len(data["table2"]), 5)
        self.assertEqual(len(data["table3"]), 13 * 4)
        if CHROMIUM is None:
            self.skipTest(NO_CHROMIUM)
        ReportPage.check_renders(self, page, ["chart-table2", "chart-table3", "chart-mfu"])

    def test_rehearsal_page_renders(self):
        page = Fixture.path("rehearsals.html")
        proc = subprocess.run([sys.executable,
                               os.path.join(ROOT, "reports", "rehearsal_report.py"), RINGSIM,
                               "--html", page], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        html, data = embedded_data(page)
        self.assertEqual(len(data["sets"]), 6)
        for s in data["sets"]:
            self.assertEqual([r["block_tokens"] for r in s["rows"]],
                             [512, 1024, 2048, 4096, 8192, 16384])
            self.assertTrue(all(r["check_passed"] for r in s["rows"]))
        self.assertIn("calibrate/results/2026-11-26-h100/rehearsal.json", html)
        if CHROMIUM is None:
            self.skipTest(NO_CHROMIUM)
        ReportPage.check_renders(self, page, ["chart-time", "chart-error", "chart-copy"])


def main():
    global RINGSIM
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    RINGSIM = take_binary_argument()
    result = unittest.main(exit=False, verbosity=2).result
    if not result.wasSuccessful():
        print(f"pages and screenshots kept in {Fixture.tmp}")
        return 1
    if Fixture.tmp:
        shutil.rmtree(Fixture.tmp, ignore_errors=True)
    if CHROMIUM is None:
        print(f"SKIP: the browser checks did not run: {NO_CHROMIUM}")
        return SKIP_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main())
