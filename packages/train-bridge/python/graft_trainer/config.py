"""The training job: a JSON file written by @graft/train-bridge, read into a typed dataclass."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Optional

MODES = ("embeddings", "full", "lora")


@dataclass
class TrainJob:
    model: str
    data: str
    output: str
    mode: str = "full"
    checkpoint_dir: Optional[str] = None
    learning_rate: float = 1e-4
    warmup_steps: int = 0
    weight_decay: float = 0.0
    per_device_batch_size: int = 1
    gradient_accumulation_steps: int = 1
    max_steps: int = -1
    epochs: float = 1.0
    seed: int = 42
    max_grad_norm: float = 1.0
    gradient_checkpointing: bool = False
    weights_dtype: str = "float32"  # "bfloat16": pure-bf16 weights (an 8B full fine-tune on one 80 GB GPU)
    bf16: Optional[bool] = None  # None: bf16 on CUDA, fp32 on CPU
    reset_positions: bool = False
    eval_steps: int = 0
    save_steps: int = 0
    save_total_limit: int = 2
    resume: bool = True
    new_token_start: Optional[int] = None  # embeddings mode: only rows >= this id are updated
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    lora_target_modules: list = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    lora_modules_to_save: list = field(default_factory=list)
    fsdp: str = ""
    fsdp_config: Optional[str] = None
    dataloader_workers: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"job.mode is {self.mode!r}; expected one of {MODES}")
        if self.weights_dtype not in ("float32", "bfloat16"):
            raise ValueError(f"job.weights_dtype is {self.weights_dtype!r}; expected float32 or bfloat16")
        if self.checkpoint_dir is None:
            self.checkpoint_dir = self.output.rstrip("/") + ".checkpoints"


def load_job(path: str) -> TrainJob:
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    known = {item.name for item in dataclasses.fields(TrainJob)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"job file {path} has unknown fields {unknown}; known fields: {sorted(known)}")
    return TrainJob(**raw)
