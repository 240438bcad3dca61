#!/usr/bin/python3
"""zsh_fish_completion: the zsh and fish completions complete what `rocketctl --help`
documents, like the bash one (bash_completion.sh).

fish: `complete -C LINE` after sourcing completions/rocketctl.fish. zsh: an interactive zsh
on a pseudo-terminal with the completion system (zsh_capture.zsh), LINE typed and a TAB.
A missing shell fails the test when CI=true (CI installs zsh and fish), else skips it (77).

usage: zsh_fish_completion.py ROCKETCTL ZSH_COMPLETION FISH_COMPLETION
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import help_surface  # noqa: E402

SKIP = 77
NOW = "2026-11-24T10:05:33"  # what settime --at offers (_ROCKETCTL_NOW; else the local time)


class Shell:
    def __init__(self, name, env, cwd):
        self.name, self.env, self.cwd = name, env, cwd
        self.failures = 0

    def fail(self, message):
        print(f"FAIL [{self.name}]: {message}")
        self.failures += 1

    def matches(self, line):
        raise NotImplementedError

    def expect_exactly(self, line, want):
        got = self.matches(line)
        if got is None:
            return
        if sorted(set(got)) != sorted(set(want)):
            self.fail(f"'{line}<TAB>': expected {sorted(set(want))}, got {sorted(set(got))}")
        else:
            print(f"ok [{self.name}]: '{line}<TAB>' -> {sorted(set(got))}")

    def expect_includes(self, line, want):
        got = self.matches(line)
        if got is None:
            return
        missing = [w for w in want if w not in got]
        if missing:
            self.fail(f"'{line}<TAB>': missing {missing} in {sorted(set(got))}")
        else:
            print(f"ok [{self.name}]: '{line}<TAB>' includes {len(want)} expected")

    def expect_only(self, line, allowed):
        got = self.matches(line)
        if got is None:
            return
        extra = sorted(set(got) - set(allowed))
        if extra:
            self.fail(f"'{line}<TAB>' offers {extra}, which --help does not list")


class Fish(Shell):
    def __init__(self, script, env, cwd):
        super().__init__("fish", env, cwd)
        self.script = script

    def matches(self, line):
        p = subprocess.run(["fish", "--no-config", "-c",
                            "source $argv[1]; complete -C $argv[2]", self.script, line],
                           capture_output=True, text=True, env=self.env, cwd=self.cwd, timeout=60)
        if p.returncode != 0 or p.stderr.strip():
            self.fail(f"'{line}<TAB>': fish exited {p.returncode}: {p.stderr.strip()}")
            return None
        words = [l.split("\t", 1)[0] for l in p.stdout.splitlines() if l]
        # fish prints "--lang=en" for "--lang=": compare the value, like zsh and bash.
        tail = line.split()[-1] if line and not line.endswith(" ") else ""
        if "=" in tail and tail.startswith("-"):
            prefix = tail[: tail.index("=") + 1]
            words = [w[len(prefix):] if w.startswith(prefix) else w for w in words]
        return words


class Zsh(Shell):
    """zsh starts slowly (compinit): matches() collects the lines, run() completes them all
    in one zsh session and then checks the expectations."""

    def __init__(self, script, env, cwd):
        super().__init__("zsh", env, cwd)
        self.fpath = tempfile.mkdtemp(prefix="rocketctl-zsh-")
        shutil.copy(script, Path(self.fpath) / "_rocketctl")
        self.results = None
        self.pending = []

    def matches(self, line):
        if self.results is None:
            self.pending.append(line)
            return None
        return self.results.get(line)

    def run(self, cases):
        cases(self)  # collect the lines
        lines = list(dict.fromkeys(self.pending))
        try:
            p = subprocess.run(["zsh", "-f", str(HERE / "zsh_capture.zsh"), self.fpath, *lines],
                               capture_output=True, text=True, env=self.env, cwd=self.cwd,
                               timeout=300)
        except subprocess.TimeoutExpired:
            self.fail("zsh_capture timed out")
            return
        finally:
            shutil.rmtree(self.fpath, ignore_errors=True)
        if p.returncode != 0:
            self.fail(f"zsh_capture exited {p.returncode}: {p.stderr.strip()}")
            return
        self.results, current = {}, None
        for out in p.stdout.splitlines():
            if out.startswith("## "):
                current = self.results.setdefault(out[3:], [])
            elif out and current is not None:
                # zsh quotes what it would insert ("with\\ space.dbc"); unquote blanks.
                current.append(out.replace("\\ ", " "))
        for line in lines:
            if line not in self.results:
                self.fail(f"'{line}<TAB>': no result from zsh_capture")
        cases(self)  # check


def run_cases(sh, s):
    globals_long = s.longs(help_surface.GLOBAL)
    sim_keys = [k + "=" for k in s.sim_keys]
    all_longs = s.all_longs()
    # The cases of bash_completion.sh.
    sh.expect_exactly("rocketctl ", s.commands)
    sh.expect_exactly("rocketctl sta", ["status"])
    sh.expect_includes("rocketctl status --", ["--watch"] + globals_long)
    sh.expect_exactly("rocketctl -i ", ["sim", "can0", "vcan0"])
    sh.expect_exactly("rocketctl --lang ", ["en", "it"])
    sh.expect_includes("rocketctl simulate -o ", ["cells="] + sim_keys)
    sh.expect_exactly("rocketctl --lang=", ["en", "it"])
    sh.expect_exactly("rocketctl -i sim --address 2 --timeout 500 fa", ["faults"])
    sh.expect_exactly("rocketctl --json -i can0 c", ["cells", "check"])
    sh.expect_exactly("rocketctl simulate -o ce", ["cells=", "cell-count="])
    sh.expect_exactly("rocketctl simulate -o pa", ["packs="])
    sh.expect_exactly("rocketctl simulate --b", ["--bench", "--bench-gap", "--bench-loop"])
    sh.expect_exactly("rocketctl --dbc ", ["pack.dbc", "OTHER.DBC", "maps/"] if sh.name == "fish"
                      else ["pack.dbc", "OTHER.DBC", "maps"])
    # scan, settime and sleep.
    sh.expect_includes("rocketctl settime --", ["--auto", "--report", "--max-drift", "--count"])
    sh.expect_exactly("rocketctl sl", ["sleep"])
    sh.expect_exactly("rocketctl s", ["status", "scan", "settime", "sleep", "simulate"])
    sh.expect_includes("rocketctl sleep -", ["-y"])
    sh.expect_exactly("rocketctl settime --auto --report ",
                      ["bench.csv", "OLD.CSV", "maps/"] if sh.name == "fish"
                      else ["bench.csv", "OLD.CSV", "maps"])
    sh.expect_exactly("rocketctl settime --at ", [NOW])
    sh.expect_exactly("rocketctl -i can0 settime --at=", [NOW])
    # Coverage: every command's long options and the global ones; nothing --help lacks.
    for c in s.commands:
        sh.expect_includes(f"rocketctl {c} --", s.longs(c) + globals_long)
        sh.expect_only(f"rocketctl {c} --", all_longs)
    sh.expect_includes("rocketctl --", globals_long)
    sh.expect_only("rocketctl --", globals_long)
    sh.expect_only("rocketctl simulate -o ", sim_keys)


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: zsh_fish_completion.py ROCKETCTL ZSH_COMPLETION FISH_COMPLETION")
    binary, zsh_file, fish_file = sys.argv[1:]
    s = help_surface.surface(binary)

    tmp = Path(tempfile.mkdtemp(prefix="rocketctl-comp-"))
    for name, kind in (("can0", 280), ("vcan0", 280), ("eth0", 1), ("lo", 772)):
        (tmp / "net" / name).mkdir(parents=True)
        (tmp / "net" / name / "type").write_text(f"{kind}\n")
    files = tmp / "files"
    (files / "maps").mkdir(parents=True)
    for f in ("pack.dbc", "OTHER.DBC", "notes.txt", "bench.csv", "OLD.CSV"):
        (files / f).touch()
    env = dict(os.environ, _ROCKETCTL_SYS_CLASS_NET=str(tmp / "net"), LC_ALL="C.UTF-8",
               HOME=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"),
               ZDOTDIR=str(tmp), _ROCKETCTL_NOW=NOW)

    failures, missing = 0, []
    for name, cls, script in (("zsh", Zsh, zsh_file), ("fish", Fish, fish_file)):
        if shutil.which(name) is None:
            missing.append(name)
            continue
        sh = cls(str(Path(script).resolve()), env, files)
        if isinstance(sh, Zsh):
            sh.run(lambda z: run_cases(z, s))
        else:
            run_cases(sh, s)
        failures += sh.failures
    shutil.rmtree(tmp, ignore_errors=True)

    if failures:
        print(f"{failures} failure(s)")
        return 1
    if missing:
        if os.environ.get("CI") == "true":
            print(f"FAIL: not installed: {' '.join(missing)} (CI=true: install the Debian packages {' '.join(missing)})")
            return 1
        print(f"SKIP: not installed: {' '.join(missing)}")
        return SKIP
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
