"""Fixtures: a tiny seeded Llama (transformers) and a hand-written shard directory (docs/contracts.md)."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

VOCAB_SIZE = 96


def write_tiny_model(directory: str, tie: bool = False, vocab_size: int = VOCAB_SIZE) -> str:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         tie_word_embeddings=tie, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    LlamaForCausalLM(config).save_pretrained(directory, safe_serialization=True)
    with open(os.path.join(directory, "generation_config.json"), "w") as handle:
        json.dump({"bos_token_id": 1, "eos_token_id": 2, "max_new_tokens": 7}, handle)
    return directory


def write_shards(directory: str, sequences: int = 16, seq_len: int = 32, max_token: int = 64, valid: int = 4) -> str:
    """A learnable pattern: each sequence counts up modulo 16 from a random offset."""
    os.makedirs(directory, exist_ok=True)
    random = np.random.default_rng(0)
    splits = {}
    for split, count in (("train", sequences), ("valid", valid)):
        offsets = random.integers(0, 16, size=(count, 1))
        tokens = ((np.arange(seq_len)[None, :] + offsets) % 16 + (max_token - 16)).astype(np.uint32)
        mask = np.ones_like(tokens, dtype=np.uint8)
        mask[:, 0] = 0
        starts = np.zeros_like(tokens, dtype=np.uint8)
        starts[:, 0] = 1
        starts[:, seq_len // 2] = 1
        name = f"{split}-00000"
        np.save(os.path.join(directory, name + ".tokens.npy"), tokens)
        np.save(os.path.join(directory, name + ".mask.npy"), mask)
        np.save(os.path.join(directory, name + ".starts.npy"), starts)
        shards = [{"name": name, "sequences": count}] if count else []
        splits[split] = {"sequences": count, "tokens": int(tokens.size), "label_tokens": int(mask.sum()), "shards": shards}
    manifest = {"format": "graft-shards", "version": 1, "seq_len": seq_len,
                "tokenizer": {"vocab_size": VOCAB_SIZE, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0},
                "sample_format": "plain", "splits": splits, "created_by": "graft_trainer tests"}
    with open(os.path.join(directory, "manifest.json"), "w") as handle:
        json.dump(manifest, handle)
    return directory


@pytest.fixture
def tiny_model(tmp_path):
    return write_tiny_model(str(tmp_path / "model"))


@pytest.fixture
def shards(tmp_path):
    return write_shards(str(tmp_path / "shards"))
