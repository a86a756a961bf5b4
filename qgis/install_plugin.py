#!/usr/bin/env python3
"""Install the HotspotWatch QGIS plugin into a QGIS profile and enable it.

Usage: install_plugin.py [--profile-dir DIR] [--zip ZIP]

Copies qgis/hotspotwatch/ (or unpacks the zip) into DIR/python/plugins/hotspotwatch and sets
``[PythonPlugins] hotspotwatch=true`` in DIR/QGIS/QGIS3.ini (what Plugins → Manage and Install
Plugins does), so that ``qgis_process list`` shows the ``hotspotwatch:`` algorithms.
Default DIR: $QGIS_CUSTOM_CONFIG_PATH/QGIS/QGIS3/profiles/default, else
~/.local/share/QGIS/QGIS3/profiles/default. Standard library only.
"""

import argparse
import configparser
import os
import shutil
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "hotspotwatch"


def default_profile() -> Path:
    base = os.environ.get("QGIS_CUSTOM_CONFIG_PATH")
    root = Path(base) if base else Path.home() / ".local" / "share"
    return root / "QGIS" / "QGIS3" / "profiles" / "default"


def enable(ini: Path) -> None:
    """Set [PythonPlugins] hotspotwatch=true, keeping every other line of the file."""
    ini.parent.mkdir(parents=True, exist_ok=True)
    lines = ini.read_text(encoding="utf-8").splitlines() if ini.exists() else []
    out, in_section, done = [], False, False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if in_section and not done:
                out.append(f"{NAME}=true")
                done = True
            in_section = stripped == "[PythonPlugins]"
        elif in_section and stripped.split("=", 1)[0].strip() == NAME:
            if not done:
                out.append(f"{NAME}=true")
                done = True
            continue
        out.append(line)
    if not done:
        if not in_section:
            if out and out[-1].strip():
                out.append("")
            out.append("[PythonPlugins]")
        out.append(f"{NAME}=true")
    ini.write_text("\n".join(out) + "\n", encoding="utf-8")
    check = configparser.RawConfigParser(strict=False, interpolation=None)
    check.read(ini, encoding="utf-8")
    assert check.get("PythonPlugins", NAME) == "true"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile-dir", type=Path, default=None)
    parser.add_argument("--zip", type=Path, default=None, help="install this zip instead of the folder")
    args = parser.parse_args(argv)
    profile = args.profile_dir or default_profile()
    plugins = profile / "python" / "plugins"
    target = plugins / NAME
    if target.exists():
        shutil.rmtree(target)
    plugins.mkdir(parents=True, exist_ok=True)
    if args.zip:
        with zipfile.ZipFile(args.zip) as zf:
            zf.extractall(plugins)
    else:
        shutil.copytree(HERE / NAME, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    enable(profile / "QGIS" / "QGIS3.ini")
    print(f"installed the HotspotWatch plugin in {target} and enabled it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
