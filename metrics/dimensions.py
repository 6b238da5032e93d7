"""The choices the shared sidebar offers: the firm's client and team lists."""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.sessions import Db, read_only

CLIENTS_SQL = """
SELECT client_id, name FROM clients
WHERE coalesce(status, 'active') <> 'internal'
ORDER BY name, client_id
"""
TEAMS_SQL = "SELECT DISTINCT team FROM people WHERE team IS NOT NULL ORDER BY team"


@dataclass(frozen=True)
class Dimensions:
    clients: dict[str, str]  # client_id -> name, by name
    teams: tuple[str, ...]


def dimensions(db: Db = None) -> Dimensions:
    with read_only(db) as con:
        clients = {cid: name for cid, name in con.execute(CLIENTS_SQL).fetchall()}
        teams = tuple(t for (t,) in con.execute(TEAMS_SQL).fetchall())
    return Dimensions(clients=clients, teams=teams)
