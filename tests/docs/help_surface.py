#!/usr/bin/python3
"""What `rocketctl --help` and `rocketctl <command> --help` document: the commands, their
options, the simulator keys of `simulate -o` and the exit statuses.

The docs tests compare the man page and the shell completions against this, so that a new
command, option or simulator key cannot ship undocumented, and a removed one cannot stay
documented. Run directly, it prints one fact a line:

    command status
    option - --iface arg        (global options: command "-")
    option status --watch flag
    option log/dump --force flag   (a command's subcommand: "log dump")
    simkey cells
    exit 130
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

GLOBAL = "-"


@dataclass
class Option:
    names: list            # ["-i", "--iface"]
    takes_value: bool      # "-i,--iface NAME" yes, "--json" no

    @property
    def longs(self):
        return [n for n in self.names if n.startswith("--")]

    @property
    def shorts(self):
        return [n for n in self.names if not n.startswith("--")]


@dataclass
class Surface:
    commands: list = field(default_factory=list)
    options: dict = field(default_factory=dict)     # command or GLOBAL -> [Option]
    sim_keys: list = field(default_factory=list)
    exit_statuses: list = field(default_factory=list)

    def longs(self, command):
        return [n for o in self.options.get(command, []) for n in o.longs]

    def shorts(self, command):
        return [n for o in self.options.get(command, []) for n in o.shorts]

    def all_longs(self):
        return sorted({n for opts in self.options.values() for o in opts for n in o.longs})

    def all_shorts(self):
        return sorted({n for opts in self.options.values() for o in opts for n in o.shorts})

    def value_options(self):
        return {n for opts in self.options.values() for o in opts if o.takes_value for n in o.names}


def run_help(binary, args):
    env = dict(os.environ, LC_ALL="C", NO_COLOR="1", TERM="dumb")
    env.pop("ROCKETCTL_IFACE", None)
    p = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, env=env,
                       timeout=30)
    if p.returncode != 0:
        raise SystemExit(f"{binary} {' '.join(args)} --help: exit status {p.returncode}\n{p.stderr}")
    return p.stdout


def sections(text):
    """{"Options": [lines], "Subcommands": [lines], ...}: the indented lines under each
    "Heading:" line of CLI11's help."""
    out, current = {}, None
    for line in text.splitlines():
        m = re.fullmatch(r"([A-Z][A-Za-z ]*):", line)
        if m:
            current = out.setdefault(m.group(1), [])
        elif current is not None and line.startswith(" "):
            current.append(line)
        else:
            current = None
    return out


def parse_options(lines):
    options = []
    for line in lines:
        # "  -i,--iface NAME   CAN interface...", "  --json   Print...": two spaces, then a dash.
        # Deeper-indented lines continue the description (and list the simulator keys).
        m = re.match(r"  (-[^\s]+)( (?! )(\S+))?", line)
        if not m:
            continue
        names = m.group(1).split(",")
        options.append(Option(names, takes_value=m.group(3) is not None))
    return options


def parse_commands(lines):
    cmds = []
    for line in lines:
        m = re.match(r"  ([a-z][a-z0-9-]*)(\s{2,}|$)", line)
        if m:
            cmds.append(m.group(1))
    return cmds


def parse_sim_keys(lines):
    keys = []
    for line in lines:
        m = re.match(r"\s{3,}([a-z][a-z0-9-]*)=\S+\s{2,}\S", line)
        if m:
            keys.append(m.group(1))
    return keys


def parse_exit_statuses(text):
    # Footer: "Exit status: 0 all normal, 1 something not normal, ... 130 interrupted."
    m = re.search(r"Exit status:(.*?)(\.\s|\.$)", text, re.S)
    if not m:
        return []
    return [int(n) for n in re.findall(r"(?:^|,)\s*(\d+)\s+[a-z]", m.group(1))]


def surface(binary):
    top = run_help(binary, [])
    s = Surface()
    secs = sections(top)
    s.options[GLOBAL] = parse_options(secs.get("Options", []))
    s.commands = parse_commands(secs.get("Subcommands", []))
    s.exit_statuses = parse_exit_statuses(top)
    if not s.commands:
        raise SystemExit(f"{binary} --help lists no subcommands:\n{top}")
    for c in s.commands:
        sub = sections(run_help(binary, [c]))
        opts = parse_options(sub.get("Options", []))
        # --help is a global option; CLI11 repeats it for every command.
        s.options[c] = [o for o in opts if "--help" not in o.names]
        s.sim_keys += parse_sim_keys(sub.get("Options", []))
        # A command's own subcommands (`log dump`): their options under "log dump", printed
        # as "option log/dump --force flag" (one field, so it is never taken for "log").
        for n in parse_commands(sub.get("Subcommands", [])):
            nested = sections(run_help(binary, [c, n]))
            s.options[f"{c} {n}"] = [o for o in parse_options(nested.get("Options", []))
                                     if "--help" not in o.names]
    return s


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: help_surface.py ROCKETCTL")
    s = surface(sys.argv[1])
    for c in s.commands:
        print("command", c)
    for c, opts in s.options.items():
        for o in opts:
            for n in o.names:
                print("option", c.replace(" ", "/"), n, "arg" if o.takes_value else "flag")
    for k in s.sim_keys:
        print("simkey", k)
    for e in s.exit_statuses:
        print("exit", e)


if __name__ == "__main__":
    main()
