"""Sign-in, roles, four-eyes and the settings module (issue 16). docs/security.md says why it
is a package of its own: billing/, billing/ar/, rules/ and the app all ask it, and it asks none
of them."""
