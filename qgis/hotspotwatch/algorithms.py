"""The Processing algorithms: each one runs the ``hotspotwatch`` CLI on the input layers.

Every algorithm writes its input layers to GeoPackage files in a temporary folder (or uses
the layer's own GeoPackage), creates a throw-away workspace there (``hotspotwatch init`` with
the study area, ``import events`` with a mapping naming the time and category fields), runs
the command with the options given, and copies the command's layers (GeoPackage/GeoJSON) and
rasters (the KDE GeoTIFF) to the algorithm's outputs, which QGIS adds to the project.
"""

import json
import shutil
import tempfile
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsProject,
    QgsSettings,
    QgsUnitTypes,
    QgsVectorLayer,
)

from . import runner

CORRECTIONS = ["fdr_bh", "holm", "none"]
BINS_P = ["auto", "permutation", "analytic"]
BANDWIDTHS = ["nrd", "scott"]
KERNELS = ["quartic", "gaussian"]
STEPS = ["month", "week", "quarter"]
LANGS = ["en", "fr", "nl"]
MONTHS_RULES = ["auto", "anchored", "calendar"]
REPORT_FORMATS = ["html", "pdf"]
AUDIENCES = ["council", "public"]


class HotspotWatchAlgorithm(QgsProcessingAlgorithm):
    """Common parts: the event layer, its fields, the study area, the CLI call."""

    NAME = ""
    DISPLAY = ""
    COMMAND = ()
    HELP = ""
    #: Options shared by the ``detect`` commands (category, role, start, end).
    FILTERS = True
    STUDY_AREA_OPT = True

    def createInstance(self):
        return type(self)()

    def name(self):
        return self.NAME

    def displayName(self):
        return self.DISPLAY

    def group(self):
        return "HotspotWatch"

    def groupId(self):
        return "hotspotwatch"

    def shortHelpString(self):
        return (
            self.HELP
            + "\n\nRuns `hotspotwatch " + " ".join(self.COMMAND) + "` in a subprocess on a "
            "temporary workspace built from the input layers. The command is found through the "
            f"environment variable {runner.ENV_VAR}, else the QGIS setting {runner.SETTING_KEY}, "
            "else PATH."
        )

    # -- parameters ---------------------------------------------------------------------
    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", "Events (points)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            "TIME_FIELD", "Time field (ISO 8601 date-time, or see the date format)",
            parentLayerParameterName="INPUT"))
        self.addParameter(QgsProcessingParameterField(
            "CATEGORY_FIELD", "Category field (workspace categories, e.g. theft, assault)",
            parentLayerParameterName="INPUT", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "CATEGORY_VALUE", "Category of every event (instead of a category field)",
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            "ID_FIELD", "Event id field", parentLayerParameterName="INPUT", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "DATE_FORMAT", "Time format (strftime; default ISO 8601)", optional=True))
        if self.STUDY_AREA_OPT:
            self.addParameter(QgsProcessingParameterFeatureSource(
                "STUDY_AREA", "Study area (polygons; default: convex hull of the events + 500 m)",
                [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterCrs(
            "CRS", "Workspace CRS (projected, metres; default: the events' CRS)", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "TIMEZONE", "Time zone (IANA)", defaultValue="Europe/Brussels"))
        if self.FILTERS:
            self.addParameter(QgsProcessingParameterString(
                "CATEGORIES", "Only these categories (comma-separated; --category)", optional=True))
            self.addParameter(QgsProcessingParameterString(
                "ROLES", "Only categories of these roles (comma-separated; --role; default harm)",
                optional=True))
            self.addParameter(QgsProcessingParameterString(
                "START", "First day, YYYY-MM-DD (--start)", optional=True))
            self.addParameter(QgsProcessingParameterString(
                "END", "Day after the last, YYYY-MM-DD (--end)", optional=True))
        self.add_options()
        self.add_outputs()

    def add_options(self):
        """Add the command's own options."""

    def add_outputs(self):
        """Add the outputs."""
        self.addOutput(QgsProcessingOutputString("JSON", "The command's JSON output"))

    def _number(self, name, label, default=None, integer=False, minimum=None):
        kind = QgsProcessingParameterNumber.Integer if integer else QgsProcessingParameterNumber.Double
        p = QgsProcessingParameterNumber(name, label, kind, defaultValue=default,
                                         optional=default is None)
        if minimum is not None:
            p.setMinimum(minimum)
        self.addParameter(p)

    def _enum(self, name, label, options, default=0):
        self.addParameter(QgsProcessingParameterEnum(name, label, options=options,
                                                     defaultValue=default))

    # -- running --------------------------------------------------------------------------
    def processAlgorithm(self, parameters, context, feedback):
        try:
            cli = runner.find_cli(QgsSettings().value(runner.SETTING_KEY, "", type=str) or None)
            # Inside QGIS's processing temp folder, removed when QGIS exits.
            folder = Path(tempfile.mkdtemp(prefix="hotspotwatch-",
                                           dir=QgsProcessingUtils.tempFolder()))
            self._folder = folder
            self._log = feedback.pushCommandInfo
            ws = self.workspace(cli, folder, parameters, context, feedback)
            return self.run(cli, ws, folder, parameters, context, feedback)
        except runner.CliError as exc:
            raise QgsProcessingException(str(exc)) from exc

    def _source_file(self, name, parameters, context, feedback):
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            return None, None, None
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, ["gpkg"], "gpkg", feedback)
        if "|" in path:
            path = path.split("|", 1)[0]
        return path, layer or None, source.sourceCrs()

    def workspace(self, cli, folder, parameters, context, feedback):
        """Create the workspace and import the events (and the study area) into it."""
        events, layer, crs = self._source_file("INPUT", parameters, context, feedback)
        if events is None:
            raise QgsProcessingException("the events layer could not be read")
        ws_crs = self.parameterAsCrs(parameters, "CRS", context)
        if not ws_crs.isValid():
            ws_crs = crs
        if ws_crs.isGeographic() or ws_crs.mapUnits() != QgsUnitTypes.DistanceMeters:
            raise QgsProcessingException(
                f"the events are in {ws_crs.authid() or ws_crs.description()}, not a projected CRS "
                "in metres; choose a workspace CRS (e.g. the UTM zone of the area)")
        time_field = self.parameterAsString(parameters, "TIME_FIELD", context)
        category_field = self.parameterAsString(parameters, "CATEGORY_FIELD", context)
        category_value = self.parameterAsString(parameters, "CATEGORY_VALUE", context)
        if not category_field and not category_value:
            raise QgsProcessingException(
                "choose a category field, or give the category of every event")
        mapping = runner.write_mapping(
            folder / "mapping.toml", layer=layer, crs=crs.authid() or None,
            time_field=time_field, category_field=category_field or None,
            category=category_value or None,
            id_field=self.parameterAsString(parameters, "ID_FIELD", context) or None,
            date_format=self.parameterAsString(parameters, "DATE_FORMAT", context) or None)
        area = area_layer = None
        if self.STUDY_AREA_OPT:
            area, area_layer, _ = self._source_file("STUDY_AREA", parameters, context, feedback)
        self._has_area = area is not None
        hotspots = self.hotspots_file(folder, parameters, context, feedback)
        ws, report = runner.build_workspace(
            cli, folder, crs=ws_crs.authid() or ws_crs.toWkt(),
            timezone=self.parameterAsString(parameters, "TIMEZONE", context) or "Europe/Brussels",
            events=events, mapping=mapping, study_area=area, study_area_layer=area_layer,
            hotspots=hotspots, log=feedback.pushCommandInfo)
        if report:
            feedback.pushInfo(
                f"imported {report.get('inserted', 0)} events; "
                f"{report.get('quarantined', 0)} quarantined")
            if report.get("quarantined"):
                feedback.reportError(
                    f"{report['quarantined']} of {report.get('read')} events were quarantined "
                    f"(see `hotspotwatch quarantine list -w {ws}`)", False)
        return ws

    def hotspots_file(self, folder, parameters, context, feedback):
        """The hotspots GeoJSON to import (only the evaluation and the report have one)."""
        return None

    def filter_args(self, parameters, context):
        args = []
        if not self.FILTERS:
            return args
        for name, opt in (("CATEGORIES", "--category"), ("ROLES", "--role")):
            for value in self.parameterAsString(parameters, name, context).split(","):
                if value.strip():
                    args += [opt, value.strip()]
        for name, opt in (("START", "--start"), ("END", "--end")):
            value = self.parameterAsString(parameters, name, context).strip()
            if value:
                args += [opt, value]
        return args

    def area_args(self):
        return [] if self._has_area else ["--study-area", "hull"]

    def command(self, cli, ws, args):
        return runner.run_cli(cli, [*self.COMMAND, "-w", ws, *args, "--json"],
                              log=self._log, json_output=True)

    def run(self, cli, ws, folder, parameters, context, feedback):
        """Run the command; return the outputs."""
        raise NotImplementedError

    # -- outputs ----------------------------------------------------------------------------
    def copy_layer(self, path, layer_name, parameters, context, sink_name="OUTPUT"):
        """Copy a layer written by the CLI to the feature sink `sink_name`."""
        uri = str(path) + (f"|layername={layer_name}" if layer_name else "")
        layer = QgsVectorLayer(uri, layer_name or Path(path).stem, "ogr")
        if not layer.isValid():
            raise QgsProcessingException(f"hotspotwatch wrote no readable layer {uri}")
        sink, dest = self.parameterAsSink(parameters, sink_name, context, layer.fields(),
                                          layer.wkbType(), layer.crs())
        if sink is None:
            raise QgsProcessingException(f"cannot write the output {sink_name}")
        for feature in layer.getFeatures():
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return dest


def _json_text(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=False)


class _DetectGrid(HotspotWatchAlgorithm):
    """A ``detect`` command writing a grid layer to detect.gpkg."""

    LAYER = ""

    def add_grid_options(self):
        self._number("CELL_SIZE", "Cell size in metres (--cell-size; default automatic rule)",
                     minimum=1)
        self.addParameter(QgsProcessingParameterBoolean(
            "UNWEIGHTED", "Count events instead of harm weights (--unweighted)", False))

    def grid_args(self, parameters, context):
        args = []
        if parameters.get("CELL_SIZE") not in (None, ""):
            args += ["--cell-size", repr(self.parameterAsDouble(parameters, "CELL_SIZE", context))]
        if self.parameterAsBoolean(parameters, "UNWEIGHTED", context):
            args.append("--unweighted")
        return args

    def add_outputs(self):
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", f"{self.DISPLAY} grid", QgsProcessing.TypeVectorPolygon))
        super().add_outputs()


class GiStar(_DetectGrid):
    NAME = "gistar"
    DISPLAY = "Getis-Ord Gi* hot spots"
    COMMAND = ("detect", "gistar")
    LAYER = "gistar"
    HELP = "Gi* on a grid over the study area; bins ±3/±2/±1 at 99/95/90 %."

    def add_options(self):
        self.add_grid_options()
        self._number("PERMUTATIONS", "Conditional permutations (0 = analytic)", 9999, True, 0)
        self._number("SEED", "Random seed", 0, True)
        self._enum("CORRECTION", "Multiple-testing correction", CORRECTIONS)
        self._enum("BINS_P", "p-value of the bins", BINS_P)

    def run(self, cli, ws, folder, parameters, context, feedback):
        out = folder / "out"
        args = ["-o", out, *self.filter_args(parameters, context), *self.grid_args(parameters, context)]
        args += ["--permutations", self.parameterAsInt(parameters, "PERMUTATIONS", context),
                 "--seed", self.parameterAsInt(parameters, "SEED", context),
                 "--correction", CORRECTIONS[self.parameterAsEnum(parameters, "CORRECTION", context)],
                 "--bins-p", BINS_P[self.parameterAsEnum(parameters, "BINS_P", context)]]
        data = self.command(cli, ws, args + self.area_args())
        dest = self.copy_layer(out / "detect.gpkg", self.LAYER, parameters, context)
        return {"OUTPUT": dest, "JSON": _json_text(data)}


class LocalMoran(_DetectGrid):
    NAME = "lisa"
    DISPLAY = "Local Moran's I (LISA)"
    COMMAND = ("detect", "lisa")
    LAYER = "lisa"
    HELP = "Local Moran's I clusters (HH, LL) and outliers (HL, LH) on a grid."

    def add_options(self):
        self.add_grid_options()
        self._number("PERMUTATIONS", "Conditional permutations", 9999, True, 1)
        self._number("SEED", "Random seed", 0, True)

    def run(self, cli, ws, folder, parameters, context, feedback):
        out = folder / "out"
        args = ["-o", out, *self.filter_args(parameters, context), *self.grid_args(parameters, context)]
        args += ["--permutations", self.parameterAsInt(parameters, "PERMUTATIONS", context),
                 "--seed", self.parameterAsInt(parameters, "SEED", context)]
        data = self.command(cli, ws, args + self.area_args())
        dest = self.copy_layer(out / "detect.gpkg", self.LAYER, parameters, context)
        return {"OUTPUT": dest, "JSON": _json_text(data)}


class Kde(_DetectGrid):
    NAME = "kde"
    DISPLAY = "Kernel density (KDE raster)"
    COMMAND = ("detect", "kde")
    HELP = ("Kernel density surface (events or harm per km²) as a GeoTIFF raster: the same "
            "file as `hotspotwatch detect kde` writes (kde.tif).")

    def add_options(self):
        self.add_grid_options()
        self._enum("BANDWIDTH", "Bandwidth rule (or a bandwidth in metres below)", BANDWIDTHS)
        self._number("BANDWIDTH_M", "Bandwidth in metres (instead of the rule)", minimum=1)
        self._enum("KERNEL", "Kernel", KERNELS)

    def add_outputs(self):
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT", "Kernel density"))
        HotspotWatchAlgorithm.add_outputs(self)

    def run(self, cli, ws, folder, parameters, context, feedback):
        out = folder / "out"
        if parameters.get("BANDWIDTH_M") not in (None, ""):
            bandwidth = repr(self.parameterAsDouble(parameters, "BANDWIDTH_M", context))
        else:
            bandwidth = BANDWIDTHS[self.parameterAsEnum(parameters, "BANDWIDTH", context)]
        args = ["-o", out, *self.filter_args(parameters, context), *self.grid_args(parameters, context)]
        args += ["--bandwidth", bandwidth,
                 "--kernel", KERNELS[self.parameterAsEnum(parameters, "KERNEL", context)]]
        data = self.command(cli, ws, args + self.area_args())
        dest = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        raster = out / "kde.tif"
        if not dest.lower().endswith((".tif", ".tiff")):
            raise QgsProcessingException(
                f"the KDE raster is a GeoTIFF: give an output file ending in .tif, not {dest}")
        shutil.copyfile(raster, dest)
        return {"OUTPUT": dest, "JSON": _json_text(data)}


class Concentration(_DetectGrid):
    NAME = "concentration"
    DISPLAY = "Concentration (share of places)"
    COMMAND = ("detect", "concentration")
    HELP = ("What share of places holds 25/50/75 % of the events and of the harm, and the "
            "Gini coefficients, on a grid.")

    def add_options(self):
        self._number("CELL_SIZE", "Cell size in metres (--cell-size; default automatic rule)",
                     minimum=1)

    def add_outputs(self):
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_JSON", "Concentration (JSON)", "JSON files (*.json)", optional=True,
            createByDefault=False))
        HotspotWatchAlgorithm.add_outputs(self)

    def run(self, cli, ws, folder, parameters, context, feedback):
        args = self.filter_args(parameters, context)
        if parameters.get("CELL_SIZE") not in (None, ""):
            args += ["--cell-size", repr(self.parameterAsDouble(parameters, "CELL_SIZE", context))]
        data = self.command(cli, ws, args + self.area_args())
        result = {"JSON": _json_text(data)}
        path = self.parameterAsFileOutput(parameters, "OUTPUT_JSON", context)
        if path:
            Path(path).write_text(_json_text(data), encoding="utf-8")
            result["OUTPUT_JSON"] = path
        for key in ("count", "harm"):
            if isinstance(data.get(key), dict):
                shares = data[key].get("place_shares")
                feedback.pushInfo(f"{key}: gini {data[key].get('gini')}, place shares {shares}")
        return result


class Knox(HotspotWatchAlgorithm):
    NAME = "knox"
    DISPLAY = "Knox near-repeat test"
    COMMAND = ("spacetime", "knox")
    STUDY_AREA_OPT = False
    HELP = "Knox test of near repeats: observed/expected pairs per distance and day band."

    def add_options(self):
        self.addParameter(QgsProcessingParameterString(
            "SPACE_BANDS", "Distance band edges in metres", "0,100,200,300,400,inf"))
        self.addParameter(QgsProcessingParameterString(
            "TIME_BANDS", "Day band edges", "0,7,14,21,28,inf"))
        self._enum("METRIC", "Distance", ["manhattan", "euclidean"])
        self._number("PERMUTATIONS", "Monte Carlo permutations", 999, True, 1)
        self._number("SEED", "Permutation seed", 0, True)
        self._enum("LANG", "Language of the summary", LANGS)

    def add_outputs(self):
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_JSON", "Knox table (JSON)", "JSON files (*.json)", optional=True,
            createByDefault=False))
        super().add_outputs()

    def run(self, cli, ws, folder, parameters, context, feedback):
        args = [
            *self.filter_args(parameters, context),
            "--space-bands", self.parameterAsString(parameters, "SPACE_BANDS", context),
            "--time-bands", self.parameterAsString(parameters, "TIME_BANDS", context),
            "--metric", ["manhattan", "euclidean"][self.parameterAsEnum(parameters, "METRIC", context)],
            "--permutations", self.parameterAsInt(parameters, "PERMUTATIONS", context),
            "--seed", self.parameterAsInt(parameters, "SEED", context),
            "--lang", LANGS[self.parameterAsEnum(parameters, "LANG", context)],
            "-o", folder / "out"]
        data = self.command(cli, ws, args)
        result = {"JSON": _json_text(data)}
        path = self.parameterAsFileOutput(parameters, "OUTPUT_JSON", context)
        if path:
            Path(path).write_text(_json_text(data), encoding="utf-8")
            result["OUTPUT_JSON"] = path
        return result


class Emerging(HotspotWatchAlgorithm):
    NAME = "emerging"
    DISPLAY = "Emerging hot spots"
    COMMAND = ("spacetime", "emerging")
    HELP = "Emerging hot-spot categories (new, consecutive, intensifying, ...) per grid cell."

    def add_options(self):
        self._number("CELL_SIZE", "Cell size in metres", 250.0, minimum=1)
        self._enum("STEP", "Time step", STEPS)
        self._number("DISTANCE", "Neighbourhood distance in metres (default 1.5 × cell size)",
                     minimum=1)
        self._number("TIME_WINDOW", "Previous steps in the neighbourhood", 1, True, 0)
        self._number("ALPHA", "Significance level (after FDR)", 0.05)
        self._enum("LANG", "Language of the summary", LANGS)

    def add_outputs(self):
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Emerging hot spots", QgsProcessing.TypeVectorPolygon))
        super().add_outputs()

    def run(self, cli, ws, folder, parameters, context, feedback):
        out = folder / "out"
        args = [
            *self.filter_args(parameters, context),
            "--cell-size", repr(self.parameterAsDouble(parameters, "CELL_SIZE", context)),
            "--step", STEPS[self.parameterAsEnum(parameters, "STEP", context)],
            "--time-window", self.parameterAsInt(parameters, "TIME_WINDOW", context),
            "--alpha", repr(self.parameterAsDouble(parameters, "ALPHA", context)),
            "--lang", LANGS[self.parameterAsEnum(parameters, "LANG", context)],
            "-o", out]
        if parameters.get("DISTANCE") not in (None, ""):
            args += ["--distance", repr(self.parameterAsDouble(parameters, "DISTANCE", context))]
        data = self.command(cli, ws, args + self.area_args())
        dest = self.copy_layer(out / "emerging.geojson", None, parameters, context)
        return {"OUTPUT": dest, "JSON": _json_text(data)}


class _WithHotspots(HotspotWatchAlgorithm):
    """Algorithms that need the designated hotspots (a polygon layer with dates)."""

    FILTERS = False

    def add_hotspot_params(self):
        self.addParameter(QgsProcessingParameterFeatureSource(
            "HOTSPOTS", "Hotspots (polygons)", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            "HOTSPOT_NAME", "Hotspot name field", parentLayerParameterName="HOTSPOTS"))
        self.addParameter(QgsProcessingParameterField(
            "DESIGNATIONS", "Designations field (JSON list, as `hotspotwatch export hotspots` writes)",
            parentLayerParameterName="HOTSPOTS", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "DESIGNATED", "Designation start field (YYYY-MM-DD; instead of a designations field)",
            parentLayerParameterName="HOTSPOTS", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "DESIGNATION_END", "Designation end field (YYYY-MM-DD; empty = open-ended)",
            parentLayerParameterName="HOTSPOTS", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "BODY", "Body that designated them", "council"))

    def hotspots_file(self, folder, parameters, context, feedback):
        source = self.parameterAsSource(parameters, "HOTSPOTS", context)
        if source is None:
            raise QgsProcessingException("the hotspots layer could not be read")
        name = self.parameterAsString(parameters, "HOTSPOT_NAME", context)
        start = self.parameterAsString(parameters, "DESIGNATED", context)
        end = self.parameterAsString(parameters, "DESIGNATION_END", context)
        body = self.parameterAsString(parameters, "BODY", context) or "council"
        wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
        transform = QgsCoordinateTransform(source.sourceCrs(), wgs84, QgsProject.instance())
        features = []
        designations_field = self.parameterAsString(parameters, "DESIGNATIONS", context)
        if not designations_field and not start:
            raise QgsProcessingException(
                "choose the hotspots' designations field (JSON) or their designation start field")
        for f in source.getFeatures():
            geom = f.geometry()
            geom.transform(transform)
            label = str(f[name])
            if designations_field:
                try:
                    designations = json.loads(str(f[designations_field]))
                except ValueError as exc:
                    raise QgsProcessingException(
                        f"hotspot {label!r}: field {designations_field!r} is not a JSON list "
                        f"of designations ({exc})") from exc
            else:
                designation = {"action": "designate", "start": _date_text(f[start]), "body": body}
                if end and _date_text(f[end]):
                    designation["end"] = _date_text(f[end])
                designations = [designation]
            properties = {"name": label, "designations": designations}
            for extra in ("code", "zone", "commune", "approximate", "note"):
                index = f.fields().indexFromName(extra)
                if index >= 0 and f[index] not in (None, "") and str(f[index]) != "NULL":
                    properties[extra] = f[index]
            features.append({"type": "Feature", "properties": properties,
                             "geometry": json.loads(geom.asJson(7))})
        path = folder / "hotspots.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                        encoding="utf-8")
        return path


def _date_text(value):
    if value is None:
        return None
    if hasattr(value, "toString") and hasattr(value, "isValid"):
        return value.toString("yyyy-MM-dd") if value.isValid() else None
    text = str(value).strip()
    return text[:10] if text and text != "NULL" else None


class Evaluate(_WithHotspots):
    NAME = "evaluate"
    DISPLAY = "Evaluate designated hotspots"
    COMMAND = ("evaluate",)
    HELP = ("Before/after evaluation of each designated hotspot against matched controls "
            "(difference-in-differences, verdicts).")

    def add_options(self):
        self.add_hotspot_params()
        self.addParameter(QgsProcessingParameterString(
            "UNTIL", "Last day of the post-period (YYYY-MM-DD)", optional=True))
        self._number("PRE_MONTHS", "Pre-period months", None, True, 1)
        self._number("SEED", "Seed of the control matching", None, True)
        self._enum("MONTHS", "Months rule", MONTHS_RULES)
        self._enum("LANG", "Language of verdicts", LANGS)

    def add_outputs(self):
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_JSON", "Evaluation (JSON)", "JSON files (*.json)", optional=True,
            createByDefault=False))
        super().add_outputs()

    def run(self, cli, ws, folder, parameters, context, feedback):
        args = ["--months", MONTHS_RULES[self.parameterAsEnum(parameters, "MONTHS", context)],
                "--lang", LANGS[self.parameterAsEnum(parameters, "LANG", context)]]
        until = self.parameterAsString(parameters, "UNTIL", context).strip()
        if until:
            args += ["--until", until]
        for key, opt in (("PRE_MONTHS", "--pre-months"), ("SEED", "--seed")):
            if parameters.get(key) not in (None, ""):
                args += [opt, self.parameterAsInt(parameters, key, context)]
        data = self.command(cli, ws, args + self.area_args())
        result = {"JSON": _json_text(data)}
        path = self.parameterAsFileOutput(parameters, "OUTPUT_JSON", context)
        if path:
            Path(path).write_text(_json_text(data), encoding="utf-8")
            result["OUTPUT_JSON"] = path
        return result


class Report(_WithHotspots):
    NAME = "report"
    DISPLAY = "Renewal report"
    COMMAND = ("report", "renewal")
    HELP = "The renewal report of the designated hotspots (HTML or PDF)."

    def add_options(self):
        self.add_hotspot_params()
        self.addParameter(QgsProcessingParameterString(
            "UNTIL", "End of the period under review (YYYY-MM-DD; default the latest data)",
            optional=True))
        self._enum("LANG", "Language of the report", LANGS)
        self._enum("FORMAT", "Format", REPORT_FORMATS)
        self._enum("AUDIENCE", "Audience", AUDIENCES)

    def add_outputs(self):
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Report", "HTML files (*.html);;PDF files (*.pdf)"))

    def run(self, cli, ws, folder, parameters, context, feedback):
        fmt = REPORT_FORMATS[self.parameterAsEnum(parameters, "FORMAT", context)]
        dest = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        args = [
            *self.COMMAND,
            "-w", ws, "--lang", LANGS[self.parameterAsEnum(parameters, "LANG", context)],
            "--format", fmt,
            "--audience", AUDIENCES[self.parameterAsEnum(parameters, "AUDIENCE", context)],
            "-o", dest]
        until = self.parameterAsString(parameters, "UNTIL", context).strip()
        if until:
            args += ["--until", until]
        runner.run_cli(cli, args + self.area_args(), log=self._log)
        return {"OUTPUT": dest}


ALGORITHMS = [Kde, GiStar, LocalMoran, Concentration, Knox, Emerging, Evaluate, Report]
