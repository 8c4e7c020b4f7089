"""Per-mode trainable parameters: embeddings (LEP), full (InsCP), lora (peft)."""
from __future__ import annotations

import torch

from graft_trainer.config import TrainJob


def embedding_parameters(model) -> list:
    """embed_tokens and lm_head, each once (a tied head is the same Parameter)."""
    seen, parameters = set(), []
    for module in (model.get_input_embeddings(), model.get_output_embeddings()):
        if module is None:
            continue
        if id(module.weight) not in seen:
            seen.add(id(module.weight))
            parameters.append(module.weight)
    return parameters


def prepare_model(model, job: TrainJob):
    if job.mode == "full":
        for parameter in model.parameters():
            parameter.requires_grad_(True)
        return model
    if job.mode == "embeddings":
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        for parameter in embedding_parameters(model):
            parameter.requires_grad_(True)
            if job.new_token_start is not None:
                start = job.new_token_start
                parameter.register_hook(lambda grad, start=start: _zero_old_rows(grad, start))
        return model
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=job.lora_rank, lora_alpha=job.lora_alpha, lora_dropout=job.lora_dropout,
                        target_modules=list(job.lora_target_modules),
                        modules_to_save=list(job.lora_modules_to_save) or None, task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def _zero_old_rows(grad: torch.Tensor, start: int) -> torch.Tensor:
    grad = grad.clone()
    grad[:start] = 0
    return grad


def count_trainable(model) -> tuple[int, int]:
    trainable = sum(parameter.numel() for parameter in {id(p): p for p in model.parameters() if p.requires_grad}.values())
    total = sum(parameter.numel() for parameter in {id(p): p for p in model.parameters()}.values())
    return trainable, total
