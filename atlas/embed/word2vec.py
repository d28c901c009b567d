"""Word2vec over collections, as in Artist2Vec: each collection is a sentence of its entities.

A collection is a set, not a sequence, so each one is shuffled (seeded) and the context window is
the whole collection by default (`window=0`; gensim's random window shrinking is off), so every
pair of entities in a collection is a training pair. Values in the matrix are ignored: any positive
entry means "holds". Collections with one entity teach nothing and are left out.

Entities without a trained vector (in no collection of two or more, or in fewer than `min_count`
collections, which gensim drops) get a zero vector. Not a random one: cosine neighbor lists
(`atlas.neighbors.vector_neighbors`) would then fill with such entities by chance, since a random
direction in 16 dimensions is as close to a given vector as many trained ones; a zero vector has
similarity 0 to everything, so it is nobody's positive neighbor.

Determinism: with `workers=1` the vectors are the same for a seed, across runs and processes.
With more workers gensim's threads take batches of sentences in whatever order they finish, so
the vectors (not their quality) change from run to run, for more speed on more cores.

Defaults as measured on hetrec2011-lastfm-2k (the held-out protocol of `atlas.evaluate`, recall@20
of cosine top-20 lists, 16 dims, min_count 5; co-occurrence lists: 0.27): skip-gram beats CBOW
by far (0.19 against 0.13 at 10 epochs; CBOW gets worse with more epochs); the whole collection
as window beats window 10 (0.19 against 0.12); 20 epochs beat 10 (0.21 against 0.19; 40 add
nothing); a negative noise exponent beats gensim's 0.75 (0.23 against 0.21 at -0.5, as
Caselles-Dupré et al. 2018 found for music). min_count matters most for neighbor lists (0.10 at
1, 0.18 at 2, 0.23 at 5): an entity seen in one collection lands among that collection's entities
and crowds their lists. The build drops such entities first (`[filter] min_count`, 2), so the
default here is 1. With the whole collection as window the cost grows with the square of a
collection's length: cap `window` for long collections.

`gensim_vectors` is shared with node2vec (skip-gram on random walks).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from atlas.embed import Embedding, require_ints

MAX_SENTENCE = 10000  # gensim silently truncates longer sentences; longer collections are cut into pieces


def _check(dims: int, seed: int, workers: int, epochs: int, negative: int, min_count: int) -> None:
    require_ints(seed, dims=(dims, 1), workers=(workers, 1), epochs=(epochs, 1), negative=(negative, 1), min_count=(min_count, 1))


def tokens(n: int) -> np.ndarray:
    """object (n,): entity j's token, str(j)."""
    return np.array([str(j) for j in range(n)], dtype=object)


def sentences(x: sp.spmatrix, seed: int = 0) -> list[list[str]]:
    """The collections of x (m, n) with >= 2 entities as token lists, each shuffled, in a shuffled order (seeded)."""
    xb = sp.csr_matrix(x, dtype=np.float32, copy=True)
    xb.sum_duplicates()
    xb.data = (xb.data > 0).astype(np.float32)
    xb.eliminate_zeros()
    m, n = xb.shape
    rng = np.random.default_rng(seed % 2**32)
    row = np.repeat(np.arange(m), np.diff(xb.indptr))
    order = np.lexsort((rng.random(xb.nnz), row))  # a random order within each row
    tok = tokens(n)[xb.indices[order]]
    out = []
    for r in rng.permutation(m):
        lo, hi = xb.indptr[r], xb.indptr[r + 1]
        if hi - lo < 2:
            continue
        for a in range(lo, hi, MAX_SENTENCE):
            piece = tok[a : min(hi, a + MAX_SENTENCE)]
            if len(piece) >= 2:
                out.append(piece.tolist())
    return out


def gensim_vectors(corpus: list[list[str]], n: int, dims: int, *, sg: int, window: int, negative: int, epochs: int, min_count: int, workers: int, seed: int, sample: float = 1e-3, ns_exponent: float = 0.75, shrink: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(vectors float32 (n, dims) in entity order, trained bool (n,)): gensim Word2Vec on token lists of str(j).

    shrink: gensim's random shrinking of the window (sequences: nearer tokens weigh more); off for
    sets. Untrained rows (entities gensim never saw or dropped) are zero.
    """
    from gensim.models import Word2Vec

    out = np.zeros((n, dims), dtype=np.float32)
    trained = np.zeros(n, dtype=bool)
    if corpus:
        model = Word2Vec(
            corpus,
            vector_size=dims,
            sg=sg,
            hs=0,
            negative=negative,
            window=window,
            shrink_windows=shrink,
            epochs=epochs,
            min_count=min_count,
            sample=sample,
            ns_exponent=ns_exponent,
            workers=workers,
            seed=seed % 2**32,
        )
        wv = model.wv
        ids = np.array([int(t) for t in wv.index_to_key], dtype=np.int64)
        out[ids] = wv.vectors
        trained[ids] = True
    return out, trained


def word2vec(
    x: sp.spmatrix,
    dims: int = 16,
    *,
    seed: int = 0,
    sg: int = 1,
    window: int = 0,
    negative: int = 5,
    epochs: int = 20,
    min_count: int = 1,
    sample: float = 1e-3,
    ns_exponent: float = -0.5,
    workers: int = 1,
) -> Embedding:
    """Embedding (n, dims) of the entities of collections x csr (m, n) by gensim Word2Vec; row j is entity j.

    sg: 1 skip-gram, 0 CBOW. window: context size; 0 means the longest collection (every pair of a
    collection is a context pair). negative: noise words per pair. epochs: passes over the
    collections. min_count: entities in fewer collections (of two or more) get a zero vector. sample:
    gensim's down-sampling of frequent entities (0: off). ns_exponent: exponent of the
    frequency-based noise distribution. workers: gensim threads; 1 is deterministic for a seed.
    """
    _check(dims, seed, workers, epochs, negative, min_count)
    if not sp.issparse(x) or x.ndim != 2:
        raise ValueError(f"x: expected a sparse (collections, entities) matrix, got {type(x).__name__}")
    if sg not in (0, 1):
        raise ValueError(f"sg: expected 0 (CBOW) or 1 (skip-gram), got {sg!r}")
    if not sample >= 0:
        raise ValueError(f"sample: expected a number >= 0 (0: off), got {sample!r}")
    if window < 0:
        raise ValueError(f"window: expected int >= 0 (0: the whole collection), got {window!r}")
    n = x.shape[1]
    corpus = sentences(x, seed)
    if window == 0:
        window = max((len(s) for s in corpus), default=1)
    vectors, _ = gensim_vectors(corpus, n, int(dims), sg=sg, window=int(window), negative=negative, epochs=epochs, min_count=min_count, workers=workers, seed=int(seed), sample=sample, ns_exponent=ns_exponent)
    return Embedding(vectors, "word2vec")
