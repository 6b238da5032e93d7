"""Billing ops: the Streamlit entry point. Only a router — every page lives in pages/."""

import streamlit as st

from ui import app_state
from warehouse.sessions import WarehouseUnreadable, held

st.set_page_config(page_title="Billing ops", layout="wide")

page = st.navigation(
    {
        "Leadership": [
            st.Page(
                "pages/overview.py", title="Overview", icon=":material/dashboard:", default=True
            ),
            st.Page("pages/utilization.py", title="Utilization", icon=":material/schedule:"),
            st.Page("pages/realization.py", title="Realization & margin", icon=":material/paid:"),
            st.Page("pages/ar_aging.py", title="AR aging & DSO", icon=":material/account_balance:"),
            st.Page(
                "pages/compliance.py", title="Timesheet compliance", icon=":material/fact_check:"
            ),
        ],
        "Billing": [
            st.Page("pages/exceptions.py", title="Exceptions", icon=":material/rule:"),
            st.Page("pages/invoices.py", title="Invoices", icon=":material/receipt_long:"),
        ],
        "Warehouse": [
            st.Page(
                "pages/data_health.py",
                title="Data health",
                icon=":material/monitor_heart:",
            ),
            st.Page("pages/import_data.py", title="Import", icon=":material/upload_file:"),
            st.Page("pages/audit_log.py", title="Audit log", icon=":material/history:"),
            st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:"),
        ],
    }
)

# The shared sidebar, drawn once for every page: who is signed in, the period, and the leadership
# filters (drawn on every page so that they persist from page to page). A damaged warehouse file
# shows up on whichever read touches it first: one message, the same on every page. The run
# holds the warehouse open, so its reads share one opening of the file (warehouse.sessions.held).
try:
    with held():
        if not app_state.sign_in_gate():  # the sign-in page instead of any page (app_auth/ui.py)
            st.stop()
        app_state.period_picker()
        app_state.kpi_filters_sidebar()
        page.run()
except WarehouseUnreadable as damaged:  # pages stop on it themselves; this catches the rest
    app_state.show_damaged(damaged)
