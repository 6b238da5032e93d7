"""A second benchmark firm for the classifier, written independently of the demo (demo):
an analytics and change consultancy whose people keep their own shorthand and habits."""
