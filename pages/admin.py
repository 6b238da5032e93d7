"""Admin: the people who may sign in and their roles, and the settings an admin may change
(four-eyes thresholds, sign-in policy). Admin role only, refused on the server for anyone else;
every change goes through app_auth (accounts, admin), which checks the role again and writes an
audit row with the value before and after."""

import polars as pl
import streamlit as st

from app_auth import accounts, admin
from app_auth.roles import PERMISSIONS, ROLE_LABELS, ROLES
from ui import app_state
from warehouse.sessions import read_only, warehouse_stamp

app_state.require_sign_in()  # before anything of the page is drawn

ROLE_CHOICES = list(ROLES)


@st.cache_data(show_spinner=False, max_entries=4)
def read_admin(stamp: tuple[str, int, int]):
    with read_only(stamp[0]) as con:
        return accounts.list_users(con), admin.editable_settings(con)


# The tables' headers as people read them (the frames keep short keys for the tests).
HEADERS = {
    "user": "User",
    "name": "Name",
    "email": "Email",
    "roles": "Roles",
    "sign-in": "Sign-in",
    "state": "State",
    "setting": "Setting",
    "key": "Key",
    "value": "Value",
    "from": "From",
    "role": "Role",
    "may": "May",
}


def users_frame(users: list[dict]) -> pl.DataFrame:
    """The accounts as people read them: roles by their labels, how they sign in, their state."""
    return pl.DataFrame(
        [
            {
                "user": u["username"],
                "name": u["display_name"],
                "email": u["email"],
                "roles": ", ".join(ROLE_LABELS.get(r, r) for r in u["roles"]),
                "sign-in": "password" if u["local"] else "identity provider",
                "state": "disabled"
                if u["disabled"]
                else (
                    f"{u['failed_logins']} failed sign-in(s)" if u["failed_logins"] else "active"
                ),
            }
            for u in users
        ],
        schema=["user", "name", "email", "roles", "sign-in", "state"],
    )


st.title("Admin")
app_state.require_page("manage_users")
app_state.show_flash()
st.caption(
    "People, roles and settings. Every change here is checked against your role on the server "
    "and recorded in the audit log with the value before and after."
)
users, editable = read_admin(warehouse_stamp())
by_name = {u["username"]: u for u in users}

st.subheader("People")
st.dataframe(users_frame(users), hide_index=True, placeholder="—", column_config=HEADERS)

add_tab, change_tab = st.tabs(["Add a person", "Change a person"])
with add_tab, st.form("add_user", clear_on_submit=True):
    left, right = st.columns(2)
    username = left.text_input("User name", help="What they type to sign in (lower case).")
    display = right.text_input("Name", help="The name every write they make records.")
    email = left.text_input(
        "Email", help="Lets the identity provider's person with this email sign in."
    )
    password = right.text_input(
        "Password", type="password", help="Makes a local account; leave empty for IdP only."
    )
    roles = st.multiselect("Roles", ROLE_CHOICES, format_func=ROLE_LABELS.get)
    if st.form_submit_button("Add person", type="primary", icon=":material/person_add:"):
        app_state.act(
            accounts.add_user,
            username,
            roles,
            display_name=display.strip() or None,
            email=email.strip() or None,
            password=password or None,
            done=f"Added {username.strip().lower()}",
        )

with change_tab:
    who = st.selectbox(
        "Person",
        list(by_name),
        index=None,
        placeholder="Pick a person",
        format_func=lambda u: f"{by_name[u]['display_name']} ({u})",
    )
    if who:
        person = by_name[who]
        with st.form("change_roles"):
            new_roles = st.multiselect(
                "Roles", ROLE_CHOICES, default=list(person["roles"]), format_func=ROLE_LABELS.get
            )
            if st.form_submit_button("Save roles", icon=":material/badge:"):
                app_state.act(
                    accounts.change_user, who, roles=new_roles, done=f"Roles of {who} saved"
                )
        left, right = st.columns(2)
        if person["disabled"]:
            if left.button("Enable account", icon=":material/person_check:"):
                app_state.act(accounts.change_user, who, disabled=False, done=f"{who} enabled")
        elif left.button("Disable account", icon=":material/person_off:"):
            app_state.act(accounts.change_user, who, disabled=True, done=f"{who} disabled")
        if person["local"]:
            with right.form("reset_password", clear_on_submit=True):
                new_password = st.text_input("New password", type="password")
                if st.form_submit_button("Reset password (unlocks)", icon=":material/key:"):
                    app_state.act(
                        accounts.reset_password,
                        who,
                        new_password,
                        done=f"Password of {who} reset",
                    )

st.subheader("Settings")
st.caption(
    "A value set in the environment wins and cannot be changed here; a value saved here wins "
    "over `.streamlit/secrets.toml`. Save an empty value to go back to that file or the default."
)
st.dataframe(
    pl.DataFrame(
        [{"setting": s.label, "key": s.key, "value": s.value, "from": s.source} for s in editable],
        schema=["setting", "key", "value", "from"],
    ),
    hide_index=True,
    column_config=HEADERS,
)
labels = {s.key: s.label for s in editable}
with st.form("change_setting"):
    left, right = st.columns(2)
    key = left.selectbox("Setting", list(labels), format_func=labels.get)
    value = right.text_input("New value", help="An amount, a number or roles, as the setting says.")
    if st.form_submit_button("Save setting", icon=":material/tune:"):
        app_state.act(admin.change_setting, key, value, done=f"{key} saved")

st.subheader("Roles")
st.caption("What each role may do. The roles are defined in one file, `app_auth/roles.py`.")
st.dataframe(
    pl.DataFrame(
        [
            {"role": ROLE_LABELS[r], "may": "; ".join(PERMISSIONS[p] for p in sorted(perms))}
            for r, perms in ROLES.items()
        ],
        schema=["role", "may"],
    ),
    hide_index=True,
    column_config=HEADERS,
)
