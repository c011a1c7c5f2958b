#!/bin/bash
# A fresh clone of this repository to a working chat, as a new user runs it: `make run`, timed until `/` answers
# (the starting page, then the chat itself) and one question is answered; writes eval/results/fresh-clone.json.
#   bash eval/bench_fresh_clone.sh [CLONE_DIR]      (PIP_NO_CACHE_DIR=1 in the environment: no pip cache)
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
clone=${1:-/tmp/fresh-clone-bench}
port=${ASSISTANT_PORT:-7860}
rm -rf "$clone" && git clone -q "$repo" "$clone" && cd "$clone" || exit 1
start=$(date +%s.%N)
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is in use: stop that server first"; exit 1; fi
setsid make run > "$clone/make-run.log" 2>&1 &
group=$!  # setsid: make and the app it starts are one process group
elapsed() { echo "$(date +%s.%N) - $start" | bc; }
page=""; chat=""
while [ -z "$chat" ]; do
  code=$(curl -s -o "$clone/page.html" -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null)
  if [ -z "$page" ] && { [ "$code" = 503 ] || [ "$code" = 200 ]; }; then page=$(elapsed); fi
  if [ "$code" = 200 ] && grep -qi gradio "$clone/page.html"; then chat=$(elapsed); fi
  if (( $(echo "$(elapsed) > 900" | bc) )); then echo "no chat within 15 minutes: see $clone/make-run.log"; break; fi
  sleep 1
done
answer=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/ask" -H 'content-type: application/json' \
  -d '{"question":"Wie viele Einwohner hat Ulm?"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["answer"])')
answered=$(elapsed)
kill -- -"$group" 2>/dev/null; sleep 1
python3 - "$repo/eval/results/fresh-clone.json" <<PY
import json, os, sys, time
result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "command": "make run",
          "pip_cache": os.environ.get("PIP_NO_CACHE_DIR") is None, "load_average": os.getloadavg()[0],
          "first_page_s": round(float("${page:-0}"), 1), "chat_s": round(float("${chat:-0}"), 1),
          "answered_s": round(float("$answered"), 1), "answer": """$answer"""}
open(sys.argv[1], "w").write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
print(result)
PY
