#!/usr/bin/env python3
"""Write COUNT realistic Sentry SDK error events (about 5 KB of JSON each, as
the Python SDK sends them from a Django view) as request bodies for
bench/sentry_ingest.sh, each body prefixed by its length on its own line.

Usage: sentry_events.py MODE KIND COUNT OUT
  MODE  same      one error (one fingerprint), order numbers vary
        distinct  every event its own fingerprint
  KIND  envelope  a gzip-compressed envelope for /api/{id}/envelope/
        webhook   the same event as a Sentry issue-alert webhook for /hooks/errors
Every event has its own event_id."""
import gzip, json, sys, uuid

mode, kind, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def frame(i, fn):
    return {
        "filename": f"shop/payments/{fn}.py", "abs_path": f"/srv/shop/shop/payments/{fn}.py",
        "function": fn, "module": f"shop.payments.{fn}", "lineno": 40 + i * 7, "in_app": True,
        "pre_context": ["    if order.state != 'pending':", "        return order"],
        "context_line": f"    result = gateway.{fn}(order.total, order.card_token)",
        "post_context": ["    order.mark_paid(result.reference)", "    return order"],
        "vars": {"order_id": "81723", "attempt": "1", "gateway": "<StripeGateway 'live'>"},
    }

FRAMES = [frame(i, fn) for i, fn in enumerate(
    ["dispatch", "view", "checkout", "charge", "authorize", "request", "send", "raise_for_status"])]
FRAMES[0]["in_app"] = False
FRAMES[0]["module"] = "django.core.handlers.base"

def event(n):
    e = {
        "event_id": uuid.uuid4().hex,
        "timestamp": 1795000000.0 + n / 1000,
        "platform": "python", "level": "error", "logger": "django.request",
        "server_name": "web-3", "release": "shop@1.4.2", "environment": "production",
        "exception": {"values": [{
            "type": "CardDeclined", "value": f"issuer declined order {81723 + n}",
            "module": "shop.payments.errors",
            "mechanism": {"type": "django", "handled": False},
            "stacktrace": {"frames": FRAMES}}]},
        "breadcrumbs": {"values": [
            {"timestamp": 1795000000.0, "category": "query", "level": "info",
             "message": "SELECT \"shop_order\".\"id\" FROM \"shop_order\" WHERE \"shop_order\".\"id\" = %s FOR UPDATE"},
            {"timestamp": 1795000000.1, "category": "httplib", "level": "info", "type": "http",
             "data": {"url": "https://api.stripe.com/v1/charges", "method": "POST", "status_code": 402}},
        ]},
        "contexts": {
            "runtime": {"name": "CPython", "version": "3.12.7"},
            "os": {"name": "Linux", "version": "6.8.0"},
            "trace": {"trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16], "op": "http.server"},
        },
        "tags": {"region": "eu-west-1", "customer_tier": "gold", "url": "/checkout/confirm"},
        "request": {"url": "https://shop.example.com/checkout/confirm", "method": "POST",
                    "headers": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Accept": "text/html",
                                "Content-Type": "application/x-www-form-urlencoded"}},
        "sdk": {"name": "sentry.python.django", "version": "2.19.0",
                "packages": [{"name": "pypi:sentry-sdk", "version": "2.19.0"}],
                "integrations": ["django", "logging", "stdlib", "excepthook", "dedupe", "atexit", "modules", "argv", "threading"]},
    }
    if mode == "distinct":
        e["fingerprint"] = [f"bench-{n}-{e['event_id']}"]
    return e

with open(out, "wb") as f:
    size = 0
    for n in range(count):
        e = event(n)
        payload = json.dumps(e, separators=(",", ":")).encode()
        size += len(payload)
        if kind == "envelope":
            header = json.dumps({"event_id": e["event_id"], "sent_at": "2026-11-25T12:00:00Z"}).encode()
            item = json.dumps({"type": "event", "length": len(payload)}).encode()
            body = gzip.compress(header + b"\n" + item + b"\n" + payload + b"\n", compresslevel=6)
        else:
            body = json.dumps({"action": "triggered", "data": {"event": e}}, separators=(",", ":")).encode()
        f.write(b"%d\n" % len(body) + body)
print(f"{count} {mode} {kind} bodies; event JSON {size // count} bytes on average", file=sys.stderr)
