#!/usr/bin/env python3
"""Prints, comma-separated, the system calls a unit's SystemCallFilter= lines
allow, with systemd's meaning: the first line is an allow list, later lines
add to it, lines starting with ~ take away; @groups expand through
`systemd-analyze syscall-filter`.

usage: unit_syscalls.py UNIT_FILE
"""
import subprocess
import sys


def expand(item, seen):
    if not item.startswith("@"):
        return {item}
    if item in seen:
        return set()
    seen.add(item)
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", item],
                         check=True, capture_output=True, text=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            calls |= expand(word, seen)
    return calls


def main():
    allowed = None
    for line in open(sys.argv[1]):
        if not line.startswith("SystemCallFilter="):
            continue
        value = line.split("=", 1)[1].strip()
        deny = value.startswith("~")
        calls = set().union(*(expand(i, set()) for i in value.lstrip("~").split()))
        if allowed is None:
            if deny:
                sys.exit("a deny list first is not an allow list; nothing to emulate")
            allowed = calls
        elif deny:
            allowed -= calls
        else:
            allowed |= calls
    if not allowed:
        sys.exit("no SystemCallFilter= in the unit")
    print(",".join(sorted(allowed)))


if __name__ == "__main__":
    main()
