"""Write the README's measured numbers from one run of this machine: the
benchmark summary (every ratio with its spread and target, MISSED where
missed) and the time each README command takes, each as a range over its
runs, with the CPU and the date. Nothing in those blocks is typed by hand.

    python tools/readme_numbers.py            # measure, then rewrite README.md's blocks
    python tools/readme_numbers.py --check    # fail if a block is missing (CI: no measuring)

Run it from the repository root in an environment with the test extras,
torch, dask and transformers (what .ci/run installs), on an idle machine:
about 15 minutes on 2 cores. The blocks sit between
``<!-- readme_numbers: NAME -->`` and ``<!-- /readme_numbers -->``.
"""
import argparse
import datetime
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

from fastinit._config import cpu_name

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCKS = ("times", "speed")
BLOCK = re.compile(r"(<!-- readme_numbers: (\w+) -->\n)(.*?)(<!-- /readme_numbers -->)", re.S)




def timed(cmd, cwd=ROOT, env=None):
    """Seconds one command takes (its output discarded); it must succeed."""
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=3600)
    return time.perf_counter() - start


def span(seconds):
    """'31-35 s' or '2.1-2.4 min' over the runs."""
    lo, hi = min(seconds), max(seconds)
    if hi < 120:
        return f"{lo:.0f}-{hi:.0f} s" if round(lo) != round(hi) else f"{lo:.0f} s"
    return f"{lo / 60:.1f}-{hi / 60:.1f} min"


def measure_times(rounds):
    """The README's commands, each timed ``rounds`` times."""
    py = sys.executable
    out = {}
    out["build"] = []
    for _ in range(rounds):     # a fresh clone's build, as a user's pip install makes it
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["git", "clone", "-q", str(ROOT), f"{tmp}/clone"], check=True)
            out["build"].append(timed([py, "-m", "pip", "wheel", "--no-deps", "-q", "-w", f"{tmp}/w",
                                       f"{tmp}/clone"]))
    out["compare"] = [timed([py, "-m", "fastinit", "compare", "--no-progress"], cwd="/")
                      for _ in range(rounds)]
    out["tests"] = [timed([py, "-m", "pytest", "-q", "-p", "no:cacheprovider"]) for _ in range(rounds)]
    out["benchmarks"] = [timed([py, "-m", "pytest", "--benchmark-only", "-q", "-p", "no:cacheprovider"])
                         for _ in range(rounds)]
    return out


def run_benchmarks():
    """The summary sections of one full benchmark run (heavy sections included)."""
    res = subprocess.run([sys.executable, "-m", "pytest", "--benchmark-only", "--benchmark-heavy", "-q",
                          "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True,
                         timeout=3600)
    if res.returncode != 0:
        raise SystemExit(f"the benchmark run failed:\n{res.stdout[-3000:]}\n{res.stderr[-2000:]}")
    (ROOT / "readme-figures").mkdir(exist_ok=True)
    (ROOT / "readme-figures" / "benchmarks.txt").write_text(res.stdout)
    sections, name = {}, None
    for line in res.stdout.splitlines():
        head = re.match(r"=+ (.*?) =+$", line)
        if head:
            name = head.group(1)
            sections[name] = []
        elif name and line.strip() and not line.startswith(("SKIPPED", "Not in this run")):
            sections[name].append(line.rstrip())
    return sections


def speed_block(sections, when, cpu):
    keep = [(title, rows) for title, rows in sections.items()
            if title.startswith(("at scale", "on the CPU", "busy machine", "fastinit speed-up",
                                 "targets missed"))]
    out = [f"Measured by `python tools/readme_numbers.py` on {when}: **{cpu}**, "
           f"{os.cpu_count()} CPUs, `pytest --benchmark-only --benchmark-heavy` (the summary's "
           "sections as printed: each ratio, in brackets its spread over the rounds, then its "
           "target; MISSED where this run missed it).", ""]
    for title, rows in keep:
        out += [f"{title}:", "", "```", *rows, "```", ""]
    return "\n".join(out)


def times_block(times, when, cpu):
    return (f"On **{cpu}** ({os.cpu_count()} CPUs, {when}; `python tools/readme_numbers.py`, "
            f"{len(times['build'])} runs each): the build takes {span(times['build'])}, "
            f"`python -m fastinit compare` {span(times['compare'])}, `pytest` "
            f"{span(times['tests'])} and `pytest --benchmark-only` {span(times['benchmarks'])}.\n")


def splice(text, blocks):
    def put(m):
        name = m.group(2)
        return m.group(1) + blocks[name] + m.group(4) if name in blocks else m.group(0)
    return BLOCK.sub(put, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that every block is there")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each timed command")
    parser.add_argument("--speed-only", action="store_true", help="only the benchmark block")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    found = {m.group(2) for m in BLOCK.finditer(text)}
    missing = set(BLOCKS) - found
    if missing:
        raise SystemExit(f"README.md lacks the readme_numbers blocks {sorted(missing)}")
    if args.check:
        print(f"README.md has its generated blocks: {', '.join(sorted(found))}")
        return
    when, cpu = datetime.date.today().isoformat(), cpu_name()
    sections = run_benchmarks()
    blocks = {"speed": speed_block(sections, when, cpu)}
    if not args.speed_only:
        blocks["times"] = times_block(measure_times(args.rounds), when, cpu)
    README.write_text(splice(text, blocks), encoding="utf-8")
    print(f"README.md: wrote the blocks {', '.join(blocks)} ({cpu}, {when}); the benchmark output is in "
          "readme-figures/benchmarks.txt")


if __name__ == "__main__":
    main()
