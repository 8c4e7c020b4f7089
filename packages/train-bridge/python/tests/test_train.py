import io
import json
import os
import sys
from contextlib import redirect_stdout

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import write_shards, write_tiny_model
from graft_trainer import events
from graft_trainer.config import TrainJob
from graft_trainer.shard_dataset import ShardDataset, position_ids_from_starts
from graft_trainer.train import main


def run_job(**fields):
    stream = io.StringIO()
    events._event_stream = stream
    try:
        main(TrainJob(**fields))
    finally:
        events._event_stream = sys.stdout
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_loss_decreases_over_30_steps(tmp_path, tiny_model, shards):
    records = run_job(model=tiny_model, data=shards, output=str(tmp_path / "out"), mode="full",
                      learning_rate=3e-3, warmup_steps=3, max_steps=30, per_device_batch_size=4, eval_steps=15)
    steps = [record for record in records if record["type"] == "step-end"]
    assert [record["step"] for record in steps] == list(range(1, 31))
    first, last = np.mean([s["loss"] for s in steps[:3]]), np.mean([s["loss"] for s in steps[-3:]])
    assert last < first * 0.7, f"loss went from {first} to {last}"
    assert any(record["type"] == "eval-end" for record in records)
    assert records[0]["type"] == "train-start" and records[-1]["type"] == "train-end"
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(str(tmp_path / "out"))
    assert os.path.exists(tmp_path / "out" / "generation_config.json")


@pytest.mark.parametrize("case", [
    {"name": "untied, new rows only", "tie": False, "new_token_start": 48},
    {"name": "tied, all rows", "tie": True, "new_token_start": None},
    {"name": "tied, new rows only", "tie": True, "new_token_start": 48},
], ids=lambda case: case["name"])
def test_embeddings_mode_keeps_every_other_tensor(tmp_path, case):
    model = write_tiny_model(str(tmp_path / "model"), tie=case["tie"])
    shards = write_shards(str(tmp_path / "shards"))
    output = str(tmp_path / "out")
    records = run_job(model=model, data=shards, output=output, mode="embeddings", learning_rate=1e-2,
                      weight_decay=0.1, max_steps=5, per_device_batch_size=4, new_token_start=case["new_token_start"])
    start = next(record for record in records if record["type"] == "train-start")
    rows_per_matrix = 96 * 32
    assert start["trainable_parameters"] == rows_per_matrix * (1 if case["tie"] else 2)
    before, after = load_file(os.path.join(model, "model.safetensors")), load_file(os.path.join(output, "model.safetensors"))
    embedding_names = {"model.embed_tokens.weight", "lm_head.weight"}
    assert set(before) == set(after)
    for name in before:
        if name in embedding_names:
            continue
        assert np.array_equal(before[name].view(np.uint8), after[name].view(np.uint8)), f"{name} changed"
    embed_before, embed_after = before["model.embed_tokens.weight"], after["model.embed_tokens.weight"]
    cut = case["new_token_start"] or 0
    assert not np.array_equal(embed_before[48:], embed_after[48:]), "new rows did not train"
    if cut:
        assert np.array_equal(embed_before[:cut].view(np.uint8), embed_after[:cut].view(np.uint8)), "old rows changed"


def test_lora_merges_into_a_plain_model(tmp_path, tiny_model, shards):
    output = str(tmp_path / "out")
    run_job(model=tiny_model, data=shards, output=output, mode="lora", learning_rate=1e-2, max_steps=3,
            per_device_batch_size=4, lora_rank=4, lora_alpha=8)
    after = load_file(os.path.join(output, "model.safetensors"))
    assert not any("lora" in name for name in after), "adapter tensors left in the merged model"
    before = load_file(os.path.join(tiny_model, "model.safetensors"))
    assert set(after) == set(before)


def test_out_of_range_token_id_is_reported(tmp_path, shards):
    model = write_tiny_model(str(tmp_path / "small"), vocab_size=40)
    with pytest.raises(ValueError, match="token id 63"):
        run_job(model=model, data=shards, output=str(tmp_path / "out"), max_steps=1)


@pytest.mark.parametrize("case", [
    {"starts": [1, 0, 0, 1, 0], "expected": [0, 1, 2, 0, 1]},
    {"starts": [0, 0, 1, 0, 0], "expected": [0, 1, 0, 1, 2]},
    {"starts": [1, 1, 1, 0, 0], "expected": [0, 0, 0, 1, 2]},
])
def test_position_ids_restart_at_document_starts(case):
    assert position_ids_from_starts(np.array(case["starts"], dtype=np.uint8)).tolist() == case["expected"]


def test_labels_are_masked_with_ignore_index(shards):
    item = ShardDataset(shards, "train", reset_positions=True)[0]
    assert item["labels"][0].item() == -100 and item["labels"][1].item() == item["input_ids"][1].item()
    assert item["position_ids"][16].item() == 0
