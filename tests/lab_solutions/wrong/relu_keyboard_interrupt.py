# exercise: relu
# caught by: your code runs
# KeyboardInterrupt at import time.
raise KeyboardInterrupt
