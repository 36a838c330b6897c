"""Which rules an article wakes: the atoms it holds, looked up in flat inverted indexes.

A rule needs clauses of atoms (alerts.rules.requirement). It is woken by its rarest-looking clause
(the fewest atoms) and confirmed by its next one; any further clauses are checked one by one
for the few rules left. Both indexes are CSR arrays (numpy): for 10,000 rules, per-atom tuples
of rule numbers and sets of them are megabytes of scattered objects, and an article arriving
after other work finds none of them in the CPU cache; two flat arrays are read in a few
vectorised steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from alerts.rules.requirement import Requirement

IntArray = npt.NDArray[np.int32]

# A clause of more atoms than this (a long term group) does not confirm a rule: its atoms
# would list thousands of rules each. It is checked one by one for the woken rules instead.
MAX_CONFIRMING = 16


class _Postings:
    """Atom -> rule numbers, as one array of rule numbers and one of offsets per atom."""

    def __init__(self, lists: dict[int, list[int]], atoms: int) -> None:
        # 32-bit: half the memory an article's lookups touch, and 2**31 rules is plenty.
        counts = np.zeros(atoms + 1, dtype=np.int32)
        for atom, numbers in lists.items():
            counts[atom + 1] = len(numbers)
        self.offsets: IntArray = np.cumsum(counts, dtype=np.int32)
        ordered = [n for atom in sorted(lists) for n in lists[atom]]
        self.rules: IntArray = np.array(ordered, dtype=np.int32)

    def rules_of(self, atoms: IntArray) -> IntArray:
        """The rule numbers listed under any of `atoms` (with repeats)."""
        starts = self.offsets[atoms]
        lengths = self.offsets[atoms + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, dtype=np.int32)
        # Each atom's run of the array: its start, then +1 for each further rule.
        ends = np.cumsum(lengths)
        steps = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
        return self.rules[steps]


class WakeIndex:
    """Built once per rule set from each rule's requirement; `candidates` per article."""

    def __init__(self, requirements: Sequence[Requirement], atoms: int) -> None:
        woken_by: dict[int, list[int]] = {}
        confirmed_by: dict[int, list[int]] = {}
        confirmed = np.zeros(len(requirements), dtype=bool)
        always: list[int] = []
        # Clauses still to check after waking and confirming; most rules have none left.
        self.rest: dict[int, tuple[frozenset[int], ...]] = {}
        for number, requirement in enumerate(requirements):
            clauses = sorted(requirement, key=len)
            if not clauses:
                always.append(number)
                continue
            for atom in clauses[0]:
                woken_by.setdefault(atom, []).append(number)
            clauses = clauses[1:]
            if clauses and len(clauses[0]) <= MAX_CONFIRMING:
                for atom in clauses[0]:
                    confirmed_by.setdefault(atom, []).append(number)
                confirmed[number] = True
                clauses = clauses[1:]
            if clauses:
                self.rest[number] = tuple(clauses)
        self._woken_by = _Postings(woken_by, atoms)
        self._confirmed_by = _Postings(confirmed_by, atoms)
        self._needs_confirming = confirmed
        self.always: IntArray = np.array(always, dtype=np.int32)

    def woken(self, present: IntArray) -> IntArray:
        """Rules whose waking clause has an atom among `present`, and those always evaluated."""
        return np.union1d(self._woken_by.rules_of(present), self.always)

    def candidates(self, present: IntArray, present_set: frozenset[int]) -> list[int]:
        """The rules all of whose clauses have an atom in the article, in ascending order."""
        woken = self.woken(present)
        unconfirmed = self._needs_confirming[woken]
        if unconfirmed.any():
            confirmed = np.zeros(len(self._needs_confirming), dtype=bool)
            confirmed[self._confirmed_by.rules_of(present)] = True
            woken = woken[~unconfirmed | confirmed[woken]]
        found: list[int] = []
        rest = self.rest
        for number in woken.tolist():
            clauses = rest.get(number)
            if clauses is not None and any(c.isdisjoint(present_set) for c in clauses):
                continue
            found.append(number)
        return found
