import json
import os
import subprocess
import sys

PYTHON_ROOT = os.path.join(os.path.dirname(__file__), "..")


def run_cli(job: dict, directory) -> subprocess.CompletedProcess:
    path = directory / "job.json"
    path.write_text(json.dumps(job))
    env = {**os.environ, "PYTHONPATH": PYTHON_ROOT}
    return subprocess.run([sys.executable, "-m", "graft_trainer", "--job", str(path)], capture_output=True, text=True, env=env, timeout=300)


def test_stdout_holds_only_events(tmp_path, tiny_model, shards):
    # reset_positions + gradient checkpointing + eval: the paths that log most, all on stdout's doorstep
    job = {"model": tiny_model, "data": shards, "output": str(tmp_path / "out"), "mode": "embeddings", "max_steps": 4,
           "per_device_batch_size": 2, "reset_positions": True, "gradient_checkpointing": True, "eval_steps": 2, "save_steps": 2}
    completed = run_cli(job, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    names = [record["type"] for record in records]
    assert names[0] == "train-start" and names[-1] == "train-end", names
    assert names.count("step-end") == 4 and names.count("eval-end") == 2 and names.count("checkpoint-saved") == 2
    saved = [record["path"] for record in records if record["type"] == "checkpoint-saved"]
    assert all(os.path.exists(os.path.join(path, "model.safetensors")) for path in saved[-1:]), saved


def test_unknown_job_field_is_an_error_event(tmp_path, tiny_model, shards):
    completed = run_cli({"model": tiny_model, "data": shards, "output": str(tmp_path / "out"), "learning_rat": 1}, tmp_path)
    assert completed.returncode == 1
    error = json.loads(completed.stdout.splitlines()[-1])
    assert error["type"] == "error" and error["error_type"] == "ValueError"
    assert "learning_rat" in error["message"] and "Traceback" in error["traceback_tail"]
