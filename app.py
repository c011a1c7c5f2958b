"""Serve the chat UI (at /) and the APIs on ASSISTANT_HOST:ASSISTANT_PORT (default 127.0.0.1:7860)."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

if __name__ == "__main__":
    import sys

    from assistant.cli import main

    sys.exit(main(["serve"]))
