"""Message typeahead (full-text search) and document retrieval (vector search).

The embeddings API is mocked with respx: ``fake_embedding`` maps words to topics, so
texts about the same topic get similar vectors.
"""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest
import respx

from convex_test import ConvexError, api, internal

EMBEDDINGS_URL = "https://api.embeddings.example/v1/embeddings"  # as in convex/search.py
TOPICS = {
    "deploy": 0,
    "deploys": 0,
    "server": 0,
    "release": 0,
    "rollback": 0,
    "pizza": 1,
    "pasta": 1,
    "lunch": 1,
    "food": 1,
    "holiday": 2,
    "vacation": 2,
    "leave": 2,
    "office": 3,
    "desk": 3,
}


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


def fake_embedding(text: str) -> list[float]:
    """One dimension per topic (plus a small shared component, so no vector is zero)."""
    vector = [0.1] * 8
    for word in text.lower().replace("?", " ").replace(".", " ").split():
        if word in TOPICS:
            vector[TOPICS[word]] += 1.0
    return vector


@pytest.fixture
def embeddings(respx_mock: respx.MockRouter) -> respx.Route:
    def respond(request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["input"]
        return httpx.Response(200, json={"embedding": fake_embedding(text)})

    route: respx.Route = respx_mock.post(EMBEDDINGS_URL).mock(side_effect=respond)
    return route


def send(who: Any, channel: str, body: str) -> str:
    message_id: str = who.mutation(api.messages.send, {"channelId": channel, "body": body})
    return message_id


def typeahead(who: Any, channel: str, text: str) -> list[str]:
    found = who.query(api.search.messages, {"channelId": channel, "text": text})
    return [m["body"] for m in found]


# ---------------------------------------------------------------------------
# Typeahead
# ---------------------------------------------------------------------------


def test_typeahead_follows_the_typing(alice: Any, general: str) -> None:
    for body in [
        "Deploy failed, rolling back",
        "Lunch at the deli?",
        "Deploying the server tonight",
        "the deployment is done",
    ]:
        send(alice, general, body)
    assert typeahead(alice, general, "") == []
    # The last word is a prefix: every word starting with "dep" matches.
    assert set(typeahead(alice, general, "dep")) == {
        "Deploy failed, rolling back",
        "Deploying the server tonight",
        "the deployment is done",
    }
    # A whole word matches exactly (and still as a prefix); the exact match ranks first.
    assert typeahead(alice, general, "deploy")[0] == "Deploy failed, rolling back"
    # Earlier words must match exactly; documents with more matching words rank higher.
    assert typeahead(alice, general, "deploy fail")[0] == "Deploy failed, rolling back"
    assert typeahead(alice, general, "server ton") == ["Deploying the server tonight"]
    assert typeahead(alice, general, "DELI") == ["Lunch at the deli?"]
    assert typeahead(alice, general, "delis") == []


def test_results_carry_author_names_and_respect_the_limit(
    alice: Any, bob: Any, general: str
) -> None:
    bob.mutation(api.channels.join, {"channelId": general})
    for i in range(15):
        send(alice if i % 2 else bob, general, f"status update {i}")
    found = alice.query(api.search.messages, {"channelId": general, "text": "status"})
    assert len(found) == 10
    assert {m["author"] for m in found} == {"Alice", "Bob"}
    assert set(found[0]) == {"_id", "body", "author"}
    many = alice.query(api.search.messages, {"channelId": general, "text": "upd", "limit": 20})
    assert len(many) == 15
    # Equal scores: the newest message first.
    assert [m["body"] for m in many[:2]] == ["status update 14", "status update 13"]
    with pytest.raises(ConvexError) as info:
        alice.query(api.search.messages, {"channelId": general, "text": "x", "limit": 21})
    assert info.value.data == {"code": "BAD_LIMIT", "max": 20}


def test_search_stays_inside_the_channel(alice: Any, bob: Any, general: str) -> None:
    random = bob.mutation(api.channels.create, {"name": "random"})
    send(alice, general, "release notes for general")
    send(bob, random, "release party in random")
    assert typeahead(alice, general, "release") == ["release notes for general"]
    assert typeahead(bob, random, "release") == ["release party in random"]


def test_only_members_can_search(alice: Any, bob: Any, general: str) -> None:
    send(alice, general, "secret plans")
    with pytest.raises(ConvexError) as info:
        typeahead(bob, general, "secret")
    assert info.value.data["code"] == "FORBIDDEN"
    bob.mutation(api.channels.join, {"channelId": general})
    assert typeahead(bob, general, "secret") == ["secret plans"]


def test_edits_and_purges_are_searchable_at_once(t: Any, alice: Any, general: str) -> None:
    message_id = send(alice, general, "meeting at noon")
    alice.mutation(api.messages.edit, {"messageId": message_id, "body": "meeting at three"})
    assert typeahead(alice, general, "noon") == []
    assert typeahead(alice, general, "three") == ["meeting at three"]
    t.mutation(internal.channels.purge, {"channelId": general})
    with pytest.raises(ConvexError):
        typeahead(alice, general, "meeting")  # the membership is gone too


# ---------------------------------------------------------------------------
# RAG: documents and vector search
# ---------------------------------------------------------------------------


def add(who: Any, channel: str, text: str) -> str:
    document_id: str = who.action(api.search.add_document, {"channelId": channel, "text": text})
    return document_id


def test_ask_retrieves_the_closest_documents_of_the_channel(
    alice: Any, bob: Any, general: str, embeddings: respx.Route
) -> None:
    deploy = add(alice, general, "We deploy the server with make release.")
    lunch = add(alice, general, "Lunch is pizza on Fridays.")
    holiday = add(alice, general, "Request vacation two weeks ahead.")
    other = bob.mutation(api.channels.create, {"name": "ops"})
    add(bob, other, "Server release checklist for ops.")

    question = "How do I deploy a release?"
    answer = alice.action(api.search.ask, {"channelId": general, "question": question})
    texts = {
        deploy: "We deploy the server with make release.",
        lunch: "Lunch is pizza on Fridays.",
        holiday: "Request vacation two weeks ahead.",
    }
    expected = sorted(
        texts,
        key=lambda d: cosine(fake_embedding(question), fake_embedding(texts[d])),
        reverse=True,
    )
    assert expected[0] == deploy
    sources = answer["sources"]
    # The ops channel's document is filtered out, though it is the most relevant one.
    assert [s["documentId"] for s in sources] == expected
    assert [s["text"] for s in sources] == [texts[d] for d in expected]
    assert [s["score"] for s in sources] == pytest.approx(
        [cosine(fake_embedding(question), fake_embedding(texts[d])) for d in expected]
    )
    assert "- We deploy the server with make release." in answer["prompt"]
    assert answer["prompt"].endswith("Question: How do I deploy a release?")
    # Four documents embedded plus one question.
    assert embeddings.call_count == 5


def test_ask_limits_the_sources(alice: Any, general: str, embeddings: respx.Route) -> None:
    for i in range(5):
        add(alice, general, f"pizza fact {i}")
    answer = alice.action(api.search.ask, {"channelId": general, "question": "pizza?", "limit": 2})
    assert len(answer["sources"]) == 2
    answer = alice.action(api.search.ask, {"channelId": general, "question": "pizza?"})
    assert len(answer["sources"]) == 3


def test_deleted_documents_are_not_cited(
    t: Any, alice: Any, general: str, embeddings: respx.Route
) -> None:
    keep = add(alice, general, "office desk booking")
    drop = add(alice, general, "office closed on holiday")
    t.run(lambda ctx: ctx.db.delete(drop))
    answer = alice.action(api.search.ask, {"channelId": general, "question": "office"})
    assert [s["documentId"] for s in answer["sources"]] == [keep]


@pytest.mark.respx(assert_all_called=False)
def test_outsiders_can_neither_add_nor_ask(
    alice: Any, bob: Any, general: str, embeddings: respx.Route
) -> None:
    with pytest.raises(ConvexError) as info:
        add(bob, general, "sneaky")
    assert info.value.data["code"] == "FORBIDDEN"
    with pytest.raises(ConvexError):
        bob.action(api.search.ask, {"channelId": general, "question": "anything"})
    # Membership is checked before the (paid) embeddings API is called.
    assert embeddings.call_count == 0


def test_an_embeddings_api_failure_stores_nothing(
    t: Any, alice: Any, general: str, respx_mock: respx.MockRouter
) -> None:
    respx_mock.post(EMBEDDINGS_URL).mock(return_value=httpx.Response(503))
    with pytest.raises(httpx.HTTPStatusError):
        add(alice, general, "lost text")
    assert t.query(lambda ctx: ctx.db.query("documents").collect()) == []
