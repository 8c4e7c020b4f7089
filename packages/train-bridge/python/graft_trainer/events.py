"""JSON-lines events on the real stdout; everything else (transformers, tqdm, print) goes to stderr."""
from __future__ import annotations

import json
import math
import os
import sys
import time
from typing import Any, TextIO

from transformers import TrainerCallback

# Peak dense bf16 FLOP/s used for MFU; keyed by a substring of torch.cuda.get_device_name().
PEAK_BF16_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40": 181e12, "4090": 165e12}

_event_stream: TextIO = sys.stdout


def capture_stdout() -> None:
    """Keep the real stdout for events only; route every other write to stderr."""
    global _event_stream
    _event_stream = sys.stdout
    sys.stdout = sys.stderr


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def emit(kind: str, **fields: Any) -> None:
    if not is_main_process():
        return
    record = {"type": kind, "time": time.time(), **fields}
    _event_stream.write(json.dumps(record, default=str) + "\n")
    _event_stream.flush()


def peak_flops(device_name: str) -> float | None:
    for key, value in PEAK_BF16_FLOPS.items():
        if key in device_name:
            return value
    return None


class EventCallback(TrainerCallback):
    def __init__(self, tokens_per_step: int, parameter_count: int, world_size: int, device_name: str | None):
        self.tokens_per_step = tokens_per_step
        self.parameter_count = parameter_count
        self.world_size = world_size
        self.peak = peak_flops(device_name) if device_name else None
        self.last_time = None
        self.last_step = 0
        self.start_time = None
        self.start_step = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self.start_time = self.last_time = time.time()
        self.start_step = self.last_step = state.global_step

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" not in logs:
            return
        now = time.time()
        steps = max(state.global_step - self.last_step, 1)
        seconds = max(now - (self.last_time or now), 1e-9)
        tokens_per_second = steps * self.tokens_per_step / seconds
        done = state.global_step - self.start_step
        elapsed = now - (self.start_time or now)
        remaining = state.max_steps - state.global_step
        eta = elapsed / done * remaining if done > 0 else None
        mfu = None
        if self.peak:
            mfu = 6 * self.parameter_count * tokens_per_second / (self.peak * self.world_size)
        emit("step-end", step=state.global_step, max_steps=state.max_steps, loss=logs["loss"],
             learning_rate=logs.get("learning_rate"), grad_norm=_finite(logs.get("grad_norm")),
             tokens_per_second=tokens_per_second, mfu=mfu, eta_seconds=eta, epoch=logs.get("epoch"))
        self.last_time, self.last_step = now, state.global_step

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        metrics = metrics or {}
        loss = metrics.get("eval_loss")
        emit("eval-end", step=state.global_step, loss=loss,
             perplexity=math.exp(loss) if loss is not None and loss < 50 else None)

    def on_save(self, args, state, control, **kwargs):
        path = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
        emit("checkpoint-saved", step=state.global_step, path=path)


def _finite(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
