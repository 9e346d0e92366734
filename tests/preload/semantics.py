"""Socket semantics an unmodified program relies on, checked under
`tapstack run` (preload_semantics_test.sh). The kernel side (10.0.0.1) runs
kernel_echo.py: TCP echo on 6000, UDP echo on 6001, and TCP echo on
127.0.0.1:6002 (the namespace's loopback: the shim leaves loopback to the
kernel). Prints one line per check; exits non-zero on the first failure."""
import errno
import os
import select
import socket
import struct
import threading

HOST = "10.0.0.1"
CLOSED = 6999


def check(name, condition, detail=""):
    if not condition:
        raise SystemExit(f"FAIL {name} {detail}")
    print(f"ok {name}", flush=True)


def echo_once(s, payload=b"hello"):
    s.sendall(payload)
    got = b""
    while len(got) < len(payload):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


def blocking_refused():
    s = socket.socket()
    try:
        s.connect((HOST, CLOSED))
        check("blocking connect to a closed port is refused", False)
    except ConnectionRefusedError:
        check("blocking connect to a closed port is refused", True)
    finally:
        s.close()


def nonblocking_connect(port, expect):
    s = socket.socket()
    s.setblocking(False)
    rc = s.connect_ex((HOST, port))
    check(f"non-blocking connect to {port} says EINPROGRESS", rc == errno.EINPROGRESS, os.strerror(rc))
    _, w, _ = select.select([], [s], [], 10)
    check(f"non-blocking connect to {port}: writable", bool(w))
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    check(f"non-blocking connect to {port}: SO_ERROR {errno.errorcode.get(expect, expect)}", err == expect,
          os.strerror(err))
    if expect == 0:
        again = s.connect_ex((HOST, port))
        check("second connect says EISCONN", again == errno.EISCONN, os.strerror(again))
        s.setblocking(True)
        check("echo after a non-blocking connect", echo_once(s) == b"hello")
        check("getpeername", s.getpeername() == (HOST, port), str(s.getpeername()))
        check("getsockname is the stack's address", s.getsockname()[0] == "10.0.0.2", str(s.getsockname()))
        tcp_info_and_congestion(s)
    s.close()


def tcp_info_and_congestion(s):
    """iperf3 and others read TCP_INFO and TCP_CONGESTION (and may set the
    latter, which the stack then uses and reports): the whole buffer
    must come back defined (Linux fills min(len, sizeof tcp_info); 104
    is the classic size), with the stack's figures for this connection."""
    info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    state, snd_mss, cwnd = info[0], struct.unpack_from("I", info, 16)[0], struct.unpack_from("I", info, 80)[0]
    check("TCP_INFO fills the buffer asked for: ESTABLISHED, an MSS and a cwnd",
          len(info) == 104 and state == 1 and snd_mss > 0 and cwnd > 0, info.hex())
    # Options the stack keeps read back from it, Linux's way.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
    check("TCP_KEEPIDLE reads back", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30)
    check("TCP_KEEPCNT reads the [tcp] default", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 9)
    check("TCP_MAXSEG reads the MSS in use", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG) == snd_mss)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 100000)
    check("SO_SNDBUF reads back doubled", s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) == 200000,
          str(s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)))
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 0)
        check("TCP_KEEPCNT 0 is refused", False)
    except OSError as e:
        check("TCP_KEEPCNT 0 is refused with EINVAL", e.errno == errno.EINVAL, str(e))
    ca = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
    check("TCP_CONGESTION names the stack's default, CUBIC", ca == b"cubic".ljust(16, b"\0"), repr(ca))
    # Set on the connection, read back from the stack; Linux's names only.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"reno")
    ca = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
    check("TCP_CONGESTION set to reno reads back reno", ca.rstrip(b"\0") == b"reno", repr(ca))
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"newreno")
        check("TCP_CONGESTION newreno is refused", False)
    except OSError as e:
        check("TCP_CONGESTION newreno is refused with ENOENT", e.errno == errno.ENOENT, os.strerror(e.errno))
    check("echo after switching to reno", echo_once(s) == b"hello")


def dual_stack():
    s = socket.socket(socket.AF_INET6)
    s.connect(("::ffff:" + HOST, 6000))
    check("AF_INET6 connect to a mapped address", echo_once(s) == b"hello")
    check("AF_INET6 getpeername is mapped", s.getpeername()[:2] == ("::ffff:" + HOST, 6000), str(s.getpeername()))
    check("SO_DOMAIN is AF_INET6", s.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) == socket.AF_INET6)
    check("SO_TYPE is SOCK_STREAM", s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_STREAM)
    s.close()
    s = socket.socket(socket.AF_INET6)
    try:
        s.connect(("2001:db8::1", 80))
        check("other IPv6 destinations are unreachable", False)
    except OSError as e:
        check("other IPv6 destinations are unreachable", e.errno == errno.ENETUNREACH, str(e))
    s.close()


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    check("UDP SO_TYPE is SOCK_DGRAM", s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(b"datagram", (HOST, 6001))
    data, peer = s.recvfrom(2048)
    check("UDP sendto/recvfrom through the stack", data == b"datagram" and peer == (HOST, 6001), f"{data} {peer}")
    s.connect((HOST, 6001))
    s.send(b"connected")
    check("connected UDP send/recv", s.recv(2048) == b"connected")
    s.close()


def loopback():
    s = socket.create_connection(("127.0.0.1", 6002), timeout=5)
    check("loopback stays on the kernel", echo_once(s) == b"hello" and s.getsockname()[0] == "127.0.0.1",
          str(s.getsockname()))
    s.close()


def threads():
    results = []
    def one(i):
        with socket.create_connection((HOST, 6000), timeout=10) as c:
            results.append(echo_once(c, b"thread %d" % i) == b"thread %d" % i)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    check("6 threads connect and echo at once", results == [True] * 6, str(results))


def fork():
    s = socket.create_connection((HOST, 6000), timeout=10)
    pid = os.fork()
    if pid == 0:
        ok = echo_once(s, b"from the child") == b"from the child"
        s.close()
        with socket.create_connection((HOST, 6000), timeout=10) as c:  # a session of its own
            ok = ok and echo_once(c, b"new in child") == b"new in child"
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    check("after fork the child uses the inherited socket and opens new ones", status == 0, str(status))
    check("the parent's socket still works after fork", echo_once(s, b"parent") == b"parent")
    s.close()


def names():
    infos = socket.getaddrinfo("web.test", 80, type=socket.SOCK_STREAM)
    check("getaddrinfo through the stack's resolver", infos and infos[0][4][0] == HOST, str(infos))
    try:
        socket.getaddrinfo("no-such-name.test", 80)
        check("unknown names fail", False)
    except socket.gaierror:
        check("unknown names fail", True)


blocking_refused()
nonblocking_connect(CLOSED, errno.ECONNREFUSED)
nonblocking_connect(6000, 0)
dual_stack()
udp()
loopback()
threads()
fork()
names()
