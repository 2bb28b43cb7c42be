"""The files here are wrong answers that tests/test_lab_trust.py runs as a learner's code;
some exit, interrupt or recurse forever when imported, so pytest must not import them."""

collect_ignore_glob = ["*.py"]
