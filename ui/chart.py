"""The chat's bar chart: a collection answer's Distribution ("how many papers per year?") as the table
`gr.BarPlot` draws. The counts come from the Answer (computed by ``run_query``), never from its text."""

from __future__ import annotations

import pandas as pd

from rag.models import Answer, Distribution

X = "group"
Y = "papers"


def distribution_frame(answer: Answer | None) -> pd.DataFrame | None:
    """One row per group, in the answer's order; None when the answer is no distribution."""
    if answer is None or answer.distribution is None or not answer.distribution.groups:
        return None
    groups = answer.distribution.groups
    return pd.DataFrame({X: [g.key for g in groups], Y: [g.papers for g in groups]})


def chart_title(distribution: Distribution) -> str:
    """'Papers per year'; 'Papers per author: the 15 most frequent of 2,345'."""
    title = f"Papers per {distribution.by}"
    shown = len(distribution.groups)
    if shown < distribution.total_groups:
        title += f": the {shown} most frequent of {distribution.total_groups:,}"
    return title
