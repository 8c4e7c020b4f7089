"""graft_trainer: the Python side of @graft/train-bridge (transformers.Trainer + accelerate + peft)."""
