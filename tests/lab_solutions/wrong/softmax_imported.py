# exercise: softmax
# caught by: your code defines the loss functions
# pynn's own loss functions, imported.
from pynn.losses import softmax_crossentropy_with_logits, grad_softmax_crossentropy_with_logits
