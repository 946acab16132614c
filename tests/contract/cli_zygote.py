"""A client's command (`openstack`, cdbclient's `cdb-cli`) without its start-up: this process, run by the interpreter
the console script names, imports what one probe command of the script imports, then forks a child per command, which
runs the console script file itself as `__main__` (its own process, argv, environment, stdin from /dev/null, stdout
and stderr to pipes) and exits with its code.

Usage: python cli_zygote.py SCRIPT PROBE [SOCKET], PROBE a JSON {"args": [...], "env": {...}}: a command run once in a
separate interpreter (against a closed port) to learn which modules the script imports. With SOCKET it serves the
SHIM (a stand-in for the command on a shell's PATH) on that Unix socket instead of the protocol below.

Protocol (one JSON line each way): {"commands": [[args...], ...], "env": {...}, "argv0": path} ->
{"results": [{"returncode", "stdout", "stderr"}, ...]}; the commands of one line run side by side.
"""

from __future__ import annotations

import io
import json
import os
import sys


def _child(args: list[str], env: dict[str, str], argv0: str, fds: tuple[int, int, int], report=None) -> None:
    """In the forked child: become `SCRIPT <args>` with fds as its stdin, stdout and stderr, and exit with its code
    (never returns); report, a socket, is sent the code first."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.environ.clear()
        os.environ.update(env)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
        sys.argv = [argv0, *args]
        import runpy

        try:
            runpy.run_path(argv0, run_name="__main__")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        code = code or 0
    except BaseException as exc:  # what the interpreter prints for an uncaught exception: from the script's frame on
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != argv0:
            tb = tb.tb_next
        tb = tb or exc.__traceback__
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        if report is not None:
            try:
                report.send(str(code & 0xFF).encode())
            except OSError:
                pass
        os._exit(code & 0xFF)


def run(commands: list[list[str]], env: dict[str, str], argv0: str) -> list[dict]:
    """Fork one child per command, collect what each printed and its exit code."""
    import selectors

    children = []
    for args in commands:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(out_r)
            os.close(err_r)
            _child(args, env, argv0, (os.open(os.devnull, os.O_RDONLY), out_w, err_w))
        os.close(out_w)
        os.close(err_w)
        children.append((pid, out_r, err_r))
    # read every pipe as it fills (a child blocks once a pipe's buffer is full)
    texts: dict[int, list[bytes]] = {fd: [] for _, out_r, err_r in children for fd in (out_r, err_r)}
    selector = selectors.DefaultSelector()
    for fd in texts:
        selector.register(fd, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            chunk = os.read(key.fd, 65536)
            if chunk:
                texts[key.fd].append(chunk)
            else:
                selector.unregister(key.fd)
                os.close(key.fd)
    results = []
    for pid, out_r, err_r in children:
        _, status = os.waitpid(pid, 0)
        results.append(
            {
                "returncode": os.waitstatus_to_exitcode(status),
                "stdout": b"".join(texts[out_r]).decode("utf-8", "replace"),
                "stderr": b"".join(texts[err_r]).decode("utf-8", "replace"),
            }
        )
    return results


#: Runs one command of a console script in a separate interpreter and prints the modules it imported (one JSON list).
_PROBE = """
import contextlib, io, json, runpy, sys
sys.argv = sys.argv[1:]
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except BaseException:  # it fails to connect (or exits): only the modules it imported by then matter
        pass
print(json.dumps(sorted(sys.modules)))
"""


def warm_up(script: str, probe: dict) -> None:
    """Import what the probe command imports (found by running it in a separate interpreter, against a closed port),
    so the children start with it; nothing runs here, so all a command reads at run time is the child's."""
    import importlib
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", _PROBE, script, *probe["args"]],
        env=dict(os.environ, **probe["env"]),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    for name in json.loads(done.stdout.strip().splitlines()[-1]):
        if name not in sys.modules and not name.startswith("__"):
            try:
                importlib.import_module(name)
            except Exception:  # a module that only imports in its package's own order: the child imports it
                pass
    prime_cliff_distributions()


def prime_cliff_distributions() -> None:
    """cliff maps every installed module to its distribution (for a command's help epilog) once per process, from
    importlib.metadata.packages_distributions(): reading all ~140 distributions' metadata and file lists, about
    two thirds of an `openstack database ...` command's CPU. It depends only on what is installed, the same for every
    command of a run, so the zygote computes it once and each child finds it made, as a second call in one process
    would. cliff keeps it behind a private name: if that is renamed, each child computes it again (slower, the same)."""
    prime = getattr(sys.modules.get("cliff.command"), "_get_distributions_by_modules", None)
    if callable(prime):
        prime()


#: The command the `openstack` zygote runs once to learn what a `database` command imports.
OPENSTACK_PROBE = {
    "args": ["database", "instance", "list"],
    "env": {"OS_AUTH_TYPE": "admin_token", "OS_ENDPOINT": "http://127.0.0.1:9/v1.0/0", "OS_TOKEN": "probe"},
}

#: A command's stand-in on PATH for a shell (the docs' blocks): it hands its argv, environment, working directory
#: and its own stdin, stdout and stderr to the zygote listening on SOCKET, and exits with the command's code.
SHIM = """#!{python} -S
import json, os, socket, sys
with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as zygote:
    zygote.connect({socket!r})
    request = {{"args": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}
    socket.send_fds(zygote, [json.dumps(request).encode()], [0, 1, 2])
    code = zygote.recv(16)
sys.exit(int(code) if code else 1)
"""


def serve(script: str, path: str, protocol_out) -> None:
    """Socket mode (for SHIM): each connection is one command, forked at once and run on the caller's own stdin,
    stdout and stderr, in its working directory; the child sends its exit code back on the connection."""
    import signal
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children are never waited for here: reaped at once
    print("READY", file=protocol_out, flush=True)
    while True:
        conn, _ = listener.accept()
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        request = json.loads(message)
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the command waits for its own children
            listener.close()
            os.chdir(request["cwd"])
            _child(request["args"], request["env"], script, (fds[0], fds[1], fds[2]), report=conn)
        for fd in fds:
            os.close(fd)
        conn.close()


def main() -> int:
    script, probe = sys.argv[1], json.loads(sys.argv[2])
    sys.argv[0] = script  # what argparse names the program after
    warm_up(script, probe)
    if len(sys.argv) > 3:  # socket mode: python cli_zygote.py SCRIPT PROBE SOCKET
        serve(script, sys.argv[3], sys.stdout)
        return 0
    protocol_in = sys.stdin.buffer
    protocol_out = os.fdopen(os.dup(1), "w")
    print("READY", file=protocol_out, flush=True)
    for line in protocol_in:
        request = json.loads(line)
        results = run(request["commands"], request["env"], request["argv0"])
        print(json.dumps({"results": results}), file=protocol_out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
