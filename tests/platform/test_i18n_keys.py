"""Every key the server sends for the web app to word has a Dutch and an English
text: error codes, the rules behind field errors, inbox items, the steps of a
review and the words for agreement. The keys are collected from the code
itself, so a new ``ApiError(..., "code")`` or ``errors.Conflict(..., "code")``
without a translation fails here before a person sees an English sentence in
the Dutch app.
"""

from __future__ import annotations

import ast
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "web" / "src" / "i18n"
SOURCES = ("core", "services", "worker", "attune")

#: Codes built at run time: the pattern as written, and every code it makes.
DYNAMIC = {
    "f'no_consent_{purpose}'": lambda: [f"no_consent_{p}" for p in _purposes()],
    # tus headers that must be whole numbers (services/ingest/tus.py)
    "f\"bad_{name.lower().replace('-', '_')}\"": lambda: ["bad_upload_length",
                                                        "bad_upload_offset"],
    # a file that is not a video, by what it is (services/ingest/sniff.py)
    "f'not_video_{verdict.kind}'": lambda: [
        f"not_video_{kind}" for kind in ("image", "audio", "document", "archive", "text",
                                         "unknown")],
    # why a password is refused (core/passwords.py), as services/accounts/people.py sends it
    "rejected.code": lambda: list(_password_reasons()),
    # the annotation rule an event breaks (services/annotate/rules.py), as sets.py sends it
    "v.code": lambda: _annotation_rules(),
}


def _annotation_rules() -> list[str]:
    """The ``code`` of every ``Violation(field, message, code)`` the rules make."""
    tree = ast.parse((ROOT / "services" / "annotate" / "rules.py").read_text())
    return [str(call.args[2].value) for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "Violation" and len(call.args) == 3
            and isinstance(call.args[2], ast.Constant)]


def _password_reasons() -> tuple[str, ...]:
    from core.passwords import REASONS

    return REASONS


def _purposes() -> list[str]:
    from services.cases import PURPOSES

    return list(PURPOSES)


def catalog(lang: str) -> set[str]:
    """The keys of nl.ts or en.ts (one ``"key": ...`` per entry)."""
    text = (I18N / f"{lang}.ts").read_text(encoding="utf-8")
    body = text[text.index("= {"):text.rindex("};")]
    return set(re.findall(r'^\s*"([^"]+)":', body, flags=re.MULTILINE))


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _parents(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef:
    while not isinstance(node, ast.FunctionDef):
        node = parents[node]
    return node


def _through_parameter(tree: ast.Module, parents: dict[ast.AST, ast.AST], at: ast.AST,
                       name: str) -> list[str]:
    """A code passed in as a parameter: its default and what every caller in the
    module passes for it."""
    function = _enclosing_function(at, parents)
    params = [a.arg for a in function.args.args]
    index = params.index(name)
    defaults = function.args.defaults
    first_default = len(params) - len(defaults)
    found: list[str] = []
    if index >= first_default:
        default = defaults[index - first_default]
        assert isinstance(default, ast.Constant) and isinstance(default.value, str), \
            ast.unparse(default)
        found.append(default.value)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node) == function.name:
            given = node.args[index] if len(node.args) > index else next(
                (k.value for k in node.keywords if k.arg == name), None)
            if given is not None:
                assert isinstance(given, ast.Constant) and isinstance(given.value, str), \
                    (function.name, ast.unparse(node))
                found.append(given.value)
    assert found, f"{function.name}: nothing passes a {name}"
    return found


def _codes_of(tree: ast.Module, parents: dict[ast.AST, ast.AST], at: ast.AST,
              value: ast.expr, where: str) -> list[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    function = _enclosing_function(at, parents)
    if isinstance(value, ast.Name) and value.id in [a.arg for a in function.args.args]:
        return _through_parameter(tree, parents, at, value.id)
    pattern = ast.unparse(value) if not isinstance(value, ast.Name) else \
        f"{value.id} in {where}"
    assert pattern in DYNAMIC, f"a code made at run time, add it to DYNAMIC: {pattern}"
    return DYNAMIC[pattern]()


def _domain_kinds(tree: ast.Module) -> set[str]:
    """How a module names the kinds of :mod:`core.errors`: ``errors.Conflict`` after
    ``from core import errors``, or ``Conflict`` imported from it (other classes
    share such names: ``core.web.Unavailable``)."""
    from core import errors

    names = {n for n, k in vars(errors).items()
             if isinstance(k, type) and issubclass(k, errors.DomainError)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "core" and any(
                a.name == "errors" and a.asname is None for a in node.names):
            found |= {f"errors.{n}" for n in names}
        elif isinstance(node, ast.ImportFrom) and node.module == "core.errors":
            found |= {a.asname or a.name for a in node.names if a.name in names}
    return found


def error_codes() -> dict[str, str]:
    """Every ``code`` of an error body the API can answer with, and where it is raised."""
    from core.access import not_found_code
    from core.media.errors import MESSAGES
    from core.web import UNAVAILABLE

    found: dict[str, str] = {"not_found": "core/web.py", "invalid_request": "core/web.py"}
    found.update({u.code: "core/web.py" for u in UNAVAILABLE})
    found.update({code: "core/media/errors.py" for code in MESSAGES})
    for path, tree in modules():
        parents = _parents(tree)
        where = str(path.relative_to(ROOT))
        kinds = _domain_kinds(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name == "ApiError" or ast.unparse(node.func) in kinds:
                at = 2 if name == "ApiError" else 1  # ApiError(status, detail, code)
                code = node.args[at] if len(node.args) > at else next(
                    k.value for k in node.keywords if k.arg == "code")
                found.update(dict.fromkeys(_codes_of(tree, parents, node, code, where), where))
            elif name == "SignInRefused" and node.args:
                # single sign-on refusals reach the login page as /login?error=<code>
                found.update(dict.fromkeys(
                    _codes_of(tree, parents, node, node.args[0], where), where))
            elif name in ("NotFound", "through_parent") and node.args and isinstance(
                    node.args[0], ast.Constant):
                found[not_found_code(str(node.args[0].value))] = where
    return found


def field_rules() -> dict[str, str]:
    """Every rule a field error names (``errors: [{field, message, code}]``)."""
    found: dict[str, str] = {}
    for path, tree in modules():
        parents = _parents(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if "field" in keys and "code" in keys:
                value = node.values[keys.index("code")]
                if isinstance(value, ast.Call):  # the request validation's own rules
                    continue
                where = str(path.relative_to(ROOT))
                found.update(dict.fromkeys(_codes_of(tree, parents, node, value, where), where))
    return found


def kinds() -> list[str]:
    """Inbox items, review steps and the agreement's words, as message keys."""
    from services.annotate import reliability
    from services.review.schemas import InboxKind
    from services.review.supervision import StepKind

    bands = [word for _, word in reliability._BANDS] + ["almost perfect", "less than chance"]
    reasons = [reliability.NOT_USED, reliability.NEVER_IN_UNITS, reliability.EVERYWHERE]
    return ([f"inbox.kind.{k}" for k in typing.get_args(InboxKind)]
            + [f"inbox.said.{k}" for k in typing.get_args(InboxKind)]
            + [f"reviewStep.{k.value}" for k in StepKind]
            + [f"reviewNote.{k.value}" for k in StepKind]
            + [f"agreement.band.{b.replace(' ', '_')}" for b in bands]
            + [f"agreement.meaning.{b.replace(' ', '_')}" for b in bands]
            + [f"agreement.undefined.{r}" for r in reasons])


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_error_code_the_server_sends_has_words(lang: str) -> None:
    keys = catalog(lang)
    missing = {code: where for code, where in error_codes().items()
               if f"error.{code}" not in keys}
    assert missing == {}, f"{lang}.ts has no error.<code> for these"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_field_rule_the_server_names_has_words(lang: str) -> None:
    keys = catalog(lang)
    rules = field_rules()
    assert {"comment_required", "invalid_coder", "outside_clip"} <= set(rules)
    missing = {rule: where for rule, where in rules.items()
               if f"fieldError.{rule}" not in keys}
    assert missing == {}, f"{lang}.ts has no fieldError.<rule> for these"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_inbox_items_review_steps_and_agreement_have_words(lang: str) -> None:
    keys = catalog(lang)
    assert [k for k in kinds() if k not in keys] == []


def test_both_languages_have_the_same_keys() -> None:
    assert catalog("nl") == catalog("en")


def analysis_notes() -> dict[str, str]:
    """``Note("key", ...)`` in the analysis: the app words each as analysisNote.<key>."""
    found: dict[str, str] = {}
    for path, tree in modules():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and _name(node) == "Note" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found[node.args[0].value] = str(path.relative_to(ROOT))
    return found


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_analysis_note_has_words(lang: str) -> None:
    notes = analysis_notes()
    assert {"no_audio", "too_dark", "responsiveness"} <= set(notes)
    keys = catalog(lang)
    # a note about one side names the side: analysisNote.one_side.parent / .child
    missing = {note: where for note, where in notes.items()
               if f"analysisNote.{note}" not in keys
               and not {f"analysisNote.{note}.parent", f"analysisNote.{note}.child"} <= keys}
    assert missing == {}, f"{lang}.ts has no analysisNote.<key> for these"
