#!/usr/bin/python3
"""man_covers_help: the man page documents exactly what --help lists.

Fails, listing each problem, when the man page source does not mention a command, an
option (long or short), a simulator key or an exit status that `rocketctl [<command>] --help`
lists, or when it documents a command, long option, simulator key or exit status that
--help does not list (stale docs).

usage: man_covers_help.py ROCKETCTL MAN_PAGE.scd
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import help_surface  # noqa: E402

# Long options the page may mention that are not rocketctl's (other programs' options in
# examples). Keep it short: everything else must be in --help.
FOREIGN_LONG_OPTIONS = set()


def split_sections(text):
    """{"NAME": [lines], "COMMANDS": [...], "Simulator keys": [...]}: "# X" and "## X"."""
    out, current = {}, None
    for line in text.splitlines():
        m = re.match(r"(#{1,2}) (.+)", line)
        if m:
            current = out.setdefault(m.group(2).strip(), [])
        elif current is not None:
            current.append(line)
    return out


def strip_markup(line):
    return re.sub(r"(?<![\\\w])[*_]|[*_](?![\w])", "", line).replace("\\", "")


def command_lines(text, sections):
    """The command lines the page shows: SYNOPSIS and the lines of ``` blocks that run
    rocketctl (also after `$(`, `|`, `;`, `&&`)."""
    lines = [strip_markup(l) for l in sections.get("SYNOPSIS", []) if l.strip()]
    in_block = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            for m in re.finditer(r"(?:^|\$\(|[|;&]\s*)\s*(rocketctl\b[^|;&)]*)", line.strip()):
                lines.append(m.group(1))
    return [l for l in lines if l.lstrip().startswith("rocketctl")]


def command_of(line, value_options):
    """The command a rocketctl command line runs, or None ("rocketctl --version")."""
    # Optional parts "[...]" of a synopsis name no command.
    while True:
        shorter = re.sub(r"\[[^\[\]]*\]", " ", line)
        if shorter == line:
            break
        line = shorter
    words = line.split()[1:]
    i = 0
    while i < len(words):
        w = words[i]
        if w == "|":
            i += 1
        elif w.startswith("-"):
            name = w.split("=", 1)[0]
            i += 2 if (name in value_options and "=" not in w) else 1
        else:
            return w
    return None


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: man_covers_help.py ROCKETCTL MAN_PAGE.scd")
    binary, page = sys.argv[1], Path(sys.argv[2])
    s = help_surface.surface(binary)
    text = page.read_text(encoding="utf-8")
    secs = split_sections(text)
    problems = []

    # Commands: a "*name*" entry in COMMANDS, and nothing else there.
    documented = []
    for line in secs.get("COMMANDS", []):
        m = re.match(r"\*([a-z][a-z0-9-]*)\*", line)
        if m:
            documented.append(m.group(1))
    for c in s.commands:
        if c not in documented:
            problems.append(f"command '{c}' (in --help) has no entry in COMMANDS")
    for c in documented:
        if c not in s.commands:
            problems.append(f"COMMANDS documents '{c}', which --help does not list")
    # ... and the examples and synopsis run only existing commands.
    values = s.value_options()
    for line in command_lines(text, secs):
        c = command_of(line, values)
        if c is not None and c not in s.commands:
            problems.append(f"'{line.strip()}' runs command '{c}', which --help does not list")

    # Options: every one in --help is mentioned; every long one mentioned is in --help.
    for name in s.all_longs():
        if not re.search(re.escape(name) + r"(?![\w-])", text):
            problems.append(f"option {name} (in --help) is not in the man page")
    for name in s.all_shorts():
        if not re.search(r"\*" + re.escape(name) + r"\*", text):
            problems.append(f"option {name} (in --help) is not in the man page as *{name}*")
    longs = set(s.all_longs())
    for name in sorted(set(re.findall(r"(?<![\w-])--[A-Za-z0-9][\w-]*", text))):
        if name not in longs and name not in FOREIGN_LONG_OPTIONS:
            problems.append(f"the man page mentions {name}, which --help does not list")

    # Simulator keys: a "*key=*" entry under "Simulator keys", and nothing else there.
    keys_doc = []
    for line in secs.get("Simulator keys", []):
        m = re.match(r"\*([a-z][a-z0-9-]*)=", line)
        if m:
            keys_doc.append(m.group(1))
    for k in s.sim_keys:
        if k not in keys_doc:
            problems.append(f"simulator key '{k}=' (in simulate --help) is not under 'Simulator keys'")
    for k in keys_doc:
        if k not in s.sim_keys:
            problems.append(f"'Simulator keys' documents '{k}=', which simulate --help does not list")

    # Exit statuses: the same numbers as the --help footer.
    statuses = [int(m.group(1)) for l in secs.get("EXIT STATUS", [])
                if (m := re.fullmatch(r"\*(\d+)\*", l.strip()))]
    if not s.exit_statuses:
        problems.append("--help lists no exit statuses (footer 'Exit status: ...' not found)")
    for e in s.exit_statuses:
        if e not in statuses:
            problems.append(f"exit status {e} (in --help) is not in EXIT STATUS")
    for e in statuses:
        if s.exit_statuses and e not in s.exit_statuses:
            problems.append(f"EXIT STATUS documents {e}, which --help does not list")

    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "JSON OUTPUT",
                    "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "NOTES", "SEE ALSO"):
        if section not in secs:
            problems.append(f"section {section} is missing")

    if problems:
        print(f"{page} does not match {binary} --help:")
        for p in problems:
            print("  -", p)
        return 1
    print(f"{page}: {len(s.commands)} commands, {len(longs)} long options, "
          f"{len(s.sim_keys)} simulator keys, {len(s.exit_statuses)} exit statuses: all documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
