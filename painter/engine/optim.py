"""Adam with one learning rate per parameter tensor.

A few lines of our own instead of ``torch.optim.Adam``: creating a torch optimizer
imports ``torch._dynamo``, which costs about 2.5 s of start-up on a 2-core CPU,
a sixth of a whole default painting run.
"""
from __future__ import annotations

import torch


class Adam:
    """Adam (Kingma & Ba) over ``params`` with per-tensor ``lrs``; state can be
    re-indexed when strokes are added (see :meth:`extend`)."""

    def __init__(self, params: list[torch.Tensor], lrs: list[float], betas=(0.9, 0.99), eps: float = 1e-8):
        self.params = params
        self.lrs = list(lrs)
        self.b1, self.b2 = betas
        self.eps = eps
        self.t = 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def state_dict(self) -> dict:
        """Step count, learning rates and moments (for checkpoints)."""
        return {"t": self.t, "lrs": list(self.lrs), "m": [m.detach().clone() for m in self.m],
                "v": [v.detach().clone() for v in self.v]}

    def load_state_dict(self, state: dict) -> None:
        self.t, self.lrs = int(state["t"]), [float(lr) for lr in state["lrs"]]
        for mine, theirs in ((self.m, state["m"]), (self.v, state["v"])):
            if [tuple(a.shape) for a in mine] != [tuple(b.shape) for b in theirs]:
                raise ValueError("optimizer state does not match the parameters")
            for a, b in zip(mine, theirs):
                a.copy_(b)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def safe_step(self, loss: torch.Tensor) -> bool:
        """:meth:`step` guarded against numerical trouble: when the loss or a gradient
        is not finite, or the step would make a parameter non-finite, the parameters and
        moments are left as they were, the learning rates are halved, and False is
        returned. The painting never holds a NaN."""
        ok = bool(torch.isfinite(loss)) and all(p.grad is None or bool(torch.isfinite(p.grad).all())
                                                 for p in self.params)
        if ok:
            saved = [(p.clone(), m.clone(), v.clone()) for p, m, v in zip(self.params, self.m, self.v)]
            self.step()
            if all(bool(torch.isfinite(p).all()) for p in self.params):
                return True
            for p, m, v, (p0, m0, v0) in zip(self.params, self.m, self.v, saved):
                p.copy_(p0), m.copy_(m0), v.copy_(v0)
            self.t -= 1
        self.lrs = [lr * 0.5 for lr in self.lrs]
        return False

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        c1 = 1 - self.b1**self.t
        c2 = 1 - self.b2**self.t
        for p, m, v, lr in zip(self.params, self.m, self.v, self.lrs):
            if p.grad is None:
                continue
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            denom = (v / c2).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-lr / c1)
