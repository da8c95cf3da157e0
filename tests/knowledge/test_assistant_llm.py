"""The optional language model phrases the assistant's replies: called (through the guarded client) only
when set, with the built-in reply and what it was built from as grounding; its answer is used only when it
keeps every figure; unset, refused, failing, slow or unfaithful, the built-in reply stands. A local fake
server plays the OpenAI-compatible endpoint: nothing leaves the machine."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from anxin.config import Settings
from anxin.knowledge import assistant_llm
from tests.pricing.helpers import published_book

URL = "/api/v1/assistant/messages"
STEP = "检查温度设置是否正确（冷藏2-5°C，冷冻-18°C）"  # the knowledge base's first step for a warm fridge


@dataclass
class FakeModel:
    """A chat-completions server: ``answer(body)`` gives the status and the reply text; requests are kept."""

    port: int = 0
    seen: list[dict] = field(default_factory=list)
    answer: object = None
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def model() -> Iterator[FakeModel]:
    state = FakeModel(
        answer=lambda body: (200, "您好！" + json.loads(body["messages"][1]["content"])["draft"])
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.seen.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            time.sleep(state.delay)
            status, text = state.answer(body)
            data = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the slow case: the caller gave up
                pass

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def configure(
    monkeypatch, url: str | None, *, allowed: list[str] | None = None, timeout: float = 3.0
) -> None:
    settings = Settings(
        _env_file=None,
        assistant_llm_url=url,
        assistant_llm_model="tiny-zh",
        assistant_llm_key="sk-test",
        assistant_llm_timeout_seconds=timeout,
        outbound_allowed_networks=["127.0.0.0/8"] if allowed is None else allowed,
    )
    monkeypatch.setattr(assistant_llm, "get_settings", lambda: settings)


def say(client, world, text):
    answer = client.post(URL, json={"text": text}, headers=world.headers("customer"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_model_phrases_the_reply_from_the_retrieved_entry(client, world, kb, model, monkeypatch):
    configure(monkeypatch, model.url + "/v1")
    body = say(client, world.demo, "冰箱冷藏室一点都不凉")
    # the model's phrasing is the reply, said so in the sources; the buttons are the built-in dialogue's
    assert body["reply"].startswith("您好！看起来是：冰箱 · 不制冷") and STEP in body["reply"]
    assert {"kind": "llm", "model": "tiny-zh"} in body["sources"]
    assert [a["text"] for a in body["actions"]][:2] == ["解决了", "没解决"]
    # one call to the chat-completions path, with the key, the model and the grounding
    [call] = model.seen
    assert call["path"] == "/v1/chat/completions"
    assert call["headers"]["Authorization"] == "Bearer sk-test" and call["body"]["model"] == "tiny-zh"
    given = json.loads(call["body"]["messages"][1]["content"])
    assert given["customer_message"] == "冰箱冷藏室一点都不凉"
    assert given["grounding"]["knowledge_entry"]["self_help"][0] == STEP
    assert given["draft"].startswith("看起来是：冰箱 · 不制冷")
    assert "Use only the facts" in call["body"]["messages"][0]["content"]
    assert "Simplified Chinese" in call["body"]["messages"][0]["content"]


def test_price_answers_are_grounded_in_the_price_lines(client, world, kb, model, monkeypatch):
    published_book(client, world.demo)
    configure(monkeypatch, model.url)
    body = say(client, world.demo, "上门费多少钱")
    given = json.loads(model.seen[0]["body"]["messages"][1]["content"])["grounding"]
    assert {"name": "上门检测费（市区）", "kind": "visit", "price": "¥50.00"} in given["price_list"]
    assert given["final_price_rule"] == "以师傅上门报价为准"
    assert body["reply"].startswith("您好！") and "¥50.00" in body["reply"]


def test_an_answer_that_drops_or_changes_a_figure_is_not_used(client, world, kb, model, monkeypatch):
    configure(monkeypatch, model.url)
    model.answer = lambda body: (200, "冰箱不冷的话，把温度调到 3 度就好了。")
    body = say(client, world.demo, "冰箱冷藏室一点都不凉")
    assert len(model.seen) == 1
    assert body["reply"].startswith("看起来是：冰箱 · 不制冷") and STEP in body["reply"]
    assert "llm" not in [s["kind"] for s in body["sources"]]


@pytest.mark.parametrize("failure", ["error", "malformed", "slow"])
def test_a_failing_model_leaves_the_built_in_reply(client, world, kb, model, monkeypatch, failure):
    configure(monkeypatch, model.url, timeout=0.5)
    if failure == "error":
        model.answer = lambda body: (500, "overloaded")
    elif failure == "malformed":
        model.answer = lambda body: (200, None)
    else:
        model.delay = 1.5
    body = say(client, world.demo, "冰箱冷藏室一点都不凉")
    assert len(model.seen) == 1
    assert body["reply"].startswith("看起来是：冰箱 · 不制冷") and STEP in body["reply"]


def test_unset_or_refused_by_the_guard_nothing_is_called(client, world, kb, model, monkeypatch):
    configure(monkeypatch, None)
    assert say(client, world.demo, "冰箱冷藏室一点都不凉")["reply"].startswith("看起来是")
    # a loopback address the operator has not allowed: the guarded client refuses it before connecting
    configure(monkeypatch, model.url, allowed=[])
    assert say(client, world.demo, "冰箱冷藏室一点都不凉")["reply"].startswith("看起来是")
    assert model.seen == []


def test_the_endpoint_of_a_base_url():
    assert assistant_llm.endpoint("https://llm.example") == "https://llm.example/v1/chat/completions"
    assert assistant_llm.endpoint("https://llm.example/v1/") == "https://llm.example/v1/chat/completions"
    full = "https://llm.example/api/v1/chat/completions"
    assert assistant_llm.endpoint(full) == full
