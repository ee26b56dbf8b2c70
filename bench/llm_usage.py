"""LLM calls and tokens per investigation over the scenario suite (goal: at most 2 calls, under 4,000 tokens).

    .venv/bin/python bench/llm_usage.py

Every scenario is investigated in-process with the LLM configured: the real langchain-openai
client over HTTPS to the local OpenAI-compatible test server (tests/support/openai_server). That server
plays a well-behaved model: for the extraction it names the scenario's expected pod (or
workload), for the analysis it writes a ~70-word narrative citing the first evidence items it
was given. So the prompts are exactly what a real model would get, and the answers are of a
realistic size. Tokens are counted with the real o200k_base tokenizer (GPT-4o and later;
js-tiktoken from npm, installed into bench/tokenizer on first use) over everything sent: the
messages and the JSON schema of the answer. Prints calls, HTTP requests, tokens per
investigation, how our prompt-budget estimate compares with the real count, and checks the
rules' verdict is the same as without an LLM, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from openai_server import OpenAIServer, RecordedRequest, Reply, answer

from graphs.llm.client import estimate_tokens
from orchestrator.incidents.one_shot import investigate_once
from orchestrator.models import Incident
from orchestrator.settings import OrchestratorSettings

SCENARIOS = sorted(p for p in (ROOT / "tests" / "scenarios").iterdir() if (p / "scenario.yaml").is_file())
TOKENIZER = ROOT / "bench" / "tokenizer"
NARRATIVE_WORDS = (
    "The container keeps failing and the evidence shows why: the state, the restarts and the last messages "
    "point the same way, and the dependency checks and events agree with the rules' verdict. Nothing else "
    "collected contradicts it, so the next steps below are the place to start."
)


def count_tokens(texts: list[str]) -> list[int]:
    """Real o200k_base counts, from js-tiktoken under node."""
    if not (TOKENIZER / "node_modules" / "js-tiktoken").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOKENIZER, check=True)
    done = subprocess.run(
        ["node", "count.mjs"], cwd=TOKENIZER, input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


class WellBehavedModel:
    """Answers each request from its prompt, as a model that follows the instructions would."""

    def __init__(self) -> None:
        self.expect: dict[str, Any] = {}

    def __call__(self, request: RecordedRequest) -> Reply:
        schema = request.body["response_format"]["json_schema"]["name"]
        if schema == "LLMExtraction":
            return answer({"pod": self.expect.get("pod"), "workload": self.expect.get("component")})
        evidence = json.loads(re.search(r"<evidence>(.*)</evidence>", request.prompt, re.S).group(1))
        cited = " ".join(f"[{item['id']}]" for item in evidence[:3])
        fields: dict[str, Any] = {"narrative": f"{NARRATIVE_WORDS} {cited}"}
        if "No rule matched" in request.body["messages"][0]["content"]:
            fields |= {
                "hypothesis": "Nothing collected explains it; look outside the cluster.",
                "hypothesis_category": None,
            }
        return answer(fields)


def sent_text(request: RecordedRequest) -> str:
    """What the API bills as input: the messages and the answer's JSON schema."""
    return request.prompt + json.dumps(request.body["response_format"])


async def investigate(settings: OrchestratorSettings, description: str) -> tuple[Incident, float]:
    started = time.perf_counter()
    incident = await investigate_once(settings, description)
    return incident, time.perf_counter() - started


def verdict(incident: Incident) -> tuple[Any, ...]:
    """What the rules concluded; the target (pod) may differ when the LLM's reading names another replica."""
    rules = [(f.rule_id, f.confidence) for f in incident.findings or []]
    return (
        incident.report.category if incident.report else None,
        incident.confidence,
        incident.confidence_score,
        rules,
    )


async def run(scenarios: list[Path]) -> None:
    model = WellBehavedModel()
    rows: list[dict[str, Any]] = []
    with OpenAIServer() as server:
        server.respond_with(model)
        for scenario in scenarios:
            spec = yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))
            model.expect = spec["expect"]
            common = {"snapshot": scenario / "cluster", "knowledge_graph": scenario / "knowledge_graph.yaml"}
            plain, plain_seconds = await investigate(OrchestratorSettings(**common), spec["description"])
            before = len(server.requests)
            settings = OrchestratorSettings(
                **common,
                llm_model="gpt-4o-mini",
                llm_base_url=server.base_url,
                llm_api_key=server.api_key,
                llm_ca_bundle=server.ca_file,
            )
            with_llm, llm_seconds = await investigate(settings, spec["description"])
            requests = server.requests[before:]
            report = with_llm.report
            assert report is not None and report.analysis is not None
            rows.append(
                {
                    "scenario": scenario.name,
                    "calls": report.llm.calls,
                    "http_requests": len(requests),
                    "sent": [sent_text(r) for r in requests],
                    "statuses": [c.purpose + ":" + ("ok" if c.ok else str(c.error)) for c in report.llm.details],
                    "analysis": report.analysis.status,
                    "output_tokens": report.llm.output_tokens,  # the server's count: ~4 characters a token
                    "same_verdict": verdict(plain) == verdict(with_llm),
                    "target_kept": (plain.extracted and plain.extracted.pod)
                    == (with_llm.extracted and with_llm.extracted.pod),
                    "seconds": (plain_seconds, llm_seconds),
                    "left_out": report.analysis.evidence_left_out,
                }
            )
    texts = [text for row in rows for text in row["sent"]]
    counts = iter(count_tokens(texts))
    for row in rows:
        row["input_tokens"] = [next(counts) for _ in row["sent"]]
        # Answers: the server's rough count; they are short and set by the played model.
        row["tokens"] = sum(row["input_tokens"]) + row["output_tokens"]
    estimates = [estimate_tokens(text) for text in texts]
    real = [n for row in rows for n in row["input_tokens"]]

    print(f"machine: {platform.machine()}, Python {platform.python_version()}; scenarios: {len(rows)}")
    print("model: the local OpenAI-compatible test server over HTTPS, answering as a well-behaved model")
    print("tokens: o200k_base (js-tiktoken) over the messages and the answer's JSON schema; answers as reported")
    calls = [row["calls"] for row in rows]
    tokens = [row["tokens"] for row in rows]
    print(f"LLM calls per investigation: max {max(calls)}, mean {statistics.mean(calls):.2f} (goal: at most 2)")
    print(f"HTTP requests per investigation: max {max(r['http_requests'] for r in rows)}")
    print(
        f"tokens per investigation: p50 {statistics.median(tokens):.0f}, max {max(tokens)} "
        f"({max(rows, key=lambda r: r['tokens'])['scenario']}) (goal: under 4,000)"
    )
    extraction = [row["input_tokens"][0] for row in rows]
    analysis = [row["input_tokens"][1] for row in rows if len(row["input_tokens"]) > 1]
    print(f"  extraction prompt: p50 {statistics.median(extraction):.0f}, max {max(extraction)} tokens")
    print(f"  analysis prompt:   p50 {statistics.median(analysis):.0f}, max {max(analysis)} tokens")
    ratios = [e / r for e, r in zip(estimates, real, strict=True)]
    print(
        f"prompt-budget estimate / real tokens: min {min(ratios):.2f}, median {statistics.median(ratios):.2f} "
        "(above 1: the budget errs on the safe side)"
    )
    for row in rows:
        if row["target_kept"] is False:
            print(f"  {row['scenario']}: the LLM's reading chose another pod than the deterministic extractor")
    print(f"analysis outcomes: {dict(Counter(row['analysis'] for row in rows))}")
    print(f"evidence items left out for the budget: max {max(r['left_out'] for r in rows)} per investigation")
    same = sum(r["same_verdict"] for r in rows)
    print(f"rules' verdict (category, confidence, findings) unchanged: {same}/{len(rows)}")
    print(f"target unchanged by the LLM's extraction: {sum(r['target_kept'] for r in rows)}/{len(rows)}")
    plain = statistics.median(r["seconds"][0] for r in rows) * 1000
    with_llm = statistics.median(r["seconds"][1] for r in rows) * 1000
    print(
        f"investigation p50 without LLM {plain:.0f} ms, with the local LLM {with_llm:.0f} ms "
        f"({with_llm / plain:.1f}x; a real model adds its own seconds)"
    )
    for row in rows:
        if not row["same_verdict"] or any(not s.endswith(":ok") for s in row["statuses"]):
            print(f"  {row['scenario']}: {row['statuses']}; same verdict: {row['same_verdict']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="*", help="scenario names (default: all)")
    names = parser.parse_args().scenarios
    anyio.run(run, [s for s in SCENARIOS if not names or s.name in names])


if __name__ == "__main__":
    main()
