"""Which shell commands in a text would change a cluster, or run a script nobody has read.

`changing_commands(text)` reads a normalised text (`normalise.py`) as a person copying from it
would: each code span and each sentence split into shell words (`shlex`, with `|`, `;`, `&&`,
`(`, `<(` as operators), and every kubectl-like client found in them (`kubectl`, `oc`, `k`, a
`kubectl-<plugin>` binary, `helm`, also behind `sudo`, `xargs`, a path) judged by its verb,
found after the global options and their values (`kubectl --context prod -n shop scale ...`).
It answers what it refuses, e.g. `["kubectl delete", "| bash"]`, and nothing for read-only use.

A verb is refused when it changes objects in the cluster or runs something in it (kubectl's
`delete`, `scale`, `exec`, `rollout restart` ...; helm's `install`, `uninstall`, `rollback` ...),
and a shell or interpreter is refused when it runs text it is fed: after a pipe
(`curl ... | bash`), with `-c`, or over a process substitution (`bash <(curl ...)`). A client
word whose next few words are no verb is prose ("kubectl is installed") and passes.
"""

from __future__ import annotations

import re
import shlex

_SEGMENTS = re.compile(r"`+|\n|(?<=[.!?])\s+")  # code spans and sentence ends
_LOOSE_WORDS = re.compile(r"[|;&()<>]+|[^\s|;&()<>'\"]+")  # prose with a stray apostrophe
_OPERATORS = frozenset({"|", "||", "&&", ";", "&", "(", ")", "<(", "$"})
_EDGE_PUNCTUATION = ",:!?\"'"
_VERB_WINDOW = 3  # words after the client that may hold its verb (an unknown option's value first)

KUBECTL = frozenset({"kubectl", "oc", "k", "kubecolor"})  # kubecolor: kubectl with colours
HELM = frozenset({"helm"})
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "csh", "tcsh", "pwsh", "eval", "source"})
INTERPRETERS = SHELLS | frozenset({"python", "python3", "perl", "ruby", "node"})
WRAPPERS = frozenset({"sudo", "doas", "env", "command", "xargs", "watch", "time", "nohup", "exec"})


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Global options that take their value as the next word (`--context prod`); `--x=y` needs no list.
KUBECTL_VALUED = _set(
    "--as --as-group --as-uid --cache-dir --certificate-authority --client-certificate --client-key --cluster "
    "--context --kubeconfig --log-file --log-file-max-size --log-flush-frequency --namespace -n --password "
    "--profile --profile-output --request-timeout -s --server --tls-server-name --token --user --username "
    "-v --v --vmodule"
)
HELM_VALUED = _set(
    "--burst-limit --kube-apiserver --kube-as-group --kube-as-user --kube-ca-file --kube-context --kube-token "
    "--kubeconfig --namespace -n --qps --registry-config --repository-cache --repository-config"
)

# verb -> the sub-verbs that change the cluster (empty: every use of the verb does). oc's own verbs too.
KUBECTL_CHANGING: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        _set(
            "annotate apply attach autoscale cordon cp create debug delete drain edit exec expose label patch "
            "replace run scale set taint uncordon new-app new-project new-build start-build cancel-build "
            "import-image tag idle rsh rsync policy"
        ),
        frozenset(),
    ),
    "rollout": _set("restart undo pause resume latest retry cancel"),
    "certificate": _set("approve deny"),
    "auth": _set("reconcile"),
    "adm": _set("drain cordon uncordon taint policy prune groups new-project"),
}
KUBECTL_READING = _set(
    "get describe logs top explain events api-resources api-versions cluster-info version config wait diff "
    "port-forward proxy kustomize completion plugin options status whoami project projects"
)
HELM_CHANGING: dict[str, frozenset[str]] = dict.fromkeys(
    _set("install upgrade uninstall un delete del rollback test"), frozenset()
)
HELM_READING = _set("list ls status history get show template search repo version env lint pull")


_PROGRAMS = sorted(KUBECTL | HELM | INTERPRETERS | WRAPPERS | {"rm"})
# A segment without one of these words holds no command this module refuses: shlex (pure Python, a
# character at a time) is spared the prose.
_MAYBE_A_COMMAND = re.compile(r"kubectl|\||<\(|\b(?:" + "|".join(map(re.escape, _PROGRAMS)) + r")\b")


def changing_commands(text: str) -> list[str]:
    """The commands in `text` (normalised) that change a cluster or run unread code, e.g. `kubectl delete`."""
    found: list[str] = []
    for segment in _SEGMENTS.split(text):
        if not _MAYBE_A_COMMAND.search(segment):
            continue
        words = _words(segment)
        for start, command in _simple_commands(words):
            end = start + len(command)
            found += _judged(command, after_pipe=start > 0 and words[start - 1] == "|")
            if end < len(words) and words[end].startswith("<") and _program(command[-1]) in SHELLS:
                found.append(f"{_program(command[-1])} {words[end]}")  # bash <(curl ...)
    return list(dict.fromkeys(found))


def _words(segment: str) -> list[str]:
    """Shell words, as a shell splits them; prose with an unbalanced quote is split loosely instead."""
    lexer = shlex.shlex(segment, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        words = _LOOSE_WORDS.findall(segment)
    return [w.strip(_EDGE_PUNCTUATION) for w in words if w.strip(_EDGE_PUNCTUATION)]


def _simple_commands(words: list[str]) -> list[tuple[int, list[str]]]:
    """The words between operators, each with the index of its first word (to see what precedes it)."""
    commands: list[tuple[int, list[str]]] = []
    start = 0
    for index, word in enumerate([*words, ";"]):
        if word in _OPERATORS or word.startswith("<"):
            if index > start:
                commands.append((start, words[start:index]))
            start = index + 1
    return commands


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1].removesuffix(".exe")


def _judged(command: list[str], after_pipe: bool) -> list[str]:
    found: list[str] = []
    first = _unwrapped(command)
    if after_pipe and first is not None and _program(command[first]) in INTERPRETERS:
        found.append(f"| {_program(command[first])}")
    for index, word in enumerate(command):
        program = _program(word)
        rest = command[index + 1 :]
        if program in KUBECTL or program.startswith("kubectl-"):
            found += _verdict("kubectl" if program.startswith("kubectl-") else program, rest, KUBECTL_VALUED)
        elif program in HELM:
            found += _verdict(program, rest, HELM_VALUED)
        elif program in SHELLS and rest and re.fullmatch(r"-[a-z]*c[a-z]*", rest[0]):
            found.append(f"{program} {rest[0]}")
        elif program == "rm" and rest and re.fullmatch(r"-[a-z]*r[a-z]*", rest[0]):
            found.append(f"rm {rest[0]}")
    return found


def _unwrapped(command: list[str]) -> int | None:
    """The index of the program a wrapper (`sudo -E`, `env X=1`, `xargs -n1`) runs, or of the first word."""
    for index, word in enumerate(command):
        if _program(word) in WRAPPERS or word.startswith("-") or ("=" in word and index > 0):
            continue
        return index
    return None


def _verdict(client: str, args: list[str], valued: frozenset[str]) -> list[str]:
    changing, reading = (HELM_CHANGING, HELM_READING) if client in HELM else (KUBECTL_CHANGING, KUBECTL_READING)
    words = _positional(args, valued)
    for position, verb in enumerate(words[:_VERB_WINDOW]):
        if verb in reading:
            return []
        if verb in changing:
            sub_verbs = changing[verb]
            sub = words[position + 1] if position + 1 < len(words) else ""
            if not sub_verbs:
                return [f"{client} {verb}"]
            return [f"{client} {verb} {sub}"] if sub in sub_verbs else []
    return []


def _positional(args: list[str], valued: frozenset[str]) -> list[str]:
    """The words that are not options, skipping the value of an option that takes one."""
    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg and arg in valued
        else:
            words.append(arg)
    return words
