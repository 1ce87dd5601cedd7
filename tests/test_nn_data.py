"""Toy datasets: scikit-learn's make_moons/make_circles reproduced exactly, geometry, seeds, bad input."""

import numpy as np
import pytest

from nn import circles, moons, spirals, xor

# Computed with scikit-learn 1.9.1 (in a throw-away environment; it is not a dependency):
# make_moons(7, noise=0.2, random_state=3) and make_circles(9, noise=0.1, random_state=2, factor=0.5).
SKLEARN_MOONS_7 = (
    [
        [0.6961107740581766, -0.3606215954255338],
        [1.9079915758674633, 0.48841583188112875],
        [1.9155148274225655, -0.48628789902226466],
        [0.18784727786486213, 0.2639182768844801],
        [-0.06946603511824284, 1.013259746702725],
        [0.6744829441586235, 0.07957717202491184],
        [-1.3258314857167233, -0.12778710503799737],
    ],
    [1, 1, 1, 1, 0, 0, 0],
)
SKLEARN_CIRCLES_9 = (
    [
        [0.3925544481553089, -0.06172231073548774],
        [-0.15010068737525206, 1.0893589801244523],
        [-0.33055392972330633, 0.1515361298645483],
        [-1.1110727756205945, 0.00885800671723735],
        [-0.1354230542285602, -0.9941729310761552],
        [1.0480084843644573, 0.03869905122598016],
        [0.2755553140923738, 0.47351530368005024],
        [-0.4034691024184593, -0.3771764207804088],
        [0.14290743944876702, -0.5456910248848541],
    ],
    [1, 0, 1, 0, 0, 0, 1, 1, 1],
)


def test_xor() -> None:
    points, y = xor()
    assert points.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert points.dtype == np.float64
    assert y.dtype == np.int64


def test_moons_equal_scikit_learn() -> None:
    points, y = moons(7, noise=0.2, seed=3)
    assert points.tolist() == SKLEARN_MOONS_7[0]
    assert y.tolist() == SKLEARN_MOONS_7[1]


def test_circles_equal_scikit_learn() -> None:
    points, y = circles(9, noise=0.1, seed=2, factor=0.5)
    assert points.tolist() == SKLEARN_CIRCLES_9[0]
    assert y.tolist() == SKLEARN_CIRCLES_9[1]


def test_moons_geometry_without_noise() -> None:
    points, y = moons(101, shuffle=False)
    assert points.shape == (101, 2)
    assert (y == 0).sum() == 50
    assert (y == 1).sum() == 51
    outer, inner = points[y == 0], points[y == 1]
    assert np.hypot(outer[:, 0], outer[:, 1]) == pytest.approx(np.ones(50), rel=1e-15)
    assert np.all(outer[:, 1] >= 0)
    assert np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5) == pytest.approx(np.ones(51), rel=1e-15)
    assert np.all(inner[:, 1] <= 0.5)
    assert outer[0].tolist() == [1.0, 0.0]  # arcs start at angle 0 and end at π
    assert outer[-1] == pytest.approx([-1.0, 0.0], abs=1e-15)


def test_circles_geometry_without_noise() -> None:
    points, y = circles(40, factor=0.3, shuffle=False)
    radii = np.hypot(points[:, 0], points[:, 1])
    assert radii[y == 0] == pytest.approx(np.ones(20), rel=1e-15)
    assert radii[y == 1] == pytest.approx(np.full(20, 0.3), rel=1e-15)


def test_seeds_make_data_reproducible() -> None:
    a, b, c = moons(50, 0.1, seed=1), moons(50, 0.1, seed=1), moons(50, 0.1, seed=2)
    assert np.array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    rs = np.random.RandomState(1)
    assert np.array_equal(moons(50, 0.1, seed=rs)[0], a[0])
    # shuffling permutes points and labels together
    plain, labels = moons(50, shuffle=False)
    shuffled, slabels = moons(50, seed=5)
    rows = {tuple(p): int(lab) for p, lab in zip(plain, labels, strict=True)}
    assert {tuple(p): int(lab) for p, lab in zip(shuffled, slabels, strict=True)} == rows


def test_spirals() -> None:
    points, y = spirals(100, classes=3, noise=0.0, seed=0)
    assert points.shape == (100, 2)
    assert np.bincount(y).tolist() == [34, 33, 33]
    r = np.hypot(points[:, 0], points[:, 1])
    for k in range(3):
        arm = r[y == k]
        assert arm == pytest.approx(np.linspace(0, 1, len(arm)), abs=1e-15)  # radius grows along each arm
    # arm k is the arm 0 turned by 4k radians (no noise)
    p0, p1 = points[y == 0][-1], points[y == 1][0]
    assert p1 == pytest.approx([0.0, 0.0], abs=1e-15)
    assert np.arctan2(p0[0], p0[1]) == pytest.approx(np.arctan2(np.sin(4.0), np.cos(4.0)), abs=1e-12)
    a, b = spirals(30, seed=4), spirals(30, seed=4)
    assert np.array_equal(a[0], b[0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: moons(0), ValueError, "n must be at least 1"),
        (lambda: moons(10.5), TypeError, "n must be an int"),
        (lambda: moons(True), TypeError, "n must be an int"),
        (lambda: moons(10, noise=-0.1), ValueError, "noise must be a finite number >= 0"),
        (lambda: moons(10, noise="high"), TypeError, "noise must be a real number"),
        (lambda: moons(10, seed=1.5), TypeError, "seed must be an int"),
        (lambda: circles(10, factor=1.0), ValueError, r"factor must be a number in \[0, 1\)"),
        (lambda: spirals(10, classes=1), ValueError, "classes must be at least 2"),
    ],
)
def test_bad_input(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
