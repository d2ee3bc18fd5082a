"""Webhook signatures verified by an implementation not written here
(.ci/webhooks_check.sh): the `standardwebhooks` package from PyPI.

Against a running server (HOOKS_BASE_URL) that may deliver to loopback over
http: starts a receiver on loopback, registers a user, subscribes the
receiver, rotates the secret once (so deliveries carry two signatures), makes
a contact, a goal and an interaction and deletes the contact through the API,
and verifies every delivery with `standardwebhooks.Webhook(secret).verify`
for the old secret and the new one; a tampered body must fail verification.
"""

import http.server
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

API = os.environ["HOOKS_BASE_URL"].rstrip("/") + "/api/v1"
RECEIVED = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        RECEIVED.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(API + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def ok(method, path, body=None, token=None):
    status, answer = call(method, path, body, token)
    assert 200 <= status < 300, f"{method} {path}: {status} {answer!r}"
    return answer


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/hook"

    account = ok("POST", "/auth/register", {"email": "hooks@example.com",
                                            "password": "standard webhooks verify this",
                                            "name": "Hooks"})
    token = account["access_token"]
    hook = ok("POST", "/webhooks", {"url": target}, token)
    old = hook["secret"]
    new = ok("POST", f"/webhooks/{hook['id']}/rotate-secret", {}, token)["secret"]

    contact = ok("POST", "/contacts", {"full_name": "Ada; Lovelace, \"Countess\" ✓"}, token)
    ok("POST", "/goals", {"kind": "goal", "title": "Find a publisher"}, token)
    ok("POST", "/interactions", {"occurred_at": "2026-11-30T10:00:00Z", "kind": "call",
                                 "contact_ids": [contact["id"]]}, token)
    ok("DELETE", f"/contacts/{contact['id']}", None, token)

    expected = {"contact.created", "goal.created", "interaction.created", "contact.deleted"}
    deadline = time.time() + 30
    while time.time() < deadline and len(RECEIVED) < len(expected):
        time.sleep(0.1)
    types = sorted(json.loads(body)["type"] for _, body in RECEIVED)
    assert set(types) == expected and len(types) == len(expected), f"received {types}"

    for headers, body in RECEIVED:
        for secret in (old, new):
            payload = Webhook(secret).verify(body, headers)
            assert payload["id"] == headers["webhook-id"], payload
        tampered = body.replace(b"}", b" }", 1)
        try:
            Webhook(new).verify(tampered, headers)
        except WebhookVerificationError:
            pass
        else:
            sys.exit("a tampered body verified")
    print(f"webhooks check: {len(RECEIVED)} deliveries verified by standardwebhooks "
          f"with both secrets of a rotation; a tampered body refused")
    server.shutdown()


if __name__ == "__main__":
    main()
