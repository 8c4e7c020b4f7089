"""graft_eval: the Python (transformers) inference backend of @graft/eval, driven over stdin/stdout."""
