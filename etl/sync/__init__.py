"""Live API pulls (`python -m etl sync`): the shared core every connector uses.

- http.py      httpx client factory, retries with backoff (429 + Retry-After, 5xx), one-line errors
- settings.py  credentials from the environment or .streamlit/secrets.toml
- cursors.py   incremental cursors per (source, entity), written with the rows they cover
- paginate.py  the paginator protocol and the generic paging styles
- run.py       one run: fetch, then load + cursors in one transaction; the webhook queue
- registry.py  source name -> connector; cli.py the `etl sync` command

One folder per connector (client, paginator, resources, settings) builds on these.
"""
