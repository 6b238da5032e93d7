"""Who is acting: the sidebar asks a name once per session and keeps it in session state."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def identity_app():
    import streamlit as st

    import app_state

    app_state.identity_sidebar()
    st.write(f"user: {app_state.current_user()}")


def test_the_name_is_asked_until_given_then_shown():
    at = AppTest.from_function(identity_app).run()
    assert at.markdown[0].value == "user: None"
    assert [t.label for t in at.sidebar.text_input] == ["Your name"]

    at.sidebar.text_input[0].input("  Dana Ortiz ")
    at.sidebar.button[0].click().run()
    assert at.session_state["user"] == "Dana Ortiz"
    assert at.markdown[0].value == "user: Dana Ortiz"
    assert not at.sidebar.text_input  # asked once
    assert "Acting as **Dana Ortiz**" in [c.value for c in at.sidebar.caption]


def test_a_blank_name_is_not_taken():
    at = AppTest.from_function(identity_app).run()
    at.sidebar.text_input[0].input("   ")
    at.sidebar.button[0].click().run()
    assert "user" not in at.session_state
    assert [t.label for t in at.sidebar.text_input] == ["Your name"]


def test_the_name_can_be_changed():
    at = AppTest.from_function(identity_app)
    at.session_state["user"] = "Dana Ortiz"
    at.run()
    next(b for b in at.sidebar.button if b.label == "Change name").click().run()
    assert "user" not in at.session_state
    assert [t.label for t in at.sidebar.text_input] == ["Your name"]
