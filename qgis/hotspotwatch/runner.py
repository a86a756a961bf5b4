"""Find and run the ``hotspotwatch`` CLI; build a throw-away workspace from files.

No QGIS import here (and none of HotspotWatch's): plain Python, testable anywhere.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

#: Environment variable naming the CLI executable (wins over the plugin setting and PATH).
ENV_VAR = "HOTSPOTWATCH_CLI"
#: QgsSettings key of the plugin setting naming the CLI executable.
SETTING_KEY = "hotspotwatch/cli"


class CliError(Exception):
    """The CLI failed; the message is its one-line error (or the end of its stderr)."""


def find_cli(setting=None):
    """Return the CLI executable: $HOTSPOTWATCH_CLI, else the plugin setting, else PATH.

    Raises
    ------
    CliError
        When none of them names an executable file.
    """
    for origin, value in ((ENV_VAR, os.environ.get(ENV_VAR)), (SETTING_KEY, setting)):
        if value:
            found = shutil.which(value) or (value if os.access(value, os.X_OK) else None)
            if not found:
                raise CliError(
                    f"{origin} is {value!r}, which is not an executable file; set it to the "
                    "path of the hotspotwatch command (e.g. /opt/hotspotwatch/.venv/bin/hotspotwatch)"
                )
            return found
    found = shutil.which("hotspotwatch")
    if not found:
        raise CliError(
            "the hotspotwatch command was not found on PATH; set the environment variable "
            f"{ENV_VAR} or the QGIS setting {SETTING_KEY} to its path "
            "(e.g. /opt/hotspotwatch/.venv/bin/hotspotwatch)"
        )
    return found


def _env():
    env = dict(os.environ)
    # QGIS's own Python settings must not leak into the CLI's interpreter.
    env.pop("PYTHONHOME", None)
    env.setdefault("NO_COLOR", "1")
    env["COLUMNS"] = "200"
    env.pop("HOTSPOTWATCH_WORKSPACE", None)
    return env


def run_cli(cli, args, *, log=None, json_output=False):
    """Run ``cli args...``; return its stdout (parsed when `json_output`).

    Raises
    ------
    CliError
        With the CLI's one-line error when it exits non-zero.
    """
    cmd = [cli] + [str(a) for a in args]
    if log is not None:
        log("$ " + " ".join(_quote(c) for c in cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        if proc.returncode == 2 and lines:
            message = lines[-1].strip()
        else:
            message = (
                f"hotspotwatch exited with {proc.returncode}: " + " | ".join(lines[-5:])
                if lines
                else f"hotspotwatch exited with {proc.returncode} and printed nothing"
            )
        if message.startswith("error: "):
            message = message[len("error: ") :]
        raise CliError(message)
    if log is not None and proc.stderr.strip():
        for line in proc.stderr.strip().splitlines():
            log(line)
    if json_output:
        try:
            return json.loads(proc.stdout)
        except ValueError as exc:
            raise CliError(f"hotspotwatch printed no JSON ({exc}): {proc.stdout[:200]}") from exc
    return proc.stdout


def _quote(text):
    return text if text and all(c.isalnum() or c in "-_./:=+,@" for c in text) else repr(text)


def _toml_str(value):
    return json.dumps(str(value), ensure_ascii=False)


def write_mapping(path, *, layer=None, crs=None, time_field, category_field=None, category=None,
                  id_field=None, date_format=None, timezone=None, default_category=None,
                  source="qgis"):
    """Write the import mapping of a point GeoPackage layer (geometry = the event's place)."""
    lines = [f"source = {_toml_str(source)}"]
    if crs:
        lines.append(f"crs = {_toml_str(crs)}")
    if timezone:
        lines.append(f"timezone = {_toml_str(timezone)}")
    if category:
        lines.append(f"category = {_toml_str(category)}")
    if default_category:
        lines.append(f"default_category = {_toml_str(default_category)}")
    if date_format:
        key = "time_format" if any(c in date_format for c in "HMS") else "date_format"
        lines.append(f"{key} = {_toml_str(date_format)}")
    lines.append("")
    lines.append("[columns]")
    if id_field:
        lines.append(f"id = {_toml_str(id_field)}")
    time_key = "date" if date_format and not any(c in date_format for c in "HMS") else "time"
    lines.append(f"{time_key} = {_toml_str(time_field)}")
    if category_field and not category:
        lines.append(f"category = {_toml_str(category_field)}")
    lines.append("")
    lines.append("[read]")
    lines.append('format = "gpkg"')
    if layer:
        lines.append(f"layer = {_toml_str(layer)}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def build_workspace(cli, folder, *, crs, timezone, events=None, mapping=None, study_area=None,
                    study_area_layer=None, hotspots=None, log=None):
    """Create a workspace in ``folder/workspace`` and import the given files into it.

    Returns the workspace path and the import report (``import events --json``) or None.
    """
    ws = Path(folder) / "workspace"
    args = ["init", ws, "--crs", crs, "--timezone", timezone, "--name", "QGIS"]
    if study_area:
        args += ["--study-area", study_area]
        if study_area_layer:
            args += ["--source-layer", study_area_layer]
    run_cli(cli, args, log=log)
    report = None
    if events is not None:
        report = run_cli(cli, ["import", "events", events, "--mapping", mapping, "-w", ws, "--json"],
                         log=log, json_output=True)
    if hotspots is not None:
        run_cli(cli, ["import", "hotspots", hotspots, "-w", ws, "--json"], log=log)
    return ws, report
