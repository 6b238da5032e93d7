"""Names in a note as candidates: a note that names a client, a project or something the
approved history only ever wrote for one client (a contact, a system, a product, a nickname)
makes that client's project a candidate even when the person is not staffed there. Staffing
stays a soft signal the model weighs; this only widens what it may choose from. Names come from
the catalog and the approved history and point only to projects the catalog has, within their
dates, so a note can never bring in a project that does not exist."""

from __future__ import annotations

import polars as pl

from rules.classify.features import normalize_expr

MIN_NAME_LEN = 3  # shorter words (`cr`, `pm`, `0`) name nothing reliably
MIN_NAME_USES = 3  # a word the history teaches must mark this many approved client entries...
MIN_NAME_PURITY = 0.9  # ...and at least this share of them on one client
CATALOG_PURITY = 0.5  # a catalog word the history writes mostly for other clients (`data`)
WORD_PATTERN = r"[a-z0-9äöüßéèáíóúñ]+"
NAMES_SCHEMA = {"name": pl.String, "project_id": pl.String}


def _note_words(frame: pl.DataFrame, keep: list[str]) -> pl.DataFrame:
    """One row per (row of frame, distinct word of its note that could be a name)."""
    return (
        frame.select(
            *keep, name=normalize_expr("notes").str.extract_all(WORD_PATTERN).list.unique()
        )
        .explode("name")
        .filter(
            (pl.col("name").str.len_chars() >= MIN_NAME_LEN)
            & ~pl.col("name").str.contains(r"^\d+$")
        )
    )


def _catalog_names(client_projects: pl.DataFrame) -> pl.DataFrame:
    """Words of each client project's name and code, and of its client's name (which names
    every project of that client); a word two clients share names neither."""
    text = pl.concat_str(
        [pl.col("project_name").fill_null(""), pl.col("project_code").fill_null("")], separator=" "
    )
    own = client_projects.select("project_id", "client_id", notes=text)
    clients = client_projects.select("project_id", "client_id", notes="client_name")
    words = _note_words(pl.concat([own, clients]), ["project_id", "client_id"]).unique()
    one_client = words.group_by("name").agg(n=pl.col("client_id").n_unique()).filter(n=1)
    return words.join(one_client.select("name"), on="name")


def learn_names(history: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """name -> project_id (NAMES_SCHEMA). history: approved entries (entry_id, notes,
    project_id). Catalog words are names unless the history writes them mostly for other
    clients; a word the history writes at least MIN_NAME_USES times, MIN_NAME_PURITY of them for
    one client, names the projects of that client it was written for."""
    client_projects = (
        catalog.filter(~pl.col("is_internal"))
        .select("project_id", "client_id", "project_name", "project_code", "client_name")
        .unique("project_id")
    )
    used = (
        _note_words(
            history.join(client_projects.select("project_id", "client_id"), on="project_id"),
            ["entry_id", "project_id", "client_id"],
        )
        .group_by("name", "client_id", "project_id")
        .agg(n=pl.len())
        .with_columns(
            on_client=pl.col("n").sum().over("name", "client_id"),
            total=pl.col("n").sum().over("name"),
        )
    )
    by_client = used.unique(["name", "client_id"]).select("name", "client_id", "on_client", "total")
    catalog_names = (
        _catalog_names(client_projects)
        .join(by_client, on=["name", "client_id"], how="left")
        .filter(
            (pl.col("total").fill_null(0) < MIN_NAME_USES)
            | (pl.col("on_client").fill_null(0) >= CATALOG_PURITY * pl.col("total"))
        )
        .select("name", "project_id")
    )
    learnt = used.filter(
        (pl.col("total") >= MIN_NAME_USES)
        & (pl.col("on_client") >= MIN_NAME_PURITY * pl.col("total"))
    ).select("name", "project_id")
    return pl.concat([catalog_names, learnt]).unique().sort("name", "project_id")


def add_candidates(
    pairs: pl.DataFrame, targets: pl.DataFrame, names: pl.DataFrame | None, catalog: pl.DataFrame
) -> pl.DataFrame:
    """pairs (entry_id, sow_line_id, project_id) plus the lines of every project a target
    without a project names, open on the entry's date, that were not candidates already."""
    if names is None or names.is_empty() or targets.is_empty():
        return pairs
    open_ = targets.filter(pl.col("project_id").is_null()).select("entry_id", "date", "notes")
    lines = catalog.select("sow_line_id", "project_id", "start_date", "end_date")
    named = (
        _note_words(open_, ["entry_id", "date"])
        .join(names, on="name")
        .join(lines, on="project_id")
        .filter(
            (pl.col("date") >= pl.coalesce("start_date", "date"))
            & (pl.col("date") <= pl.coalesce("end_date", "date"))
        )
        .select(pairs.columns)
        .unique()
        .join(pairs, on=["entry_id", "sow_line_id"], how="anti")
    )
    if named.is_empty():
        return pairs
    return pl.concat([pairs, named.select(pairs.columns)], how="vertical_relaxed").sort(
        "entry_id", "sow_line_id"
    )
