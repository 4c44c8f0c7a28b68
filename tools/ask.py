"""What the bot would answer, with its reasons: ``make ask Q="does it hurt" P=78580``.

Prints the intent and its confidence (from the running Rasa server's NLU),
the procedure, the section, and the chosen passages with their scores.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

import numpy as np

from actions.answering import Answerer, Context, Request
from actions.decide import decide, thresholds
from actions.knowledge_service import KnowledgeService
from actions.reader import Reader, side_by_side
from common.sentences import split_sentences
from common.settings import settings
from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.onnx_embedder import OnnxEmbedder


def parse(text: str) -> dict[str, Any]:
    config = settings()
    request = urllib.request.Request(
        f"http://127.0.0.1:{config.rasa_port}/model/parse?token={config.bot_api_token}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question")
    parser.add_argument("--procedure", help="CPT code already in the conversation")
    args = parser.parse_args(argv)
    if not args.question:
        parser.error('give a question: make ask Q="does it hurt" P=78580')
    try:
        nlu = parse(args.question)
    except (urllib.error.URLError, OSError):
        print("The Rasa server is not running: start it with `make run` in another terminal.", file=sys.stderr)
        return 1
    intent = nlu["intent"]
    entities = nlu.get("entities", [])
    print(f"intent     {intent['name']} ({intent['confidence']:.3f})")
    for entity in entities:
        print(f"entity     {entity['entity']} = {entity['value']}")
    config = settings()
    service = KnowledgeService(config.knowledge_dir, config.index_dir, SentenceTransformerEmbedder())
    request = Request.from_parse({**nlu, "text": args.question})
    model = Reader.load()
    vectorise = side_by_side(
        lambda texts: np.vstack(service.questions.vectors(texts)),
        OnnxEmbedder(model.encoder[0]).encode if model.encoder else None,
    )
    reading = model.read(args.question, split_sentences(args.question), vectorise)
    decision = decide(reading, model.thresholds, request.intent, request.confidence)
    print(f"decision   {decision.reply} (row {decision.rule}, p {decision.probability:.3f}) {reading.summary()}")
    limits = thresholds(model.thresholds)
    answerer = Answerer(service, config.passage_threshold, limits["procedure"], page_doubt=limits["page_doubt"])
    turn = answerer.respond(request, Context(procedure=args.procedure), reading, decision)
    print(f"procedure  {turn.procedure} ({service.procedure_name(turn.procedure) if turn.procedure else '-'})")
    print(f"section    {turn.answer_section}")
    for utterance in turn.utterances:
        print(f"response   {utterance.response}")
        for button in utterance.buttons:
            print(f"  choice   {button.title}  ->  {button.payload}")
    for hit in turn.passages:
        print(f"  {hit.score:.3f}  {hit.passage.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
