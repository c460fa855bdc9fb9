"""Score a detector's flagged accounts against the simulator's ground truth.

Account level: a planted group member flagged is a true positive; any other flagged account a false positive.
Decoys (organic accounts caught up in viral bursts or friendly pile-ups) are reported separately: flagging them
is the error a behaviour-based detector must not make.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

Account = tuple[str, str]  # platform, account_id


@dataclass
class GroupTruth:
    members: dict[Account, tuple[str, str, str]]  # account -> (group_id, style, role)
    decoy_accounts: set[Account]


@dataclass
class AccountScores:
    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int
    decoy_accounts: int
    decoys_flagged: int
    by_style: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def decoy_false_positive_rate(self) -> float:
        return self.decoys_flagged / self.decoy_accounts if self.decoy_accounts else 0.0


def load_truth(sim_dir: Path) -> GroupTruth:
    members: dict[Account, tuple[str, str, str]] = {}
    with open(sim_dir / "truth" / "accounts.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            members[(row["platform"], row["account_id"])] = (row["group_id"], row["style"], row["role"])
    decoy_posts: set[tuple[str, str]] = set()
    with open(sim_dir / "truth" / "posts.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["kind"].endswith("_decoy"):
                decoy_posts.add((row["platform"], row["post_id"]))
    decoys: set[Account] = set()
    if decoy_posts:
        import orjson

        with open(sim_dir / "posts.jsonl", "rb") as fh:
            for line in fh:
                post = orjson.loads(line)
                if (post["platform"], post["post_id"]) in decoy_posts:
                    decoys.add((post["platform"], post["account_id"]))
    return GroupTruth(members, decoys - set(members))


def score_accounts(flagged: set[Account], truth: GroupTruth) -> AccountScores:
    planted = set(truth.members)
    tp = len(flagged & planted)
    fp = len(flagged - planted)
    fn = len(planted - flagged)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for account, (_, style, _) in truth.members.items():
        found[style][1] += 1
        if account in flagged:
            found[style][0] += 1
    by_style = {s: {"found": a, "members": b, "recall": round(a / b, 4)} for s, (a, b) in sorted(found.items())}
    return AccountScores(
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        decoy_accounts=len(truth.decoy_accounts),
        decoys_flagged=len(flagged & truth.decoy_accounts),
        by_style=by_style,
    )
