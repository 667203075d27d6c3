"""The lattice of candidate slices: every observed combination of 1..max_order dimension values.

A *cuboid* is a set of dimensions (e.g. segment × position); each of its observed value combinations is a
candidate slice. All candidates of all cuboids get one global id, and ``member_ids[i, k]`` is the id of the
slice of cuboid ``k`` that leaf ``i`` belongs to, so summing any leaf quantity over every candidate at once
is one ``np.bincount`` over ``member_ids`` (vectorised; no loop over leaves or slices).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from core.rootcause.leaves import LeafArrays


@dataclass(frozen=True)
class Lattice:
    """All candidate slices of a leaf set."""

    cuboids: tuple[tuple[int, ...], ...]  # dimension indices of each cuboid
    member_ids: np.ndarray  # (leaves, cuboids) global candidate id of each leaf in each cuboid
    candidate_cuboid: np.ndarray  # (candidates,) cuboid index of each candidate
    candidate_codes: np.ndarray  # (candidates, dimensions) value code per dimension, -1 where unused

    @property
    def size(self) -> int:
        return len(self.candidate_cuboid)

    def order(self) -> np.ndarray:
        """Number of dimensions of each candidate."""
        return (self.candidate_codes >= 0).sum(axis=1)

    def sums(self, weights: np.ndarray) -> np.ndarray:
        """Sum a per-leaf quantity over every candidate slice."""
        n_cuboids = self.member_ids.shape[1]
        return np.bincount(
            self.member_ids.ravel(), weights=np.repeat(weights, n_cuboids), minlength=self.size
        )

    def members(self, candidate: int) -> np.ndarray:
        """Boolean mask of the leaves in one candidate slice."""
        return self.member_ids[:, self.candidate_cuboid[candidate]] == candidate


def build_lattice(arrays: LeafArrays, max_order: int) -> Lattice:
    """Enumerate the cuboids up to ``max_order`` dimensions and their observed value combinations."""
    n_leaves, n_dims = arrays.codes.shape
    cuboids = tuple(c for k in range(1, min(max_order, n_dims) + 1) for c in combinations(range(n_dims), k))
    member_ids = np.zeros((n_leaves, len(cuboids)), dtype=np.int64)
    cuboid_of: list[np.ndarray] = []
    codes_of: list[np.ndarray] = []
    offset = 0
    for k, dims in enumerate(cuboids):
        combos, inverse = unique_rows(arrays.codes[:, list(dims)])
        member_ids[:, k] = inverse + offset
        codes = np.full((len(combos), n_dims), -1, dtype=np.int64)
        codes[:, list(dims)] = combos
        codes_of.append(codes)
        cuboid_of.append(np.full(len(combos), k, dtype=np.int64))
        offset += len(combos)
    return Lattice(
        cuboids=cuboids,
        member_ids=member_ids,
        candidate_cuboid=np.concatenate(cuboid_of) if cuboid_of else np.zeros(0, dtype=np.int64),
        candidate_codes=np.vstack(codes_of) if codes_of else np.zeros((0, n_dims), dtype=np.int64),
    )


def unique_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a non-negative integer matrix and each row's index among them.

    Rows are packed into one mixed-radix int64 key (a 1-D unique is far faster than ``np.unique(axis=0)``);
    cubes too large for one int64 key fall back to the row-wise unique.
    """
    radices = codes.max(axis=0) + 1 if len(codes) else np.ones(codes.shape[1], dtype=np.int64)
    if float(np.prod(radices.astype(float))) >= 2.0**62:
        combos, inverse = np.unique(codes, axis=0, return_inverse=True)
        return combos, inverse.reshape(-1)
    keys, inverse = np.unique(np.ravel_multi_index(codes.T, radices), return_inverse=True)
    combos = np.stack(np.unravel_index(keys, radices), axis=1).astype(np.int64)
    return combos, inverse.reshape(-1)
