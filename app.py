"""Billing ops: the Streamlit entry point. Only a router — every page lives in pages/."""

import streamlit as st

import app_state

st.set_page_config(page_title="Billing ops", layout="wide")

page = st.navigation(
    {
        "Billing": [
            st.Page("pages/exceptions.py", title="Exceptions", icon=":material/rule:"),
            st.Page("pages/invoices.py", title="Invoices", icon=":material/receipt_long:"),
        ],
        "Warehouse": [
            st.Page(
                "pages/data_health.py",
                title="Data health",
                icon=":material/monitor_heart:",
                default=True,
            ),
        ],
    }
)

# The shared sidebar, drawn once for every page: who is acting and the billing period.
app_state.identity_sidebar()
app_state.period_picker()

page.run()
