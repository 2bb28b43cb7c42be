# exercise: optimizer
# caught by: Momentum: 5 steps on random gradients agree with pynn's
# The velocity adds the gradient: every step goes up.
import numpy as np


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum
        self.velocities = None   # one array per parameter, made at the first step

    def step(self, params, grads):
        if self.velocities is None:
            self.velocities = [np.zeros_like(param) for param in params]
        for param, grad, v in zip(params, grads, self.velocities):
            v[...] = self.momentum * v + self.lr * grad
            param += v


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(param) for param in params]
            self.v = [np.zeros_like(param) for param in params]
        self.t += 1
        for param, grad, m, v in zip(params, grads, self.m, self.v):
            m[...] = self.beta1 * m + (1 - self.beta1) * grad
            v[...] = self.beta2 * v + (1 - self.beta2) * grad ** 2
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
