"""The run as Cucumber Messages (``messages.ndjson``): the protocol every current Cucumber tool
reads (the official HTML formatter, Cucumber's report services, IDE plugins).

The documents and pickles come from the official Gherkin parser (``gherkin-official``), exactly
as Cucumber would produce them; each run in the report (an Examples row on a backend) becomes a
test case of its pickle, with its steps' results as the worker recorded them
(``living_docs_matches`` adds when each step started and which definition ran it). Every
message goes through the ``cucumber-messages`` package's ``Envelope`` model before it is
written, so a message the protocol does not allow fails here, not in a reader.

Where pytest-bdd differs from Cucumber:
- a scenario run on several backends gives one pickle per backend, named ``name [backend]``
  (Cucumber has one test case per pickle);
- a step raising ``NotImplementedError`` (the suggested body of a new step) is ``PENDING``;
- a failure outside the steps (a fixture's setup or teardown) is a failed
  ``BEFORE_TEST_CASE``/``AFTER_TEST_CASE`` hook step, as Cucumber reports a hook;
- pytest-bdd takes one definition when several match, so nothing is ``AMBIGUOUS``;
- patterns are pytest-bdd's: ``parsers.re`` is a regular expression, the others (whose
  ``{name}`` placeholders read like Cucumber Expressions) are given as Cucumber Expressions.
"""

from __future__ import annotations

import copy
import json
import platform
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from cucumber_messages import Envelope, message_converter
from gherkin.stream.gherkin_events import GherkinEvents
from pytest_bdd import parsers
from pytest_bdd.steps import StepFunctionContext

from harness.reporting.glossary import relative, step_definitions
from harness.reporting.living_docs_matches import definition_key
from harness.reporting.living_docs_model import FeatureView, Report, RowView, StepView

MEDIA_TYPE = "text/x.cucumber.gherkin+plain"
STATUS = {
    "passed": "PASSED",
    "failed": "FAILED",
    "undefined": "UNDEFINED",
    "skipped": "SKIPPED",
    "not run": "SKIPPED",
}
FAILING = {"FAILED", "UNDEFINED", "PENDING", "AMBIGUOUS"}


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def timestamp(seconds: float) -> dict:
    whole, nanos = divmod(round(seconds * 1e9), 1_000_000_000)
    return {"seconds": whole, "nanos": nanos}


def duration(seconds: float) -> dict:
    return timestamp(max(seconds, 0.0))


def meta() -> dict:
    return {
        "protocolVersion": package_version("cucumber-messages") or "unknown",
        "implementation": {"name": "pytest-bdd", "version": package_version("pytest-bdd")},
        "runtime": {
            "name": platform.python_implementation(),
            "version": platform.python_version(),
        },
        "os": {"name": platform.system().lower(), "version": platform.release()},
        "cpu": {"name": platform.machine() or "unknown"},
    }


def pattern_of(context: StepFunctionContext) -> dict:
    parser = context.parser
    if isinstance(parser, parsers.re):
        return {"source": parser.regex.pattern, "type": "REGULAR_EXPRESSION"}
    return {"source": parser.name, "type": "CUCUMBER_EXPRESSION"}


def match_arguments(context: StepFunctionContext, text: str) -> list[dict]:
    """Where each parameter sits in the step's text (Cucumber's ``stepMatchArguments``)."""
    parser = context.parser
    groups: list[tuple[int, str]] = []
    if isinstance(parser, parsers.re):
        match = parser.regex.fullmatch(text)
        if match:
            groups = [(match.start(i), value) for i, value in enumerate(match.groups(), 1)]
            groups = [(start, value) for start, value in groups if value is not None]
    elif isinstance(parser, parsers.parse):  # cfparse is a parse too
        found = parser.parser.parse(text)
        if found is not None:
            spans = sorted(found.spans.values())
            groups = [(start, text[start:end]) for start, end in spans]
    return [{"group": {"start": start, "value": value}} for start, value in groups]


class Ids:
    """One counter for every id in the stream (Gherkin's ids come from it too)."""

    def __init__(self, events: GherkinEvents) -> None:
        self.generator = events.id_generator

    def next(self) -> str:
        return self.generator.get_next_id()


class Messages:
    """Builds the stream in Cucumber's order; ``lines()`` writes it."""

    def __init__(self, report: Report, root: Path, started: float, finished: float) -> None:
        self.report = report
        self.root = root
        self.started = started
        self.finished = finished
        self.events = GherkinEvents(GherkinEvents.Options(True, True, True))
        self.ids = Ids(self.events)
        self.documents: list[dict] = []
        self.cases: list[tuple[dict, RowView]] = []  # (pickle, run)
        self.definitions: dict[str, tuple[str, StepFunctionContext]] = {}
        self.hooks: dict[str, dict] = {}

    # -- documents and pickles ------------------------------------------------------------
    def read(self, feature: FeatureView) -> None:
        runs = [r for s in feature.scenarios for r in s.rows if r.result and not r.unplaced]
        if not runs or not feature.path:
            return
        source = {
            "source": {
                "uri": feature.uri,
                "data": Path(feature.path).read_text(encoding="utf-8"),
                "mediaType": MEDIA_TYPE,
            }
        }
        document: dict = {}
        for envelope in self.events.enum(source):  # type: ignore[arg-type]
            if "gherkinDocument" in envelope:
                document = envelope["gherkinDocument"]  # type: ignore[assignment]
            if "pickle" in envelope:
                self.documents.extend(self.pickles(envelope["pickle"], document, feature))
            else:
                self.documents.append(dict(envelope))

    def pickles(self, pickle: dict, document: dict, feature: FeatureView) -> Iterator[dict]:
        """The pickle once per run it had (none when it did not run)."""
        line, table, row = place_of(pickle["astNodeIds"], document)
        scenario = next((s for s in feature.scenarios if s.line == line), None)
        runs = [
            r
            for r in (scenario.rows if scenario else [])
            if (r.table, r.row) == (table, row) and r.result and not r.unplaced
        ]
        for run in runs:
            if run.backend is None and len(runs) == 1:
                one = pickle
            else:
                one = copy.deepcopy(pickle)
                one["id"] = self.ids.next()
                one["name"] = f"{pickle['name']} [{run.backend}]"
                for step in one["steps"]:
                    step["id"] = self.ids.next()
            self.cases.append((one, run))
            yield {"pickle": one}

    # -- step definitions, hooks ----------------------------------------------------------
    def step_definitions(self) -> Iterator[dict]:
        for context in step_definitions():
            key = definition_key(context)
            if key in self.definitions:
                continue
            func = context.step_func
            code = getattr(func, "__code__", None)
            path = Path(code.co_filename) if code else Path(func.__module__)
            definition_id = self.ids.next()
            self.definitions[key] = (definition_id, context)
            yield {
                "stepDefinition": {
                    "id": definition_id,
                    "pattern": pattern_of(context),
                    "sourceReference": {
                        "uri": str(relative(path.resolve(), self.root)),
                        "location": {"line": code.co_firstlineno if code else 1},
                    },
                }
            }

    def hook(self, phase: str) -> tuple[str, dict | None]:
        """The hook standing for pytest's fixtures in ``phase`` (setup or teardown)."""
        if phase in self.hooks:
            return self.hooks[phase]["hook"]["id"], None
        kind = "BEFORE_TEST_CASE" if phase == "setup" else "AFTER_TEST_CASE"
        message = {
            "hook": {
                "id": self.ids.next(),
                "name": f"pytest fixtures ({phase})",
                "type": kind,
                "sourceReference": {"uri": "conftest.py"},
            }
        }
        self.hooks[phase] = message
        return message["hook"]["id"], message

    def definition_of(self, step: dict, view: StepView | None, record: dict) -> list[str]:
        key = record.get("definition")
        if key in self.definitions:
            return [self.definitions[key][0]]
        if view is not None and view.status == "undefined":
            return []
        for definition_id, context in self.definitions.values():
            wanted = view.type if view is not None else None
            if context.type in (None, wanted) and context.parser.is_matching(step["text"]):
                return [definition_id]
        return []

    # -- test cases -------------------------------------------------------------------------
    def test_case(self, pickle: dict, run: RowView) -> tuple[dict, list[dict]]:
        """The testCase message, and what each of its steps did (for the execution messages)."""
        assert run.result is not None
        payload = run.result.payload or {}
        recorded = payload.get("steps", {})
        test_steps: list[dict] = []
        outcomes: list[dict] = []
        phase = run.result.phase if run.failed_in_hook else ""
        if phase == "setup":
            hook_id, _ = self.hook("setup")
            step_id = self.ids.next()
            test_steps.append({"id": step_id, "hookId": hook_id})
            outcomes.append(self.hook_outcome(step_id, run))
        for index, step in enumerate(pickle["steps"]):
            view = run.steps[index] if index < len(run.steps) else None
            record = recorded.get(str(index), {})
            definition_ids = self.definition_of(step, view, record)
            arguments = []
            for definition_id in definition_ids:
                context = next(c for i, c in self.definitions.values() if i == definition_id)
                arguments.append({"stepMatchArguments": match_arguments(context, step["text"])})
            step_id = self.ids.next()
            test_steps.append(
                {
                    "id": step_id,
                    "pickleStepId": step["id"],
                    "stepDefinitionIds": definition_ids,
                    "stepMatchArgumentsLists": arguments,
                }
            )
            outcomes.append(self.step_outcome(step_id, view, record))
        if phase and phase != "setup":
            hook_id, _ = self.hook(phase)
            step_id = self.ids.next()
            test_steps.append({"id": step_id, "hookId": hook_id})
            outcomes.append(self.hook_outcome(step_id, run))
        case = {"id": self.ids.next(), "pickleId": pickle["id"], "testSteps": test_steps}
        return case, outcomes

    def step_outcome(self, step_id: str, view: StepView | None, record: dict) -> dict:
        status = STATUS.get(view.status if view else "not run", "SKIPPED")
        result: dict = {"status": status, "duration": duration(view.duration if view else 0)}
        error = view.error if view else ""
        if status == "FAILED" and error.startswith("NotImplementedError"):
            result["status"] = "PENDING"
        elif status == "FAILED" and error:
            kind, _, text = error.partition(": ")
            result["message"] = error
            result["exception"] = {"type": kind, "message": text}
        return {"id": step_id, "at": record.get("at"), "result": result}

    def hook_outcome(self, step_id: str, run: RowView) -> dict:
        assert run.result is not None
        kind, _, text = run.result.message.partition(": ")
        result = {
            "status": "FAILED",
            "duration": duration(run.result.duration),
            "message": run.result.details or run.result.message,
            "exception": {"type": kind or "Error", "message": text or run.result.message},
        }
        return {"id": step_id, "at": None, "result": result}

    # -- the stream -------------------------------------------------------------------------
    def envelopes(self) -> Iterator[dict]:
        yield {"meta": meta()}
        for feature in self.report.features:
            self.read(feature)
        yield from self.documents
        yield from self.step_definitions()
        built = [(self.test_case(pickle, run), run) for pickle, run in self.cases]
        yield from self.hooks.values()
        run_id = self.ids.next()
        yield {"testRunStarted": {"id": run_id, "timestamp": timestamp(self.started)}}
        for (case, _), _run in built:
            yield {"testCase": {**case, "testRunStartedId": run_id}}
        success = True
        for (case, outcomes), run in built:
            yield from self.execution(case, outcomes, run)
            success &= not any(o["result"]["status"] in FAILING for o in outcomes)
        success &= not self.report.collect_errors
        yield {
            "testRunFinished": {
                "testRunStartedId": run_id,
                "timestamp": timestamp(self.finished),
                "success": success,
            }
        }

    def execution(self, case: dict, outcomes: list[dict], run: RowView) -> Iterator[dict]:
        starts = [o["at"] for o in outcomes if o["at"] is not None]
        clock = starts[0] if starts else self.started
        started_id = self.ids.next()
        yield {
            "testCaseStarted": {
                "id": started_id,
                "testCaseId": case["id"],
                "timestamp": timestamp(clock),
                "attempt": 0,
            }
        }
        for outcome in outcomes:
            clock = outcome["at"] if outcome["at"] is not None else clock
            where = {"testCaseStartedId": started_id, "testStepId": outcome["id"]}
            yield {"testStepStarted": {**where, "timestamp": timestamp(clock)}}
            clock += outcome["result"]["duration"]["seconds"]
            clock += outcome["result"]["duration"]["nanos"] / 1e9
            yield {
                "testStepFinished": {
                    **where,
                    "testStepResult": outcome["result"],
                    "timestamp": timestamp(clock),
                }
            }
        yield {
            "testCaseFinished": {
                "testCaseStartedId": started_id,
                "timestamp": timestamp(clock),
                "willBeRetried": False,
            }
        }


def place_of(ast_ids: list[str], document: dict) -> tuple[int | None, int | None, int | None]:
    """(scenario line, Examples table line, row index) of a pickle, from its AST node ids."""
    feature = document.get("feature") or {}
    scenarios = [c["scenario"] for c in feature.get("children", []) if "scenario" in c]
    for child in feature.get("children", []):
        if "rule" in child:
            scenarios += [c["scenario"] for c in child["rule"]["children"] if "scenario" in c]
    for scenario in scenarios:
        if scenario["id"] != ast_ids[0]:
            continue
        for examples in scenario.get("examples", []):
            for index, row in enumerate(examples.get("tableBody", [])):
                if row["id"] in ast_ids[1:]:
                    return scenario["location"]["line"], examples["location"]["line"], index
        return scenario["location"]["line"], None, None
    return None, None, None


def checked(envelope: dict) -> dict:
    """The envelope as the ``cucumber-messages`` model reads and writes it."""
    model = message_converter.from_dict(envelope, Envelope)
    return message_converter.to_dict(model)


def render(report: Report, root: Path, started: float, finished: float) -> str:
    """The whole run as NDJSON: one envelope per line."""
    stream = Messages(report, root, started, finished)
    return "".join(json.dumps(checked(e), ensure_ascii=False) + "\n" for e in stream.envelopes())
