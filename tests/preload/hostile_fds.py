"""Descriptors of stack sockets dropped by calls other than close(), and
MSG_TRUNC peeks at datagrams a remote sender sized, checked under `tapstack
run` (preload_hostile_test.sh, issue 12). argv[1]: a directory for a Unix
socket; argv[2]: the UDP port the kernel side sends a 1000-byte datagram to
once this prints "udp ready". Prints one line per check; exits non-zero on
the first failure."""
import ctypes
import errno
import os
import select
import socket
import sys
import time

LIBC = ctypes.CDLL(None, use_errno=True)  # the shim's symbols come first
SYS_CLOSE_RANGE = 436  # x86_64 and aarch64
MSG_PEEK = 0x2
MSG_TRUNC = 0x20


def check(name, condition, detail=""):
    if not condition:
        raise SystemExit(f"FAIL {name} {detail}")
    print(f"ok {name}", flush=True)


def bound_fd(port):
    """A stack TCP socket bound to `port`, neither connected nor listening; its raw fd."""
    s = socket.socket()
    s.bind(("0.0.0.0", port))
    return s.detach()


def port_free_again(port, seconds=5):
    """True once a new socket can bind `port` (the daemon frees it when it
    sees the dropped fd, which may take a turn of its loop)."""
    deadline = time.monotonic() + seconds
    while True:
        s = socket.socket()
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError as e:
            if e.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        finally:
            s.close()


class SockaddrUn(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("path", ctypes.c_char * 108)]


def unix_connect(fd, path):
    """connect(2) of the descriptor `fd` to the Unix socket `path`, through
    the shim (a stale entry would route it to the stack: EAFNOSUPPORT)."""
    address = SockaddrUn(socket.AF_UNIX, path.encode())
    if LIBC.connect(fd, ctypes.byref(address), ctypes.sizeof(address)) == 0:
        return True
    return f"connect: {os.strerror(ctypes.get_errno())}"


def dropped(name, port, drop, path):
    """`drop` gets the raw fd of a bound stack socket and returns a
    descriptor that is an AF_UNIX socket at the same number."""
    fd = bound_fd(port)
    unix_fd = drop(fd)
    check(f"{name}: the port is free again", port_free_again(port))
    got = unix_connect(unix_fd, path) if unix_fd == fd else f"got fd {unix_fd}, wanted {fd}"
    check(f"{name}: an AF_UNIX socket at the same number works", got is True, got)
    os.close(unix_fd)


def unix_fd():
    return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).detach()


def by_dup2(fd):
    u = unix_fd()
    os.dup2(u, fd)
    os.close(u)
    return fd


def by_dup3(fd):
    u = unix_fd()
    os.dup2(u, fd, inheritable=False)  # dup3(O_CLOEXEC)
    os.close(u)
    return fd


def by_close_range(fd):
    check("close_range returned 0", LIBC.close_range(fd, fd, 0) == 0, os.strerror(ctypes.get_errno()))
    return unix_fd()  # the lowest free number: fd


def by_fclose(fd):
    LIBC.fdopen.restype = ctypes.c_void_p
    stream = LIBC.fdopen(fd, b"r")
    check("fdopen", stream is not None)
    check("fclose returned 0", LIBC.fclose(ctypes.c_void_p(stream)) == 0)
    return unix_fd()


def by_raw_syscall(fd):
    """Unseen by the shim: only the daemon's watch of the data fd frees the port."""
    check("raw close_range returned 0", LIBC.syscall(SYS_CLOSE_RANGE, fd, fd, 0) == 0)


def msg_trunc(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    print("udp ready", flush=True)
    fd = s.fileno()
    check("the datagram arrived", select.select([s], [], [], 10)[0] == [s])
    n = LIBC.recv(fd, None, 0, MSG_PEEK | MSG_TRUNC)  # the idiom: how long is the next one?
    check("recv(NULL, 0, MSG_PEEK|MSG_TRUNC) returns the full length", n == 1000, f"got {n}")
    buf = ctypes.create_string_buffer(b"\xa5" * 64)
    n = LIBC.recv(fd, buf, 4, MSG_PEEK | MSG_TRUNC)
    check("MSG_TRUNC with a 4-byte buffer: full length, 4 bytes written",
          n == 1000 and buf.raw[:4] == b"xxxx" and buf.raw[4:64] == b"\xa5" * 60, f"got {n}")
    data, _, flags, _ = s.recvmsg(4)
    check("recvmsg into 4 bytes: 4 bytes and MSG_TRUNC in msg_flags",
          data == b"xxxx" and flags & MSG_TRUNC, f"{len(data)} bytes, flags {flags:#x}")
    s.close()


def main():
    path = os.path.join(sys.argv[1], "unix.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    dropped("dup2", 7101, by_dup2, path)
    dropped("dup3", 7102, by_dup3, path)
    dropped("close_range", 7103, by_close_range, path)
    dropped("fclose", 7104, by_fclose, path)
    fd = bound_fd(7105)
    by_raw_syscall(fd)
    check("a raw close_range (not seen by the shim): the daemon frees the port", port_free_again(7105))
    msg_trunc(int(sys.argv[2]))


main()
