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


@dataclass
class SetScores:
    """Precision and recall of a set of flagged items (targets, posts, claims) against the planted ones."""

    precision: float
    recall: float
    flagged: int
    planted: int


def score_set(flagged: set[tuple[str, str]], planted: set[tuple[str, str]]) -> SetScores:
    tp = len(flagged & planted)
    return SetScores(
        precision=round(tp / len(flagged), 4) if flagged else 1.0,
        recall=round(tp / len(planted), 4) if planted else 1.0,
        flagged=len(flagged),
        planted=len(planted),
    )


def planted_posts(sim_dir: Path, kind: str) -> set[tuple[str, str]]:
    """(platform, post_id) of the planted posts of one truth kind: coordination, rumor, abuse, doxxing, ..."""
    with open(sim_dir / "truth" / "posts.csv", newline="", encoding="utf-8") as fh:
        return {(r["platform"], r["post_id"]) for r in csv.DictReader(fh) if r["kind"] == kind}


def planted_targets(sim_dir: Path, role: str) -> set[tuple[str, str]]:
    """(platform, account_id) of the accounts a campaign aimed at in one role: victim, amplifier, ..."""
    with open(sim_dir / "truth" / "targets.csv", newline="", encoding="utf-8") as fh:
        return {(r["platform"], r["account_id"]) for r in csv.DictReader(fh) if r["role"] == role}


def planted_claims(sim_dir: Path) -> set[tuple[str, str]]:
    """("claim", claim_id) of the claims the simulation's rumor campaigns restate."""
    with open(sim_dir / "truth" / "posts.csv", newline="", encoding="utf-8") as fh:
        return {("claim", r["campaign"].removeprefix("claim-")) for r in csv.DictReader(fh) if r["kind"] == "rumor"}
