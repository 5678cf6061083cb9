"""Reading each file in a child process, so that nothing a file does to a reader stops a batch.

python-calamine is fast because it is native code, and native code can take the whole process
down: a crafted cell at XFD1048576 makes it allocate hundreds of GB and abort (SIGABRT, which
no `except` catches), and other inputs raise pyo3's `PanicException`, a BaseException. Read
in a forked child, such a file costs the child only: the parent gets `ChildFailed` for that
file, turns it into a finding (`file-unreadable`) and goes on with the next.

A forked child starts in a few milliseconds and needs no re-import; only its result crosses
back (pickled). `run_each` keeps up to `jobs` children at work. Where fork does not exist
(Windows) the work runs in the process, and a BaseException from a reader still becomes a
`ChildFailed` (an abort cannot be caught there; the pre-flight checks of `io.sniff` are what
guard it). `LEDGER_XL_ISOLATE=0` runs in the process too (for debugging).

A child's address space is limited (`memory`, by default `MEMORY_FLOOR`): python-calamine
fills the rectangle it allocates, so a cell at A9999999 would otherwise take 12 GB of real
memory before anything could refuse it; with the limit the allocation fails at once and the
child ends. Its standard error is discarded (a Rust abort prints a backtrace there), unless
LEDGER_XL_DEBUG is set.

The parent must not hold threads when it forks (a forked child inherits locks held by other
threads): callers keep their progress displays unthreaded.
"""

from __future__ import annotations

import faulthandler
import functools
import gc
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

_OK, _RAISED, _FAILED = "ok", "raised", "failed"
MEMORY_FLOOR = 1 << 30  # address space a child may add to what it was forked with


class ChildFailed(Exception):
    """The work on one file ended without a result: the child died (`signal` set) or raised
    something that cannot be sent back (e.g. a Rust panic). `detail` says what, in Chinese."""

    def __init__(self, detail: str, signal_number: int | None = None) -> None:
        super().__init__(detail)
        self.detail, self.signal = detail, signal_number


def available() -> bool:
    """True when work runs in forked children (fork exists and isolation is not switched
    off with LEDGER_XL_ISOLATE=0)."""
    if os.environ.get("LEDGER_XL_ISOLATE", "1") == "0":
        return False
    return "fork" in multiprocessing.get_all_start_methods()


_IN_CHILD = False


def in_child() -> bool:
    """True inside a child started here (readers may then leave memory guards to the parent)."""
    return _IN_CHILD


def cores() -> int:
    """The cores this process may run on: its CPU affinity where the system has one (a
    container or `taskset` limits it), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


def spare_cores(jobs: int, files: int) -> bool:
    """True when a batch of `files` read `jobs` at a time leaves a core free beside its
    children, so that a child's reading threads (`read_book(threads=...)`) have one to run on.
    Measured on 2 cores, 30 branch files of 1,000 rows (bench/README.md): with --jobs 2 the
    threads cost 7% (GIL hand-offs and thread start-up), with --jobs 1 they gain 3%."""
    return min(max(1, jobs), max(1, files)) < cores()


def call(fn: Callable[..., Any], *args: Any, memory: int = MEMORY_FLOOR) -> Any:
    """`fn(*args)` in a child process; its result, or its exception re-raised. Raises
    ChildFailed when the child died or raised what cannot be sent back."""
    outcome = next(run_each(fn, [args], jobs=1, memory=lambda _: memory))[1]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def run_each(
    fn: Callable[..., Any],
    calls: Sequence[tuple],
    jobs: int = 1,
    memory: Callable[[tuple], int] | None = None,
) -> Iterator[tuple[int, Any]]:
    """`fn(*args)` for each args in `calls`, each in its own child, at most `jobs` at a time;
    `memory(args)` is the address space the child may add (default MEMORY_FLOOR).

    Yields (index, outcome) as each finishes: the result, the exception it raised (an
    Exception, to be re-raised or reported by the caller) or a ChildFailed."""
    if not available():
        for index, args in enumerate(calls):
            yield index, _in_process(fn, args)
        return
    context = multiprocessing.get_context("fork")
    waiting = list(enumerate(calls))[::-1]
    running: dict[Connection, tuple[int, multiprocessing.process.BaseProcess]] = {}
    # Children whose result is in, still exiting (tearing down their memory takes a few ms):
    # reaped once the next children have started, so that no core waits on an exit.
    exiting: list[multiprocessing.process.BaseProcess] = []
    try:
        while waiting or running:
            while waiting and len(running) < max(1, jobs):
                index, args = waiting.pop()
                receive, send = context.Pipe(duplex=False)
                limit = memory(args) if memory else MEMORY_FLOOR
                child = context.Process(target=_child, args=(send, fn, args, limit), daemon=True)
                child.start()
                send.close()
                running[receive] = (index, child)
            while exiting:
                exiting.pop().join()
            for ready in wait(list(running)):
                index, child = running.pop(ready)  # type: ignore[call-overload]
                outcome = _outcome(ready, child)
                if child.exitcode is None:
                    exiting.append(child)
                yield index, outcome
    finally:
        for receive, (_, child) in running.items():
            if child.is_alive():
                child.kill()
            child.join()
            receive.close()
        for child in exiting:
            child.join()


def _in_process(fn: Callable[..., Any], args: tuple) -> Any:
    try:
        return fn(*args)
    except Exception as exc:
        return exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a Rust panic from a reader (pyo3's PanicException)
        return ChildFailed(_raised_detail(exc))


def _child(send: Connection, fn: Callable[..., Any], args: tuple, memory: int) -> None:
    global _IN_CHILD
    _IN_CHILD = True
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child at once
    _collector_off()
    _limit_memory(memory)
    if not os.environ.get("LEDGER_XL_DEBUG"):
        _quiet()
    send.send_bytes(_message(fn, args))
    send.close()


def _message(fn: Callable[..., Any], args: tuple) -> bytes:
    """`fn(*args)`'s outcome as a child sends it back, pickled: (ok, result), (raised, the
    exception, its traceback), or (failed, why) when the exception cannot cross."""
    try:
        message: tuple = (_OK, fn(*args))
    except BaseException as exc:
        message = (_RAISED, exc, traceback.format_exc())
    try:
        return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that cannot cross (a Rust panic's type does not)
        exc = message[1] if message[0] == _RAISED else None
        return pickle.dumps((_FAILED, _raised_detail(exc), traceback.format_exc()))


def _collector_off() -> None:
    """A child makes one call and exits: Python's cyclic collector stays off in it. Reading a
    workbook builds millions of row lists that live until the child ends; the collector's
    passes over that growing heap took 1.4 s of `validate`'s child and 2.5 s of a portfolio
    read's on the 100,000-row ledger, with the same peak memory without them (reference
    counting frees everything that forms no cycle; what does is freed when the child exits).
    Work that makes many cycles collects them itself (`collector_paused(collect_after=True)`)."""
    gc.disable()


_KEPT: list[object] = []


def keep_until_exit(obj: object) -> None:
    """In a child, hold `obj` until the child exits: a child ends with `os._exit`, without
    tearing its objects down, so what is held is never freed one by one — for a workbook
    read there (its millions of cells) that took 0.45 s of `validate`'s child at 100,000 rows,
    after its result was ready. Elsewhere nothing is held. For what stays alive to the end
    anyway: holding it longer must not raise the child's peak memory."""
    if _IN_CHILD:
        _KEPT.append(obj)


def _limit_memory(extra: int) -> None:
    """Cap the child's address space at what it has now plus `extra` bytes."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            now = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = now + extra
        if soft == resource.RLIM_INFINITY or limit < soft:
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass  # no /proc (macOS) or no resource module: the child runs unlimited


def _quiet() -> None:
    """Send the child's standard error to /dev/null: a native abort prints there (and so
    would a fault handler the parent enabled, on its own copy of the descriptor)."""
    faulthandler.disable()
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass


def _outcome(receive: Connection, child: multiprocessing.process.BaseProcess) -> Any:
    """What the child sent, or why it sent nothing. A child that sent its result is not
    waited for here (its exit code says nothing more); one that did not is."""
    try:
        message = pickle.loads(receive.recv_bytes())
    except (EOFError, OSError, pickle.UnpicklingError):
        message = None
    finally:
        receive.close()
    if message is None:
        child.join()
        return ChildFailed(_death_detail(child.exitcode), _signal_of(child.exitcode))
    return _received(message)


def _received(message: tuple) -> Any:
    """What a child's message (`_message`) stands for: its result, the exception it raised, or
    ChildFailed."""
    kind = message[0]
    if kind == _OK:
        return message[1]
    if kind == _RAISED:
        exc = message[1]
        if isinstance(exc, MemoryError):
            return ChildFailed("读取时内存不足（多半是文件声明或占用的范围过大）")
        if isinstance(exc, Exception):
            if os.environ.get("LEDGER_XL_DEBUG"):
                exc.add_note(f"in the child process:\n{message[2]}")
            return exc
        if isinstance(exc, KeyboardInterrupt):
            raise KeyboardInterrupt
        return ChildFailed(_raised_detail(exc))
    return ChildFailed(message[1])


def _signal_of(exitcode: int | None) -> int | None:
    return -exitcode if exitcode is not None and exitcode < 0 else None


def _death_detail(exitcode: int | None) -> str:
    number = _signal_of(exitcode)
    if number == signal.SIGABRT:
        return "读取程序异常中止（多半是文件声明或占用的范围过大，内存分配失败）"
    if number == signal.SIGKILL:
        return "读取程序被系统终止（内存不足）"
    if number is not None:
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"读取程序异常终止（{name}）"
    return f"读取程序异常退出（退出码 {exitcode}）"


def _raised_detail(exc: BaseException | None) -> str:
    if exc is None:
        return "读取程序异常终止"
    return f"读取程序内部出错（{type(exc).__name__}: {str(exc)[:200]}）"


def room_for_a_copy(spare: int = 512 << 20) -> bool:
    """True when the machine's available memory (MemAvailable) holds as much again as this
    process has resident, and `spare` bytes more: a forked child shares this process's pages
    until it writes to them, and Python writes to every object it reads (its reference count),
    so a child that reads most of what this process holds comes to copy most of it. False
    where /proc does not say (not Linux)."""
    try:
        with open("/proc/self/statm") as statm:
            resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo") as meminfo:
            available = next(
                int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:")
            )
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    return available >= resident + spare


def begin(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """`fn(*args)` started now in a forked child; returns what waits for its result (the
    exception it raised, or ChildFailed, in its place). For work beside this process's own,
    when a core is spare: unlike `run_each` it can start from a child of `run_each` (whose
    processes are daemons, which `multiprocessing` forbids to have children). This process
    must hold no other thread that is working (a fork copies it as it is). Where there is no
    fork (`available()` False) `fn` runs here when its result is first asked for."""
    if not available():
        return functools.cache(lambda: _in_process(fn, args))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: it never returns from here
        status = 1
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _collector_off()
            if not os.environ.get("LEDGER_XL_DEBUG"):
                _quiet()
            with os.fdopen(write, "wb") as out:
                out.write(_message(fn, args))
            status = 0
        finally:
            os._exit(status)  # no atexit, no flushing the parent's buffers twice
    os.close(write)

    @functools.cache
    def result() -> Any:
        with os.fdopen(read, "rb") as source:
            data = source.read()
        _, status = os.waitpid(pid, 0)
        try:
            message = pickle.loads(data) if data else None
        except (pickle.UnpicklingError, EOFError):
            message = None
        if message is None:
            code = os.waitstatus_to_exitcode(status)
            return ChildFailed(_death_detail(code), _signal_of(code))
        return _received(message)

    return result
