"""Schemathesis hooks for the contract test (.ci/schemathesis.sh).

A schema says what a request looks like; some values are valid only because
of what is on the server: an opaque `cursor` the list gave out, the `ETag`
a resource has now, an `Idempotency-Key` not yet spent on another body, the
id of a contact that exists. Drawn at random they are not valid data, and the
server rightly refuses them (400, 412, 422), which the checks would report as
valid requests rejected.

So, for positive test cases only, these hooks put real values, just before each call, where the
schema cannot say what real is, fetched from the server at that moment. Every
check still runs on every response, and negative cases are left untouched.
Each refusal replaced here has its own HTTP tests in tests/api.
"""

import datetime
import json
import os
import secrets
import uuid

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

BASE = os.environ["CONTRACT_BASE_URL"]
API = f"{BASE}/api/v1"
SESSION = requests.Session()
SESSION.headers["Authorization"] = f"Bearer {os.environ['CONTRACT_TOKEN']}"
# One connection per request: the server closes a keep-alive connection idle
# for five seconds, and a hook that reuses it in that instant gets
# "Remote end closed connection without response" (seen once on PostgreSQL).
SESSION.headers["Connection"] = "close"


@schemathesis.auth(refresh_interval=300)
class ContractAuth:
    """A fresh access token every five minutes: one lasts fifteen, and a run
    takes longer. The hooks' own requests use it too."""

    def get(self, case, context):
        response = requests.post(
            f"{API}/auth/login",
            json={"email": os.environ["CONTRACT_EMAIL"], "password": os.environ["CONTRACT_PASSWORD"]},
            timeout=10,
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        SESSION.headers["Authorization"] = f"Bearer {token}"
        return token

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

# Fields that name another resource of the user's, per kind.
CONTACT_REFERENCES = {"contact_id", "contact_ids", "from"}
GOAL_REFERENCES = {"goal_ids"}

# A small valid file per import format.
IMPORT_FILES = {
    "linkedin": "Notes:\n\"Exported by LinkedIn\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Linus,Pauling,https://www.linkedin.com/in/linus,linus@example.com,Caltech,Chemist,02 Mar 2021\n",
    "csv": "full_name,company\nBarbara McClintock,Cold Spring Harbor\n",
    "vcard": "BEGIN:VCARD\nVERSION:4.0\nFN:Rosalind Franklin\nEMAIL:rosalind@example.com\nEND:VCARD\n",
}


def _get(path, **params):
    response = SESSION.get(f"{API}{path}", params=params, timeout=10)
    return response.json() if response.status_code == 200 else None


def _ids(path, **params):
    page = _get(path, limit=20, **params) or {"data": []}
    return [item["id"] for item in page["data"]]


def _contact_ids():
    ids = _ids("/contacts")
    if not ids:
        created = SESSION.post(f"{API}/contacts", json={"full_name": "Lise Meitner"}, timeout=10)
        ids = [created.json()["id"]]
    return ids


def _real_cursor(case):
    """A cursor the same list gives out for the same filters, or none."""
    query = {k: v for k, v in case.query.items() if k not in ("cursor", "limit")}
    path = case.formatted_path
    page = _get(path.removeprefix("/api/v1"), limit=1, **query)
    return page.get("next_cursor") if page else None


# Queries in the search language (`GET /search`, `GET /contacts?q=`): one
# drawn at random is mostly refused with a 400 that says why (an operator,
# an unbalanced quote, only common words), as it should be.
SEARCH_QUERIES = ["meitner", "chem*", "\"cold spring\"", "pauling -linus", "Müller"]


def _fix_query(case):
    if "q" in (case.query or {}) and case.operation.path in ("/api/v1/search", "/api/v1/contacts"):
        case.query["q"] = SEARCH_QUERIES[len(str(case.query["q"])) % len(SEARCH_QUERIES)]
    if "cursor" in (case.query or {}):
        cursor = _real_cursor(case)
        if cursor:
            case.query["cursor"] = cursor
        else:
            del case.query["cursor"]


def _fix_headers(case):
    headers = case.headers
    if headers is None:
        return
    if "If-Match" in headers:
        current = SESSION.get(f"{BASE}{case.formatted_path}", timeout=10)
        if current.status_code == 200 and "ETag" in current.headers:
            headers["If-Match"] = current.headers["ETag"]
        else:
            del headers["If-Match"]
    if "Idempotency-Key" in headers:
        # A key is spent on its first body; a fresh one per generated request.
        headers["Idempotency-Key"] = str(uuid.uuid4())


def _fix_references(body, path):
    if not isinstance(body, dict):
        return
    contacts = None
    for field in list(body):
        value = body[field]
        if field in CONTACT_REFERENCES and value is not None:
            contacts = contacts or [c for c in _contact_ids() if c not in path]
            if isinstance(value, list):
                body[field] = contacts[: min(len(value), len(contacts))]
            else:
                body[field] = contacts[0]
        elif field in GOAL_REFERENCES and value:
            body[field] = _ids("/goals", owner="all")[: len(value)]


def _fix_intersection(body):
    """`POST /intersections`: two goals of matching kinds, or a contact and a note."""
    if not isinstance(body, dict):
        return
    if body.get("my_goal_id") or body.get("their_goal_id"):
        mine = (_get("/goals", owner="me", kind="goal", limit=1) or {"data": []})["data"]
        theirs = (_get("/goals", owner="contacts", kind="offer", limit=1) or {"data": []})["data"]
        if mine and theirs:
            body.update(my_goal_id=mine[0]["id"], their_goal_id=theirs[0]["id"])
            body["contact_id"] = theirs[0]["contact_id"]
            body["kind"] = "they_can_help"
            return
    for field in ("my_goal_id", "their_goal_id"):
        body.pop(field, None)
    body["contact_id"] = _contact_ids()[0]
    if body.get("kind") in (None, "they_can_help", "i_can_help", "shared_goal"):
        body["kind"] = "shared_interest"
    if not (body.get("note") or "").strip():
        body["note"] = "Both of us sail."


def _fix_import(case):
    """A file of the format the query names, in the media type drawn."""
    fmt = (case.query or {}).get("format")
    if case.media_type == "application/json" and fmt in IMPORT_FILES:
        # A JSON body can only be a Rapport export.
        fmt = case.query["format"] = "json"
    if fmt == "json":
        text = SESSION.get(f"{API}/export", timeout=10).text
    elif fmt in IMPORT_FILES:
        text = IMPORT_FILES[fmt]
    else:
        return
    if case.media_type == "application/json":
        case.body = json.loads(text) if fmt == "json" else text
    elif case.media_type == "multipart/form-data":
        case.body = {"file": text}
    else:
        case.body = text


def _fix_own_concept(body, create):
    """`/vocabulary`: a concept of one's own with a fresh label (one entry per
    concept), phrases that hold a word, and complements the vocabulary knows."""
    fresh = uuid.uuid4().hex[:12]
    if create:
        body.pop("extends", None)
        body["label"] = f"concept {fresh}"
    elif "label" in body and body["label"] is not None:
        body["label"] = f"concept {fresh}"
    if create or body.get("phrases") is not None:
        count = max(1, min(len(body.get("phrases") or []), 3))
        body["phrases"] = [f"phrase {fresh} {i}" for i in range(count)]
    if body.get("complements"):
        body["complements"] = ["fundraising"]


def _positive(case, location):
    """Whether `location` of the case was generated as valid data."""
    meta = case.meta
    if meta is None:
        return False
    component = meta.components.get(location)
    mode = component.mode if component is not None else meta.generation.mode
    return mode == GenerationMode.POSITIVE


def _fix_path(case):
    """Stateful links can carry a `null` id from a response; use a real one."""
    for name, value in list((case.path_parameters or {}).items()):
        if value in (None, "None"):
            collection = case.operation.path.removeprefix("/api/v1").split("/")[1]
            ids = _ids(f"/{collection}")
            if ids:
                case.path_parameters[name] = ids[0]


def _fix_event(case, label):
    """`/events`: attendees among the user's contacts, each once; the user's
    own goals; an end not before the start (a patch keeps the stored one)."""
    body = case.body
    if not isinstance(body, dict):
        return
    if body.get("attendees"):
        contacts = _contact_ids()
        people = body["attendees"][: len(contacts)]
        for person, contact_id in zip(people, contacts):
            person["contact_id"] = contact_id
        body["attendees"] = people
    if body.get("goal_ids"):
        body["goal_ids"] = _ids("/goals", owner="me")[: len(body["goal_ids"])]
    if label.startswith("PATCH"):
        # The stored end may be before a new start: clear it then.
        if body.get("starts_at") is not None:
            body["ends_at"] = None
        else:
            body.pop("ends_at", None)
    elif body.get("ends_at") is not None:
        body["ends_at"] = body.get("starts_at")


def _fix_debrief(case):
    """`POST /events/{id}/debrief` records what happened: an event that has
    started, and each contact met once."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    past = _ids("/events", to=now)
    if past and _positive(case, ParameterLocation.PATH):
        case.path_parameters["id"] = past[0]
    body = case.body
    if isinstance(body, dict) and body.get("met"):
        contacts = _contact_ids()
        met = body["met"][: len(contacts)]
        for person, contact_id in zip(met, contacts):
            person["contact_id"] = contact_id
        body["met"] = met
    for person in (body or {}).get("new_people") or []:
        if isinstance(person, dict):
            _fix_contact(person.get("contact"))


def _fix_contact(body):
    """A contact's `next_step_due` is the date of its `next_step` (a date
    alone is refused), and a `not_now` contact has a `revisit_on` (the
    stored one may be cleared only by leaving `not_now`)."""
    if not isinstance(body, dict):
        return
    if body.get("next_step_due") and not (body.get("next_step") or "").strip():
        body["next_step"] = "Call back"
    if "revisit_on" in body and body["revisit_on"] is None:
        del body["revisit_on"]
    if body.get("stage") == "not_now" and not body.get("revisit_on"):
        body["revisit_on"] = "2027-01-15"


def _fix_follow_up(case):
    """A follow-up added by `PATCH /interactions/{id}` needs its date."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("follow_up"), dict):
        body["follow_up"].setdefault("due_on", "2027-01-15")
        if body["follow_up"]["due_on"] is None:
            body["follow_up"]["due_on"] = "2027-01-15"


# Where the contract test's subscriptions point: loopback (allowed for this
# server only), a port nothing listens on. Generated URLs would name hosts to
# resolve and addresses on the internet to connect to.
CONTRACT_WEBHOOK_URL = "http://127.0.0.1:9/contract"


def _fix_webhook(case, label):
    """`/webhooks`: a target the contract server may deliver to, and room
    under the cap of 20 subscriptions (the 409 has its own HTTP test)."""
    body = case.body
    if not isinstance(body, dict):
        return
    if label.startswith("POST"):
        body["url"] = CONTRACT_WEBHOOK_URL
        existing = _ids("/webhooks")
        for old in existing[10:]:
            SESSION.delete(f"{API}/webhooks/{old}", timeout=10)
    elif "url" in body and body["url"] is not None:
        body["url"] = CONTRACT_WEBHOOK_URL


def _fix_redelivery(case):
    """`POST /webhooks/{id}/deliveries/{delivery_id}/redeliver`: a delivery
    of the user's, when there is one (random ids are 404s)."""
    for hook in _ids("/webhooks"):
        deliveries = _ids(f"/webhooks/{hook}/deliveries")
        if deliveries:
            case.path_parameters["id"] = hook
            case.path_parameters["delivery_id"] = deliveries[0]
            return


@schemathesis.hook
def before_call(context, case, kwargs):
    # At call time, not generation time: a case runs more than once (Hypothesis
    # replays and shrinks), and an ETag or a cursor goes stale in between.
    # Schemathesis re-derives the case's metadata from what is finally sent.
    label = f"{case.method.upper()} {case.operation.path}"
    if _positive(case, ParameterLocation.PATH):
        _fix_path(case)
        if label == "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver":
            _fix_redelivery(case)
    if _positive(case, ParameterLocation.QUERY):
        _fix_query(case)
    if _positive(case, ParameterLocation.HEADER):
        _fix_headers(case)
    if not _positive(case, ParameterLocation.BODY):
        return
    if label == "POST /api/v1/intersections":
        _fix_intersection(case.body)
    else:
        _fix_references(case.body, case.formatted_path)
    if label == "PATCH /api/v1/interactions/{id}":
        _fix_follow_up(case)
    if label in ("POST /api/v1/events", "PATCH /api/v1/events/{id}"):
        _fix_event(case, label)
    if label == "POST /api/v1/events/{id}/debrief":
        _fix_debrief(case)
    if label in ("POST /api/v1/webhooks", "PATCH /api/v1/webhooks/{id}"):
        _fix_webhook(case, label)
    if label in ("POST /api/v1/contacts", "PATCH /api/v1/contacts/{id}"):
        _fix_contact(case.body)
    if label in ("POST /api/v1/imports", "POST /api/v1/imports/upload") and _positive(
        case, ParameterLocation.QUERY
    ):
        _fix_import(case)
    if label == "POST /api/v1/tokens" and isinstance(case.body, dict) and case.body.get("expires_at"):
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
        case.body["expires_at"] = later.isoformat()
    if label == "POST /api/v1/auth/register" and isinstance(case.body, dict):
        # A password must also be hard to guess, which no schema can say:
        # generated ones ("0000000000") are refused, as they should be.
        case.body["password"] = f"contract {secrets.token_hex(4)} sails at dawn"
    if label == "POST /api/v1/vocabulary" and isinstance(case.body, dict):
        _fix_own_concept(case.body, create=True)
    if label == "PATCH /api/v1/vocabulary/{id}" and isinstance(case.body, dict):
        _fix_own_concept(case.body, create=False)
