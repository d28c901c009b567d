"""The ridge refit of neighbor lists (atlas/refit.py): against EASE, a brute-force ridge, and its edge cases."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from atlas import evaluate as ev
from atlas.cooccur import cooccurrence_neighbors
from atlas.neighbors import Neighbors
from atlas.refit import ridge_refit
from atlas.weights import Weighting


def _collections(m: int, n: int, p: float, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    return sp.csr_matrix((rng.random((m, n)) < p).astype(np.float32))


def test_with_every_entity_listed_the_refit_is_ease():
    # Dense enough that every pair co-occurs: raw-count lists of k = n - 1 hold every other entity,
    # so each entity's regression runs over all the others, which is EASE (Steck 2019).
    x = _collections(400, 30, 0.5, 0)
    g = (x.T @ x).toarray()
    assert (g > 0).all()
    lists = cooccurrence_neighbors(x, 29, Weighting("count"))
    assert (lists.ids >= 0).all()
    got = ridge_refit(x, lists, 50.0, cap=64)
    want = ev.ease_neighbors(x, 29, 50.0)
    assert (got.ids >= 0).sum() == (want.ids >= 0).sum() > 0
    a = got.to_csr().toarray()
    b = want.to_csr().toarray()
    np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-6)


def test_each_weight_is_the_ridge_fit_of_the_entities_that_list_it():
    x = _collections(300, 40, 0.12, 1)
    lists = cooccurrence_neighbors(x, 6, Weighting())
    lam = 7.5
    got = ridge_refit(x, lists, lam, cap=32, budget=40).to_csr().toarray()  # small blocks: many of them
    xd = x.toarray().astype(np.float64)
    want = np.zeros((40, 40))
    for j in range(40):
        r = [i for i in range(40) if j in lists.ids[i]]
        if r:
            xr = xd[:, r]
            want[r, j] = np.linalg.solve(xr.T @ xr + lam * np.eye(len(r)), xr.T @ xd[:, j])
    want = np.maximum(want, 0)
    # every list keeps an entry (the fallback below); compare the positive fits
    np.testing.assert_allclose(np.where(want > 0, got, 0), want, rtol=1e-5, atol=1e-9)
    assert ((got > 0) & (want <= 0)).sum() == sum(1 for i in range(40) if want[i].max() <= 0 and lists.ids[i, 0] >= 0)


def test_blocks_do_not_change_the_result():
    x = _collections(500, 120, 0.06, 2)
    lists = cooccurrence_neighbors(x, 10, Weighting())
    a = ridge_refit(x, lists, 20.0, cap=16, budget=17)
    b = ridge_refit(x, lists, 20.0, cap=16, budget=4096)
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_allclose(a.weight, b.weight, rtol=1e-6)


def test_a_hub_is_fit_only_from_its_cap_highest_scored_listers():
    # Every list holds entity 0 after a partner of its own; lister 1 scores 0 highest, lister 11 lowest.
    x = _collections(200, 12, 0.3, 3)
    ids = np.array([[1, 2]] + [[i % 11 + 1, 0] for i in range(1, 12)], dtype=np.int32)
    w = np.array([[2.0, 1.0]] + [[20.0, 12.0 - i] for i in range(1, 12)], dtype=np.float32)
    out = ridge_refit(x, Neighbors(ids, w), 5.0, cap=3)
    listers = {i for i in range(12) if 0 in out.ids[i]}
    assert listers <= {1, 2, 3} and listers


def test_a_list_the_fit_empties_keeps_its_best_scored_entry():
    # 2 always comes with 1; 0 comes with 1 mostly without 2: given 1, 0 predicts 2 against it.
    x = np.array([[0, 1, 1]] * 4 + [[1, 1, 0]] * 3 + [[1, 1, 1]] + [[1, 0, 0]] * 2, dtype=np.float32)
    ids = np.array([[2, -1], [2, 0], [1, 0]], dtype=np.int32)
    w = np.array([[1.0, 0.0], [1.0, 0.5], [1.0, 0.5]], dtype=np.float32)
    g = x.T @ x
    fit = np.linalg.solve(g[:2, :2] + np.eye(2), g[:2, 2])  # entity 2 from its listers 0 and 1
    assert fit[0] < 0 < fit[1]
    out = ridge_refit(sp.csr_matrix(x), Neighbors(ids, w), 1.0)
    assert out.ids[0].tolist() == [2, -1]  # kept, at the smallest positive weight of the run
    assert out.weight[0, 0] == pytest.approx(out.weight[out.weight > 0].min())
    assert out.weight[1, 0] == pytest.approx(fit[1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lam": 0.0}, r"^lam: expected a number > 0"),
        ({"lam": 1.0, "cap": 8, "budget": 8}, r"^cap, budget: expected 1 <= cap < budget"),
    ],
)
def test_bad_arguments_name_themselves(kwargs, message):
    x = _collections(20, 5, 0.5, 4)
    lists = cooccurrence_neighbors(x, 2, Weighting())
    with pytest.raises(ValueError, match=message):
        ridge_refit(x, lists, **kwargs)


def test_lists_must_cover_the_entities_of_x():
    x = _collections(20, 5, 0.5, 5)
    lists = cooccurrence_neighbors(x[:, :4], 2, Weighting())
    with pytest.raises(ValueError, match=r"^lists: expected lists for the 5 entities of x, got 4"):
        ridge_refit(x, lists, 1.0)
