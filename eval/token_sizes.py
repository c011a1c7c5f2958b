"""How long the conversation tokens of real dialogues are (the API's ``conversation_id``, docs/operations.md).

    .venv/bin/python eval/token_sizes.py [--index-dir DIR]   # writes eval/results/conversation_tokens.json

Opens the index (building it if needed, as `python -m eval` does), answers a few dialogues through
the API's conversation carrier with the real embedder, and records each turn's token length.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).resolve().parent / "results" / "conversation_tokens.json"
DIALOGUES = [["Wie viele Einwohner hat Bamberg?", "Und die Fläche?", "Und Aachen?"],
             ["Welche Leuchtturmprojekte gibt es im Bereich Mobilität?", "Erzähl mehr über das zweite."],
             ["Welche Projektbeispiele hat Aachen?", "Wer ist daran beteiligt?"],
             ["Which cities have a chief digital officer?", "What about Ulm?"]]


def main(argv: list[str] | None = None) -> int:
    from assistant.conversation_tokens import CarriedConversations, ConversationTokens
    from assistant.service import Assistant
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = Settings(**({"index_dir": args.index_dir} if args.index_dir else {}))
    assistant = Assistant.from_settings(settings)
    assistant.ensure_index()
    carried = CarriedConversations(ConversationTokens.ephemeral(), assistant.conversations)
    turns = []
    for dialogue in DIALOGUES:
        token = None
        for question in dialogue:
            cid = carried.open(token)
            answer = assistant.ask(question, conversation_id=cid)
            token = carried.token(cid)
            turns.append({"question": question, "answer_start": answer.text[:60], "token_chars": len(token)})
    sizes = [t["token_chars"] for t in turns]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"embedder": assistant.embedder.name, "turns": turns, "min_chars": min(sizes),
                               "max_chars": max(sizes)}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"token length {min(sizes)}-{max(sizes)} characters over {len(turns)} turns -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
