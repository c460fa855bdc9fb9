"""An account's posts from the event store, for the cluster explorer's side panel.

Texts are shown with personal data masked (`detect.pii.redact`: phone and ID numbers, ...): the console is read
over people's shoulders and screenshotted into tickets, and a post's PII is not what shows coordination.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from floodwatch.detect.pii import redact
from floodwatch.store.events import EventStore

MAX_POSTS = 100


@dataclass(frozen=True)
class Post:
    post_id: str
    created_at: datetime
    text: str
    reply_to: str | None
    repost_of: str | None


def account_posts(data_dir: Path, platform: str, account_id: str, limit: int = MAX_POSTS) -> tuple[list[Post], int]:
    """The account's latest `limit` posts (newest first, texts redacted) and how many it has in all."""
    con = EventStore(data_dir).connect()
    try:
        total = con.execute(
            "SELECT count(*) FROM posts WHERE platform = ? AND account_id = ?", [platform, account_id]
        ).fetchone()
        rows = con.execute(
            "SELECT post_id, created_at, text, reply_to, repost_of FROM posts"
            " WHERE platform = ? AND account_id = ? ORDER BY created_at DESC, post_id LIMIT ?",
            [platform, account_id, limit],
        ).fetchall()
    finally:
        con.close()
    posts = [Post(str(p), t, redact(text or ""), reply, repost) for p, t, text, reply, repost in rows]
    return posts, int(total[0]) if total else 0
