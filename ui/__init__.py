"""The Streamlit UI kit the pages share: session state, KPI cards and drill-downs."""
