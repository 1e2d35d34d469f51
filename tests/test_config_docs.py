"""Every setting is documented in the README's table and in .env.example."""

from pathlib import Path

from core.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        var = f"CLIPFORGE_{name.upper()}"
        assert f"| `{var}` |" in readme, f"{var} missing from README's configuration table"
        assert f"{var}=" in example, f"{var} missing from .env.example"
