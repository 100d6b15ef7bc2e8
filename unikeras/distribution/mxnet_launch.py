"""Start an MXNet ``dist_sync`` run on this host: one scheduler, the servers and the workers, with a watchdog.

    python -m unikeras.distribution.mxnet_launch -n 2 [-s 1] [--timeout S] script.py args...

MXNet's own launcher (``tools/launch.py``, ``dmlc_tracker``) fails on Python 3.11, so this one sets
ps-lite's variables itself: every process gets ``DMLC_PS_ROOT_URI`` / ``DMLC_PS_ROOT_PORT`` (the
scheduler's address, a free port on 127.0.0.1), ``DMLC_NUM_SERVER``, ``DMLC_NUM_WORKER`` and its
``DMLC_ROLE``. ps-lite assigns the workers' ranks itself (``kv.rank``), not in launch order.

The scheduler and the servers run the loop of MXNet's ``kvstore_server`` module (what ``import mxnet``
runs with ``DMLC_ROLE=server`` or ``scheduler``) straight from ``libmxnet``: no Python MXNet import,
so no NumPy (its ``np.bool`` alias fix is not needed there) and no 5 s start-up. Those servers sum
what the workers push; a server-side optimizer (``kv.set_optimizer``) is refused with an error.

ps-lite has no timeout: a worker waits forever for a peer that died. The launcher is the watchdog:
when a worker exits non-zero, or a scheduler or server exits before the workers are done, it kills
every process at once and exits with the worker's code (1 for a scheduler or server); past
``timeout`` seconds it kills everything and exits with 124. Each child runs in its own process group
and dies with the launcher (``PR_SET_PDEATHSIG`` on Linux).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence

TIMEOUT_EXIT_CODE = 124
SERVER_GRACE_S = 10.0  # how long the scheduler and servers get to stop by themselves after the workers
# A worker's unikeras MXNet engine writes its KVStore rank to the file this variable names (for the messages).
RANK_FILE_VARIABLE = "UNIKERAS_MXNET_RANK_FILE"

# The scheduler's and servers' program: MXNet's kvstore_server loop through the C API of libmxnet.
_SERVER_PROGRAM = r"""
import ctypes, importlib.util, os, sys
found = importlib.util.find_spec("mxnet")
path = os.path.join(found.submodule_search_locations[0], "libmxnet.so") if found else ""
if not os.path.exists(path):  # an unusual install: MXNet's own entry point (runs the loop on import)
    import numpy
    if "bool" not in numpy.__dict__:
        numpy.bool = bool  # MXNet 1.9.1 still uses the alias NumPy 1.24 removed
    import mxnet  # noqa: F401
    sys.exit(0)
lib = ctypes.CDLL(path, ctypes.RTLD_LOCAL)
lib.MXGetLastError.restype = ctypes.c_char_p
role = os.environ.get("DMLC_ROLE")
def check(code):
    if code != 0:
        sys.exit(f"mxnet_launch {role}: {lib.MXGetLastError().decode(errors='replace')}")
handle = ctypes.c_void_p()
check(lib.MXKVStoreCreate(b"dist", ctypes.byref(handle)))
@ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
def controller(command, body, _):
    sys.stderr.write(
        f"mxnet_launch {role}: command {command} from a worker is not supported: these servers only sum "
        "what the workers push (no kv.set_optimizer).\n"
    )
    sys.stderr.flush()
    os._exit(1)
check(lib.MXKVStoreRunServer(handle, controller, None))
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child before exec
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class _Child:
    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.rank_file = env.get(RANK_FILE_VARIABLE) if env.get("DMLC_ROLE") == "worker" else None
        self.proc = subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_parent)

    def describe(self) -> str:
        rank = None
        if self.rank_file:
            with contextlib.suppress(OSError):
                with open(self.rank_file) as f:
                    rank = f.read().strip()
        return f"{self.name} ({'' if rank is None else f'KVStore rank {rank}, '}pid {self.proc.pid})"

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def _message(text: str) -> None:
    print(f"mxnet_launch: {text}", file=sys.stderr, flush=True)


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode  # killed by signal N: 128 + N, as a shell says


def launch(command: Sequence[str], num_workers: int, num_servers: int = 1, timeout: float | None = None) -> int:
    """Run ``command`` as ``num_workers`` MXNet ``dist_sync`` workers with a scheduler and ``num_servers`` servers.

    Returns 0 when every worker exits 0; the exit code of the first worker that fails (after
    killing all the other processes); 1 when a scheduler or server fails before the workers finish;
    124 when the run takes longer than ``timeout`` seconds (``None``: no limit).
    """
    command = list(command)
    if not command:
        raise ValueError("mxnet_launch.launch(): `command` is empty; expected the worker's program and arguments.")
    if command[0].endswith(".py"):
        command = [sys.executable, *command]
    for name, value in (("num_workers", num_workers), ("num_servers", num_servers)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"mxnet_launch.launch(): `{name}` must be a positive integer, received {value!r}.")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"mxnet_launch.launch(): `timeout` must be positive seconds or None, received {timeout!r}.")
    env = dict(os.environ)
    env.update(
        DMLC_PS_ROOT_URI="127.0.0.1",
        DMLC_PS_ROOT_PORT=str(free_port()),
        DMLC_NUM_SERVER=str(num_servers),
        DMLC_NUM_WORKER=str(num_workers),
    )
    started = time.monotonic()
    children: list[_Child] = []
    workers: list[_Child] = []
    # SIGTERM / SIGHUP to the launcher: kill the children on the way out (signals reach the main thread only)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)} if in_main_thread else {}

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    ranks = tempfile.TemporaryDirectory(prefix="mxnet_launch_")
    try:
        for s in previous:
            signal.signal(s, stop)
        roles = [("scheduler", "scheduler")] + [(f"server {i}", "server") for i in range(num_servers)]
        for name, role in roles:
            children.append(_Child(name, [sys.executable, "-c", _SERVER_PROGRAM], {**env, "DMLC_ROLE": role}))
        for i in range(num_workers):
            rank_file = os.path.join(ranks.name, f"worker{i}")
            worker_env = {**env, "DMLC_ROLE": "worker", RANK_FILE_VARIABLE: rank_file}
            workers.append(_Child(f"worker {i} of {num_workers}", command, worker_env))
        children += workers
        return _watch(children, workers, started, timeout)
    finally:
        for child in children:
            child.kill()
        for s, handler in previous.items():
            signal.signal(s, handler)
        ranks.cleanup()


def _watch(children: list[_Child], workers: list[_Child], started: float, timeout: float | None) -> int:
    finished_at = None
    while True:
        for child in children:
            code = child.proc.poll()
            if not code:  # running, or done (a scheduler or server stops once the workers finalize)
                continue
            if child in workers:
                _message(
                    f"{child.describe()} exited with code {code}; killing the other workers, the "
                    "scheduler and the servers (ps-lite would wait for it forever)."
                )
                return _exit_code(code)
            if finished_at is None:  # a crash: the workers would wait for it forever
                _message(
                    f"the {child.describe()} exited with code {code} before the workers finished; "
                    "killing every process."
                )
                return 1
        if finished_at is None and all(w.proc.returncode == 0 for w in workers):
            finished_at = time.monotonic()
        if finished_at is not None:
            if all(c.proc.poll() is not None for c in children) or time.monotonic() - finished_at > SERVER_GRACE_S:
                return 0  # the scheduler and servers stop once the workers finalize; stragglers are killed
        elif timeout is not None and time.monotonic() - started > timeout:
            running = [w.name for w in workers if w.proc.returncode is None]
            _message(
                f"the run passed its timeout of {timeout:g} s ({', '.join(running)} still running); killing every "
                "process."
            )
            return TIMEOUT_EXIT_CODE
        time.sleep(0.05)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``-n WORKERS [-s SERVERS] [--timeout S] program args...``."""
    parser = argparse.ArgumentParser(
        prog="python -m unikeras.distribution.mxnet_launch",
        description="Run a program as MXNet dist_sync workers, with a scheduler and servers, on this host.",
    )
    parser.add_argument("-n", "--num-workers", type=int, required=True, help="worker processes")
    parser.add_argument("-s", "--num-servers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds before the whole run is killed")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="script.py (run with this Python) or a program")
    args = parser.parse_args(argv)
    if not args.command:
        parser.error("the program to run is missing (e.g. script.py args...)")
    try:
        return launch(args.command, args.num_workers, args.num_servers, args.timeout)
    except ValueError as err:
        parser.error(str(err))
    except OSError as err:  # the program could not be started
        _message(f"cannot start {args.command[0]!r}: {err}")
        return 127
    except KeyboardInterrupt:
        _message("interrupted; every process was killed.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
