"""Demo data, in layers: the core (organisations, users, fund years) and then each capability's
own examples, listed in EXTENSIONS in the order they build on each other."""

EXTENSIONS: list = []
