"""Playback: answer a request from a cassette with the secrets put back, or report the miss."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from simulator.errors import SimulatorError
from simulator.pipeline.redact import may_hold_secret
from simulator.replay.cassette import Cassette, Miss
from simulator.replay.filters import (
    SecretMap,
    bind_secrets,
    is_identity_answer,
    placeholder_kind,
    point_catalog_at,
    restore_response,
)
from simulator.replay.har import HOP_BY_HOP, RecordedRequest, RecordedResponse, parse_json

MODES = ("strict", "fallthrough")
#: How many interactions' plans are kept (a recording on disk may be larger than memory should hold).
PLANS_KEPT = 16_384


class ReplayMiss(SimulatorError):
    """Strict replay got a request the recording cannot answer: 502, naming the closest recorded request."""

    fault, status = "replayMiss", 502


def validate_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown replay mode {mode!r}: choose from {', '.join(MODES)}")
    return mode


@dataclass(frozen=True)
class Plan:
    """What playing one interaction takes: whether its request has placeholders to learn secrets from, and its
    answer ready to send when that answer has no placeholder and is not an identity answer (the same every time);
    secret_free: that answer is JSON holding no secret field (found once here, so the journal need not look again
    on each play: with more distinct answers than its text cache holds, it would)."""

    binds: bool
    answer: RecordedResponse | None
    json_body: bool
    secret_free: bool = False
    #: The placeholders among the request's header values, when its body has none: once each has its real value
    #: (the first binding wins), playing the interaction learns nothing more and need not read its request.
    header_placeholders: tuple[str, ...] | None = None

    @classmethod
    def of(cls, interaction) -> Plan:
        request, response = interaction.request, interaction.response
        in_headers = tuple(v for _, v in request.headers if placeholder_kind(v))
        in_body = b"<<" in request.body
        binds = in_body or bool(in_headers)
        parsed = parse_json(response.body)
        static = (
            not is_identity_answer(parsed)
            and b"<<" not in response.body
            and not any("<<" in v for _, v in response.headers)
        )
        answer = None
        if static:
            headers = tuple((k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP)
            answer = response if len(headers) == len(response.headers) else replace(response, headers=headers)
        json_body = static and parsed is not None
        return cls(
            binds=binds,
            answer=answer,
            json_body=json_body,
            secret_free=json_body and not may_hold_secret(response.body),
            header_placeholders=None if in_body else in_headers,
        )

    def learns(self, known: dict) -> bool:
        """Whether playing it may learn a secret, given the placeholders known (their values) so far."""
        placeholders = self.header_placeholders
        return self.binds and (placeholders is None or any(p not in known for p in placeholders))


class Player:
    """Plays a cassette: hits are answered from it, misses are counted and reported."""

    def __init__(
        self,
        cassette: Cassette,
        *,
        mode: str = "strict",
        secrets: SecretMap | None = None,
        generate: Callable[[str], str] | None = None,
        issue_token: Callable[[RecordedRequest], str | None] | None = None,
    ) -> None:
        self.cassette = cassette
        self.mode = validate_mode(mode)
        self.secrets = secrets or SecretMap()
        self.generate = generate or (lambda kind: f"replayed-{kind}")
        #: In fallthrough mode: ask the model for a real token, so calls that fall through are authorised.
        self.issue_token = issue_token
        self.misses: list[Miss] = []
        self.hits = 0
        #: index -> Plan: what playing that interaction needs, worked out on its first play.
        self._plans: dict[int, Plan] = {}

    @property
    def strict(self) -> bool:
        return self.mode == "strict"

    def play(self, incoming: RecordedRequest, origin: str) -> tuple[int, RecordedResponse] | Miss:
        """The answer to send for incoming (placeholders filled in, catalog pointing at origin), or a Miss."""
        index = self.cassette.play_index(incoming)
        if isinstance(index, Miss):
            self.misses.append(index)
            return index
        self.hits += 1
        plan = self._plans.get(index)
        interaction = None  # read only when the plan does not say all (a large recording reads it from disk)
        if plan is None:
            if len(self._plans) >= PLANS_KEPT:
                self._plans.clear()
            interaction = self.cassette.interactions[index]
            plan = self._plans[index] = Plan.of(interaction)
        if plan.learns(self.secrets.values):
            interaction = interaction or self.cassette.interactions[index]
            bind_secrets(interaction.request, incoming, self.secrets)
        if plan.answer is not None:
            return index, plan.answer
        recorded = (interaction or self.cassette.interactions[index]).response
        parsed = parse_json(recorded.body)
        identity = is_identity_answer(parsed)
        if identity and self.issue_token is not None:
            self._issue_model_token(parsed, incoming)
        response = restore_response(recorded, self.secrets, self.generate)
        if identity:
            # The client must keep talking to this server, wherever the recording was made.
            body, _ = point_catalog_at(parse_json(response.body), origin)
            response = replace(response, body=json.dumps(body).encode("utf-8"))
        headers = tuple((k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP)
        return index, replace(response, headers=headers)

    def known_json(self, index: int) -> bool:
        """Whether interaction index answers with a well-formed JSON body (known once it was played)."""
        plan = self._plans.get(index)
        return plan is not None and plan.json_body

    def known_secret_free(self, index: int) -> bool:
        """Whether interaction index answers with JSON known to hold no secret field (known once it was played)."""
        plan = self._plans.get(index)
        return plan is not None and plan.secret_free

    def _issue_model_token(self, parsed: dict, incoming: RecordedRequest) -> None:
        token = ((parsed.get("access") or {}).get("token") or {}).get("id") if "access" in parsed else None
        if (
            self.issue_token is not None
            and isinstance(token, str)
            and placeholder_kind(token)
            and token not in self.secrets.values
        ):
            issued = self.issue_token(incoming)
            if issued:
                self.secrets.bind(token, issued)

    def status(self) -> dict:
        cassette = self.cassette
        unplayed = cassette.unplayed()
        return {
            "mode": self.mode,
            "match_on": list(cassette.match_on),
            "path": cassette.path,
            "interactions": len(cassette),
            "played": len(cassette) - len(unplayed),
            "unplayed": [i + 1 for i in unplayed[:100]],
            "hits": self.hits,
            "misses": [m.as_dict() for m in self.misses],
        }
