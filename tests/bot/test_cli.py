"""`python -m bot chat` and `seed-demo`, driven as a user would from a shell."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], db: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_seed_demo_then_chat_gives_one_reply_block_per_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    seeded = run(["seed-demo"], db)
    assert seeded.returncode == 0 and "demo community loaded" in seeded.stdout
    assert "as admin with the password" in seeded.stdout  # the demo's console admin, shown once
    again = run(["seed-demo", "--if-empty"], db)
    assert again.returncode == 0 and "already" in again.stdout
    twice = run(["seed-demo"], db)  # every flow's demo is idempotent: nothing is added twice
    assert twice.returncode == 0 and " 0 records added" in twice.stdout and "password" not in twice.stdout
    lines = ["你好", "绑定 3-502 张三 1234", "我家厨房水管漏水了", "1", "报修进度"]
    result = run(["chat", "--openid", "o_cli"], db, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    blocks = [block for block in result.stdout.split("\n\n") if block.strip()]
    assert len(blocks) == len(lines)
    assert "绑定成功" in blocks[1] and "请核对" in blocks[2] and "报修已提交" in blocks[3]
    assert "水管漏水" in blocks[4]


def test_chat_state_lives_in_the_store_across_runs(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    run(["seed-demo"], db)
    first = run(["chat", "--openid", "o_twice"], db, "我要报修\n")
    assert "什么坏了" in first.stdout
    second = run(["chat", "--openid", "o_twice"], db, "2\n")
    assert "情况" in second.stdout  # the form continued where the first run left it
