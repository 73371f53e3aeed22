"""The SDK as a type checker sees it: `mypy --strict` on its source, then a user's code checked against
the package as `pip install ./sdk` installs it (not the source tree): every method of both clients with
the type it must have, each async one awaited, and code that must be refused."""

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USAGE = Path(__file__).parent / "typing"


def _mypy(python: Path | str, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "mypy", "--strict", "--no-error-summary", *arguments], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> str:
    """One mypy cache for the checks against the installed package (pydantic and httpx are read once)."""
    return str(tmp_path_factory.mktemp("mypy-cache"))


def test_mypy_strict_passes_on_the_sdk(tmp_path):
    checked = _mypy(sys.executable, "--cache-dir", str(tmp_path), "memos_sdk", cwd=ROOT / "sdk")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture(scope="module")
def installed_sdk(tmp_path_factory) -> Path:
    """A virtualenv holding the SDK as pip installs it; httpx, pydantic and mypy come from the dev venv
    (whose own memos_sdk is an editable import hook, which a type checker does not follow)."""
    root = tmp_path_factory.mktemp("installed-sdk")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dev-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", str(ROOT / "sdk")], check=True, timeout=300)
    where = subprocess.run([str(python), "-c", "import memos_sdk; print(memos_sdk.__file__)"], cwd=root,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site)), where
    assert (site / "memos_sdk" / "py.typed").exists()
    return python


def test_user_code_type_checks_against_the_installed_sdk(installed_sdk, cache, tmp_path):
    (tmp_path / "usage.py").write_text((USAGE / "usage.py").read_text())
    checked = _mypy(installed_sdk, "--cache-dir", cache, "usage.py", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_wrong_calls_are_refused_by_the_type_checker(installed_sdk, cache, tmp_path):
    source = (USAGE / "wrong.py").read_text()
    (tmp_path / "wrong.py").write_text(source)
    checked = _mypy(installed_sdk, "--cache-dir", cache, "wrong.py", cwd=tmp_path)
    flagged = {int(line) for line in re.findall(r"^wrong\.py:(\d+): error", checked.stdout, re.M)}
    # Each line of the file with a comment is a mistake, and only those lines are.
    mistakes = {number for number, line in enumerate(source.splitlines(), 1) if "  # " in line}
    assert len(mistakes) == 6
    assert flagged == mistakes, checked.stdout
