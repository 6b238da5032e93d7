"""The linear model: a conditional logit over each entry's candidate SOW lines, so evidence that
points different ways is weighed rather than multiplied. Features of an (entry, line) pair:
the note's hashed words, word pairs and character n-grams crossed with the line, its project
and its description (so `dbt models` learnt on one project's data line helps another's), the
person crossed with the line and with the description (habits), how many note words the line's
own text contains (project, code, client, description), and the person's staffing as soft,
dated signals: entries on the line and the project in the 120 days before the entry's date and
how long ago the person last logged time there. Trained by L-BFGS (scipy) on the approved
history, every feature computed as of each entry's date."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

from rules.classify.features import N_FEATURES, featurize, normalize_expr
from rules.classify.model import MIN_HISTORY

D = 1 << 18  # hashed crossed features
MIX = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1)
L2 = 1.0  # ridge on the weights (per training set, not per row)
MAX_ITER = 35
WARM_ITER = 10  # from the calibration model's weights
TRAIN_MAX = 10_000  # distinct (person, note, line, candidates) rows kept, most recent first
WINDOW_DAYS = 120
RECENCY = (7, 30, 60, 120)  # days since the person last logged time on the project
_WORD = re.compile(r"[a-z0-9äöüßéèáíóúñ]+")
DENSE = (
    "line_n",
    "project_n",
    "never",
    *(f"last_{d}" for d in RECENCY),
    "older",
    "match_project",
    "match_desc",
)


@dataclass
class LinearModel:
    """Weights and what is needed to compute the pair features of new entries."""

    line_ids: list[str]
    line_frame: pl.DataFrame  # sow_line_id, l, p, d, project_id, words_project, words_desc
    weights: np.ndarray  # D crossed + len(DENSE) dense
    activity: pl.DataFrame  # person_id, sow_line_id, project_id, date, n (approved history)
    digest: str = ""
    temperature: float = 1.0
    calibration: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    calibration_info: dict = field(default_factory=dict)
    history_rows: int = 0
    prefixes: pl.DataFrame | None = None
    cues: dict = field(default_factory=dict)
    kind: str = "linear"
    reach_days: int = 240
    backoff: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def _line_frame(catalog: pl.DataFrame) -> pl.DataFrame:
    desc = catalog["description"].str.to_lowercase()
    projects = catalog["project_id"].unique(maintain_order=True)
    descs = desc.unique(maintain_order=True)
    return catalog.select(
        "sow_line_id",
        "project_id",
        l=pl.int_range(pl.len(), dtype=pl.Int64),
        p=pl.col("project_id").replace_strict(
            dict(zip(projects, range(len(projects)), strict=True)), return_dtype=pl.Int64
        ),
        d=pl.Series(desc).replace_strict(
            dict(zip(descs, range(len(descs)), strict=True)), return_dtype=pl.Int64
        ),
        words_project=pl.concat_str(
            [
                pl.col("project_name").fill_null(""),
                pl.col("project_code").fill_null(""),
                pl.col("client_name").fill_null(""),
            ],
            separator=" ",
        ).map_elements(lambda s: sorted(_words(s)), return_dtype=pl.List(pl.String)),
        words_desc=pl.col("description").map_elements(
            lambda s: sorted(_words(s)), return_dtype=pl.List(pl.String)
        ),
    )


def _mix(a: np.ndarray, salt: int, b: np.ndarray) -> np.ndarray:
    """A hashed cross of two integer ids into [0, D)."""
    x = (a.astype(np.uint64) * np.uint64(MIX[salt])) ^ (
        (b.astype(np.uint64) + np.uint64(salt + 1)) * np.uint64(MIX[(salt + 1) % len(MIX)])
    )
    x ^= x >> np.uint64(29)
    return (x & np.uint64(D - 1)).astype(np.int64)


def _person_ids(people: pl.Series) -> np.ndarray:
    return people.hash(seed=3).to_numpy().astype(np.uint64) >> np.uint64(40)


def _staffing(pairs: pl.DataFrame, activity: pl.DataFrame) -> pl.DataFrame:
    """Per pair (person, line, project, date): the person's entries on the line and on the
    project in the WINDOW_DAYS before the date, and days since the last entry on the project."""
    line_cum = (
        activity.group_by("person_id", "sow_line_id", "date")
        .agg(n=pl.col("n").sum())
        .sort("person_id", "sow_line_id", "date")
        .with_columns(cum=pl.col("n").cum_sum().over("person_id", "sow_line_id"))
        .select("person_id", "sow_line_id", "date", "cum")
    )
    proj_cum = (
        activity.group_by("person_id", "project_id", "date")
        .agg(n=pl.col("n").sum())
        .sort("person_id", "project_id", "date")
        .with_columns(cum=pl.col("n").cum_sum().over("person_id", "project_id"))
        .select("person_id", "project_id", "date", last="date", cum="cum")
    )
    base = pairs.select(
        "k",
        "person_id",
        "sow_line_id",
        "project_id",
        t1=pl.col("date") - pl.duration(days=1),
        t0=pl.col("date") - pl.duration(days=WINDOW_DAYS + 1),
        date="date",
    ).with_columns(pl.col("t1").cast(pl.Date), pl.col("t0").cast(pl.Date))

    def asof(frame, right, by, on, name, extra=()):
        got = frame.sort(on).join_asof(
            right.rename({"date": on}) if "date" in right.columns else right,
            on=on,
            by=by,
            strategy="backward",
            check_sortedness=False,
        )
        return got.rename({"cum": name, **{e: f"{e}_{name}" for e in extra}})

    out = base
    out = asof(out, line_cum, ["person_id", "sow_line_id"], "t1", "l1")
    out = asof(out, line_cum, ["person_id", "sow_line_id"], "t0", "l0")
    out = asof(out, proj_cum.drop("last"), ["person_id", "project_id"], "t1", "p1")
    out = asof(out, proj_cum.drop("last"), ["person_id", "project_id"], "t0", "p0")
    last = proj_cum.select("person_id", "project_id", t1="date", last="last")
    out = out.sort("t1").join_asof(
        last, on="t1", by=["person_id", "project_id"], strategy="backward", check_sortedness=False
    )
    return out.select(
        "k",
        line_n=(pl.col("l1").fill_null(0) - pl.col("l0").fill_null(0)).cast(pl.Float64),
        project_n=(pl.col("p1").fill_null(0) - pl.col("p0").fill_null(0)).cast(pl.Float64),
        gap=(pl.col("date") - pl.col("last")).dt.total_days(),
    ).sort("k")


def _dense(pairs: pl.DataFrame, staffing: pl.DataFrame, match: np.ndarray) -> np.ndarray:
    gap = staffing["gap"].to_numpy(allow_copy=True).astype(np.float64)
    never = np.isnan(gap)
    cols = [
        np.log1p(staffing["line_n"].to_numpy()),
        np.log1p(staffing["project_n"].to_numpy()),
        never.astype(np.float64),
    ]
    lower = 0
    for d in RECENCY:
        cols.append(((gap > lower) & (gap <= d) & ~never).astype(np.float64))
        lower = d
    cols.append(((gap > RECENCY[-1]) & ~never).astype(np.float64))
    cols += [match[:, 0], match[:, 1]]
    return np.column_stack(cols)


def _binary(sets: list[set[str]], vocab: dict[str, int]) -> sp.csr_matrix:
    indptr, indices = [0], []
    for words in sets:
        indices.extend(sorted(vocab[w] for w in words if w in vocab))
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.ones(len(indices), np.float32), np.asarray(indices, np.int64), np.asarray(indptr)),
        shape=(len(sets), len(vocab)),
    )


def _match(notes_words: list[set[str]], u: np.ndarray, lines: pl.DataFrame, l: np.ndarray):
    """Note words found in the line's project text and in its description, per pair (a row-wise
    product of two binary word matrices, so it costs a few sparse passes, not a Python loop)."""
    vocab: dict[str, int] = {}
    for words in notes_words:
        for w in words:
            vocab.setdefault(w, len(vocab))
    notes = _binary(notes_words, vocab)
    out = np.zeros((len(u), 2))
    for j, col in enumerate(("words_project", "words_desc")):
        line_words = _binary([set(x) for x in lines[col].to_list()], vocab)
        out[:, j] = np.asarray(notes[u].multiply(line_words[l]).sum(axis=1)).ravel()
    return out


@dataclass
class PairMatrix:
    """The crossed features of each pair as (row, column) lists, and the dense block; the
    sparse matrix is built only for training (scoring gathers the weights directly)."""

    rows: np.ndarray
    cols: np.ndarray
    dense: np.ndarray
    _x: sp.csr_matrix | None = None

    @property
    def x(self) -> sp.csr_matrix:
        if self._x is None:
            n = self.dense.shape[0]
            self._x = sp.csr_matrix(
                (np.ones(len(self.cols), np.float64), (self.rows, self.cols)), shape=(n, D)
            )
            self._x.sum_duplicates()
        return self._x

    def scores(self, w: np.ndarray) -> np.ndarray:
        return self.x @ w[:D] + self.dense @ w[D:]

    def predict(self, w: np.ndarray) -> np.ndarray:
        n = self.dense.shape[0]
        return np.bincount(self.rows, weights=w[self.cols], minlength=n) + self.dense @ w[D:]

    def gradient(self, g: np.ndarray) -> np.ndarray:
        return np.concatenate([self.x.T @ g, self.dense.T @ g])


def pair_matrix(pairs: pl.DataFrame, model_lines: pl.DataFrame, activity: pl.DataFrame) -> tuple:
    """pairs: k (row order), person_id, date, norm (normalized note), sow_line_id. Returns the
    PairMatrix and the pairs that had a known line (same order)."""
    known = pairs.join(
        model_lines.select("sow_line_id", "project_id", "l", "p", "d"), on="sow_line_id"
    ).sort("k")
    known = known.with_columns(k=pl.int_range(pl.len(), dtype=pl.Int64))
    uniq = known["norm"].unique(maintain_order=True)
    u = (
        known.join(pl.DataFrame({"norm": uniq, "u": np.arange(len(uniq))}), on="norm", how="left")
        .sort("k")["u"]
        .to_numpy()
    )
    x = featurize(uniq.to_list())  # binary, hashed into N_FEATURES
    x.indices = x.indices.astype(np.int64)
    nnz = np.diff(x.indptr)
    per_pair = nnz[u]
    rows = np.repeat(np.arange(len(u)), per_pair)
    starts = np.repeat(x.indptr[u], per_pair)
    offsets = np.arange(per_pair.sum()) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    tok = x.indices[starts + offsets].astype(np.uint64)
    l, d = (known[c].to_numpy()[rows] for c in ("l", "d"))
    person = _person_ids(known["person_id"])
    lp, pp, dp = known["l"].to_numpy(), known["p"].to_numpy(), known["d"].to_numpy()
    n = np.arange(len(u))
    all_rows = np.concatenate([rows, rows, n, n, n, n])
    cols = np.concatenate(
        [
            _mix(tok, 0, l),
            _mix(tok, 2, d + 2 * N_FEATURES),
            _mix(person, 3, lp),
            _mix(person, 1, pp + 31),
            _mix(person, 4, dp + 7919),
            _mix(np.zeros(len(u)), 0, dp + 104729),
        ]
    )
    staffing = _staffing(known, activity)
    words = [_words(s) for s in uniq.to_list()]
    dense = _dense(known, staffing, _match(words, u, model_lines, known["l"].to_numpy()))
    return PairMatrix(all_rows, cols, dense), known


def _softmax_by(scores: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    top = np.full(n_groups, -np.inf)
    np.maximum.at(top, group, scores)
    e = np.exp(scores - top[group])
    total = np.bincount(group, weights=e, minlength=n_groups)
    return e / total[group]


def lbfgs(objective, w: np.ndarray, iterations: int, memory: int = 5) -> np.ndarray:
    """Limited-memory BFGS (two-loop recursion, backtracking line search): scipy's L-BFGS-B
    spends most of its time on bound handling this model does not need."""
    loss, grad = objective(w)
    s_hist: list[np.ndarray] = []
    y_hist: list[np.ndarray] = []
    for _ in range(iterations):
        q = grad.copy()
        alphas = []
        for s_i, y_i in zip(reversed(s_hist), reversed(y_hist), strict=True):
            a = (s_i @ q) / (y_i @ s_i)
            alphas.append(a)
            q -= a * y_i
        if s_hist:
            q *= (s_hist[-1] @ y_hist[-1]) / (y_hist[-1] @ y_hist[-1])
        else:
            q /= max(1.0, np.abs(grad).max())
        for (s_i, y_i), a in zip(zip(s_hist, y_hist, strict=True), reversed(alphas), strict=True):
            b = (y_i @ q) / (y_i @ s_i)
            q += s_i * (a - b)
        direction, step, slope = -q, 1.0, -(grad @ q)
        if slope >= 0:  # not a descent direction: restart from the gradient
            s_hist, y_hist, direction, slope = [], [], -grad, -(grad @ grad)
        for _ in range(20):
            new_w = w + step * direction
            new_loss, new_grad = objective(new_w)
            if new_loss <= loss + 1e-4 * step * slope:
                break
            step *= 0.5
        else:
            return w
        s_vec, y_vec = new_w - w, new_grad - grad
        if s_vec @ y_vec > 1e-10:
            s_hist, y_hist = (s_hist + [s_vec])[-memory:], (y_hist + [y_vec])[-memory:]
        converged = abs(loss - new_loss) <= 1e-6 * max(1.0, abs(loss))
        w, loss, grad = new_w, new_loss, new_grad
        if converged:
            break
    return w


def fit_linear(
    history: pl.DataFrame,
    catalog: pl.DataFrame,
    pairs: pl.DataFrame,
    start: LinearModel | None = None,
) -> LinearModel:
    """history: approved entries (entry_id, person_id, date, notes, project_id, sow_line_id);
    pairs: their candidate lines (entry_id, sow_line_id). Entries whose true line is not a
    candidate teach nothing and are left out. `start` (the calibration model, trained on all
    but the last weeks) warm-starts the optimiser, so the final fit needs few iterations."""
    lines = _line_frame(catalog)
    activity = history.group_by("person_id", "sow_line_id", "project_id", "date").agg(n=pl.len())
    truth = history.select(
        "entry_id", "person_id", "date", truth="sow_line_id", norm=normalize_expr("notes")
    )
    cands = pairs.select("entry_id", "sow_line_id").join(truth, on="entry_id")
    sig = (
        cands.group_by("entry_id")
        .agg(
            sig=pl.col("sow_line_id").sort().str.join(","),
            has=(pl.col("sow_line_id") == pl.col("truth")).any(),
        )
        .filter("has")
    )
    rows = (
        truth.join(sig, on="entry_id")
        .sort("date", descending=True)
        .group_by("person_id", "norm", "truth", "sig", maintain_order=True)
        .agg(entry_id=pl.col("entry_id").first(), date=pl.col("date").first(), w=pl.len())
        .head(TRAIN_MAX)
        .with_columns(g=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    train = (
        rows.select("g", "entry_id", "person_id", "date", "norm", "truth", "w")
        .join(pairs.select("entry_id", "sow_line_id"), on="entry_id")
        .sort("g", "sow_line_id")
        .with_columns(k=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    matrix, known = pair_matrix(train, lines, activity)
    group = known["g"].to_numpy()
    y = (known["sow_line_id"] == known["truth"]).to_numpy().astype(np.float64)
    weight = known["w"].to_numpy().astype(np.float64)
    n_groups = int(group.max()) + 1 if len(group) else 0
    gw = np.zeros(n_groups)
    gw[group] = np.log1p(weight)  # repeated notes count, but not linearly

    def objective(w):
        s = matrix.scores(w)
        p = _softmax_by(s, group, n_groups)
        loss = -(gw[group] * y * np.log(np.clip(p, 1e-12, 1))).sum() + 0.5 * L2 * (w @ w)
        grad = matrix.gradient(gw[group] * (p - y)) + L2 * w
        return loss, grad

    w0 = np.zeros(D + len(DENSE)) if start is None else start.weights.copy()
    if n_groups:
        w0 = lbfgs(objective, w0, MAX_ITER if start is None else WARM_ITER)
    return LinearModel(
        line_ids=catalog["sow_line_id"].to_list(),
        line_frame=lines,
        weights=w0.astype(np.float64),
        activity=activity,
        history_rows=history.height,
        backoff=_thin(history, lines),
    )


def _thin(history: pl.DataFrame, lines: pl.DataFrame) -> np.ndarray:
    """Per line: fewer than MIN_HISTORY approved entries, so its choice rests on its text and
    description features (reported as method `sow_description`, as for naive Bayes)."""
    counts = (
        lines.join(history.group_by("sow_line_id").agg(n=pl.len()), on="sow_line_id", how="left")
        .sort("l")["n"]
        .fill_null(0)
        .to_numpy()
    )
    return counts < MIN_HISTORY


def raw_scores_linear(model: LinearModel, targets: pl.DataFrame, pairs: pl.DataFrame):
    """As model.raw_scores: pairs (entry_id, sow_line_id) gain `score` and `backoff`."""
    frame = (
        pairs.select("entry_id", "sow_line_id")
        .join(
            targets.select("entry_id", "person_id", "date", norm=normalize_expr("notes")),
            on="entry_id",
        )
        .sort("entry_id", "sow_line_id")
        .with_columns(k=pl.int_range(pl.len(), dtype=pl.Int64))
    )
    if frame.is_empty():
        return frame.select("entry_id", "sow_line_id", score=pl.lit(0.0), backoff=pl.lit(False))
    matrix, known = pair_matrix(frame, model.line_frame, model.activity)
    return known.select("entry_id", "sow_line_id").with_columns(
        score=pl.Series(matrix.predict(model.weights), dtype=pl.Float64),
        backoff=pl.Series(model.backoff[known["l"].to_numpy()]),
    )
