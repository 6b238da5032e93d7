"""The exception queue: findings raised by rules, classification and AR, and
the decisions operations make on them."""
