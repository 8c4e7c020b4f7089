"""Token shards (docs/contracts.md) as a torch Dataset over numpy memory maps."""
from __future__ import annotations

import json
import os

import numpy as np
import torch
from torch.utils.data import Dataset

IGNORE_INDEX = -100  # label value transformers' loss skips


class ShardDataset(Dataset):
    def __init__(self, directory: str, split: str, reset_positions: bool = False, vocab_size: int | None = None):
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as handle:
            self.manifest = json.load(handle)
        if self.manifest.get("format") != "graft-shards":
            raise ValueError(f"{directory}/manifest.json is not a graft-shards manifest (format={self.manifest.get('format')!r})")
        self.seq_len = int(self.manifest["seq_len"])
        self.reset_positions = reset_positions
        self.shards = []
        self.offsets = [0]
        for shard in self.manifest["splits"].get(split, {}).get("shards", []):
            base = os.path.join(directory, shard["name"])
            tokens = np.load(base + ".tokens.npy", mmap_mode="r")
            mask = np.load(base + ".mask.npy", mmap_mode="r")
            starts = np.load(base + ".starts.npy", mmap_mode="r")
            if tokens.shape != mask.shape or tokens.shape != starts.shape or tokens.shape[1] != self.seq_len:
                raise ValueError(f"shard {base}: shapes tokens {tokens.shape} mask {mask.shape} starts {starts.shape} disagree with seq_len {self.seq_len}")
            if vocab_size is not None and tokens.size and int(tokens.max()) >= vocab_size:
                raise ValueError(f"shard {base}.tokens.npy holds token id {int(tokens.max())} but the model has {vocab_size} embedding rows; re-tokenize with the model's tokenizer or resize the model")
            self.shards.append((tokens, mask, starts))
            self.offsets.append(self.offsets[-1] + tokens.shape[0])

    def __len__(self) -> int:
        return self.offsets[-1]

    def __getitem__(self, index: int) -> dict:
        shard_index = int(np.searchsorted(self.offsets, index, side="right")) - 1
        row = index - self.offsets[shard_index]
        tokens, mask, starts = self.shards[shard_index]
        input_ids = torch.from_numpy(np.asarray(tokens[row], dtype=np.int64))
        labels = input_ids.clone()
        labels[torch.from_numpy(np.asarray(mask[row]) == 0)] = IGNORE_INDEX
        item = {"input_ids": input_ids, "labels": labels, "attention_mask": torch.ones_like(input_ids)}
        if self.reset_positions:
            item["position_ids"] = torch.from_numpy(position_ids_from_starts(np.asarray(starts[row])))
        return item


def position_ids_from_starts(starts: np.ndarray) -> np.ndarray:
    """Positions restart at 0 at every document start (starts == 1)."""
    index = np.arange(starts.shape[0], dtype=np.int64)
    last_start = np.maximum.accumulate(np.where(starts == 1, index, 0))
    return index - last_start
