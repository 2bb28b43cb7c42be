"""A course on layers alone: the three layers of the assignment, then one of your own."""

TITLE = "Layers: forward and backward"
EXERCISES = ["relu", "dense", "softmax", "own_layer"]
NOTE = ("Write each layer's forward and backward until every check passes. There are hints, "
        "but no solutions in this course: the checks tell you what to look at.")
SHOW_SOLUTION_AFTER = "never"
