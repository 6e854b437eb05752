import numpy as np
import pandas as pd
import pytest

from analysis import stats


def test_gini_equal_values_is_zero():
    assert stats.gini([5, 5, 5, 5]) == pytest.approx(0.0)


@pytest.mark.parametrize("n", [2, 5, 100])
def test_gini_one_nonzero_among_n(n):
    x = [0] * (n - 1) + [7]
    assert stats.gini(x) == pytest.approx((n - 1) / n)


def test_gini_known_value():
    # x = 1,2,3,4: G = sum((2i-n-1)x_i)/(n sum x) = (-3-2+3+12)/(4*10) = 0.25
    assert stats.gini([4, 1, 3, 2]) == pytest.approx(0.25)


def test_gini_empty_and_zero_are_nan():
    assert np.isnan(stats.gini([]))
    assert np.isnan(stats.gini([0, 0]))


def test_top_share_counts_ceil_units():
    x = list(range(1, 101))  # top 1% = the single largest value 100
    assert stats.top_share(x, 0.01) == pytest.approx(100 / 5050)
    # top 10% = 91..100
    assert stats.top_share(x, 0.10) == pytest.approx(sum(range(91, 101)) / 5050)
    # fewer than 100 units: top 1% is still one unit
    assert stats.top_share([1, 1, 8], 0.01) == pytest.approx(0.8)


def test_top_share_with_ties():
    assert stats.top_share([3, 3, 3, 1], 0.25) == pytest.approx(3 / 10)


def test_missing_values_are_dropped_not_zero():
    s = pd.Series([1, None, 3], dtype="Int64")
    out = stats.summarize(s)
    assert out["n"] == 2
    assert out["pct_zero"] == 0


def test_percentiles_with_ties():
    out = stats.summarize([0, 0, 0, 0, 0, 0, 0, 0, 0, 10])
    assert out["median"] == 0
    assert out["p90"] == pytest.approx(1.0)  # linear interpolation between 0 and 10 at 0.9*9=8.1
    assert out["pct_zero"] == 90
    assert out["max"] == 10


def test_ccdf_and_lorenz():
    c = stats.ccdf([0, 1, 1, 2, 4])
    assert list(c["value"]) == [1, 2, 4]
    assert list(c["ccdf"]) == pytest.approx([4 / 5, 2 / 5, 1 / 5])
    lz = stats.lorenz([1, 1, 2], points=None)
    assert lz["value_share"].iloc[-1] == pytest.approx(1.0)
    assert lz["value_share"].iloc[1] == pytest.approx(0.25)


def test_negative_values_rejected():
    with pytest.raises(ValueError):
        stats.gini([1, -1])


def test_percent_is_none_without_a_denominator():
    assert stats.percent(1, 4) == pytest.approx(25.0)
    assert stats.percent(0, 4) == 0.0
    assert stats.percent(3, 0) is None
    assert stats.percent(None, 4) is None


@pytest.mark.parametrize("order", ["random", "ascending", "descending"])
def test_summarize_from_one_sort_equals_each_statistic_alone(order):
    rng = np.random.default_rng(3)
    x = np.floor(rng.pareto(1.1, 20_001) * (rng.random(20_001) < 0.4)) + rng.random(20_001).round(2)
    x = {"random": x, "ascending": np.sort(x), "descending": np.sort(x)[::-1]}[order]
    out = stats.summarize(x)
    assert out["median"] == np.median(x)
    assert out["p90"] == np.quantile(x, 0.90) and out["p99"] == np.quantile(x, 0.99)
    assert out["gini"] == stats.gini(x)
    for key, fraction in (("top1_share", 0.01), ("top10_share", 0.10)):
        k = int(np.ceil(fraction * x.size))
        by_partition = np.partition(x, x.size - k)[x.size - k :].sum() / x.sum()
        assert out[key] == pytest.approx(by_partition, rel=1e-12)
        assert out[key] == stats.top_share(x, fraction)
