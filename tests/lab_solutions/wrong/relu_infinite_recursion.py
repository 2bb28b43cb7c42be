# exercise: relu
# caught by: your code runs
# infinite recursion at import time.
def f():
    return f()
f()
