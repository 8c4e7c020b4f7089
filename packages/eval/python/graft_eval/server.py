"""A forward-pass server over a transformers causal LM, for @graft/eval's Python backend.

Protocol (the contract with TypeScript is data):
  stdin:  one JSON request per line
          {"id": 1, "op": "forward", "input_ids": [[...]], "attention_mask": [[...]] | null,
           "cache": handle | null, "keep_cache": true, "last_only": false}
          {"id": 2, "op": "shutdown"}
  stdout: per response one JSON header line, then `bytes` raw bytes (float32 little-endian logits,
          shape `shape`) when "ok" is true:
          {"id": 1, "ok": true, "shape": [b, s, v], "bytes": n, "cache": handle | null, "cache_length": n}
          {"id": 1, "ok": false, "error": "..."}
  The first line is {"type": "ready", ...} with the device, dtype and library versions.
Everything else (warnings, logs) goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, BinaryIO

import torch

# Caches are consumed by the pass that continues them (transformers grows them in place); this bounds
# the ones a client left behind (an abandoned generation) so device memory stays bounded.
MAX_KEPT_CACHES = 8


@dataclass
class ServerConfig:
    model: str
    device: str = "auto"
    dtype: str = "float32"
    threads: int = 0
    attention: str = "sdpa"


def parse_args(argv: list[str] | None = None) -> ServerConfig:
    parser = argparse.ArgumentParser(prog="graft_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="Hugging Face model directory")
    parser.add_argument("--device", default="auto", help="auto (cuda when available), cpu, cuda, cuda:1, mps")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--attention", default="sdpa", choices=["sdpa", "eager"], help="attention implementation")
    return ServerConfig(**vars(parser.parse_args(argv)))


def position_ids_from_mask(mask: torch.Tensor, sequence: int) -> torch.Tensor:
    """HF's position ids: running count of real tokens, 1 on padding; the last `sequence` columns."""
    positions = mask.long().cumsum(-1) - 1
    positions = positions.masked_fill(mask == 0, 1)
    return positions[:, -sequence:]


class ForwardServer:
    def __init__(self, config: ServerConfig) -> None:
        from transformers import AutoModelForCausalLM

        if config.threads > 0:
            torch.set_num_threads(config.threads)
        device = config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.dtype = getattr(torch, config.dtype)
        self.model = AutoModelForCausalLM.from_pretrained(config.model, dtype=self.dtype, attn_implementation=config.attention)
        self.model.to(self.device).eval()
        self.caches: OrderedDict[int, tuple[Any, int]] = OrderedDict()
        self.next_handle = 1

    def ready(self) -> dict[str, Any]:
        import transformers

        return {
            "type": "ready",
            "device": str(self.device),
            "dtype": str(self.dtype).removeprefix("torch."),
            "vocab_size": int(self.model.get_output_embeddings().weight.shape[0]),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        }

    @torch.inference_mode()
    def forward(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        input_ids = torch.tensor(request["input_ids"], dtype=torch.long, device=self.device)
        batch, sequence = input_ids.shape
        past, past_length = None, 0
        handle = request.get("cache")
        if handle is not None:
            if handle not in self.caches:
                raise KeyError(f"cache {handle} is unknown or was already continued (caches are single-use)")
            past, past_length = self.caches.pop(handle)
        mask_rows = request.get("attention_mask")
        if mask_rows is None:
            mask = torch.ones((batch, past_length + sequence), dtype=torch.long, device=self.device)
        else:
            mask = torch.tensor(mask_rows, dtype=torch.long, device=self.device)
        keep = bool(request.get("keep_cache", True))
        outputs = self.model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=position_ids_from_mask(mask, sequence),
            past_key_values=past,
            use_cache=keep,
            logits_to_keep=1 if request.get("last_only") else 0,
        )
        logits = outputs.logits.float().contiguous().cpu().numpy()
        new_handle = None
        if keep:
            new_handle = self.next_handle
            self.next_handle += 1
            self.caches[new_handle] = (outputs.past_key_values, past_length + sequence)
            while len(self.caches) > MAX_KEPT_CACHES:
                self.caches.popitem(last=False)
        payload = logits.astype("<f4").tobytes()
        header = {"ok": True, "shape": list(logits.shape), "bytes": len(payload), "cache": new_handle, "cache_length": past_length + sequence}
        return header, payload


def write_frame(stream: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    stream.write(json.dumps(header).encode("utf-8") + b"\n")
    if payload:
        stream.write(payload)
    stream.flush()


def serve(server: ForwardServer, requests: Any, stream: BinaryIO) -> None:
    write_frame(stream, server.ready())
    for line in requests:
        if not line.strip():
            continue
        request: dict[str, Any] = {}
        try:
            request = json.loads(line)
            if request.get("op") == "shutdown":
                write_frame(stream, {"id": request.get("id"), "ok": True, "shape": [0], "bytes": 0})
                return
            if request.get("op") != "forward":
                raise ValueError(f"unknown op {request.get('op')!r}: expected forward or shutdown")
            header, payload = server.forward(request)
            write_frame(stream, {"id": request.get("id"), **header}, payload)
        except Exception as error:  # reported to the client, which raises a typed error
            write_frame(stream, {"id": request.get("id"), "ok": False, "error": f"{type(error).__name__}: {error}"})


def main(argv: list[str] | None = None) -> None:
    config = parse_args(argv)
    stream = sys.stdout.buffer
    # Only frames go to stdout: anything a library prints goes to stderr.
    sys.stdout = sys.stderr
    serve(ForwardServer(config), sys.stdin, stream)


if __name__ == "__main__":
    main()
