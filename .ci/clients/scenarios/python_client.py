"""The scenario with the client openapi-python-client generated (package
`rapport_client`, on PYTHONPATH). Run by .ci/clients_check.sh with the virtual
environment's python; RAPPORT_URL is the server, RAPPORT_EXAMPLES the folder of
example files."""

import csv
import datetime
import io
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from rapport_client import AuthenticatedClient, Client
from rapport_client.api.agenda import get_agenda
from rapport_client.api.auth import register
from rapport_client.api.contacts import create_contact, get_contact, list_contacts, update_contact
from rapport_client.api.export import export_csv, export_json, export_vcard
from rapport_client.api.goals import create_goal, list_goals
from rapport_client.api.imports import upload
from rapport_client.api.interactions import create_interaction
from rapport_client.api.intersections import get_intersection, list_intersections, update_intersection
from rapport_client.api.search import search_everything
from rapport_client.models import (
    Contact,
    ContactSort,
    CreateContact,
    CreateGoal,
    CreateInteraction,
    Decision,
    Export,
    Goal,
    GoalHolder,
    GoalKind,
    ImportFormat,
    ImportReport,
    Interaction,
    InteractionKind,
    Intersection,
    IntersectionKind,
    IntersectionStatus,
    PageAgendaItem,
    PageContact,
    PageGoal,
    PageIntersection,
    PageSearchHit,
    Problem,
    Register,
    Session,
    UpdateContact,
    UpdateIntersection,
    UploadBody,
)
from rapport_client.types import File, Response

BASE = os.environ["RAPPORT_URL"]
EXAMPLES = os.environ["RAPPORT_EXAMPLES"]
PASSWORD = "tangerine hedgehog orbit 42"

steps = 0


class ScenarioError(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise ScenarioError(message)


def equal(actual: object, expected: object, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def step(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Runs the function it decorates at once, as a named step."""

    def run(fn: Callable[[], None]) -> Callable[[], None]:
        global steps
        try:
            fn()
        except Exception as err:  # noqa: BLE001 - reported, then re-raised
            print(f"  FAILED {name}: {type(err).__name__}: {err}", file=sys.stderr)
            raise
        steps += 1
        print(f"  ok {name}")
        return fn

    return run


def problem(response: Response[Any], status: int, code: str) -> Problem:
    """The response is a problem+json body, parsed as the typed Problem."""
    equal(int(response.status_code), status, "status")
    content_type = response.headers.get("content-type", "")
    check(content_type.startswith("application/problem+json"), f"problem+json, got {content_type}")
    body = response.parsed
    check(isinstance(body, Problem), f"a Problem, got {type(body).__name__}")
    assert isinstance(body, Problem)
    equal(body.status, status, "problem.status")
    equal(body.code, code, "problem.code")
    check(body.type_ and body.title and body.detail, "problem type, title and detail")
    return body


def main() -> None:
    public = Client(base_url=BASE, raise_on_unexpected_status=True)
    state: dict[str, object] = {}

    @step("register")
    def _() -> None:
        email = f"python-{int(time.time())}-{random.randrange(10**6)}@example.com"
        r = register.sync_detailed(client=public, body=Register(email=email, password=PASSWORD, name="Ada Lovelace"))
        equal(int(r.status_code), 201, "register status")
        check(isinstance(r.parsed, Session), "a session")
        assert isinstance(r.parsed, Session)
        equal(r.parsed.user.name, "Ada Lovelace", "user.name")
        state["api"] = AuthenticatedClient(base_url=BASE, token=r.parsed.access_token, raise_on_unexpected_status=True)

    api = state["api"]
    assert isinstance(api, AuthenticatedClient)
    key = f"create-grace-{time.time_ns()}"
    grace_body = CreateContact(full_name="Grace Hopper", emails=["grace@example.com"], company="Remington Rand")

    @step("create a contact with an Idempotency-Key")
    def _() -> None:
        r = create_contact.sync_detailed(client=api, body=grace_body, idempotency_key=key)
        equal(int(r.status_code), 201, "create status")
        check(isinstance(r.parsed, Contact), "a contact")
        state["grace"] = r.parsed
        state["etag"] = r.headers.get("etag")
        check(state["etag"], "an ETag")
        check(r.headers.get("idempotent-replayed") != "true", "not replayed the first time")

    grace = state["grace"]
    assert isinstance(grace, Contact)

    @step("the same create again is replayed")
    def _() -> None:
        r = create_contact.sync_detailed(client=api, body=grace_body, idempotency_key=key)
        equal(int(r.status_code), 201, "replayed status")
        equal(r.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed")
        check(isinstance(r.parsed, Contact), "a contact")
        assert isinstance(r.parsed, Contact)
        equal(r.parsed.id, grace.id, "replayed id")

    @step("read it")
    def _() -> None:
        r = get_contact.sync_detailed(client=api, id=grace.id)
        check(isinstance(r.parsed, Contact), "a contact")
        assert isinstance(r.parsed, Contact)
        equal(r.parsed.full_name, "Grace Hopper", "full_name")
        equal(r.parsed.emails, ["grace@example.com"], "emails")
        equal(r.headers.get("etag"), state["etag"], "ETag")

    @step("update it with If-Match")
    def _() -> None:
        r = update_contact.sync_detailed(
            client=api, id=grace.id, body=UpdateContact(company="US Navy"), if_match=str(state["etag"])
        )
        equal(int(r.status_code), 200, "update status")
        check(isinstance(r.parsed, Contact), "a contact")
        assert isinstance(r.parsed, Contact)
        equal(r.parsed.company, "US Navy", "company")
        fresh = r.headers.get("etag")
        check(fresh and fresh != state["etag"], "a new ETag")

    @step("a stale If-Match is a 412 problem")
    def _() -> None:
        r = update_contact.sync_detailed(
            client=api, id=grace.id, body=UpdateContact(company="Remington Rand"), if_match=str(state["etag"])
        )
        problem(r, 412, "precondition_failed")

    @step("an invalid contact is a 422 problem with errors[]")
    def _() -> None:
        r = create_contact.sync_detailed(client=api, body=CreateContact(full_name=""))
        body = problem(r, 422, "validation_failed")
        check(isinstance(body.errors, list), "errors[]")
        assert isinstance(body.errors, list)
        check(any(e.field == "full_name" for e in body.errors), "errors[] names full_name")

    @step("a missing contact is a 404 problem")
    def _() -> None:
        r = get_contact.sync_detailed(client=api, id=uuid.UUID("00000000-0000-7000-8000-000000000000"))
        problem(r, 404, "not_found")

    @step("list with a cursor page")
    def _() -> None:
        for name in ("Katherine Johnson", "Dorothy Vaughan"):
            r = create_contact.sync_detailed(client=api, body=CreateContact(full_name=name))
            equal(int(r.status_code), 201, "create status")
        first = list_contacts.sync(client=api, limit=2, sort=ContactSort.NAME_ASC)
        check(isinstance(first, PageContact), "a page")
        assert isinstance(first, PageContact)
        equal(len(first.data), 2, "first page size")
        check(isinstance(first.next_cursor, str), "a next_cursor")
        assert isinstance(first.next_cursor, str)
        second = list_contacts.sync(client=api, limit=2, sort=ContactSort.NAME_ASC, cursor=first.next_cursor)
        check(isinstance(second, PageContact), "a second page")
        assert isinstance(second, PageContact)
        names = [c.full_name for c in first.data + second.data]
        equal(names, ["Dorothy Vaughan", "Grace Hopper", "Katherine Johnson"], "names over two pages")
        check(not second.next_cursor, "no page after the last")

    @step("search and agenda")
    def _() -> None:
        found = search_everything.sync(client=api, q="hopper")
        check(isinstance(found, PageSearchHit), "search hits")
        assert isinstance(found, PageSearchHit)
        check(any(str(hit.id) == str(grace.id) for hit in found.data), "search finds Grace")
        agenda = get_agenda.sync(client=api, limit=10)
        check(isinstance(agenda, PageAgendaItem), "an agenda page")

    @step("export as JSON")
    def _() -> None:
        r = export_json.sync_detailed(client=api)
        check(r.headers.get("content-type", "").startswith("application/json"), "JSON")
        check(isinstance(r.parsed, Export), f"an Export, got {type(r.parsed).__name__}")
        assert isinstance(r.parsed, Export)
        equal(len(r.parsed.contacts), 3, "exported contacts")

    @step("export as CSV")
    def _() -> None:
        r = export_csv.sync_detailed(client=api)
        check(r.headers.get("content-type", "").startswith("text/csv"), "text/csv")
        check(isinstance(r.parsed, str), f"CSV text, got {type(r.parsed).__name__}")
        assert isinstance(r.parsed, str)
        rows = list(csv.DictReader(io.StringIO(r.parsed)))
        check("full_name" in rows[0], "a full_name column")
        equal(sorted(row["full_name"] for row in rows), ["Dorothy Vaughan", "Grace Hopper", "Katherine Johnson"], "rows")

    @step("export as vCard")
    def _() -> None:
        r = export_vcard.sync_detailed(client=api)
        check(r.headers.get("content-type", "").startswith("text/vcard"), "text/vcard")
        check(isinstance(r.parsed, str), f"vCard text, got {type(r.parsed).__name__}")
        assert isinstance(r.parsed, str)
        equal(r.parsed.count("BEGIN:VCARD"), 3, "vCards")

    @step("import a vCard file as multipart/form-data")
    def _() -> None:
        with open(os.path.join(EXAMPLES, "contacts.vcf"), "rb") as f:
            file = File(payload=f, file_name="contacts.vcf", mime_type="text/vcard")
            r = upload.sync_detailed(client=api, body=UploadBody(file=file), format_=ImportFormat.VCARD)
        equal(int(r.status_code), 200, f"import status ({r.content[:300]!r})")
        check(isinstance(r.parsed, ImportReport), "an import report")
        assert isinstance(r.parsed, ImportReport)
        equal(r.parsed.created, 1, "created (Mary Jackson)")
        equal(r.parsed.merged, 1, "merged (Katherine Johnson, listed already)")
        equal(r.parsed.dry_run, False, "dry_run")

    # Added after the exports and the import, so their counts stay as they were.
    meeting_key = f"meet-grace-{time.time_ns()}"
    meeting = CreateInteraction(
        contact_ids=[grace.id], kind=InteractionKind.MEETING, occurred_at=datetime.datetime.now(datetime.timezone.utc)
    )

    @step("record an interaction with an Idempotency-Key")
    def _() -> None:
        first = create_interaction.sync_detailed(client=api, body=meeting, idempotency_key=meeting_key)
        equal(int(first.status_code), 201, f"interaction status ({first.content[:300]!r})")
        check(isinstance(first.parsed, Interaction), "an interaction")
        assert isinstance(first.parsed, Interaction)
        equal(first.parsed.kind, InteractionKind.MEETING, "interaction.kind")
        equal(first.parsed.contact_ids, [grace.id], "interaction.contact_ids")
        check(first.headers.get("idempotent-replayed") != "true", "not replayed the first time")
        again = create_interaction.sync_detailed(client=api, body=meeting, idempotency_key=meeting_key)
        equal(int(again.status_code), 201, "replayed status")
        equal(again.headers.get("idempotent-replayed"), "true", "Idempotent-Replayed")
        check(isinstance(again.parsed, Interaction), "an interaction")
        assert isinstance(again.parsed, Interaction)
        equal(again.parsed.id, first.parsed.id, "replayed id")

    @step("a goal of mine and an offer of a contact")
    def _() -> None:
        r = create_goal.sync_detailed(client=api, body=CreateGoal(kind=GoalKind.GOAL, title="Hire a product designer"))
        equal(int(r.status_code), 201, f"goal status ({r.content[:300]!r})")
        check(isinstance(r.parsed, Goal), "a goal")
        assert isinstance(r.parsed, Goal)
        equal(r.parsed.contact_id, None, "my goal's contact_id")
        state["mine"] = r.parsed
        r = create_goal.sync_detailed(
            client=api,
            body=CreateGoal(contact_id=grace.id, kind=GoalKind.OFFER, title="I place senior product designers"),
        )
        equal(int(r.status_code), 201, f"offer status ({r.content[:300]!r})")
        check(isinstance(r.parsed, Goal), "an offer")
        assert isinstance(r.parsed, Goal)
        equal(r.parsed.contact_id, grace.id, "offer.contact_id")
        equal(r.parsed.kind, GoalKind.OFFER, "offer.kind")
        state["offer"] = r.parsed

    mine = state["mine"]
    offer = state["offer"]
    assert isinstance(mine, Goal) and isinstance(offer, Goal)

    @step("list goals with a filter")
    def _() -> None:
        mine_only = list_goals.sync(client=api, owner=GoalHolder.ME, kind=GoalKind.GOAL)
        check(isinstance(mine_only, PageGoal), "a page of goals")
        assert isinstance(mine_only, PageGoal)
        equal([g.id for g in mine_only.data], [mine.id], "my goals")
        offers = list_goals.sync(client=api, contact_id=grace.id, kind=GoalKind.OFFER)
        check(isinstance(offers, PageGoal), "a page of offers")
        assert isinstance(offers, PageGoal)
        equal([g.id for g in offers.data], [offer.id], "Grace's offers")

    @step("the designer intersection appears (Prefer: wait=5)")
    def _() -> None:
        found: Intersection | None = None
        for _attempt in range(6):
            page = list_intersections.sync(client=api, contact_id=grace.id, prefer="wait=5")
            check(isinstance(page, PageIntersection), "a page of intersections")
            assert isinstance(page, PageIntersection)
            found = next((i for i in page.data if i.my_goal_id == mine.id and i.their_goal_id == offer.id), None)
            if found is not None:
                break
        check(found is not None, "an intersection of my goal and Grace's offer")
        assert found is not None
        equal(found.kind, IntersectionKind.THEY_CAN_HELP, "intersection.kind")
        equal(found.status, IntersectionStatus.SUGGESTED, "intersection.status")
        check(0 < found.score <= 1, f"a score in (0, 1], got {found.score}")
        check(found.reasons, "reasons")
        check(all(r.term and r.weight > 0 for r in found.reasons), "each reason a term and a weight")
        state["pair"] = found

    pair = state["pair"]
    assert isinstance(pair, Intersection)

    @step("confirm it with If-Match")
    def _() -> None:
        read = get_intersection.sync_detailed(client=api, id=pair.id)
        equal(int(read.status_code), 200, "intersection status")
        tag = read.headers.get("etag")
        check(tag, "an ETag")
        assert tag is not None
        r = update_intersection.sync_detailed(
            client=api, id=pair.id, body=UpdateIntersection(status=Decision.CONFIRMED), if_match=tag
        )
        equal(int(r.status_code), 200, f"update status ({r.content[:300]!r})")
        check(isinstance(r.parsed, Intersection), "an intersection")
        assert isinstance(r.parsed, Intersection)
        equal(r.parsed.status, IntersectionStatus.CONFIRMED, "intersection.status")
        equal(r.parsed.id, pair.id, "the same intersection")

    print(f"python: {steps} steps passed")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001
        print(f"python: failed after {steps} steps", file=sys.stderr)
        sys.exit(1)
