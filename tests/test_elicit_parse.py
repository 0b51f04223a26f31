"""Parsers of server answers, on recorded responses of the three reasoning shapes
(tests/data/responses; see each file's _shape) and on answer texts small models really give."""
from __future__ import annotations

import json

import pytest

from precompute.elicit.parse import interpret, parse_choice_text, parse_shares, split_reasoning
from tests.conftest import ROOT

RESPONSES = ROOT / "tests" / "data" / "responses"


def record(name: str) -> dict:
    data = json.loads((RESPONSES / f"{name}.json").read_text())
    return {"choice": data["choices"][0], "usage": data["usage"]}


def test_reasoning_content_is_read_and_shares_parsed():
    s = interpret("verbalized", record("reasoning_content"), 2, ["no", "yes"], "native")
    assert s.ok and s.reasoning_text.startswith("The tweet uses a slur")
    assert s.probs == pytest.approx([0.35, 0.65])
    assert (s.prompt_tokens, s.completion_tokens) == (143, 61)


def test_reasoning_field_is_read_and_answer_parsed():
    s = interpret("sampling", record("reasoning_field"), 2, ["no", "yes"], "native")
    assert s.ok and s.label == 1 and s.reasoning_text.startswith("Sarcasm")


def test_inline_think_is_split_from_the_answer():
    s = interpret("sampling", record("inline_think"), 2, ["not ironic", "ironic"], "native")
    assert s.ok and s.label == 0 and s.output_text == "A"
    assert "mocks the post" in s.reasoning_text


@pytest.mark.parametrize("name", ["think_truncated", "reasoning_content_truncated"])
def test_thinking_cut_by_max_tokens_is_a_recorded_failure(name):
    s = interpret("sampling", record(name), 2, ["no", "yes"], "native")
    assert not s.ok and "max_tokens" in s.error and s.finish_reason == "length"
    assert s.reasoning_text and s.parsed_json() is None


def test_logprob_after_chain_of_thought_reads_the_answer_token():
    s = interpret("logprob", record("logprob_cot"), 2, ["no", "yes"], "cot")
    assert s.ok
    assert s.probs == pytest.approx([1 / 3, 2 / 3], abs=1e-6)
    assert s.covered_mass == pytest.approx(0.9, abs=1e-6)


def test_logprob_without_logprobs_refuses_clearly():
    rec = record("reasoning_field")
    s = interpret("logprob", rec, 2, ["no", "yes"], "native")
    assert not s.ok and "no token logprobs" in s.error


@pytest.mark.parametrize("text, expected", [
    ('{"A": 0.2, "B": 0.8}', [0.2, 0.8]),
    ('```json\n{"A": 20, "B": 80}\n```', [0.2, 0.8]),
    ('Shares: A: 30%, B: 70%', [0.3, 0.7]),
    ('{"reasoning": "x", "shares": {"A": 0.5, "B": 0.25}}', [2 / 3, 1 / 3]),
    ('{"A": -0.1, "B": 0.5}', [0.0, 1.0]),
    ('{"A": "40%", "B": "60%"}', [0.4, 0.6]),
])
def test_verbalized_tolerant_parse_clips_and_renormalises(text, expected):
    probs, err = parse_shares(text, 2)
    assert err is None and probs == pytest.approx(expected)


@pytest.mark.parametrize("text", ["I cannot answer that.", '{"X": 1}', '{"A": 0, "B": 0}', ""])
def test_verbalized_unparseable_is_an_error_not_a_guess(text):
    probs, err = parse_shares(text, 2)
    assert probs is None and err


@pytest.mark.parametrize("text, expected", [
    ("B", 1), ("(A)", 0), ("A.", 0), ("**Answer:** B", 1), ("I think... Answer: A", 0),
    ("The annotators would say offensive.", 1), ('{"answer": "B"}', 1),
    ('{"reasoning": "It insults.", "answer": "A"}', 0), ('"A"', 0),
])
def test_choice_parse(text, expected):
    assert parse_choice_text(text, 2, ["not offensive", "offensive"])[0] == expected


@pytest.mark.parametrize("text", ["Answer: C", "Hmm, hard to say", "not offensive or offensive"])
def test_choice_unparseable(text):
    label, err = parse_choice_text(text, 2, ["not offensive", "offensive"])
    assert label is None and err


def test_split_reasoning_without_reasoning():
    assert split_reasoning({"content": " A "}) == ("A", None, False)


def test_logprob_without_reasoning_reads_the_first_token_whatever_was_sampled():
    top = [{"token": "The", "logprob": -0.5}, {"token": "A", "logprob": -2.0}, {"token": " B", "logprob": -3.0}]
    rec = {"choice": {"message": {"content": "The"}, "finish_reason": "length",
                      "logprobs": {"content": [{"token": "The", "logprob": -0.5, "top_logprobs": top}]}}}
    s = interpret("logprob", rec, 2, ["no", "yes"], "none")
    a, b = 2.718281828 ** -2.0, 2.718281828 ** -3.0
    assert s.ok and s.probs == pytest.approx([a / (a + b), b / (a + b)])
    assert s.covered_mass == pytest.approx(a + b)


def test_a_constrained_answer_cut_after_its_letter_is_read():
    # Gemma 3 270M, sampling with max_tokens = 12: '{ "answer": "A"' then padding until the limit
    from precompute.elicit.parse import parse_choice_text
    names = ["entailment", "neutral", "contradiction"]
    assert parse_choice_text('{ "answer": "A"', 3, names) == (0, None)
    assert parse_choice_text('{ "answer" : "C"\n', 3, names) == (2, None)
    assert parse_choice_text('{ "answer": "', 3, names)[0] is None  # the letter itself was cut
    assert parse_choice_text('{ "answer": "D"', 3, names)[1] == "option 'D' is not one of ['A', 'B', 'C']"


def test_a_constrained_cot_answer_keeps_its_reasoning_as_the_trace():
    from precompute.elicit.parse import interpret
    content = '{"reasoning": "The premise says \\"two dogs\\"; so B.", "shares": {"A": 0.2, "B": 0.8}}'
    s = interpret("verbalized", {"choice": {"message": {"content": content}, "finish_reason": "stop"}},
                  2, ["no", "yes"], "cot")
    assert s.reasoning_text == 'The premise says "two dogs"; so B.' and s.probs == [0.2, 0.8]
    cut = interpret("verbalized", {"choice": {"message": {"content": '{"reasoning": "Half a tho'},
                                              "finish_reason": "length"}}, 2, ["no", "yes"], "cot")
    assert cut.reasoning_text == "Half a tho" and not cut.ok
    plain = interpret("verbalized", {"choice": {"message": {"content": content}, "finish_reason": "stop"}},
                      2, ["no", "yes"], "none")
    assert plain.reasoning_text is None  # only a CoT run's JSON carries a trace
