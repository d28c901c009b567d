"""LightGCN (He et al. 2020) on the bipartite graph of collections and entities.

The graph has a node per collection and per entity and an edge wherever a collection holds an
entity (values are ignored: any positive entry means "holds"). With A the (m + n, m + n) adjacency
and D its degrees, every node starts from a free vector E⁰ and

    Eˡ⁺¹ = D^-½ A D^-½ Eˡ          (no weights, no nonlinearity: LightGCN's propagation)
    E    = (E⁰ + E¹ + … + Eᴸ) / (L + 1)

The score of entity j for collection u is E_u · E_j. Training is BPR: for a held pair (u, i) and
an entity j drawn uniformly at random (`negative` of them per pair),

    loss = -log σ(E_u · E_i - E_u · E_j) + decay · (|E⁰_u|² + |E⁰_i|² + |E⁰_j|²) / 2

averaged over a mini-batch of pairs and minimised by Adam over E⁰. An epoch is one pass over the
held pairs in a random order. The entity vectors are the entity rows of the final E.

Graph sources come here as each node's closed neighborhood (the node and its neighbors) as a
collection, the matrix the neighbor lists are built from: the bipartite graph has every node twice,
once as a collection and once as an entity, linked where the graph links them or where they are the
same node.

Torch on the CPU, on `threads` threads (1 by default, set for the call and restored after), with
a torch.Generator of its own (no global seed is touched): on one thread the same seed gives the
same vectors, run to run; more threads may change the last bits of the sums. Each step propagates
the whole graph (a CSR product; its backward is the same product, the matrix being symmetric,
8 times faster than torch's own sparse backward), so a step costs O(L · nnz · dims), and the
batch grows with the data (`batch_size` 0: about `STEPS` steps per epoch, at least 1024 pairs).

Defaults as measured on hetrec2011-lastfm-2k (1,892 users x the 6,953 artists held by two or more,
82k pairs; the held-out protocol of `atlas.evaluate`, recall@20 of cosine top-20 lists of the
entity vectors, 16 dims, seed 0; co-occurrence lists: 0.27, word2vec: 0.23). The paper's Adam step
(0.001) is far too small for a few epochs: with 5 random entities per pair and 10 epochs, recall
was 0.16 at lr 0.003, 0.20 at 0.03, 0.24 at 0.1 and 0.22 at 0.3 (0.17 at the paper's 0.001 with
one). Five random entities per pair beat one (0.24 against 0.21 at lr 0.1). 20 epochs beat 10
(0.249 against 0.240); decay 1e-3 beats 1e-4 a little at 20 epochs (0.251 against 0.249); 2 layers
gave 0.239 and 3 gave 0.240. Untrained (the random E⁰ propagated) scores 0.003. 20 epochs took
14 s on one thread here with the machine busy (load 7 on 2 cores); 1 epoch took under 2 s.

`atlas eval sites/lastfm.toml` with `method = "lightgcn"` against the default (mde), same split:
embedding recall@20 0.242 against 0.104, map recall@20 0.076 against 0.078, and the umap layout
keeps the mde embedding better (kNN preservation@10 0.19 against 0.33, trustworthiness@10 0.91
against 0.95): the embedding's neighbors are much better, the map about the same.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from atlas.embed import Embedding, require_ints
from atlas.evaluate import binary

#: steps per epoch when batch_size is 0 (the batch is nnz / STEPS, at least MIN_BATCH)
STEPS = 32
MIN_BATCH = 1024


def normalized_adjacency(x: sp.csr_matrix) -> sp.csr_matrix:
    """float32 csr (m + n, m + n): D^-½ A D^-½ of the bipartite graph of x (m, n), binary; rows 0..m-1 are collections."""
    m, n = x.shape
    a = sp.bmat([[None, x], [x.T, None]], format="csr", dtype=np.float32)
    deg = np.asarray(a.sum(axis=1)).ravel()
    inv = np.zeros_like(deg)
    inv[deg > 0] = deg[deg > 0] ** -0.5
    d = sp.diags(inv.astype(np.float32))
    out = sp.csr_matrix(d @ a @ d, dtype=np.float32)
    out.sort_indices()
    return out


def _symmetric_matmul(torch, adj: sp.csr_matrix):
    """x -> adj @ x for a symmetric csr adj, differentiable in x: the gradient is adj @ grad too.

    torch's own backward of a sparse product was 8 times slower than this one on the CPU.
    """
    import warnings

    with warnings.catch_warnings():  # "sparse CSR tensor support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        a = torch.sparse_csr_tensor(torch.from_numpy(adj.indptr.astype(np.int64)), torch.from_numpy(adj.indices.astype(np.int64)), torch.from_numpy(adj.data), size=adj.shape, check_invariants=False)

    class Step(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return a @ x

        @staticmethod
        def backward(ctx, grad):
            return a @ grad

    return Step.apply


def _check(dims, epochs, layers, lr, decay, negative, batch_size, threads, seed) -> None:
    require_ints(seed, dims=(dims, 1), epochs=(epochs, 1), negative=(negative, 1), threads=(threads, 1))
    if layers < 0:
        raise ValueError(f"layers: expected int >= 0 (0: no propagation, plain matrix factorisation), got {layers!r}")
    if not lr > 0:
        raise ValueError(f"lr: expected a number > 0, got {lr!r}")
    if not decay >= 0:
        raise ValueError(f"decay: expected a number >= 0, got {decay!r}")
    if batch_size < 0:
        raise ValueError(f"batch_size: expected int >= 0 (0: by size), got {batch_size!r}")


def lightgcn(
    x: sp.spmatrix,
    dims: int = 16,
    *,
    seed: int = 0,
    epochs: int = 20,
    layers: int = 3,
    lr: float = 0.1,
    decay: float = 1e-3,
    negative: int = 5,
    batch_size: int = 0,
    threads: int = 1,
) -> Embedding:
    """Embedding (n, dims) of the entities of collections x csr (m, n) by LightGCN; row j is entity j.

    epochs: passes over the held pairs. layers: propagation steps L. lr: Adam's step size. decay:
    L2 weight on the batch's E⁰ rows. negative: random entities per held pair. batch_size: pairs per
    step (0: nnz / STEPS, at least MIN_BATCH). threads: torch threads; the result is the same for a
    seed on the same number of threads.
    """
    import torch

    _check(dims, epochs, layers, lr, decay, negative, batch_size, threads, seed)
    xb = binary(x)
    m, n = xb.shape
    if xb.nnz == 0:
        raise ValueError("x: no collection holds any entity")
    adj = normalized_adjacency(xb)
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(xb.indptr))
    cols = xb.indices.astype(np.int64)
    batch = int(batch_size) or max(MIN_BATCH, -(-xb.nnz // STEPS))

    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        gen = torch.Generator().manual_seed(int(seed) % 2**63)
        step = _symmetric_matmul(torch, adj)
        e0 = torch.nn.Parameter(torch.randn(m + n, int(dims), generator=gen) * 0.1)
        opt = torch.optim.Adam([e0], lr=float(lr))
        users, items = torch.from_numpy(rows), torch.from_numpy(cols) + m

        def propagate(e):
            total, layer = e, e
            for _ in range(layers):
                layer = step(layer)
                total = total + layer
            return total / (layers + 1)

        for _ in range(int(epochs)):
            order = torch.randperm(xb.nnz, generator=gen)
            for lo in range(0, xb.nnz, batch):
                idx = order[lo : lo + batch]
                u, i = users[idx], items[idx]
                j = torch.randint(m, m + n, (len(idx), int(negative)), generator=gen)
                e = propagate(e0)
                eu = e[u]
                pos = (eu * e[i]).sum(dim=1, keepdim=True)
                neg = torch.einsum("bd,bkd->bk", eu, e[j])
                loss = torch.nn.functional.softplus(neg - pos).mean()
                reg = (e0[u].square().sum() + e0[i].square().sum() + e0[j].square().sum() / negative) / (2 * len(idx))
                opt.zero_grad(set_to_none=True)
                (loss + decay * reg).backward()
                opt.step()
        with torch.no_grad():
            vectors = propagate(e0)[m:].numpy().astype(np.float32)
    finally:
        torch.set_num_threads(before)
    return Embedding(np.ascontiguousarray(vectors), "lightgcn")
