"""The demo's listening themes, computed with MiniLM and shipped with the package.

`./run demo` installs only the base dependencies (no torch/OpenVINO), so it could only find themes with
the TF-IDF fallback. Instead the package ships the themes section that `voxpop.listen.run.listen` made
from the demo testimony with MiniLM (`demo_data/testimony-themes.json`); the demo uses it when MiniLM is
not installed and the file still matches the testimony (same SHA-256, same statement length limit), and
runs listening itself otherwise. `meta.embedding.precomputed` says which happened, and the page says
which model ran. Regenerate after changing the testimony (needs the "embed" extra):

    python -m voxpop.demo_themes
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

THEMES_FILE = "testimony-themes.json"


def _data():
    return resources.files("voxpop").joinpath("demo_data")


def testimony_sha256() -> str:
    return hashlib.sha256(_data().joinpath("testimony.csv").read_bytes()).hexdigest()


def shipped(max_len: int) -> dict | None:
    """The shipped MiniLM themes, if they were made from this testimony with this statement length limit."""
    f = _data().joinpath(THEMES_FILE)
    if not f.is_file():
        return None
    section = json.loads(f.read_text(encoding="utf-8"))
    srcs = section.get("sources") or [{}]
    if srcs[0].get("sha256") != testimony_sha256() or section["meta"].get("max_statement_length") != max_len:
        return None
    section["meta"]["embedding"]["precomputed"] = True
    return section


def compute(max_len: int, model: str = "auto") -> dict:
    from voxpop.listen.run import listen

    with resources.as_file(_data().joinpath("testimony.csv")) as path:
        section = listen([path], model=model, max_statement_length=max_len, threads=1)
    for src in section.get("sources", []):
        src["path"] = src.get("id")  # no local paths in what the server shows
    section["meta"]["embedding"]["precomputed"] = False
    return section


def demo_themes(max_len: int) -> dict:
    """Themes for the demo: computed here when MiniLM is installed (or a model is forced with
    VOXPOP_DEMO_LISTEN_MODEL), else the shipped MiniLM ones, else TF-IDF."""
    from voxpop.listen.embed import minilm_available
    from voxpop.settings import load_settings

    model = load_settings().demo_listen_model
    if model == "auto" and minilm_available() is not None:
        section = shipped(max_len)
        if section is not None:
            return section
    return compute(max_len, model)


def main() -> None:
    from voxpop.store.models import Conversation

    section = compute(Conversation.__table__.c.statement_max_len.default.arg, "minilm")  # the demo's limit
    section["meta"]["embedding"].pop("precomputed", None)
    section["meta"]["timings"] = dict.fromkeys(section["meta"]["timings"])  # this machine's, not the reader's
    section["meta"]["embedding"]["cache_hits"] = section["meta"]["embedding"]["cache_misses"] = None
    out = Path(__file__).parent / "demo_data" / THEMES_FILE
    out.write_text(json.dumps(section, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    print(f"wrote {out} ({len(section['themes'])} themes, {section['meta']['embedding']['name']})")


if __name__ == "__main__":
    main()
