import subprocess
import sys

QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "featlearn_gui", "OpenGL")


def test_engine_imports_without_qt():
    code = (
        "import sys, engine, engine.trainer, engine.metrics, engine.certificate, engine.projection, engine.presets, "
        "engine.bench, engine.sweep.runner, engine.sweep.phase, engine.sweep.bench, engine.api\n"
        f"loaded = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "print(','.join(loaded))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
