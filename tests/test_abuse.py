"""Abusive-language scoring: training separates classes, models round-trip, the shipped model, the CLI, the lexicon."""

from __future__ import annotations

import csv
import json
import random
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch.commands.abuse import abuse_app
from floodwatch.detect.abuse import AbuseModel, Lexicon, shipped_model_path, train_abuse_model
from floodwatch.detect.textfeatures import FeatureSettings

SMALL = FeatureSettings(buckets=2**12)
SUBJECTS = ["这个人", "楼主", "你们", "他", "那个博主", "这些网友", "隔壁老王", "这位作者"]
INSULTS = ["就是个傻逼", "脑子有病吧", "真是人渣", "蠢得像猪", "去死吧", "是个废物垃圾", "恶心死了滚"]
FRIENDLY = ["说得很有道理", "辛苦了谢谢分享", "写得真好", "今天心情不错", "这个建议很实用", "加油支持你"]
TAILS = ["", "。", "！", "，大家怎么看", "[微笑]", "，真的"]

ABUSIVE_ZH = ["你就是个傻逼，脑子有病，赶紧去死吧", "这种人渣真恶心，滚出去"]
FRIENDLY_ZH = ["今天天气很好，我们一起去公园散步吧", "谢谢你的分享，写得很有帮助"]
ABUSIVE_EN = ["You are a stupid fucking idiot, go kill yourself", "shut up you worthless piece of shit"]
FRIENDLY_EN = ["Thank you so much for the lovely photos of your garden", "The meeting is moved to Tuesday at ten"]


def synthetic(n: int, seed: int) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        abusive = i % 2
        middle = rng.choice(INSULTS if abusive else FRIENDLY)
        texts.append(rng.choice(SUBJECTS) + middle + rng.choice(TAILS))
        labels.append(abusive)
    return texts, labels


@pytest.fixture(scope="module")
def small_model() -> AbuseModel:
    texts, labels = synthetic(400, seed=1)
    return train_abuse_model(texts, labels, features=SMALL)


@pytest.fixture(scope="module")
def shipped() -> AbuseModel:
    return AbuseModel.load()


def test_training_separates_the_classes(small_model: AbuseModel) -> None:
    texts, labels = synthetic(200, seed=2)  # other combinations and order than the training set
    scores = small_model.score(texts)
    y = np.array(labels)
    assert scores[y == 1].min() > scores[y == 0].max()
    assert (small_model.label(texts) == y).all()


def test_training_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both classes"):
        train_abuse_model(["你好", "谢谢"], [0, 0], features=SMALL)


def test_save_and_load_give_the_same_scores(small_model: AbuseModel, tmp_path: Path) -> None:
    npz, meta = small_model.save(tmp_path / "m")
    assert npz.name == "m.npz" and meta.name == "m.json"
    again = AbuseModel.load(tmp_path / "m.json")
    texts, _ = synthetic(50, seed=3)
    texts += ABUSIVE_EN + FRIENDLY_EN + [""]
    np.testing.assert_array_equal(small_model.score(texts), again.score(texts))
    assert again.features == small_model.features
    assert again.lexicon.terms == small_model.lexicon.terms


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not a floodwatch-abuse-model"):
        AbuseModel.load(tmp_path / "x")


def test_shipped_model_is_small_and_loads_fast() -> None:
    started = time.perf_counter()
    model = AbuseModel.load()
    assert time.perf_counter() - started < 1.0
    base = shipped_model_path()
    sizes = [base.with_name(base.name + suffix).stat().st_size for suffix in (".npz", ".json")]
    assert sum(sizes) < 5 * 2**20
    assert model.metadata["training_data"]["licence"] == "Apache-2.0"


def test_shipped_model_tells_abusive_from_friendly(shipped: AbuseModel) -> None:
    for abusive, friendly in ((ABUSIVE_ZH, FRIENDLY_ZH), (ABUSIVE_EN, FRIENDLY_EN)):
        scores_abusive, scores_friendly = shipped.score(abusive), shipped.score(friendly)
        assert scores_abusive.min() > 0.5 > scores_friendly.max(), (scores_abusive, scores_friendly)


def test_traditional_characters_score_like_simplified(shipped: AbuseModel) -> None:
    assert shipped.score("你這個人渣，真噁心，滾出去")[0] == pytest.approx(
        shipped.score("你这个人渣，真恶心，滚出去")[0]
    )


def test_lexicon_matches_whole_words_and_undoes_obfuscation() -> None:
    lexicon = Lexicon({"pig": 0.4, "idiot": 0.7, "stupid": 0.5}, frozenset({"you"}))
    assert lexicon.matches("a pigment and a guinea-pig") == ["pig"]
    assert set(lexicon.matches("what an 1d10t, so stuuupid")) == {"idiot", "stupid"}
    assert lexicon.score("the weather is nice") == 0.0
    # addressed to someone: counts twice
    assert lexicon.score("you idiot") == pytest.approx(1 - 0.3**2)
    assert lexicon.score("idiot") == pytest.approx(0.7)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=80), min_size=1, max_size=8))
def test_scores_are_probabilities_for_any_text(shipped: AbuseModel, texts: list[str]) -> None:
    scores = shipped.score(texts)
    assert scores.shape == (len(texts),)
    assert np.all((scores >= 0.0) & (scores <= 1.0))
    assert set(shipped.label(texts).tolist()) <= {0, 1}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_score_keeps_every_row_and_column(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "posts.csv",
        [
            ["id", "label", "text", "topic"],
            ["a", "1", ABUSIVE_ZH[0], "x"],
            ["b", "0", FRIENDLY_EN[0], "y"],
            ["c", "0", "", "z"],  # no text: kept, reported, not scored
            ["d", "1", ABUSIVE_EN[0], "w"],
        ],
    )
    out, rejects = tmp_path / "scores.csv", tmp_path / "rejects.csv"
    args = ["score", str(source), "--text-col", "text", "--out", str(out), "--rejects", str(rejects)]
    result = CliRunner().invoke(abuse_app, args)
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    # the input's own label column is kept, the added ones are renamed rather than overwriting it
    assert list(rows[0]) == ["id", "label", "text", "topic", "abuse_score", "abuse_label"]
    assert [r["label"] for r in rows] == ["1", "0", "0", "1"]
    assert [r["abuse_label"] for r in rows] == ["1", "0", "", "1"]
    assert rows[2]["abuse_score"] == ""
    assert read_csv(rejects) == [{"file": "posts.csv", "line": "4", "reason": "no text"}]
    assert "line 4: no text" in result.output


def test_cli_train_reports_bad_rows_and_writes_a_loadable_model(tmp_path: Path) -> None:
    texts, labels = synthetic(120, seed=4)
    rows = [["TEXT", "label"], *([t, str(y)] for t, y in zip(texts, labels, strict=True))]
    rows += [["你好", "maybe"], ["", "1"]]  # lines 122 and 123
    source = write_csv(tmp_path / "train.csv", rows)
    model = tmp_path / "model"
    args = ["train", str(source), "--text-col", "TEXT", "--label-col", "label", "--model", str(model)]
    result = CliRunner().invoke(abuse_app, args)
    assert result.exit_code == 0, result.output
    assert "line 122: label 'maybe' is not 0/1" in result.output
    assert "line 123: no TEXT" in result.output
    trained = AbuseModel.load(model)
    assert trained.metadata["training_data"]["rows"] == 120
    held_out, y = synthetic(60, seed=5)
    assert (trained.label(held_out) == np.array(y)).mean() > 0.9


def test_cli_names_a_missing_column(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "posts.csv", [["id", "body"], ["1", "hello"]])
    result = CliRunner().invoke(abuse_app, ["score", str(source), "--text-col", "text", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no column 'text'" in result.output


@pytest.mark.slow
def test_shipped_model_on_cold_test(shipped: AbuseModel, shared_data: Path) -> None:
    with (shared_data / "cold" / "test.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    labels = np.array([int(r["label"]) for r in rows])
    accuracy = float((shipped.label([r["TEXT"] for r in rows]) == labels).mean())
    assert accuracy >= 0.80  # the character TF-IDF + LR baseline reaches about 0.80
