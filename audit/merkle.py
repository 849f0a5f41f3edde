"""Merkle hash trees, inclusion and consistency proofs: RFC 9162 §2.1 (same tree as RFC 6962).

Definitions (RFC 9162 §2.1.1), over a list D[n] of leaf *data* byte strings:

    MTH({})       = SHA-256()                                  the empty tree
    MTH({d(0)})   = SHA-256(0x00 || d(0))                      a leaf
    MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k = largest power of two < n

Proofs: PATH(m, D[n]) (§2.1.3.1) and PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (§2.1.4.1).
Verification follows the algorithms of §2.1.3.2 and §2.1.4.2 step by step, and is strict:
every hash must be 32 bytes, the proof must have exactly the number of nodes the sizes imply,
``index >= size`` and ``old_size == 0`` are rejected.  The verifiers return ``False`` and never
raise, whatever they are given.

`MerkleTree` is the incremental tree behind the on-disk log.  It keeps, for every level k, the
hashes of all *complete* subtrees of 2**k leaves (a complete subtree never changes once its last
leaf arrives), packed into one ``bytearray`` per level: 64 bytes per leaf in all.  Appending costs
one leaf hash plus, amortised, one node hash; roots and proofs for any past size are O(log n)
look-ups plus at most O(log n) hashes along the right border.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from audit.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
    "verify_inclusion_hash",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of a leaf, SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of an interior node, SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only RFC 9162 Merkle tree over leaf hashes, with proofs for any past size."""

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """A tree holding `leaves` (leaf data, hashed here)."""
        tree = cls()
        for data in leaves:
            tree.append_hash(leaf_hash(data))
        return tree

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self._size

    def append(self, data: bytes) -> int:
        """Append one leaf given as data; return its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, hashed: bytes) -> int:
        """Append one leaf given as its RFC 9162 leaf hash; return its index."""
        if len(hashed) != HASH_SIZE:
            raise ProofError("a leaf hash has 32 bytes")
        levels = self._levels
        index = self._size
        levels[0] += hashed
        self._size = n = index + 1
        level = 0
        while not n & 1:  # this leaf completes a subtree of 2**(level+1) leaves
            hashed = _sha256(b"\x01" + levels[level][-64:-32] + hashed).digest()
            level += 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += hashed
            n >>= 1
        return index

    def copy(self) -> MerkleTree:
        """A tree of its own with the same leaves (appending to either leaves the other as it is)."""
        tree = MerkleTree()
        tree._levels = [bytearray(level) for level in self._levels]
        tree._size = self._size
        return tree

    def extend_hashes(self, hashes: bytes | bytearray) -> None:
        """Append many leaves given as concatenated 32-byte leaf hashes, level by level."""
        if len(hashes) % HASH_SIZE:
            raise ProofError("leaf hashes have 32 bytes each")
        levels = self._levels
        before = self._size
        levels[0] += hashes
        after = self._size = before + len(hashes) // HASH_SIZE
        level = 0
        while after // 2 > before // 2:  # new complete parents on the next level up
            src = levels[level]
            if level + 1 == len(levels):
                levels.append(bytearray())
            levels[level + 1] += b"".join(
                [_sha256(b"\x01" + src[i * 64 : i * 64 + 64]).digest() for i in range(before // 2, after // 2)]
            )
            level += 1
            before, after = before // 2, after // 2

    def truncate(self, size: int) -> None:
        """Forget every leaf from `size` on (the complete subtrees of a prefix are a prefix of
        each level)."""
        if not 0 <= size <= self._size:
            raise ProofError(f"cannot truncate a tree of size {self._size} to {size}")
        for level, hashes in enumerate(self._levels):
            del hashes[(size >> level) * HASH_SIZE :]
        self._size = size

    def leaf(self, index: int) -> bytes:
        """The leaf hash at `index`."""
        if not 0 <= index < self._size:
            raise ProofError(f"no leaf {index} in a tree of size {self._size}")
        return bytes(self._levels[0][index * 32 : index * 32 + 32])

    def _complete(self, level: int, index: int) -> bytes:
        offset = index * 32
        return bytes(self._levels[level][offset : offset + 32])

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) where start is a multiple of a power of two >= end - start.

        Complete subtrees are stored; a partial one (on the right border of a smaller tree) is
        folded from its complete parts, smallest (rightmost) first.
        """
        width = end - start
        if width & (width - 1) == 0:
            level = width.bit_length() - 1
            return self._complete(level, start >> level)
        parts = []
        while start < end:
            level = (end - start).bit_length() - 1
            parts.append(self._complete(level, start >> level))
            start += 1 << level
        acc = parts.pop()
        while parts:
            acc = node_hash(parts.pop(), acc)
        return acc

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]); the current root when `size` is None."""
        size = self._size if size is None else size
        if not 0 <= size <= self._size:
            raise ProofError(f"no tree of size {size}: the log has {self._size} leaves")
        return EMPTY_ROOT if size == 0 else self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]), RFC 9162 §2.1.3.1, leaf-to-root order."""
        return self.inclusion_proofs([index], size)[0]

    def inclusion_proofs(self, indices: Sequence[int], size: int | None = None) -> list[list[bytes]]:
        """PATH for several leaves in the same tree size (one group commit's receipts), each node
        of their paths visited once: the tree is descended once for all of them, splitting them at
        each level between the two halves, so the nodes their paths share -- the upper levels, and
        the partial subtrees on the right border, which are hashed on demand -- are found once."""
        size = self._size if size is None else size
        for index in indices:
            self._check_leaf(index, size)
        paths: list[list[bytes]] = [[] for _ in indices]  # root to leaf, reversed at the end
        # (the positions in `indices` of one subtree's leaves, in leaf order; the subtree's bounds)
        stack = [(sorted(range(len(indices)), key=indices.__getitem__), 0, size)]
        while stack:
            group, start, end = stack.pop()
            if end - start < 2:
                continue
            middle = start + _split(end - start)
            cut = bisect_left(group, middle, key=indices.__getitem__)
            if cut:  # leaves on the left: their sibling is the right half
                node = self._subtree(middle, end)
                for position in group[:cut]:
                    paths[position].append(node)
                stack.append((group[:cut], start, middle))
            if cut < len(group):  # and the other way round
                node = self._subtree(start, middle)
                for position in group[cut:]:
                    paths[position].append(node)
                stack.append((group[cut:], middle, end))
        for path in paths:
            path.reverse()
        return paths

    def _check_leaf(self, index: int, size: int) -> None:
        if not 0 <= index < size <= self._size:
            raise ProofError(f"no leaf {index} in a tree of size {size} (log size {self._size})")

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]), RFC 9162 §2.1.4.1."""
        new_size = self._size if new_size is None else new_size
        if not 0 < old_size <= new_size <= self._size:
            raise ProofError(f"no consistency proof from size {old_size} to {new_size} (log size {self._size})")
        path: list[bytes] = []
        start, end, whole = 0, new_size, True
        while old_size != end:
            k = _split(end - start)
            if old_size - start <= k:
                path.append(self._subtree(start + k, end))
                end = start + k
            else:
                path.append(self._subtree(start, start + k))
                start += k
                whole = False
        if not whole:
            path.append(self._subtree(start, end))
        path.reverse()
        return path


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf data `leaves`."""
    return MerkleTree.from_leaves(leaves).root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof of leaf `index` in the tree of the leaf data `leaves`."""
    return MerkleTree.from_leaves(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """The consistency proof from the first `old_size` leaves to all of `leaves`."""
    return MerkleTree.from_leaves(leaves).consistency_proof(old_size)


def _is_size(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_hash(value: object) -> bool:
    return type(value) is bytes and len(value) == HASH_SIZE


def _is_path(proof: object) -> bool:
    return isinstance(proof, (list, tuple)) and all(_is_hash(p) for p in proof)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """True iff `proof` shows that leaf *data* `leaf` is at `index` in the tree (`size`, `root`)."""
    if type(leaf) is not bytes:
        return False
    return verify_inclusion_hash(leaf_hash(leaf), index, size, proof, root)


def verify_inclusion_hash(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, for a leaf given by its leaf hash."""
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_path(proof)):
        return False
    if not (_is_size(index) and _is_size(size) and index < size):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False  # extra nodes
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: True iff `proof` shows the tree (old_size, old_root) is a prefix of
    (new_size, new_root).  Equal sizes need an empty proof and equal roots; size 0 is rejected."""
    if not (_is_hash(old_root) and _is_hash(new_root) and _is_path(proof)):
        return False
    if not (_is_size(old_size) and _is_size(new_size) and 0 < old_size <= new_size):
        return False
    if old_size == new_size:
        return len(proof) == 0 and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False  # extra nodes
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
