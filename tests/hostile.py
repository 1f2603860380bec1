"""What the hostile-input tests of every stage share: hypothesis settings,
strategies for YAML-shaped nonsense, and a registry whose text is built to
break out of HTML, iCalendar and mail headers."""

from __future__ import annotations

import textwrap

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates().map(str),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "version",
                    "documents",
                    "events",
                    "id",
                    "title",
                    "vi",
                    "en",
                    "date",
                    "lunar",
                    "month",
                    "day",
                    "category",
                    "observance",
                    "country",
                    "sources",
                    "document",
                    "quote",
                    "url",
                    "resolution",
                    "declared_counts",
                    "count",
                    "year",
                    "file",
                    "issuer",
                    "number",
                    "note",
                ]
            ),
            inner,
            max_size=6,
        ),
    ),
    max_leaves=25,
)


LONG = "Điện Biên Phủ " * 400
NASTY = textwrap.dedent(f"""\
    version: 1
    documents:
      - id: doc
        issuer: Ban thử nghiệm
        date: 2024-01-12
        title: Thử nghiệm
        file: doc.txt
    events:
      - id: nasty
        title:
          vi: "<script>alert('x')</script> ; , \\\\ \\" END:VEVENT BEGIN:VALARM {LONG}"
          en: "<img src=x onerror=alert(1)> SUMMARY:x; a,b \\\\n"
        date: 1954-05-07
        category: historical
        observance: yearly
        note:
          vi: "dòng 1\\r\\nBcc: evil@example.org\\r\\nEND:VEVENT\\r\\nBEGIN:VEVENT\\r\\nUID:evil"
          en: "line 1\\nX-Injected: yes"
        sources:
          - url: https://example.org/a?b=<c>&d="e"
            title: "<b>bold</b>\\u2028 & more"
    """)
