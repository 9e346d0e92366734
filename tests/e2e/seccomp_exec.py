#!/usr/bin/env python3
"""Runs a program under a system call allow list, as the unit's
SystemCallFilter= does (any other call fails with EPERM), so a test can
start the hardened unit's command line without systemd. Uses libseccomp
through ctypes; the caller must have no_new_privs set (setpriv --no-new-privs).

usage: seccomp_exec.py SYSCALL,SYSCALL,… PROGRAM ARGS…
"""
import ctypes
import errno
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000


def scmp_act_errno(e):
    return 0x00050000 | (e & 0xFFFF)


def main():
    names, argv = sys.argv[1].split(","), sys.argv[2:]
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(scmp_act_errno(errno.EPERM))
    allowed = 0
    for name in names:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:
            continue  # not a call on this architecture (e.g. the 32-bit variants)
        if lib.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, number, 0) != 0:
            sys.exit(f"seccomp_rule_add {name} failed")
        allowed += 1
    if lib.seccomp_load(ctx) != 0:
        sys.exit("seccomp_load failed (no_new_privs unset?)")
    print(f"seccomp_exec: {allowed} system calls allowed", file=sys.stderr, flush=True)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
