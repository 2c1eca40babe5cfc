"""Charts as PNG: matplotlib's Agg backend through its object API (no pyplot state, so a
render can run in a worker thread while the event loop goes on)."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 10.0, 6.0, 100  # 1000 × 600 pixels
_render_lock = threading.Lock()  # matplotlib's font cache is not made for parallel renders


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart: a label and one value per x."""

    label: str
    values: tuple[int, ...]


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def lines_and_bars(
    *,
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    bars_title: str,
    bars: Sequence[tuple[str, int]],
) -> bytes:
    """Draw lines over time (left) and a horizontal bar chart (right) as one PNG."""
    with _render_lock:
        # Fixed margins: a constrained layout costs more than the drawing itself.
        fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        fig.subplots_adjust(left=0.05, right=0.98, bottom=0.16, top=0.9, wspace=0.45)
        left, right = fig.subplots(1, 2, width_ratios=(2.2, 1))
        fig.suptitle(title)
        for line in series:
            left.plot(list(days), list(line.values), marker="o", linewidth=1.6, label=line.label)
        if series:
            left.legend(loc="upper left", fontsize="small")
        left.grid(True, alpha=0.3)
        left.tick_params(axis="x", labelrotation=45, labelsize="small")
        right.set_title(bars_title, fontsize="medium")
        if bars:
            labels = [name for name, _ in bars][::-1]
            right.barh(labels, [n for _, n in bars][::-1], color="#b5651d")
        right.tick_params(axis="y", labelsize="small")
        return _png(fig)


def activity(*, title: str, days: Sequence[date], series: Sequence[Series]) -> bytes:
    """Draw bars per day for each series side by side (ingest and delivery for /stats)."""
    with _render_lock:
        fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.92)
        ax = fig.subplots()
        ax.set_title(title)
        width = 0.8 / max(1, len(series))
        xs = list(range(len(days)))
        for i, line in enumerate(series):
            ax.bar([x + i * width for x in xs], list(line.values), width=width, label=line.label)
        ax.set_xticks([x + width * (len(series) - 1) / 2 for x in xs])
        ax.set_xticklabels([d.strftime("%d.%m") for d in days], rotation=45, fontsize="small")
        ax.legend(loc="upper left")
        ax.grid(True, axis="y", alpha=0.3)
        return _png(fig)
