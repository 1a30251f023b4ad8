"""Latency of the web UI's ``/chat`` through ``gradio_client``, beside a trivial echo app.

Both servers run as child processes (``seq2seq ui --checkpoint DIR`` exactly as a user starts
it, and a Gradio app whose ``/chat`` returns its input), and this process is only the clients.
For each server it prints:

- one client: p50/p95 latency over ``--requests`` requests sent one after another;
- 20 clients at once (``--clients``): p50/p95 latency of each request, and the wall time for
  all of them, beside what one-after-another would take (20 x the one-client mean): the speed-up;
- the ratios: what the model adds over Gradio's own round trip.

    python benchmarks/ui.py [--checkpoint checkpoints/chitchat] [--requests 30] [--clients 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROMPTS = ["hi, how are you?", "what do you like to do on weekends?", "do you have any pets?",
           "what is your favorite food?", "i just got back from a trip to the mountains.",
           "do you like music?", "what did you do today?", "i am so tired of work."]
ECHO_APP = """
import gradio as gr
with gr.Blocks() as demo:
    box, out = gr.Textbox(), gr.Textbox()
    box.submit(lambda text: text, box, out, api_name="chat", concurrency_limit=32)
demo.queue(default_concurrency_limit=32)
demo.launch(server_name="127.0.0.1", server_port={port}, quiet=True, prevent_thread_lock=True)
print("seq2seq ui: open http://127.0.0.1:{port}/ (echo)", flush=True)
demo.block_thread()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(args: list[str], env: dict) -> subprocess.Popen:
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("seq2seq ui: open"):
            return process
        if not line and process.poll() is not None:
            raise SystemExit(f"server exited: {' '.join(args)}")
    raise SystemExit("server did not start")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def measure(url: str, requests: int, clients: int, stock_client: bool) -> dict:
    from gradio_client import Client

    # gradio_client opens a new httpx client for every request, and each one loads the system's
    # certificate store into a fresh TLS context: about 50 ms of CPU, twice a request, spent in
    # this process, not in the server. One shared context (plain http here, nothing verified)
    # leaves the server's cost to be measured; --stock-client measures with that cost kept.
    tls = {} if stock_client else {"ssl_verify": ssl.create_default_context()}
    single = Client(url, verbose=False, **tls)
    for prompt in PROMPTS[:3]:  # warm-up: compilation, first-request costs
        single.predict(prompt, api_name="/chat")
    one = []
    for i in range(requests):
        start_time = time.perf_counter()
        single.predict(PROMPTS[i % len(PROMPTS)], api_name="/chat")
        one.append(time.perf_counter() - start_time)

    pool = [Client(url, verbose=False, **tls) for _ in range(clients)]
    latencies, errors, barrier = [0.0] * clients, [], threading.Barrier(clients + 1)

    def ask(index: int) -> None:
        barrier.wait()
        start_time = time.perf_counter()
        try:
            pool[index].predict(PROMPTS[index % len(PROMPTS)], api_name="/chat")
        except Exception as error:  # noqa: BLE001 - counted and reported
            errors.append(error)
        latencies[index] = time.perf_counter() - start_time

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    wall_start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall_start
    serial = clients * statistics.mean(one)
    return {"p50_1": percentile(one, 50), "p95_1": percentile(one, 95), "p50_n": percentile(latencies, 50),
            "p95_n": percentile(latencies, 95), "wall_n": wall, "serial_n": serial, "errors": len(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "checkpoints" / "chitchat")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--stock-client", action="store_true",
                        help="let gradio_client build a TLS context for every request (~100 ms of client CPU each)")
    args = parser.parse_args()
    if not (args.checkpoint / "config.json").is_file():
        raise SystemExit(f"no checkpoint at {args.checkpoint}; give one with --checkpoint DIR")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False",
           "SEQ2SEQ_CHECKPOINTS": tempfile.mkdtemp(prefix="no-shipped-")}
    results = {}
    for name in ("echo", "model"):
        port = free_port()
        command = ([sys.executable, "-c", ECHO_APP.format(port=port)] if name == "echo" else
                   [sys.executable, "-m", "seq2seq", "ui", "--port", str(port), "--checkpoint", str(args.checkpoint)])
        server = start(command, env)
        try:
            results[name] = measure(f"http://127.0.0.1:{port}/", args.requests, args.clients, args.stock_client)
        finally:
            server.terminate()
            server.wait(timeout=30)

    client = "stock gradio_client" if args.stock_client else "gradio_client with one shared TLS context"
    print(f"/chat via {client}, {args.checkpoint.name}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; {args.requests} requests one after another, then {args.clients} clients at once")
    print(f"{'':8}{'1 client p50':>14}{'p95':>9}{f'{args.clients} clients p50':>18}{'p95':>9}{'all served':>12}"
          f"{'one by one':>12}{'speed-up':>10}{'errors':>8}")
    for name, r in results.items():
        print(f"{name:8}{r['p50_1'] * 1000:12.0f}ms{r['p95_1'] * 1000:7.0f}ms{r['p50_n'] * 1000:16.0f}ms"
              f"{r['p95_n'] * 1000:7.0f}ms{r['wall_n']:11.2f}s{r['serial_n']:11.2f}s{r['serial_n'] / r['wall_n']:9.1f}x"
              f"{r['errors']:8d}")
    echo, model = results["echo"], results["model"]
    print(f"the model adds {1000 * (model['p50_1'] - echo['p50_1']):.0f} ms p50 over the echo with one client "
          f"(ratio {model['p50_1'] / echo['p50_1']:.2f}); with {args.clients} clients p50 ratio "
          f"{model['p50_n'] / echo['p50_n']:.2f}; {args.clients} clients served "
          f"{model['serial_n'] / model['wall_n']:.1f}x faster than one after another")


if __name__ == "__main__":
    main()
