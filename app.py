"""Billing ops: the Streamlit entry point. Only a router — every page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Billing ops", layout="wide")

page = st.navigation(
    [
        st.Page("pages/data_health.py", title="Data health", icon=":material/monitor_heart:"),
    ]
)

# The shared sidebar (period, client and team filters that every page reads) goes here, between
# st.navigation and page.run(), so it draws once for all pages.

page.run()
