"""The calendar feed read by a real iCalendar parser (.ci/ics_check.sh).

Against a running server (ICS_BASE_URL): registers a user, makes one item of
each kind the feed lists (a follow-up, a next step, a keep-in-touch date, a
revisit, a planned call, an event) through the API, creates a feed token,
fetches /api/v1/agenda.ics with the token in the URL as a calendar app does,
and parses it with `icalendar.Calendar.from_ical`: the VEVENTs, their UIDs,
dates and summaries (names with `;`, `,` and `\\` included) must be what the
API holds, twice over, and the feed token must read nothing else. The token is
written to ICS_TOKEN_FILE so that the script around can check the server's log
never shows it.
"""

import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request

import icalendar

API = os.environ["ICS_BASE_URL"].rstrip("/") + "/api/v1"
UTC = dt.timezone.utc


def call(method, path, body=None, token=None):
    """(status, headers, body bytes) of one request; 4xx and 5xx included."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(API + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def created(method, path, body, token):
    status, _, raw = call(method, path, body, token)
    assert status in (200, 201), f"{method} {path}: {status} {raw[:300]!r}"
    return json.loads(raw)


def fetch_feed(feed_token):
    status, headers, raw = call("GET", f"/agenda.ics?token={feed_token}")
    assert status == 200, f"feed: {status} {raw[:300]!r}"
    assert headers["Content-Type"] == "text/calendar; charset=utf-8", headers["Content-Type"]
    assert headers["ETag"], "an ETag"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "CRLF line ends only"
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines folded at 75 octets"
    return icalendar.Calendar.from_ical(raw)


def category(event):
    value = event.get("CATEGORIES")
    cats = getattr(value, "cats", None)
    return str(cats[0]) if cats else str(value)


def main():
    today = dt.datetime.now(UTC).date()
    ymd = lambda offset: (today + dt.timedelta(days=offset)).strftime("%Y%m%d")
    day = lambda offset: (today + dt.timedelta(days=offset)).isoformat()

    session = created(
        "POST",
        "/auth/register",
        {"email": "calendar@example.com", "password": "calendar feeds all day", "name": "Ada"},
        None,
    )["access_token"]
    grace = created(
        "POST",
        "/contacts",
        {"full_name": "Grace Hopper", "keep_in_touch_days": 30,
         "next_step": "Send the article; then, call", "next_step_due": day(3)},
        session,
    )
    odd_name = "Dr. Semi;colon, Back\\slash"
    created("POST", "/contacts",
            {"full_name": odd_name, "stage": "not_now", "revisit_on": day(5)}, session)
    coffee = created(
        "POST",
        "/interactions",
        {"kind": "meeting", "contact_ids": [grace["id"]],
         "occurred_at": (dt.datetime.now(UTC) - dt.timedelta(days=40)).isoformat(),
         "summary": "Coffee", "follow_up": {"due_on": day(2), "note": "Ask how the intro went"}},
        session,
    )
    call_ = created(
        "POST",
        "/interactions",
        {"kind": "call", "contact_ids": [grace["id"]], "occurred_at": f"{day(4)}T15:30:00Z",
         "summary": "Call about the round"},
        session,
    )
    intent = "Meet seed investors, a designer; and — ideally — the organisers 🎉 " * 3
    summit = created(
        "POST",
        "/events",
        {"name": "SaaS Founders Summit", "location": "Lisbon", "intent": intent.strip(),
         "starts_at": f"{day(7)}T09:00:00Z", "ends_at": f"{day(7)}T17:00:00Z",
         "attendees": [{"contact_id": grace["id"], "status": "going"}]},
        session,
    )
    feed_token = created("POST", "/tokens", {"name": "calendar", "scope": "feed"}, session)["secret"]
    with open(os.environ["ICS_TOKEN_FILE"], "w") as out:
        out.write(feed_token)

    calendar = fetch_feed(feed_token)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Rapport//Agenda feed//EN"
    assert not calendar.walk("VTODO")
    events = {category(e): e for e in calendar.walk("VEVENT")}
    assert len(calendar.walk("VEVENT")) == len(events) == 6, sorted(events)

    gid = grace["id"]
    expected = {
        # 30 days after the coffee: overdue, and in the feed's 30 days back.
        "keep_in_touch": (f"keep_in_touch-{gid}-{ymd(-10)}@rapport",
                          "Get in touch with Grace Hopper", today + dt.timedelta(days=-10)),
        "follow_up": (f"follow_up-{coffee['id']}-{ymd(2)}@rapport",
                      "Follow up with Grace Hopper: Ask how the intro went", today + dt.timedelta(days=2)),
        "next_step": (f"next_step-{gid}-{ymd(3)}@rapport",
                      "Next step with Grace Hopper: Send the article; then, call",
                      today + dt.timedelta(days=3)),
        "planned": (f"planned-{call_['id']}-{ymd(4)}@rapport", "Call about the round with Grace Hopper",
                    dt.datetime.combine(today + dt.timedelta(days=4), dt.time(15, 30), UTC)),
        "event": (f"event-{summit['id']}-{ymd(7)}@rapport", "SaaS Founders Summit",
                  dt.datetime.combine(today + dt.timedelta(days=7), dt.time(9, 0), UTC)),
    }
    revisit = events["revisit"]
    assert str(revisit["SUMMARY"]) == f"Revisit {odd_name}", str(revisit["SUMMARY"])
    for kind, (uid, summary, start) in expected.items():
        event = events[kind]
        assert str(event["UID"]) == uid, (kind, str(event["UID"]), uid)
        assert str(event["SUMMARY"]) == summary, (kind, str(event["SUMMARY"]))
        assert event.decoded("DTSTART") == start, (kind, event.decoded("DTSTART"), start)
        assert "DTSTAMP" in event
    for kind in ("keep_in_touch", "follow_up", "next_step", "revisit"):
        start, end = events[kind].decoded("DTSTART"), events[kind].decoded("DTEND")
        assert type(start) is dt.date and end - start == dt.timedelta(days=1), (kind, start, end)
    assert events["event"].decoded("DTEND") == dt.datetime.combine(
        today + dt.timedelta(days=7), dt.time(17, 0), UTC)
    assert str(events["event"]["LOCATION"]) == "Lisbon"
    assert intent.strip() in str(events["event"]["DESCRIPTION"]), "a long text unfolds whole"

    again = fetch_feed(feed_token)
    assert sorted(str(e["UID"]) for e in again.walk("VEVENT")) == sorted(
        str(e["UID"]) for e in calendar.walk("VEVENT")), "UIDs stay the same"

    # The feed token reads nothing else.
    for method, path, body in (("GET", "/contacts", None), ("GET", "/me", None),
                               ("POST", "/contacts", {"full_name": "Mallory"})):
        status, headers, _ = call(method, path, body, feed_token)
        assert status == 403 and headers["Content-Type"] == "application/problem+json", (path, status)

    print(f"ics check: {len(events)} events parsed by icalendar {icalendar.__version__}, "
          "UIDs stable, the feed token refused elsewhere")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"ics check FAILED: {failure}", file=sys.stderr)
        raise
