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
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from rules.classify.features import N_FEATURES, featurize, normalize_expr
from rules.classify.model import MIN_HISTORY

D = 1 << 20  # hashed crossed features
MIX = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1)
L2 = 1.0  # ridge on the weights (per training set, not per row)
MAX_ITER = 35
WARM_ITER = 10  # from the calibration model's weights
TRAIN_MAX = 10_000  # distinct (person, note, line, candidates) rows kept, most recent first
WINDOW_DAYS = 120
DROPOUT_KEEP, DROPOUT_SEED = 0.5, 15  # word dropout copies of the training notes
STALE_DAYS = 30  # training sees staffing 1..30 days old, as an unapproved month does
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
    neighbour_weight: float = 0.0  # weight of the person's week (neighbours.py), calibrated
    calibration: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    calibration_info: dict = field(default_factory=dict)
    history_rows: int = 0
    prefixes: pl.DataFrame | None = None
    cues: dict = field(default_factory=dict)
    kind: str = "linear"
    reach_days: int = 240
    backoff: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    names: pl.DataFrame | None = None  # name -> project_id (named.py)
    vocabulary: Any = None  # novelty.Vocabulary of the approved history
    novelty_caps: np.ndarray | None = None  # per novelty band (novelty.py), calibrated


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
    x = (np.asarray(a, dtype=np.uint64) * np.uint64(MIX[salt])) ^ (
        (np.asarray(b, dtype=np.uint64) + np.uint64(salt + 1))
        * np.uint64(MIX[(salt + 1) % len(MIX)])
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
    lag = pl.col("lag") if "lag" in pairs.columns else pl.lit(1)
    base = pairs.select(
        "k",
        "person_id",
        "sow_line_id",
        "project_id",
        t1=pl.col("date") - pl.duration(days=lag),
        t0=pl.col("date") - pl.duration(days=lag + WINDOW_DAYS),
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


TEXT_CROSSES = (("l", 0, 0), ("d", 2, 2 * N_FEATURES), ("p", 2, 4 * N_FEATURES))


def _prepare(pairs: pl.DataFrame, model_lines: pl.DataFrame) -> tuple:
    """The pairs with a known line (renumbered k), their distinct notes, each pair's note
    index and the notes' hashed tokens (binary CSR)."""
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
    return known, uniq, u, x


def _expand(x: sp.csr_matrix, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, token) for every token of note u[row]."""
    per_row = np.diff(x.indptr)[u]
    rows = np.repeat(np.arange(len(u)), per_row)
    starts = np.repeat(x.indptr[u], per_row)
    offsets = np.arange(per_row.sum()) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return rows, x.indices[starts + offsets].astype(np.uint64)


def _pair_columns(known: pl.DataFrame) -> list[np.ndarray]:
    """One hashed column per pair and per non-text cross: the person with the line, the
    project and the description, and the description alone."""
    person = _person_ids(known["person_id"])
    lp, pp, dp = known["l"].to_numpy(), known["p"].to_numpy(), known["d"].to_numpy()
    return [
        _mix(person, 3, lp),
        _mix(person, 1, pp + 31),
        _mix(person, 4, dp + 7919),
        _mix(np.zeros(len(lp)), 0, dp + 104729),
    ]


def _pair_dense(known, uniq, u, model_lines, activity) -> np.ndarray:
    staffing = _staffing(known, activity)
    words = [_words(s) for s in uniq.to_list()]
    return _dense(known, staffing, _match(words, u, model_lines, known["l"].to_numpy()))


def pair_matrix(pairs: pl.DataFrame, model_lines: pl.DataFrame, activity: pl.DataFrame) -> tuple:
    """pairs: k (row order), person_id, date, norm (normalized note), sow_line_id[, lag].
    Returns the PairMatrix (for training) and the pairs that had a known line (same order)."""
    known, uniq, u, x = _prepare(pairs, model_lines)
    rows, tok = _expand(x, u)
    n = np.arange(len(u))
    text = [_mix(tok, salt, known[c].to_numpy()[rows] + off) for c, salt, off in TEXT_CROSSES]
    other = _pair_columns(known)
    all_rows = np.concatenate([rows] * len(text) + [n] * len(other))
    dense = _pair_dense(known, uniq, u, model_lines, activity)
    return PairMatrix(all_rows, np.concatenate(text + other), dense), known


def pair_scores(
    pairs: pl.DataFrame, model_lines: pl.DataFrame, activity: pl.DataFrame, w: np.ndarray
) -> tuple[np.ndarray, pl.DataFrame]:
    """The same scores as pair_matrix(...).predict(w), without building the matrix: each text
    cross is hashed once per distinct (note, line), (note, description) and (note, project),
    not once per pair (an entry's lines share their project and often their description)."""
    known, uniq, u, x = _prepare(pairs, model_lines)
    score = _pair_dense(known, uniq, u, model_lines, activity) @ w[D:]
    for c, salt, off in TEXT_CROSSES:
        key = known[c].to_numpy()
        base = int(key.max()) + 1 if len(key) else 1
        combos, inverse = np.unique(u * base + key, return_inverse=True)
        rows, tok = _expand(x, combos // base)
        sums = np.bincount(
            rows, weights=w[_mix(tok, salt, (combos % base)[rows] + off)], minlength=len(combos)
        )
        score += sums[inverse.ravel()]
    for col in _pair_columns(known):
        score += w[col]
    return score, known


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
        .sort(["date", "entry_id"], descending=True)  # ties broken: the same model each time
        .group_by("person_id", "norm", "truth", "sig", maintain_order=True)
        .agg(entry_id=pl.col("entry_id").first(), date=pl.col("date").first(), w=pl.len())
        .head(TRAIN_MAX)
    )
    rows = pl.concat([rows, _word_dropout(rows)]).with_columns(
        g=pl.int_range(pl.len(), dtype=pl.Int64)
    )
    train = (
        rows.select("g", "entry_id", "person_id", "date", "norm", "truth", "w")
        .with_columns(lag=pl.col("g") % STALE_DAYS + 1)
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


def _word_dropout(rows: pl.DataFrame) -> pl.DataFrame:
    """One copy of each training note with about half its words dropped (at least one kept,
    at least one dropped). Ridge spreads weight over words that always come together, so
    `arbor` in `proposal for arbor insurance` would carry little of its own and `orals prep
    arbor insurance` would not find presales; learning from the halves makes each word carry
    its own evidence. Seeded, so a model is the same for the same history."""
    rng = np.random.default_rng(DROPOUT_SEED)
    variants: list[str | None] = []
    for note in rows["norm"].to_list():
        words = note.split()
        if len(words) < 2:
            variants.append(None)
            continue
        keep = rng.random(len(words)) < DROPOUT_KEEP
        if keep.all() or not keep.any():
            keep[rng.integers(len(words))] = not keep[0]
        variants.append(" ".join(w for w, k in zip(words, keep, strict=True) if k))
    return rows.with_columns(norm=pl.Series(variants, dtype=pl.String)).drop_nulls("norm")


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
    score, known = pair_scores(frame, model.line_frame, model.activity, model.weights)
    return known.select("entry_id", "sow_line_id").with_columns(
        score=pl.Series(score, dtype=pl.Float64),
        backoff=pl.Series(model.backoff[known["l"].to_numpy()]),
    )
