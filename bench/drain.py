#!/usr/bin/env python3
"""Outbox drills against a fake Slack (a benchmark, not a test).

Runs a `baton` binary (release by default) on loopback with a throwaway data
file against a fake Slack Web API served by this script. The fake commits a
post (gives it a `ts`, shows it in `conversations.history` with its
`metadata`) at the moment it answers, however late, and whether or not Baton
still waits; it can answer 503 to everything.

  outage  Slack answers 503 for OUTAGE seconds (90) while EVENTS (50) Slack
          events that each make Baton post are acknowledged; then Slack
          answers again. Prints how long after Slack's return the first and
          the last post were committed, the calls during the outage, and any
          post committed twice.
  late    Slack commits and answers every post 4 s after it arrives, with
          BATON_HTTP_TIMEOUT=2s; LATE_EVENTS (10) events. Prints the
          messages per channel once Baton's outbox is empty and Slack has
          committed everything it received.

  python3 bench/drain.py [outage|late ...] [--baton target/release/baton]

Build first: `cargo build --release`. Everything runs at Baton's real clock
speed (no BATON_CLOCK_SPEED), so the outage drill takes OUTAGE seconds.
"""

import argparse
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "bench-signing-secret"
BOT_USER = "UBATONBOT"


class Slack:
    """The fake workspace's state, shared by the server's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down = False
        self.hold = 0.0
        self.received = []  # post bodies, as they arrive
        self.posts = []  # committed posts, with their ts
        self.calls = []  # (time, method)
        self.last_ts = 0

    def commit(self, post):
        with self.lock:
            now = int(time.time() * 1_000_000)
            self.last_ts = max(now, self.last_ts + 1)
            post = dict(post, ts="%d.%06d" % divmod(self.last_ts, 1_000_000))
            self.posts.append(post)
            return post


def handler_for(slack):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # Baton stopped waiting; the post is committed all the same

        def arrive(self, method):
            with slack.lock:
                slack.calls.append((time.time(), method))
                down = slack.down
            if down:
                self.answer(503, b"Service Unavailable")
                return False
            return True

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            method = self.path.rsplit("/", 1)[-1]
            if not self.arrive(method):
                return
            try:
                request = json.loads(body)
            except ValueError:
                request = dict(urllib.parse.parse_qsl(body.decode()))
            if method == "chat.postMessage":
                with slack.lock:
                    slack.received.append(request)
                    hold = slack.hold
                time.sleep(hold)
                post = slack.commit(request)
                self.answer(200, {"ok": True, "channel": post["channel"], "ts": post["ts"],
                                  "message": {"type": "message", "ts": post["ts"],
                                              "text": post.get("text"), "bot_id": "B0BATON"}})
            elif method == "chat.update":
                self.answer(200, {"ok": True, "channel": request.get("channel"),
                                  "ts": request.get("ts")})
            else:
                self.answer(404, {"ok": False, "error": "unknown_method"})

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            method = url.path.rsplit("/", 1)[-1]
            if not self.arrive(method):
                return
            query = dict(urllib.parse.parse_qsl(url.query))
            oldest = float(query.get("oldest", 0))
            metadata = query.get("include_all_metadata") == "true"
            with slack.lock:
                posts = [p for p in slack.posts if p.get("channel") == query.get("channel")]
            if method == "conversations.replies":
                posts = [p for p in posts if query.get("ts") in (p["ts"], p.get("thread_ts"))]
            else:
                posts = [p for p in posts if not p.get("thread_ts")]
                posts.reverse()
            messages = []
            for p in posts:
                if float(p["ts"]) <= oldest:
                    continue
                m = {"type": "message", "ts": p["ts"], "text": p.get("text"),
                     "user": BOT_USER, "bot_id": "B0BATON"}
                if metadata and p.get("metadata"):
                    m["metadata"] = p["metadata"]
                messages.append(m)
            self.answer(200, {"ok": True, "messages": messages, "has_more": False,
                              "response_metadata": {"next_cursor": ""}})

    return Handler


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Baton:
    def __init__(self, binary, slack_port, extra):
        self.dir = tempfile.mkdtemp()
        self.port = free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "BATON_LISTEN": "127.0.0.1:%d" % self.port,
            "BATON_DATA": os.path.join(self.dir, "baton.redb"),
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_BOT_USER_ID": BOT_USER,
            "SLACK_API_URL": "http://127.0.0.1:%d/api" % slack_port,
            "RUST_LOG": "info",
        }
        env.update(extra)
        self.log = open(os.path.join(self.dir, "baton.log"), "w")
        self.process = subprocess.Popen([binary, "serve"], env=env, stdout=self.log,
                                        stderr=self.log)
        while True:
            try:
                urllib.request.urlopen(self.url("/readyz"), timeout=1)
                return
            except OSError:
                time.sleep(0.02)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def bot_joined(self, event_id, channel):
        body = json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T1",
                           "event": {"type": "member_joined_channel", "user": BOT_USER,
                                     "channel": channel}}).encode()
        ts = str(int(time.time()))
        signature = "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body,
                                     hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.url("/slack/events"), data=body, headers={
            "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature})
        return urllib.request.urlopen(request, timeout=10).status

    def metric(self, name):
        text = urllib.request.urlopen(self.url("/metrics"), timeout=5).read().decode()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return None

    def stop(self):
        self.process.terminate()
        self.process.wait()
        self.log.close()


def duplicates(slack):
    channels = [p["channel"] for p in slack.posts]
    return len(channels) - len(set(channels))


def outage(binary, slack, slack_port, args):
    slack.down = True
    baton = Baton(binary, slack_port, {})
    started = time.time()
    for i in range(args.events):
        assert baton.bot_joined("EvOUT%d" % i, "COUT%03d" % i) == 200
    time.sleep(max(0.0, started + args.outage - time.time()))
    with slack.lock:
        calls_during = len(slack.calls)
        slack.down = False
    back = time.time()
    deadline = back + 300
    while len({p["channel"] for p in slack.posts}) < args.events and time.time() < deadline:
        time.sleep(0.01)
    times = sorted(float(p["ts"]) for p in slack.posts)
    baton.stop()
    print("outage %d s, %d events: %d calls during it; first post %.2f s, last %.2f s after "
          "Slack's return; %d posts, %d twice"
          % (args.outage, args.events, calls_during, times[0] - back, times[-1] - back,
             len(slack.posts), duplicates(slack)))


def late(binary, slack, slack_port, args):
    slack.hold = 4.0
    baton = Baton(binary, slack_port, {"BATON_HTTP_TIMEOUT": "2s"})
    started = time.time()
    for i in range(args.late_events):
        assert baton.bot_joined("EvLATE%d" % i, "CLATE%03d" % i) == 200
    deadline = started + 300
    while time.time() < deadline:
        time.sleep(0.2)
        with slack.lock:
            settled = len(slack.posts) == len(slack.received)
        if settled and baton.metric("baton_outbox_depth") == 0:
            break
    took = time.time() - started
    baton.stop()
    print("late commits (4 s, timeout 2 s), %d events: %d posts received, %d committed, "
          "%d channels with a post twice or more, all sent in %.1f s"
          % (args.late_events, len(slack.received), len(slack.posts),
             sum(1 for c in {p["channel"] for p in slack.posts}
                 if sum(p["channel"] == c for p in slack.posts) > 1), took))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", default=["outage", "late"])
    parser.add_argument("--baton", default="target/release/baton")
    parser.add_argument("--outage", type=float, default=float(os.environ.get("OUTAGE", 90)))
    parser.add_argument("--events", type=int, default=int(os.environ.get("EVENTS", 50)))
    parser.add_argument("--late-events", type=int,
                        default=int(os.environ.get("LATE_EVENTS", 10)))
    args = parser.parse_args()
    for drill in args.drills:
        slack = Slack()
        port = free_port()
        server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(slack))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        {"outage": outage, "late": late}[drill](args.baton, slack, port, args)
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
