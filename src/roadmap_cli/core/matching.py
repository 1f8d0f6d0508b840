"""Turn what a user typed into a canonical id: exact, case-insensitive, alias, unique prefix."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from roadmap_cli.core.errors import UnknownIdError

_SEPARATORS = re.compile(r"[\s_]+")
QUOTED = 60  # characters of what was typed that an error quotes
SHOW_ALL = 8  # a kind with this few ids lists them all when a name matches none


def normalize(text: str) -> str:
    """`"AI Developer"` and `"ai_developer"` both become `"ai-developer"`."""
    return _SEPARATORS.sub("-", text.strip().lower())


def join_words(names: list[str], conjunction: str = "or") -> str:
    """`a`, `a or b`, `a, b or c` (or `and`)."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


class IdIndex:
    """Every name a kind of thing answers to, mapped to its canonical id."""

    def __init__(
        self,
        kind: str,
        ids: Iterable[str],
        aliases: Mapping[str, str] | None = None,
        list_command: str = "",
    ) -> None:
        self.kind = kind
        self.list_command = list_command
        self._ids: dict[str, str] = {id_.lower(): id_ for id_ in ids}
        self._aliases: dict[str, str] = {
            alias.lower(): target
            for alias, target in (aliases or {}).items()
            if alias.lower() not in self._ids
        }
        self._names = {**self._aliases, **self._ids}

    def exact(self, query: str) -> str | None:
        """The id `query` names exactly (an id or alias, in any case); no prefixes."""
        return self._names.get(normalize(query))

    def resolve(self, query: str) -> str:
        """The canonical id for `query`, or an UnknownIdError that names the closest ids."""
        try:
            return self._resolve(query)
        except UnknownIdError as error:
            if len(query) <= QUOTED:
                raise
            shown = query[: QUOTED - 1] + "…"  # what was typed, shortened in the message
            raise UnknownIdError(
                error.message.replace(query, shown), query, hint=error.hint
            ) from None

    def _resolve(self, query: str) -> str:
        key = normalize(query)
        hint = f" ({self.list_command} lists them)" if self.list_command else ""
        helped = not hint  # a message that names the list command needs no more help
        if not key:
            raise UnknownIdError(f"an empty {self.kind} id was given{hint}", query, hint=helped)
        if not self._ids:
            raise UnknownIdError(
                f"unknown {self.kind} '{query}': there are no {self.kind}s yet", query
            )
        if key in self._names:
            return self._names[key]
        # A prefix of an id wins over a prefix of an alias, so `l` lists ids that start with l.
        for names in (self._ids, self._aliases):
            by_prefix = sorted({target for name, target in names.items() if name.startswith(key)})
            if len(by_prefix) == 1:
                return by_prefix[0]
            if by_prefix:
                shown = by_prefix[:8] + (["..."] if len(by_prefix) > 8 else [])
                raise UnknownIdError(
                    f"'{query}' matches several {self.kind}s: {', '.join(shown)};"
                    " type more of the id",
                    query,
                )
        import difflib

        close = difflib.get_close_matches(key, list(self._names), n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(self._names[name] for name in close))
        if suggestions:
            raise UnknownIdError(
                f"unknown {self.kind} '{query}'; did you mean {join_words(suggestions)}?{hint}",
                query,
                hint=helped,
            )
        if len(self._ids) <= SHOW_ALL:
            every = join_words(list(self._ids.values()), "and")
            raise UnknownIdError(
                f"unknown {self.kind} '{query}'; the {self.kind}s are {every}", query
            )
        raise UnknownIdError(f"unknown {self.kind} '{query}'{hint}", query, hint=helped)

    def resolve_all(self, queries: Iterable[str]) -> list[str]:
        """Resolve every query before anything acts on them; duplicates are dropped."""
        return list(dict.fromkeys(self.resolve(q) for q in queries))
