"""Turn one recorded server answer (one choice of a chat completion) into label shares.

Reasoning is read from `message.reasoning_content`, `message.reasoning`, or an inline
`<think>...</think>` block at the start of the content. Every failure carries a reason; none is
dropped silently. A thinking model that stops at max_tokens before answering is a failure.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

THINK = re.compile(r"^\s*<think>(.*?)(</think>|$)", re.S)
ANSWER = re.compile(r"answer\s*(?:is)?\s*[:：]?\s*\**\s*\(?([A-Z])\b", re.I)
LONE = re.compile(r"^\W*\(?([A-Z])\)?(?:[.):,\"'\s]|$)")
# {"answer": "B" cut off by max_tokens before its closing brace: the letter itself is complete
CUT_JSON_ANSWER = re.compile(r"""^\s*\{\s*["']answer["']\s*:\s*["']([A-Z])["']""")
PAIR = re.compile(r"[\"']?\b([A-Z])\b[\"']?\s*[:=]\s*(-?\d+(?:\.\d+)?)\s*(%?)")


@dataclass
class Sample:
    """One parsed sample. `probs` for verbalized and logprob, `label` (index) for sampling."""
    output_text: str
    reasoning_text: str | None
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    probs: list[float] | None = None
    label: int | None = None
    covered_mass: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def parsed_json(self) -> str | None:
        if self.error:
            return None
        if self.label is not None:
            return json.dumps({"label": self.label})
        out = {"probs": [round(p, 6) for p in self.probs or []]}
        if self.covered_mass is not None:
            out["covered_mass"] = round(self.covered_mass, 6)
        return json.dumps(out)


def split_reasoning(message: dict) -> tuple[str, str | None, bool]:
    """(answer text, reasoning text or None, reasoning unfinished)."""
    content = message.get("content") or ""
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, dict):  # some servers nest it: {"content": ...}
        reasoning = reasoning.get("content") or reasoning.get("text")
    m = THINK.match(content)
    if m:
        inline = m.group(1).strip()
        reasoning = f"{reasoning}\n{inline}" if reasoning else inline
        return content[m.end():].strip(), reasoning, m.group(2) == ""
    return content.strip(), (reasoning or None), False


def parse_choice_text(text: str, k: int, label_names: list[str]) -> tuple[int | None, str | None]:
    """The option a text answer names: 'Answer: B', a lone letter, or exactly one label name."""
    valid = [chr(65 + i) for i in range(k)]
    found = ANSWER.findall(text)
    structured = _json_answer(text)
    cut = CUT_JSON_ANSWER.match(text)
    if structured is not None:
        letter = structured
    elif cut:
        letter = cut.group(1)
    elif found:
        letter = found[-1].upper()
    else:
        m = LONE.match(text.strip())
        letter = m.group(1) if m else None
    if letter is None:
        hits = {i for i, name in enumerate(label_names)
                if re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text.lower())}
        if len(hits) == 1:
            return hits.pop(), None
        return None, f"no option letter in answer {text[:80]!r}"
    if letter not in valid:
        return None, f"option {letter!r} is not one of {valid}"
    return valid.index(letter), None


def _json_answer(text: str) -> str | None:
    """The letter of a constrained answer: {"answer": "B"} or "B"."""
    try:
        obj = json.loads(text.strip())
    except ValueError:
        return None
    if isinstance(obj, dict):
        obj = obj.get("answer")
    return obj.strip().upper() if isinstance(obj, str) and len(obj.strip()) == 1 else None


def parse_shares(text: str, k: int) -> tuple[list[float] | None, str | None]:
    """Shares per option letter from JSON (strict, then the last {...}), else 'A: 0.3' pairs.
    Negative values are clipped to 0; percentages are accepted; the result is renormalised."""
    letters = [chr(65 + i) for i in range(k)]
    values = _json_shares(text)
    if values is None:
        pairs = PAIR.findall(text)
        values = {ltr: float(v) / (100 if pct else 1) for ltr, v, pct in pairs} if pairs else None
    if not values:
        return None, f"no shares found in answer {text[:80]!r}"
    if not any(ltr in values for ltr in letters):
        return None, f"shares name none of the options {letters}: {sorted(values)[:6]}"
    raw = [values.get(ltr, 0.0) for ltr in letters]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in raw):
        return None, f"shares are not finite numbers: {raw}"
    clipped = [max(float(v), 0.0) for v in raw]
    total = sum(clipped)
    if total <= 0:
        return None, "shares sum to 0"
    return [v / total for v in clipped], None


def _json_shares(text: str) -> dict | None:
    candidates = [text.strip()]
    start = text.rfind("{")
    while start >= 0:  # innermost-last object first, then widen to enclosing ones
        end = text.find("}", start)
        if end > start:
            candidates.append(text[start:end + 1])
        start = text.rfind("{", 0, start)
    for cand in candidates:
        cand = re.sub(r"^```(?:json)?|```$", "", cand.strip()).strip()
        try:
            obj = json.loads(cand)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("shares"), dict):
            obj = obj["shares"]
        if isinstance(obj, dict):
            out = {}
            for key, v in obj.items():
                if isinstance(v, str):
                    pct = v.strip().endswith("%")
                    try:
                        v = float(v.strip().rstrip("%")) / (100 if pct else 1)
                    except ValueError:
                        continue
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[str(key).strip().upper()] = float(v)
            if out:
                if sum(out.values()) > 1.5:  # percentages
                    out = {key: v / 100 for key, v in out.items()}
                return out
    return None


def logprob_shares(logprobs: dict | None, k: int, after_reasoning: bool) -> tuple[list[float] | None,
                                                                                 float | None, str | None]:
    """Probabilities of the option letters at the answer position, from `top_logprobs`.
    Without reasoning the answer position is the first generated token (whatever was sampled
    there); with reasoning, the token after the last 'Answer:' (or the last letter token). Tokens ' A', 'A' and 'A.' all count
    for A. Returns (shares renormalised over the letters, covered mass, error)."""
    content = (logprobs or {}).get("content")
    if not content:
        return None, None, ("the server returned no token logprobs (the logprob method needs "
                            "`logprobs`/`top_logprobs` support; llama.cpp: --logits_all true)")
    letters = [chr(65 + i) for i in range(k)]
    pos = _answer_position(content, letters, after_reasoning)
    if pos is None:
        return None, None, "no option-letter token found at the answer position"
    mass = dict.fromkeys(letters, 0.0)
    for cand in content[pos].get("top_logprobs") or [content[pos]]:
        letter = _letter(cand.get("token", ""))
        if letter in mass and cand.get("logprob") is not None:
            mass[letter] += math.exp(float(cand["logprob"]))
    covered = sum(mass.values())
    if covered <= 0:
        return None, 0.0, "no option letter among the top logprobs"
    return [mass[ltr] / covered for ltr in letters], min(covered, 1.0), None


def _letter(token: str) -> str | None:
    t = token.strip().strip("*().:\"'")
    return t if len(t) == 1 and t.isalpha() and t.isupper() else None


def _answer_position(content: list[dict], letters: list[str], after_reasoning: bool) -> int | None:
    tokens = [c.get("token", "") for c in content]
    is_letter = [_letter(t) in letters for t in tokens]
    if not after_reasoning:  # the next token after the prompt is the answer
        return 0
    text, starts = "", []
    for t in tokens:
        starts.append(len(text))
        text += t
    think_end = text.rfind("</think>")
    cut = think_end + len("</think>") if think_end >= 0 else 0
    answers = [m.end() for m in ANSWER.finditer(text) if m.start() >= cut]
    if answers:  # the letter is the last character the regex consumed
        char = answers[-1] - 1
        return max(i for i, s in enumerate(starts) if s <= char)
    letter_positions = [i for i, ok in enumerate(is_letter) if ok and starts[i] >= cut]
    return letter_positions[-1] if letter_positions else None


JSON_REASONING = re.compile(r'^\s*\{\s*"reasoning"\s*:\s*"((?:[^"\\]|\\.)*)', re.S)


def json_reasoning(answer: str) -> str | None:
    """The chain of thought of a constrained CoT answer ({"reasoning": "...", "shares"/"answer": ...},
    our response_format puts it first), also when the JSON was cut off inside it."""
    m = JSON_REASONING.match(answer)
    if not m:
        return None
    try:
        return json.loads(f'"{m.group(1)}"').strip() or None
    except ValueError:  # cut inside an escape sequence
        return m.group(1).strip() or None


def interpret(method: str, record: dict, k: int, label_names: list[str], reasoning: str) -> Sample:
    """One cached record ({"choice": ..., "usage": ...}) -> Sample."""
    choice = record.get("choice") or {}
    usage = record.get("usage") or {}
    answer, thought, unfinished = split_reasoning(choice.get("message") or {})
    if thought is None and reasoning == "cot":
        thought = json_reasoning(answer)
    finish = choice.get("finish_reason")
    s = Sample(answer, thought, finish, usage.get("prompt_tokens"), usage.get("completion_tokens"))
    if record.get("error"):
        s.error = record["error"]
    elif (unfinished or (thought and not answer)) and finish == "length":
        s.error = "hit max_tokens while reasoning (no answer after the reasoning)"
    elif method == "logprob":
        s.probs, s.covered_mass, s.error = logprob_shares(choice.get("logprobs"), k, reasoning != "none")
    elif not answer:
        s.error = f"empty answer (finish_reason={finish})"
    elif method == "verbalized":
        s.probs, s.error = parse_shares(answer, k)
    else:
        s.label, s.error = parse_choice_text(answer, k, label_names)
    if s.error and finish == "length" and "max_tokens" not in s.error:
        s.error += " (hit max_tokens)"
    return s
