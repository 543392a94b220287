#!/usr/bin/env python3
"""The full-disk drill (a measurement, not a test): a release `baton` with its
data file and its log (stderr) on a 16 MB tmpfs, pull requests delivered one
after another (each posts to a fake Slack and requests a reviewer on a fake
GitHub), then another file fills the tmpfs for FAULT_SECS and is removed.

Prints how long after the space returned the first delivery was acknowledged
and `/readyz` answered 200, what the deliveries were answered during the
fault, the size of the log, and the effects counted on the fakes: each
acknowledged pull request must have exactly one post and one review request,
each refused one none. Needs root (it mounts the tmpfs).

Usage: bench/full_disk.sh  (env: FAULT_SECS=20)
"""

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BATON = os.path.abspath(sys.argv[1])
FIXTURE = sys.argv[2]
FAULT_SECS = float(os.environ.get("FAULT_SECS", "20"))
SLACK_SECRET = "drill-slack-secret"
GITHUB_SECRET = "drill-github-secret"
CHANNEL = "C0REVIEWS"
REPO = "Codertocat/Hello-World"

lock = threading.Lock()
posts = {}  # pull request number -> posts kept
requests = {}  # pull request number -> review requests
kept = []  # every post, for conversations.history


class FakeApis(BaseHTTPRequestHandler):
    """Slack's chat.postMessage / conversations.history and GitHub's
    requested_reviewers, on one port (Slack under /api)."""

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        route = urllib.parse.urlparse(self.path).path
        m = re.match(r"^/repos/[^/]+/[^/]+/pulls/(\d+)/requested_reviewers$", route)
        if m:
            with lock:
                n = int(m.group(1))
                requests[n] = requests.get(n, 0) + 1
            return self.answer(201, {})
        if route == "/api/chat.postMessage":
            message = json.loads(body or b"{}")
            with lock:
                ts = f"{int(time.time())}.{len(kept):06d}"
                message["ts"] = ts
                kept.append(message)
                m = re.match(r"(?i)^Review requested .*hello-world#(\d+)\D", message.get("text", ""))
                if m:
                    n = int(m.group(1))
                    posts[n] = posts.get(n, 0) + 1
            return self.answer(200, {"ok": True, "channel": message.get("channel"), "ts": ts,
                                     "message": {"type": "message", "ts": ts, "bot_id": "B0",
                                                 "text": message.get("text", "")}})
        return self.answer(200, {"ok": True})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/api/conversations.history":
            query = dict(urllib.parse.parse_qsl(url.query))
            with lock:
                found = [
                    {"type": "message", "ts": p["ts"], "text": p.get("text"), "bot_id": "B0",
                     "metadata": p.get("metadata")}
                    for p in kept if p.get("channel") == query.get("channel")
                ]
            return self.answer(200, {"ok": True, "messages": found[::-1], "has_more": False})
        return self.answer(200, {"ok": True})


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, path, body, headers, timeout=30):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except Exception as e:  # no answer
        return None, str(e)


def command(port, text):
    body = urllib.parse.urlencode({"command": "/baton", "text": text, "user_id": "U0ADMIN01",
                                   "channel_id": CHANNEL, "team_id": "T1",
                                   "response_url": "http://127.0.0.1:9/unused"}).encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SLACK_SECRET.encode(), b"v0:" + ts.encode() + b":" + body,
                           hashlib.sha256).hexdigest()
    status, text = call(port, "/slack/commands", body, {
        "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and "Done." in text, (status, text)


payload = json.load(open(FIXTURE))


def deliver(port, n):
    payload["number"] = n
    payload["pull_request"]["number"] = n
    payload["pull_request"]["user"]["login"] = "someone-else"
    payload["repository"]["full_name"] = REPO
    body = json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(GITHUB_SECRET.encode(), body, hashlib.sha256).hexdigest()
    status, _ = call(port, "/github/webhook", body, {
        "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": f"drill-{n}",
        "X-Hub-Signature-256": sig, "Content-Type": "application/json"})
    return status


def readyz(port):
    return call(port, "/readyz", None, {}, timeout=5)


def outbox_depth(port):
    _, text = call(port, "/metrics", None, {}, timeout=5)
    for line in text.splitlines():
        if line.startswith("baton_outbox_depth "):
            return float(line.split()[-1])
    return None


def main():
    mount = tempfile.mkdtemp(prefix="baton-full-disk-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount], check=True)
    fakes = ThreadingHTTPServer(("127.0.0.1", 0), FakeApis)
    threading.Thread(target=fakes.serve_forever, daemon=True).start()
    fake = f"http://127.0.0.1:{fakes.server_address[1]}"
    port = free_port()
    env = {"PATH": os.environ["PATH"], "BATON_LISTEN": f"127.0.0.1:{port}",
           "BATON_DATA": f"{mount}/baton.redb", "SLACK_SIGNING_SECRET": SLACK_SECRET,
           "GITHUB_WEBHOOK_SECRET": GITHUB_SECRET, "SLACK_BOT_TOKEN": "xoxb-drill",
           "SLACK_API_URL": f"{fake}/api", "GITHUB_TOKEN": "ghp-drill", "GITHUB_API_URL": fake,
           "BATON_OUTBOX_BACKOFF": "1s", "RUST_LOG": "info"}
    log = open(f"{mount}/stderr.log", "ab")
    answers = []  # (n, sent at, status)
    stop = threading.Event()
    baton = None
    try:
        baton = subprocess.Popen([BATON, "serve"], env=env, stdout=log, stderr=log, cwd=mount)
        while readyz(port)[0] != 200:
            time.sleep(0.05)
        command(port, "reviewers watch codertocat/hello-world")
        for login, user in [("hubot", "U0HUBOT01"), ("monalisa", "U0MONA001"),
                            ("defunkt", "U0DEFUNK1")]:
            command(port, f"reviewers add {login} <@{user}>")

        def traffic():
            n = 0
            while not stop.is_set():
                n += 1
                sent = time.monotonic()
                answers.append((n, sent, deliver(port, n)))
                time.sleep(0.02)

        sender = threading.Thread(target=traffic)
        sender.start()
        time.sleep(3)
        filled = time.monotonic()
        with open(f"{mount}/filler", "wb", buffering=0) as f:
            for chunk in (1 << 20, 4096, 1):
                try:
                    while True:
                        f.write(b"\x5a" * chunk)
                except OSError:
                    pass
        unready = []
        while time.monotonic() < filled + FAULT_SECS:
            status, text = readyz(port)
            if status == 503:
                unready.append(text.strip())
            time.sleep(0.25)
        os.remove(f"{mount}/filler")
        freed = time.monotonic()
        first_ok = ready = None
        while first_ok is None or ready is None:
            if time.monotonic() > freed + 120:
                raise SystemExit("did not recover within 120 s of space returning")
            if first_ok is None:
                first_ok = next((a[1] for a in answers if a[1] >= freed and a[2] == 200), None)
            if ready is None and readyz(port)[0] == 200:
                ready = time.monotonic()
            time.sleep(0.02)
        time.sleep(3)
        stop.set()
        sender.join()
        deadline = time.monotonic() + 60
        while outbox_depth(port) != 0.0 and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = baton.poll() is None
    finally:
        stop.set()
        if baton:
            baton.terminate()
            baton.wait()
        log.close()
        log_text = open(f"{mount}/stderr.log", "rb").read().decode(errors="replace")
        with open("/tmp/baton-full-disk-drill.log", "w") as f:
            f.write(log_text)
        subprocess.run(["umount", mount])
        os.rmdir(mount)

    during = [a for a in answers if filled <= a[1] < freed]
    count = lambda xs, s: sum(1 for a in xs if a[2] == s)
    print(f"deliveries: {len(answers)} ({count(answers, 200)} acknowledged, "
          f"{count(answers, 503)} refused with 503, "
          f"{len(answers) - count(answers, 200) - count(answers, 503)} other)")
    print(f"during the {FAULT_SECS:.0f} s of full disk: {len(during)} deliveries, "
          f"{count(during, 200)} acknowledged, {count(during, 503)} refused; "
          f"readyz 503 {len(unready)} times ({unready[-1] if unready else '-'})")
    print(f"space returned -> first delivery acknowledged: {first_ok - freed:.2f} s; "
          f"readyz 200: {ready - freed:.2f} s")
    print(f"baton still running: {alive}; log {len(log_text)} bytes, "
          f"{log_text.count(chr(10))} lines, 'panicked' {log_text.count('panicked')}")
    wrong = []
    for n, _, status in answers:
        p, r = posts.get(n, 0), requests.get(n, 0)
        if status == 200 and (p, r) != (1, 1):
            wrong.append(f"#{n} acknowledged: {p} posts, {r} requests")
        if status == 503 and (p, r) != (0, 0):
            wrong.append(f"#{n} refused: {p} posts, {r} requests")
        if status not in (200, 503) and (p > 1 or r > 1):
            wrong.append(f"#{n} ({status}): {p} posts, {r} requests")
    print("effects: " + ("each acknowledged pull request posted and requested once, "
                         "each refused one not at all" if not wrong else "; ".join(wrong[:20])))
    print("Baton's log: /tmp/baton-full-disk-drill.log")
    if wrong and kept:
        print("a post's text:", kept[-1].get("text", "")[:200])


if __name__ == "__main__":
    main()
