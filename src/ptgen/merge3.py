"""Three-way, line-based merge of text (what `ptgen update` does to a file both sides changed).

`base` is the file as the old template rendered it, `ours` the user's copy, `theirs` the new
render. Regions where all three agree are kept; a region only one side changed takes that
side's lines; a region both changed the same way is taken once; a region both changed
differently becomes a conflict, written with standard markers (and the base in between, as
git's diff3 style shows it) so that any editor or `git mergetool` can resolve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Merged:
    lines: list[str]
    conflicts: int

    @property
    def text(self) -> str:
        return "".join(self.lines)


def _sync_regions(base: list[str], ours: list[str], theirs: list[str]) -> list[tuple[int, ...]]:
    """Stretches of `base` that both sides kept unchanged, as (base_start, base_end,
    ours_start, ours_end, theirs_start, theirs_end), ending with an empty sentinel."""
    matches_ours = SequenceMatcher(None, base, ours, autojunk=False).get_matching_blocks()
    matches_theirs = SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    regions = []
    i = j = 0
    while i < len(matches_ours) and j < len(matches_theirs):
        base_o, at_o, size_o = matches_ours[i]
        base_t, at_t, size_t = matches_theirs[j]
        start, end = max(base_o, base_t), min(base_o + size_o, base_t + size_t)
        if start < end:  # this part of base is matched on both sides
            regions.append(
                (
                    start,
                    end,
                    at_o + start - base_o,
                    at_o + end - base_o,
                    at_t + start - base_t,
                    at_t + end - base_t,
                )
            )
        if base_o + size_o < base_t + size_t:
            i += 1
        else:
            j += 1
    regions.append((len(base), len(base), len(ours), len(ours), len(theirs), len(theirs)))
    return regions


def merge3(
    base: str, ours: str, theirs: str, ours_label: str = "yours", theirs_label: str = "template"
) -> Merged:
    """Merge the two edits of `base`; conflicting regions are marked, never dropped."""
    b, o, t = (s.splitlines(keepends=True) for s in (base, ours, theirs))
    out: list[str] = []
    conflicts = 0
    at_b = at_o = at_t = 0
    for base_start, base_end, ours_start, ours_end, theirs_start, theirs_end in _sync_regions(
        b, o, t
    ):
        chunk_b, chunk_o, chunk_t = b[at_b:base_start], o[at_o:ours_start], t[at_t:theirs_start]
        if chunk_o == chunk_t or chunk_t == chunk_b:
            out += chunk_o  # the same change on both sides, or only the user's
        elif chunk_o == chunk_b:
            out += chunk_t  # only the template's
        else:
            conflicts += 1
            out += _marked(chunk_o, f"<<<<<<< {ours_label}\n")
            out += _marked(chunk_b, "||||||| base\n")
            out += _marked(chunk_t, "=======\n")
            out.append(f">>>>>>> {theirs_label}\n")
        out += b[base_start:base_end]
        at_b, at_o, at_t = base_end, ours_end, theirs_end
    return Merged(out, conflicts)


def _marked(lines: list[str], marker: str) -> list[str]:
    """The marker, then the lines (the last one given a newline, so markers start lines)."""
    if lines and not lines[-1].endswith("\n"):
        lines = [*lines[:-1], lines[-1] + "\n"]
    return [marker, *lines]
