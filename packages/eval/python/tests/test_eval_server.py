"""graft_eval's forward server: framing, position ids, cached passes equal full passes."""
from __future__ import annotations

import io
import json
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from graft_eval.server import ForwardServer, ServerConfig, position_ids_from_mask, serve  # noqa: E402

VOCAB_SIZE = 64


@pytest.fixture(scope="module")
def model_directory(tmp_path_factory: pytest.TempPathFactory) -> str:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    directory = str(tmp_path_factory.mktemp("tiny-llama"))
    config = LlamaConfig(vocab_size=VOCAB_SIZE, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    LlamaForCausalLM(config).save_pretrained(directory)
    return directory


def read_frames(data: bytes) -> list[tuple[dict, np.ndarray | None]]:
    frames = []
    stream = io.BytesIO(data)
    while True:
        line = stream.readline()
        if not line:
            return frames
        header = json.loads(line)
        payload = None
        if header.get("ok") and header.get("bytes"):
            payload = np.frombuffer(stream.read(header["bytes"]), dtype="<f4").reshape(header["shape"])
        frames.append((header, payload))


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        ([[1, 1, 1]], [[0, 1, 2]]),
        ([[0, 0, 1, 1]], [[1, 1, 0, 1]]),
        ([[1, 1, 1, 1]], [[2, 3]]),  # the last two columns: a cached step of two tokens
    ],
)
def test_position_ids_follow_the_mask(mask: list[list[int]], expected: list[list[int]]) -> None:
    sequence = len(expected[0])
    assert position_ids_from_mask(torch.tensor(mask), sequence).tolist() == expected


def test_frames_cache_and_errors(model_directory: str) -> None:
    from transformers import AutoModelForCausalLM

    server = ForwardServer(ServerConfig(model=model_directory, device="cpu"))
    ids = [5, 9, 2, 40, 33, 7]
    requests = [
        {"id": 1, "op": "forward", "input_ids": [ids[:-1]]},
        {"id": 2, "op": "forward", "input_ids": [ids[-1:]], "cache": 1, "last_only": True},
        {"id": 3, "op": "forward", "input_ids": [ids[-1:]], "cache": 1},  # 1 was consumed by request 2
        {"id": 4, "op": "unknown"},
        {"id": 5, "op": "shutdown"},
        {"id": 6, "op": "forward", "input_ids": [ids]},  # never read: the server stopped
    ]
    output = io.BytesIO()
    serve(server, io.StringIO("".join(json.dumps(request) + "\n" for request in requests)), output)
    frames = read_frames(output.getvalue())
    assert frames[0][0]["type"] == "ready" and frames[0][0]["vocab_size"] == VOCAB_SIZE
    (prefix, prefix_logits), (step, step_logits) = frames[1], frames[2]
    assert prefix["shape"] == [1, 5, VOCAB_SIZE] and prefix["cache_length"] == 5
    assert step["shape"] == [1, 1, VOCAB_SIZE] and step["cache_length"] == 6
    reference = AutoModelForCausalLM.from_pretrained(model_directory, dtype=torch.float32).eval()
    with torch.no_grad():
        full = reference(torch.tensor([ids])).logits.numpy()
    np.testing.assert_allclose(prefix_logits[0], full[0, :5], atol=1e-5)
    np.testing.assert_allclose(step_logits[0, 0], full[0, 5], atol=1e-5)
    assert frames[3][0] == {"id": 3, "ok": False, "error": frames[3][0]["error"]} and "already continued" in frames[3][0]["error"]
    assert "unknown op" in frames[4][0]["error"]
    assert frames[5][0]["id"] == 5 and frames[5][0]["ok"] is True
    assert len(frames) == 6
