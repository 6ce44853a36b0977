"""The device runtime on the Raspberry Pi's platform: Debian bookworm arm64 under qemu, against x86.

    make arm64-check              # or, as root: .venv/bin/python -m benchmarks.arm64_check

Builds once (cached in --cache_dir) a Debian bookworm arm64 root with `debootstrap --foreign` and
qemu-user-static, with python3 and a venv holding requirements-runtime.txt from the aarch64
wheels, as a Pi user would install them. Exports small int8 models with the repo's own pipeline
(a synthetic world, a few training steps of each depth network, export.saved_model,
export.tflite; or --models), runs export/lite_runtime.py on the same frames with the same files
in .venv-runtime on this x86 host and inside the arm64 root for each --cpus core, and compares:
the raw int8 output in quantization steps, the depth maps and the 16-bit depth PNGs.

It proves that the runtime and the int8 files give the same depth on arm64 Debian as on x86 (the
emulation runs the aarch64 builds of LiteRT, XNNPACK, numpy and pillow instruction by
instruction). It does not time a Pi: the latency in the summary is qemu's, on this host.

Prints a short table (the full JSON goes to <work_dir>/arm64_check.json) and exits non-zero when
a model differs by more than one quantization step or XNNPACK did not start; progress lines go to
stderr, the programs' own output to <work_dir>/arm64_check.log.
"""

import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np
from absl import app, flags
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME_PYTHON = os.path.join(REPO, ".venv-runtime", "bin", "python")
RUNTIME_REQUIREMENTS = os.path.join(REPO, "requirements-runtime.txt")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
ROOT_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
ROOT_VENV = "/opt/runtime"
ROOT_WORK = "/tmp/arm64_check"
ROOT_CA_BUNDLE = "/etc/ssl/host-ca-certificates.crt"
XNNPACK_LINE = "XNNPACK delegate"
LATENCY_NOTE = "qemu-user emulation on this x86 host, not a Raspberry Pi figure"

# The cores qemu emulates and the /proc/cpuinfo the root sees. qemu 7.2 shows an arm64 process the
# host's x86 /proc/cpuinfo; XNNPACK's CPU detection cannot parse it (it crashes, or without /proc
# and /sys gives up), LiteRT then runs without the XNNPACK delegate and its builtin int8 kernels
# round differently: up to 19/256 depth units (about 7 int8 steps) on a dispnet export, which a
# real Pi, whose XNNPACK does start, would not show. QEMU_CPU sets the instructions (hwcaps) that
# XNNPACK chooses its kernels by; the file names the same core, as the Pi's own kernel reports it.
PI_CORES = {
    "cortex-a72": ("Raspberry Pi 4", "fp asimd evtstrm crc32 cpuid", "0x0", "0xd08", "3"),
    "cortex-a76": ("Raspberry Pi 5", ("fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp "
                                      "cpuid asimdrdm lrcpc dcpop asimddp"), "0x4", "0xd0b", "1"),
}

# Runs in each environment (x86 .venv-runtime, arm64 root): the program as a user runs it (its
# PNGs), then the same frames again through its API for the raw output and a warm latency.
_DRIVER = r"""
import json, sys
import numpy as np
from PIL import Image
export_dir, model_path, frames_dir, out_dir, threads = sys.argv[1:6]
sys.path.insert(0, export_dir)
import lite_runtime
lite_runtime.main([f"--model={model_path}", f"--input={frames_dir}", f"--output_dir={out_dir}",
                   f"--num_threads={threads}"])
model = lite_runtime.LiteDepthModel(model_path, num_threads=int(threads))
frames = [np.asarray(Image.open(p).convert("RGB")) for p in lite_runtime.list_images(frames_dir)]
output = model.interpreter.get_output_details()[0]["index"]
logits, depths = [], []
for _, depth, _, _ in lite_runtime.depth_stream(model, frames):
    logits.append(model.interpreter.get_tensor(output)[0, ..., 0].copy())
    depths.append(depth)
latencies = [ms for _, _, _, ms in lite_runtime.depth_stream(model, frames)]
np.savez(f"{out_dir}/raw.npz", logits=np.stack(logits), depth=np.stack(depths))
print(json.dumps({"latency_ms": float(np.median(latencies))}))
"""

_WORK_DIR = flags.DEFINE_string("work_dir", "runs/arm64_check", "Models, frames, logs and the JSON summary.")
_CACHE_DIR = flags.DEFINE_string("cache_dir", "~/.cache/sfmlearner_tf/arm64-bookworm",
                                 "Where the arm64 root is built once and reused; delete it to rebuild.")
_MIRROR = flags.DEFINE_string("mirror", "", "Debian mirror for debootstrap (default: the bookworm one apt uses here).")
_CPUS = flags.DEFINE_list("cpus", list(PI_CORES), f"Cores qemu emulates, of {list(PI_CORES)}.")
_MODELS = flags.DEFINE_list("models", [], "int8 .tflite files to check (default: export small ones here).")
_FRAMES = flags.DEFINE_string("frames", "", "Folder of frames (default: render synthetic ones at 128x416).")
_TRAIN_STEPS = flags.DEFINE_integer("train_steps", 60, "Training steps of the small runs that are exported.")
_NUM_THREADS = flags.DEFINE_integer("num_threads", 2, "Interpreter threads on both platforms.")
_FRESH = flags.DEFINE_bool("fresh", False, "Re-make the models and frames (the cached root is kept).")


class CheckError(RuntimeError):
    """A step that failed; the message is the one line the program prints."""


def _say(text: str) -> None:
    print(f"arm64_check: {text}", file=sys.stderr, flush=True)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _run(command: list[str], log: str, what: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs command, appending its stdout and stderr to log; raises CheckError (what, last line) on failure."""
    result = subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=REPO)
    with open(log, "a") as f:
        f.write(f"$ {shlex.join(command)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
        raise CheckError(f"{what} failed (exit {result.returncode}): {lines[-1]} [log: {log}]")
    return result


def _preflight() -> None:
    if os.geteuid() != 0:
        raise CheckError("needs root (debootstrap, chroot, mounts in a private namespace): "
                         "run it as root or with sudo")
    for tool in ("debootstrap", "qemu-aarch64-static", "update-binfmts", "chroot", "unshare"):
        if shutil.which(tool) is None:
            raise CheckError(f"{tool} not found: apt-get update && "
                             "apt-get install -y debootstrap qemu-user-static binfmt-support")
    if not os.path.exists(RUNTIME_PYTHON):
        raise CheckError(f"{RUNTIME_PYTHON} not found: run `make runtime-venv` first")
    for name in _CPUS.value:
        if name not in PI_CORES:
            raise CheckError(f"--cpus: expected cores of {list(PI_CORES)}, got {name!r}")


def _binfmt_interpreter() -> tuple[str, bool]:
    """Registers qemu-aarch64 with binfmt_misc where it is not; returns (interpreter, opened at registration)."""
    entry = "/proc/sys/fs/binfmt_misc/qemu-aarch64"
    if not os.path.exists("/proc/sys/fs/binfmt_misc/register"):
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"],
                       check=False, capture_output=True)
    if not os.path.exists(entry) or "enabled" not in _read(entry):
        subprocess.run(["update-binfmts", "--enable", "qemu-aarch64"], check=False, capture_output=True)
    if not os.path.exists(entry) or "enabled" not in _read(entry):
        # debootstrap's second stage, dpkg and pip start arm64 child processes: each exec needs the kernel
        # to hand the file to qemu, so `qemu-aarch64-static -L ROOT` on one process is not enough.
        raise CheckError("qemu-aarch64 is not registered with binfmt_misc (tried mounting binfmt_misc and "
                         "`update-binfmts --enable qemu-aarch64`); on a container host it needs --privileged")
    fields = dict(line.split(None, 1) for line in _read(entry).splitlines() if " " in line)
    return fields["interpreter"].strip(), "F" in fields.get("flags:", "")


def _apt_mirror() -> str:
    """The URI of the first apt source that serves bookworm's main archive, else deb.debian.org."""
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*"))]:
        if not os.path.isfile(path):
            continue
        text = _read(path)
        if path.endswith(".sources"):  # deb822: paragraphs of Types/URIs/Suites
            for paragraph in text.split("\n\n"):
                fields = dict(line.split(":", 1) for line in paragraph.splitlines()
                              if ":" in line and not line.startswith((" ", "#")))
                if "deb" in fields.get("Types", "").split() and "bookworm" in fields.get("Suites", "").split():
                    return fields["URIs"].split()[0]
        else:
            for line in text.splitlines():
                words = line.split("#", 1)[0].split()
                if words[:1] == ["deb"] and words[1].startswith("[") and "]" in line:
                    words = ["deb"] + line.split("]", 1)[1].split()
                if len(words) >= 3 and words[0] == "deb" and words[2] == "bookworm":
                    return words[1]
    return DEFAULT_MIRROR


def _apt_proxy_env() -> dict:
    env = dict(os.environ)
    shell = subprocess.run(["apt-config", "shell", "PROXY", "Acquire::http::Proxy"],
                           check=False, capture_output=True, text=True)
    proxy = shlex.split(shell.stdout.partition("=")[2]) if shell.returncode == 0 else []
    if proxy and "http_proxy" not in env:
        env["http_proxy"] = proxy[0]
    return env


def _in_root(root: str, command: list[str], cpu: str | None = None) -> list[str]:
    """command run inside the arm64 root, with /proc, /sys and (for cpu) a Pi's /proc/cpuinfo mounted.

    The mounts live in a private mount namespace, so they vanish with the command, even if it fails.
    """
    env = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8", f"PIP_CERT={ROOT_CA_BUNDLE}"]
    mounts = 'mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys"'
    cpuinfo = "/dev/null"
    if cpu:
        env.append(f"QEMU_CPU={cpu}")  # env -i drops it for the children, which are qemu processes too
        cpuinfo = os.path.join(root, ROOT_WORK.lstrip("/"), f"cpuinfo-{cpu}")
        mounts += ' && mount --bind "$c" "$r/proc/cpuinfo"'
    script = f'r=$1; c=$2; shift 2; {mounts} && exec chroot "$r" /usr/bin/env -i "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", root, cpuinfo, *env, *command]


def _write_cpuinfo(path: str, cpu: str) -> None:
    _, features, variant, part, revision = PI_CORES[cpu]
    entry = ("processor\t: {}\nBogoMIPS\t: 108.00\nFeatures\t: " + features + "\nCPU implementer\t: 0x41\n"
             "CPU architecture: 8\nCPU variant\t: " + variant + "\nCPU part\t: " + part
             + "\nCPU revision\t: " + revision + "\n\n")
    with open(path, "w") as f:
        f.writelines(entry.format(i) for i in range(os.cpu_count() or 1))  # the processors the host's /sys lists


def _ensure_root(cache_dir: str, log: str) -> dict:
    """Debian bookworm arm64 with the runtime's venv under cache_dir/root, built on first use.

    Returns {"path", "cached", "built": what this run built, "seconds", "debian", "python", "first_built"}.
    """
    root, partial = os.path.join(cache_dir, "root"), os.path.join(cache_dir, "root.partial")
    record = os.path.join(cache_dir, "built.json")
    interpreter, opened_at_registration = _binfmt_interpreter()
    start, built = time.monotonic(), []
    if not os.path.isfile(os.path.join(root, "etc", "debian_version")):
        mirror = _MIRROR.value or _apt_mirror()
        _say(f"building the Debian bookworm arm64 root in {root} from {mirror} (first run only: about 5 minutes)")
        shutil.rmtree(partial, ignore_errors=True)
        os.makedirs(cache_dir, exist_ok=True)
        _run(["debootstrap", "--foreign", "--arch=arm64", "--variant=minbase", f"--include={ROOT_PACKAGES}",
              "bookworm", partial, mirror], log, "debootstrap --foreign (first stage)", env=_apt_proxy_env())
        if not opened_at_registration:  # the kernel then opens qemu by its path inside the root
            os.makedirs(os.path.dirname(partial + interpreter), exist_ok=True)
            shutil.copy2(interpreter, partial + interpreter)
        _run(["chroot", partial, "/debootstrap/debootstrap", "--second-stage"], log, "debootstrap --second-stage")
        os.rename(partial, root)
        with open(record, "w") as f:
            json.dump({"mirror": mirror, "date": time.strftime("%Y-%m-%d %H:%M")}, f)
        built.append("debian")
    requirements = _read(RUNTIME_REQUIREMENTS)
    stamp = os.path.join(root, ROOT_VENV.lstrip("/"), "requirements-runtime.txt")
    if not os.path.isfile(stamp) or _read(stamp) != requirements:
        _say(f"installing requirements-runtime.txt into {ROOT_VENV} in the arm64 root (pip under emulation)")
        # The network is reached as the host reaches it: its resolver and its CA bundle (a proxy may sign).
        shutil.copy2("/etc/resolv.conf", os.path.join(root, "etc", "resolv.conf"))
        shutil.copy2(os.environ.get("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt"), root + ROOT_CA_BUNDLE)
        shutil.rmtree(root + ROOT_VENV, ignore_errors=True)
        with open(os.path.join(root, "tmp", "requirements-runtime.txt"), "w") as f:
            f.write(requirements)
        _run(_in_root(root, ["/usr/bin/python3", "-m", "venv", ROOT_VENV]), log, "python3 -m venv in the arm64 root")
        pip = [f"{ROOT_VENV}/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run(_in_root(root, pip + ["-r", "/tmp/requirements-runtime.txt"]), log,
             "pip install -r requirements-runtime.txt (arm64)")
        with open(stamp, "w") as f:
            f.write(requirements)
        built.append("venv")
    first = json.loads(_read(record)) if os.path.isfile(record) else {}
    if not built:
        _say(f"reusing the cached arm64 root {root} (built {first.get('date', '?')}; delete it to rebuild)")
    venv = _read(os.path.join(root, ROOT_VENV.lstrip("/"), "pyvenv.cfg")).splitlines()
    version = next((line.split("=")[1].strip() for line in venv if line.startswith("version")), "?")
    return {"path": root, "cached": not built, "built": built, "seconds": round(time.monotonic() - start, 1),
            "debian": _read(os.path.join(root, "etc", "debian_version")).strip(), "python": version,
            "first_built": first}


def _make_models(work_dir: str, log: str) -> tuple[list[str], str]:
    """Small int8 exports of each depth network and 128x416 frames, via the repo's programs; reused when present."""
    py, size = [sys.executable, "-m"], ["--height=64", "--width=208"]
    frames = os.path.join(work_dir, "frames", "seq_000", "image")
    if _FRESH.value or not glob.glob(os.path.join(frames, "*.png")):
        # Frames larger than the models, so that the runtime's resize runs on both platforms too.
        _run(py + ["data_prep.synthetic", f"--output_dir={os.path.dirname(os.path.dirname(frames))}", "--overwrite",
                   "--num_sequences=1", "--frames_per_sequence=4", "--seed=1000", "--height=128", "--width=416"],
             log, "rendering the frames")
    records = os.path.join(work_dir, "records")
    if _FRESH.value or not os.path.isfile(os.path.join(records, "dataset.json")):
        world = os.path.join(work_dir, "world")
        _run(py + ["data_prep.synthetic", f"--output_dir={world}", "--overwrite", "--num_sequences=2",
                   "--frames_per_sequence=12", *size], log, "rendering the training world")
        _run(py + ["data_prep.build_tfrecords", "--dataset_format=synthetic", "--overwrite", f"--dataset_dir={world}",
                   f"--output_dir={records}", *size], log, "writing the TFRecords")
    models, made = [], False
    for network in ("dispnet", "mobile"):
        run_dir, model = os.path.join(work_dir, f"run_{network}"), os.path.join(work_dir, f"{network}_int8.tflite")
        if _FRESH.value or not os.path.isfile(model):
            _say(f"exporting a {_TRAIN_STEPS.value}-step {network} run to {model}")
            shutil.rmtree(run_dir, ignore_errors=True)
            _run(py + ["sfmlearner_tf.train", f"--dataset_dir={records}", f"--checkpoint_dir={run_dir}",
                       f"--depth_net={network}", f"--max_steps={_TRAIN_STEPS.value}", "--batch_size=4", *size,
                       "--logit_range_weight=0.01", "--save_every=100000", "--summary_every=100000"],
                 log, f"training {network}")
            _run(py + ["export.saved_model", f"--checkpoint_dir={run_dir}", f"--output_dir={run_dir}/saved_model",
                       "--overwrite"], log, f"export.saved_model ({network})")
            _run(py + ["export.tflite", f"--saved_model_dir={run_dir}/saved_model", "--quantization=int8",
                       f"--representative_dataset={records}", "--num_calibration=20", "--num_eval=5",
                       "--latency_runs=5", f"--output_file={model}"], log, f"export.tflite int8 ({network})")
            made = True
        models.append(model)
    if not made:
        _say(f"reusing the int8 models in {work_dir} (--fresh re-makes them)")
    return models, frames


def _runtime(command_prefix: list[str], export_dir: str, model: str, frames: str, out_dir: str,
             log: str, what: str) -> dict:
    """Runs the driver (outputs in out_dir); returns {"latency_ms": warm median, "xnnpack": delegate applied}."""
    result = _run(command_prefix + ["-c", _DRIVER, export_dir, model, frames, out_dir, str(_NUM_THREADS.value)],
                  log, what)
    return {"latency_ms": json.loads(result.stdout.strip().splitlines()[-1])["latency_ms"],
            "xnnpack": XNNPACK_LINE in result.stdout + result.stderr}


def _load(out_dir: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = np.load(os.path.join(out_dir, "raw.npz"))
    paths = sorted(glob.glob(os.path.join(out_dir, "*_depth.png")))
    pngs = np.stack([np.asarray(Image.open(path), np.int64) for path in paths])
    return raw["logits"], raw["depth"], pngs


def _compare(x86_dir: str, arm_dir: str) -> dict:
    x_logits, x_depth, x_png = _load(x86_dir)
    a_logits, a_depth, a_png = _load(arm_dir)
    # The int8 output is DEQUANTIZE(q) = scale * (q - zero_point) in float32: adjacent codes differ by
    # the scale, so the smallest gap between distinct values is one quantization step.
    values = np.unique(x_logits)
    step = float(f"{np.min(np.diff(values)):.6g}") if values.size > 1 else None
    logit_diff = float(np.max(np.abs(a_logits - x_logits)))
    steps = round(logit_diff / step, 3) if step else (0.0 if logit_diff == 0 else None)
    return {"identical": bool(np.array_equal(a_logits, x_logits) and np.array_equal(a_png, x_png)),
            "quantization_step": step, "max_logit_diff": logit_diff, "max_diff_steps": steps,
            "max_depth_diff": float(np.max(np.abs(a_depth - x_depth))),
            "max_depth_png_diff": int(np.max(np.abs(a_png - x_png))),
            "pixels": int(x_png.size), "passed": steps is not None and steps <= 1.0 + 1e-3}


def _check(model: str, frames: str, work_dir: str, root: str, log: str) -> list[dict]:
    """model on x86, then in the root for each of --cpus: one result per core (see _compare)."""
    name, inside = os.path.basename(model), os.path.join(root, ROOT_WORK.lstrip("/"))
    shutil.copy2(model, inside)
    x86_dir = os.path.join(work_dir, "out", name, "x86")
    shutil.rmtree(x86_dir, ignore_errors=True)
    os.makedirs(x86_dir)
    x86 = _runtime([RUNTIME_PYTHON], os.path.join(REPO, "export"), model, frames, x86_dir, log,
                   f"x86 runtime on {name}")
    results = []
    for cpu in _CPUS.value:
        _say(f"{name} on arm64 ({cpu}, emulated)")
        out = f"{ROOT_WORK}/out/{name}/{cpu}"
        os.makedirs(root + out)
        arm = _runtime(_in_root(root, [f"{ROOT_VENV}/bin/python"], cpu), ROOT_WORK, f"{ROOT_WORK}/{name}",
                       f"{ROOT_WORK}/frames", out, log, f"arm64 runtime ({cpu}) on {name}")
        results.append({"model": name, "cpu": f"{cpu} ({PI_CORES[cpu][0]})",
                        "xnnpack": {"x86": x86["xnnpack"], "arm64": arm["xnnpack"]},
                        **_compare(x86_dir, root + out),
                        "x86_latency_ms": round(x86["latency_ms"], 1),
                        "emulated_latency_ms": round(arm["latency_ms"], 1)})
    return results


def _print_summary(summary: dict, path: str) -> None:
    root = summary["arm64_root"]
    state = "cached, reused" if root["cached"] else f"built now: {' + '.join(root['built'])}"
    print(f"arm64 root: {root['path']} ({state}, {root['seconds']:.0f} s); Debian {root['debian']}, "
          f"Python {root['python']}")
    print(f"{summary['frames']} frames, {summary['num_threads']} threads; latency: median ms, warm; "
          f"emulated = {LATENCY_NOTE}")
    print(f"{'model':<22}{'arm64 core':<30}{'max diff':>18}{'depth PNG diff':>16}{'x86 ms':>8}{'emulated ms':>13}")
    for r in summary["results"]:
        diff = "identical" if r["identical"] else f"{r['max_diff_steps']} steps"
        print(f"{r['model']:<22}{r['cpu']:<30}{diff:>18}{r['max_depth_png_diff']:>16}"
              f"{r['x86_latency_ms']:>8.1f}{r['emulated_latency_ms']:>13.1f}")
    print(f"total {summary['seconds']:.0f} s; JSON: {path}")


def main(argv):
    del argv
    start = time.monotonic()
    work_dir = os.path.abspath(_WORK_DIR.value)
    log = os.path.join(work_dir, "arm64_check.log")
    try:
        _preflight()
        if _MODELS.value and not _FRAMES.value:
            raise CheckError("--models needs --frames (a folder of images)")
        os.makedirs(work_dir, exist_ok=True)
        open(log, "w").close()
        root = _ensure_root(os.path.expanduser(_CACHE_DIR.value), log)
        models, frames = (_MODELS.value, _FRAMES.value) if _MODELS.value else _make_models(work_dir, log)
        inside = os.path.join(root["path"], ROOT_WORK.lstrip("/"))
        shutil.rmtree(inside, ignore_errors=True)
        shutil.copytree(frames, os.path.join(inside, "frames"))
        shutil.copy2(os.path.join(REPO, "export", "lite_runtime.py"), inside)
        for cpu in _CPUS.value:
            _write_cpuinfo(os.path.join(inside, f"cpuinfo-{cpu}"), cpu)
        results = [r for model in models for r in _check(model, frames, work_dir, root["path"], log)]
    except CheckError as error:
        sys.exit(f"arm64_check: error: {error}")
    summary = {"arm64_root": root, "frames": len(os.listdir(os.path.join(inside, "frames"))),
               "num_threads": _NUM_THREADS.value, "emulated_latency_note": LATENCY_NOTE, "results": results,
               "seconds": round(time.monotonic() - start, 1)}
    path = os.path.join(work_dir, "arm64_check.json")
    with open(path, "w") as f:
        json.dump(summary, f, indent=1)
    _print_summary(summary, path)
    failed = [f"{r['model']} on {r['cpu']}" for r in results if not (r["passed"] and all(r["xnnpack"].values()))]
    if failed:
        sys.exit(f"arm64_check: error: more than one quantization step from x86, or no XNNPACK: {', '.join(failed)}")
    verdict = "identical to" if all(r["identical"] for r in results) else "within one quantization step of"
    print(f"arm64 depth {verdict} x86's for all {len(results)} model/core pairs")


if __name__ == "__main__":
    app.run(main)
