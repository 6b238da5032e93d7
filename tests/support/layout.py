"""What a person at a 1280 px window cannot read: tables whose columns are wider than the page
(they scroll sideways, and the columns past the edge are out of sight) and metric cards whose
label or figure is cut off with an ellipsis ("Open AR 441…"). Read in the browser, on what is
drawn now (a closed tab or expander draws nothing). Shared by the browser tests and
bench/screenshots.py."""

from __future__ import annotations

# Glide data grid: the scroller's content wider than its box means a horizontal scrollbar.
GRIDS_SCROLLING_JS = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
  .filter(frame => frame.offsetParent !== null)
  .map((frame, i) => {
    const scroller = frame.querySelector('.dvn-scroller');
    const over = scroller ? scroller.scrollWidth - scroller.clientWidth : 0;
    return {table: i, overflow_px: over};
  }).filter(grid => grid.overflow_px > 2)"""
# A metric's label, value or delta whose text is wider than the space it has (drawn with an ellipsis).
METRICS_CUT_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
  .filter(card => card.offsetParent !== null)
  .flatMap(card => Array.from(card.querySelectorAll(
      '[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div, '
      + '[data-testid="stMetricValue"] div, [data-testid="stMetricValue"], '
      + '[data-testid="stMetricDelta"] div')))
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => el.innerText.trim()).filter((text, i, all) => text && all.indexOf(text) === i)"""


def unreadable(page) -> dict[str, list]:
    """{"grids": [...], "metrics": [...]}: what scrolls sideways or is cut off on `page` now."""
    return {"grids": page.evaluate(GRIDS_SCROLLING_JS), "metrics": page.evaluate(METRICS_CUT_JS)}
