# exercise: relu
# caught by: your code runs
# sys.exit(0) at import time.
import sys
sys.exit(0)
