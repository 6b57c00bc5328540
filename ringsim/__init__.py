"""ringsim from Python: Ring Attention step time, memory and overlap as plain dicts.

    import ringsim
    r = ringsim.simulate("scenarios/llama7b-8xa100-256k.yaml", set={"parallel.variant": "zigzag"})
    r["step_time_s"], r["fits"]

Every function runs the same code as the `ringsim` command of the same name, in-process (the
compiled module _ringsim, built by CMake into build/python), and returns its JSON output as
dicts and lists. A scenario is a path or a dict (the YAML's mapping). Bad input raises
ringsim.Error (a ValueError) with the command line's one-line message. See python/README.md.
"""
import contextlib
import glob
import importlib.util
import json
import os
import tempfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load_extension():
    # The build folder: $RINGSIM_BUILD_DIR, else build/ beside this package (./setup.sh's).
    build = os.environ.get("RINGSIM_BUILD_DIR", os.path.join(_ROOT, "build"))
    found = glob.glob(os.path.join(build, "python", "_ringsim*.so"))
    if not found:
        raise ImportError(f"ringsim: no compiled module in {build}/python: run ./setup.sh test "
                          "(or set RINGSIM_BUILD_DIR to a build folder)")
    spec = importlib.util.spec_from_file_location("_ringsim", found[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ext = _load_extension()


class Error(ValueError):
    """Bad input: the command line's one-line message (exit code 2 there). `output` holds
    what the command printed before failing (a partial sweep's rows)."""

    def __init__(self, message, output=""):
        super().__init__(message)
        self.output = output

__all__ = ["Error", "simulate", "sweep", "plan", "overlap", "memory", "run"]


def run(*args):
    """Runs `ringsim ARGS...` and returns what it printed (text); raises Error on bad input
    and RuntimeError on an internal error."""
    code, out, error = _ext.run([str(a) for a in args])
    out = out.decode("utf-8", errors="replace")
    if code == 2:
        raise Error(error, out)
    if code != 0:
        raise RuntimeError(error)
    return out


@contextlib.contextmanager
def _scenario_path(scenario):
    if isinstance(scenario, (str, os.PathLike)):
        yield os.fspath(scenario)
        return
    if not isinstance(scenario, dict):
        raise TypeError("scenario: a path or a dict, got " + type(scenario).__name__)
    # YAML reads JSON; paths inside a dict are taken as names of shipped files or absolute.
    with tempfile.TemporaryDirectory(prefix="ringsim-") as folder:
        path = os.path.join(folder, "scenario.yaml")
        with open(path, "w") as f:
            json.dump(scenario, f)
        yield path


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)


def _sets(overrides):
    args = []
    for key, value in (overrides or {}).items():
        args += ["--set", f"{key}={_text(value)}"]
    return args


def _options(options):
    """Keyword arguments as flags: max_context=True -> --max-context; lists comma-joined."""
    args = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, dict):  # e.g. price={"h100-sxm": 3.0}
            args += [flag, ",".join(f"{k}={_text(v)}" for k, v in value.items())]
        else:
            args += [flag, _text(value)]
    return args


def _json(*args):
    return json.loads(run(*args, "--format", "json"))


def simulate(scenario, set=None, engine="analytical"):
    """One scenario (path or dict) with --set overrides (a dict): `ringsim simulate`'s JSON."""
    with _scenario_path(scenario) as path:
        return _json("simulate", path, "--engine", engine, *_sets(set))


def sweep(scenario, vary, set=None, engine="analytical", jobs=None):
    """The cartesian product of `vary` ({key: [values]}, the first slowest; keys joined by '+'
    vary together): a list of {index, vary, error, result}. Rows that fail carry their error;
    nothing is raised unless every row fails."""
    args = []
    for key, values in vary.items():
        args += ["--vary", f"{key}={_text(list(values))}"]
    if jobs:
        args += ["--jobs", str(jobs)]
    with _scenario_path(scenario) as path:
        try:
            return _json("sweep", path, *args, "--engine", engine, *_sets(set))
        except Error as e:
            # A partial sweep printed its rows before saying some failed: they are the answer.
            if not e.output:
                raise
            return json.loads(e.output)


def plan(model, context, hardware, **options):
    """`ringsim plan`: ranked recipes. Options as the flags, e.g. devices=64, top=5."""
    return _json("plan", "--model", model, "--context", context, "--hardware", _text(hardware),
                 *_options(options))


def overlap(hardware, **options):
    """`ringsim overlap`: the minimal block that hides the transfer, per hardware."""
    return _json("overlap", "--hardware", _text(hardware), *_options(options))


def memory(scenario=None, set=None, **options):
    """`ringsim memory`: a scenario's memory per device, or with max_context=True the longest
    context (of the scenario's recipe, or of hardware/model/devices given as options)."""
    if scenario is None:
        return _json("memory", *_options(options))
    with _scenario_path(scenario) as path:
        return _json("memory", path, *_sets(set), *_options(options))
