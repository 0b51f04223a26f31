"""Item texts for the simulated demo study, templated from phrases we wrote ourselves.

Nothing here comes from a real dataset; combinations are drawn deterministically.
"""
from __future__ import annotations

import numpy as np

_SUBJECTS = ["My neighbour", "The new manager", "That referee", "Our landlord", "The guy at the gym",
             "This senator", "The barista", "My cousin", "The influencer", "The bus driver",
             "The committee", "Your favourite band", "The substitute teacher", "The app developer"]
_COMMENTS = [
    "is honestly the most useless person I have ever met.", "did a decent job today, I guess.",
    "should be ashamed of that stunt, what a clown.", "makes me want to scream every single morning.",
    "is a genius, said nobody ever.", "was surprisingly kind to the kids.",
    "needs to go back to wherever they came from.", "is exactly as smart as a bag of rocks.",
    "posted another hot take, groundbreaking stuff.", "handled the complaint calmly and fairly.",
    "ruined the whole evening with those jokes.", "is the reason I have trust issues, lol.",
    "should just stop talking, forever.", "really outdid themselves this time (not).",
]
_PREMISES = [
    "A man in a red jacket is reading a newspaper on a park bench.",
    "Two children are building a sandcastle near the water.",
    "A woman carries a large box up a flight of stairs.",
    "Several people wait at a bus stop in the rain.",
    "A dog runs across a field chasing a frisbee.",
    "An older couple is dancing in a crowded kitchen.",
    "A chef is slicing vegetables in a busy restaurant.",
    "A cyclist stops to fix a flat tyre by the road.",
]
_HYPOTHESES = [
    "Someone is outdoors.", "A person is reading the news.", "The people are waiting for transport.",
    "The weather is sunny.", "An animal is playing.", "The woman is moving house.",
    "The man is cold.", "Nobody is outside.", "The couple is celebrating an anniversary.",
    "The chef is preparing dinner.", "The tyre was damaged by glass.", "The children are at a beach.",
]
_SARCASM_CONTEXTS = [
    ("Your flight has been delayed by six hours.", "Fantastic, exactly how I wanted to spend my day."),
    ("It started raining right after I washed the car.", "Well, that is just perfect timing."),
    ("The meeting could have been an email.", "I really love these long meetings."),
    ("My phone died during the final exam reminder.", "Great, technology is my best friend."),
    ("The restaurant forgot our order twice.", "Service here is truly unforgettable."),
    ("I finished the marathon in under four hours.", "Not bad for someone who hates running."),
    ("The printer jammed again.", "Of course it did, it always works so well."),
    ("We won the pub quiz by one point.", "Clearly all those documentaries paid off."),
]
_ODD_ITEM = ("<script>alert('x')</script> <b>bold?</b> **not markdown** [link](http://example.org) "
             "— this comment is rendered as plain text, whatever it contains.")


def toxicity_texts(rng: np.random.Generator, n: int) -> list[str]:
    texts = [f"{_SUBJECTS[rng.integers(len(_SUBJECTS))]} {_COMMENTS[rng.integers(len(_COMMENTS))]} "
             f"(post #{i + 1})" for i in range(n)]
    texts[7] = _ODD_ITEM  # one item proves that HTML and markdown in data stay literal
    return texts


def nli_items(rng: np.random.Generator, n: int) -> list[tuple[str, dict]]:
    out = []
    for _ in range(n):
        premise = _PREMISES[rng.integers(len(_PREMISES))]
        hypothesis = _HYPOTHESES[rng.integers(len(_HYPOTHESES))]
        out.append((f"Premise: {premise}\nHypothesis: {hypothesis}",
                    {"premise": premise, "hypothesis": hypothesis}))
    return out


def offensiveness_texts(rng: np.random.Generator, n: int) -> list[str]:
    return [f"Reply {i + 1}: {_SUBJECTS[rng.integers(len(_SUBJECTS))].lower()} "
            f"{_COMMENTS[rng.integers(len(_COMMENTS))]}" for i in range(n)]


def sarcasm_items(rng: np.random.Generator, n: int) -> list[tuple[str, dict]]:
    out = []
    for i in range(n):
        context, reply = _SARCASM_CONTEXTS[rng.integers(len(_SARCASM_CONTEXTS))]
        out.append((f"{reply} (#{i + 1})", {"context": context, "response": reply}))
    return out
