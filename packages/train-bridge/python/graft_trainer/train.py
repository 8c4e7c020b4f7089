"""The graft trainer: `python -m graft_trainer --job job.json` (see packages/train-bridge/README.md)."""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import traceback

from graft_trainer.events import capture_stdout, emit, is_main_process

# Files copied from the input model into the output beside the weights.
COPIED_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
                "chat_template.jinja", "tokenizer.model")
TRACEBACK_TAIL_LINES = 20  # enough to show the failing frame and the exception chain


def main(job) -> str:
    import torch
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments, set_seed
    from transformers.trainer_utils import get_last_checkpoint

    from graft_trainer.events import EventCallback
    from graft_trainer.prepare_model import count_trainable, embedding_parameters, prepare_model
    from graft_trainer.shard_dataset import ShardDataset

    set_seed(job.seed)
    cuda = torch.cuda.is_available()
    bf16 = cuda if job.bf16 is None else job.bf16
    saved_dtype = _stored_dtype(job.model)
    model = AutoModelForCausalLM.from_pretrained(job.model, dtype=getattr(torch, job.weights_dtype), attn_implementation="sdpa")
    vocab_rows = model.get_input_embeddings().weight.shape[0]
    original_rows = None
    if job.mode == "embeddings" and job.new_token_start is not None:
        original_rows = [parameter.detach().clone()[: job.new_token_start] for parameter in embedding_parameters(model)]
    if job.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
        if job.mode != "full":
            model.enable_input_require_grads()
    model = prepare_model(model, job)
    trainable, total = count_trainable(model)

    train = ShardDataset(job.data, "train", job.reset_positions, vocab_rows)
    if len(train) == 0:
        raise ValueError(f"{job.data}: the train split has no sequences")
    valid = ShardDataset(job.data, "valid", job.reset_positions, vocab_rows) if job.eval_steps > 0 else None
    if valid is not None and len(valid) == 0:
        valid = None

    arguments = TrainingArguments(
        output_dir=job.checkpoint_dir, seed=job.seed, data_seed=job.seed,
        learning_rate=job.learning_rate, lr_scheduler_type="cosine", warmup_steps=job.warmup_steps,
        weight_decay=job.weight_decay, max_grad_norm=job.max_grad_norm,
        per_device_train_batch_size=job.per_device_batch_size, per_device_eval_batch_size=job.per_device_batch_size,
        gradient_accumulation_steps=job.gradient_accumulation_steps, max_steps=job.max_steps,
        num_train_epochs=job.epochs, bf16=bf16, use_cpu=not cuda,
        logging_steps=1, logging_strategy="steps", report_to=[], disable_tqdm=True,
        eval_strategy="steps" if valid is not None else "no", eval_steps=job.eval_steps or None,
        save_strategy="steps" if job.save_steps > 0 else "no", save_steps=job.save_steps or 500,
        save_total_limit=job.save_total_limit, save_only_model=False,
        dataloader_num_workers=job.dataloader_workers, remove_unused_columns=False,
        fsdp=job.fsdp, fsdp_config=job.fsdp_config, ddp_find_unused_parameters=False if job.mode != "lora" else None,
    )
    world_size = arguments.world_size
    tokens_per_step = job.per_device_batch_size * train.seq_len * job.gradient_accumulation_steps * world_size
    device_name = torch.cuda.get_device_name(0) if cuda else None
    emit("train-start", config=dataclasses.asdict(job), trainable_parameters=trainable, total_parameters=total,
         world_size=world_size, device=device_name or "cpu", precision="bf16" if bf16 else "fp32",
         train_sequences=len(train), valid_sequences=len(valid) if valid is not None else 0,
         tokens_per_step=tokens_per_step)
    trainer = Trainer(model=model, args=arguments, train_dataset=train, eval_dataset=valid,
                      callbacks=[EventCallback(tokens_per_step, total, world_size, device_name)])
    checkpoint = get_last_checkpoint(job.checkpoint_dir) if job.resume and os.path.isdir(job.checkpoint_dir) else None
    if checkpoint:
        emit("train-resume", checkpoint=checkpoint)
    result = trainer.train(resume_from_checkpoint=checkpoint)

    final = trainer.model
    if job.mode == "lora":
        final = final.merge_and_unload()
    if original_rows is not None:
        import torch as _torch

        with _torch.no_grad():
            for parameter, rows in zip(embedding_parameters(final), original_rows):
                parameter[: job.new_token_start] = rows  # undo weight decay on old rows
    if is_main_process():
        _save_output(final, job, saved_dtype)
    emit("train-end", output=job.output, step=trainer.state.global_step, train_loss=result.training_loss)
    return job.output


def _stored_dtype(model_directory: str):
    """The dtype config.json names, so the output is saved as the input was (bf16 stays bf16)."""
    import json

    import torch

    with open(os.path.join(model_directory, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    name = config.get("dtype") or config.get("torch_dtype") or "float32"
    return getattr(torch, name, torch.float32)


def _save_output(model, job, saved_dtype) -> None:
    import torch

    temporary = job.output.rstrip("/") + ".tmp-" + str(os.getpid())
    if saved_dtype != torch.float32:
        model = model.to(saved_dtype)
    model.config.dtype = saved_dtype
    model.save_pretrained(temporary, safe_serialization=True)
    for name in COPIED_FILES:
        source = os.path.join(job.model, name)
        if os.path.exists(source):
            shutil.copyfile(source, os.path.join(temporary, name))
    if os.path.exists(job.output):
        shutil.rmtree(job.output)
    os.rename(temporary, job.output)


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="graft_trainer", description=__doc__)
    parser.add_argument("--job", required=True, help="training job JSON (schema: packages/train-bridge/README.md)")
    return parser.parse_args(argv)


def cli(argv=None) -> None:
    capture_stdout()
    arguments = parse_arguments(argv)
    try:
        from graft_trainer.config import load_job

        main(load_job(arguments.job))
    except BaseException as error:  # report every failure as an event, then exit non-zero
        if isinstance(error, SystemExit):
            raise
        tail = "".join(traceback.format_exception(error)).splitlines()[-TRACEBACK_TAIL_LINES:]
        emit("error", error_type=type(error).__name__, message=str(error), traceback_tail="\n".join(tail))
        sys.exit(1)


if __name__ == "__main__":
    cli()
