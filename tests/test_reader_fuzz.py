"""Random bytes and random lines into every reader: no exception escapes and the counts always add up."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from floodwatch.ingest.formats import READERS
from floodwatch.ingest.pipeline import ingest
from floodwatch.store.events import EventStore

FIELDS = [
    "platform",
    "post_id",
    "account_id",
    "created_at",
    "text",
    "urls",
    "reply_to",
    "repost_of",
    "mid",
    "uid",
    "id_str",
    "user",
    "data",
    "message_id",
    "user_id",
    "timestamp",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4),
    max_leaves=8,
)
json_lines = st.lists(
    st.one_of(
        st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8).map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=40),
        st.text(max_size=40).map(str.encode),
    ),
    max_size=12,
).map(lambda lines: b"\n".join(lines))
csv_lines = st.lists(
    st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8), max_size=9).map(
        lambda cells: ",".join(cells).encode()
    ),
    max_size=10,
).map(
    lambda rows: (
        b"post_id,account_id,created_at,text,platform,message_id,user_id,username,repost_id,reply_id,"
        b"message,timestamp,urls\n" + b"\n".join(rows)
    )
)
contents = st.one_of(st.binary(max_size=300), json_lines, csv_lines)


def check(fmt: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.dat"
        path.write_bytes(content)
        report = ingest(EventStore(Path(tmp) / "store"), [path], fmt)
        posts, accounts = report.posts, report.accounts
        assert posts.balanced and accounts.balanced, (posts, accounts)
        store = EventStore(Path(tmp) / "store")
        con = store.connect()
        stored = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
        con.close()
        assert stored == posts.loaded
        assert quarantined == posts.quarantined + accounts.quarantined


@pytest.mark.parametrize("fmt", ["auto", *READERS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=contents)
@example(content=b"\r\x00")  # a lone carriage return in the first line once broke the CSV sniffers
@example(content=b'a,"b\rc\n')
def test_no_input_crashes_a_reader(fmt: str, content: bytes) -> None:
    check(fmt, content)
