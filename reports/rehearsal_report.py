#!/usr/bin/env python3
"""The ring rehearsals recorded on real GPUs (calibrate/results/) beside both engines'
predictions from the committed calibrations, as one self-contained HTML page: ring time per
block size (measured, analytical, SimGrid), the prediction error, and what a step's compute
and K,V copy took against what the calibration predicts. Every number comes from
`ringsim rehearse SCENARIO --measured FILE --format json`; nothing is typed in.

usage: reports/rehearsal_report.py [PATH/TO/ringsim] --html rehearsals.html
       reports/rehearsal_report.py [PATH/TO/ringsim]            # the rows as JSON
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper_tables  # noqa: E402  (the shared page pieces: shell, vendored Vega, escaping)

ROOT = paper_tables.ROOT
SCENARIO = "scenarios/attention-only-h100-128k.yaml"
CONTIGUOUS = ["parallel.variant=ring", "workload.causal=false"]

# (label, GPU's calibration, rehearsal file, --set overrides of the scenario's ring)
SETS = [
    ("H100 zigzag, normal-priority copy", "h100-sxm", "2026-11-26-h100/rehearsal.json", []),
    ("H100 zigzag, high-priority copy", "h100-sxm", "2026-11-26-h100-run2/rehearsal-priority.json",
     []),
    ("H100 contiguous, non-causal", "h100-sxm", "2026-11-26-h100-run2/rehearsal-ring.json",
     CONTIGUOUS),
    ("H200 zigzag, normal-priority copy", "h200", "2026-11-26-h200/rehearsal.json", []),
    ("H200 zigzag, high-priority copy", "h200", "2026-11-26-h200/rehearsal-priority.json", []),
    ("H200 contiguous, non-causal", "h200", "2026-11-26-h200/rehearsal-ring.json", CONTIGUOUS),
]


def rehearse(binary, calibration, measured, overrides):
    args = [binary, "rehearse", SCENARIO, "--calibration",
            os.path.join("hwmodels", "calibrations", calibration + ".yaml"),
            "--measured", os.path.join("calibrate", "results", measured), "--format", "json"]
    for o in overrides:
        args += ["--set", o]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"rehearsal_report.py: {' '.join(args[1:])}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def collect(binary):
    sets = []
    for label, calibration, measured, overrides in SETS:
        doc = rehearse(binary, calibration, measured, overrides)
        sets.append({"label": label, "measured_file": f"calibrate/results/{measured}",
                     "calibration": f"hwmodels/calibrations/{calibration}.yaml",
                     "device": doc["device"], "driver": doc["driver"], "date": doc["date"],
                     "layout": doc["layout"], "causal": doc["causal"],
                     "copy_priority": doc["copy_priority"], "variant": doc["variant"],
                     "rows": doc["rows"]})
    return {"sets": sets}


def us(seconds):
    return f"{seconds * 1e6:,.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.3f} ms"


def html_body(data, binary):
    esc = paper_tables.esc
    parts = []
    for s in data["sets"]:
        rows = []
        for r in s["rows"]:
            rows.append([str(r["block_tokens"]),
                         f"ok {r['check_rel_l2']:.1e}" if r["check_passed"] else "FAILED",
                         us(r["measured_s"]), us(r["analytical_s"]),
                         f"{r['analytical_error_pct']:+.1f}%", us(r["simgrid_s"]),
                         f"{us(r['measured_step_compute_s'])} / {us(r['predicted_step_compute_s'])}",
                         f"{us(r['measured_copy_s'])} / {us(r['predicted_copy_s'])}"])
        table = "<table><tr>" + "".join(
            f"<th>{esc(h)}</th>" for h in
            ["block (tokens/rank)", "check (rel. L2)", "measured ring", "analytical", "error",
             "SimGrid", "step compute measured / predicted", "copy measured / predicted"])
        table += "</tr>" + "".join(
            "<tr>" + "".join(f'<td class="num">{esc(c)}</td>' for c in row) + "</tr>"
            for row in rows) + "</table>"
        parts.append(f"<h3>{esc(s['label'])}</h3><p class=\"note\">{esc(s['device'])}, driver "
                     f"{esc(s['driver'])}, {esc(s['date'])}; kernel {esc(s['variant'])}; "
                     f"measured: <code>{esc(s['measured_file'])}</code>; predicted from "
                     f"<code>{esc(s['calibration'])}</code> only.</p>{table}")
    figure = ('<figure><div id="{0}" class="chart"></div><figcaption>{1}</figcaption>'
              "</figure>")
    return f"""<header><h1>Ring rehearsals on real GPUs against ringsim's predictions</h1>
<p class="sub">8 ranks of llama-7b attention (32 heads × 128, bf16, forward) run on one GPU,
rank after rank, each step's K,V copy beside its kernels; the ring time is composed from the
measured steps with the engines' protocol. Predictions use the GPU's calibration only.</p>
</header>
{figure.format("chart-time", "Ring time per block size: measured (points) and both engines "
               "(lines; they coincide on one GPU). Log scales.")}
{figure.format("chart-error", "The analytical engine's error against the measurement; the "
               "band is ±10 %.")}
{figure.format("chart-copy", "What the K,V copy took beside the kernels, against the "
               "calibration's copy alone: at normal priority the copy (a kernel) waits for the "
               "attention kernel's SMs; at high priority it runs at once.")}
<h2>The tables</h2>
{"".join(parts)}
<footer>Made by <code>reports/rehearsal_report.py {esc(os.path.relpath(binary, ROOT))} --html</code>
from <code>ringsim rehearse {SCENARIO} --measured FILE --format json</code>; charts drawn
offline with Vega, Vega-Lite and vega-embed inlined from reports/node_modules.</footer>
"""


def main():
    paper_tables.page_main(__doc__, collect, html_body,
                           "ringsim: ring rehearsals against predictions", "rehearsal_report.js",
                           lambda data: json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
