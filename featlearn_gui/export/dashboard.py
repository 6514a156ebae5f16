"""The dashboard's side panels for export: the app's own plots (loss, far mass, captured mass) and certificate
panel, painted offscreen.

The panels are the screen's (panels/time_plot_panel.py, panels/certificate_panel.py, drawing the definitions of
featlearn_gui.plots), bound to a small model that holds the one exported run; each frame moves that model's
cursor, brings the panels up to date and paints them straight into the frame. A plot added to the app is thus a
plot the dashboard can show.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from featlearn_gui.model import AppModel, Run

# Time plots above the certificate (featlearn_gui.plots.TIME_PLOTS): the loss, and the theorem's two key metrics,
# the far mass (weight decay drives it to zero) and the mass each teacher captured (it approaches a*).
DASHBOARD_PLOTS = ("loss", "far", "captured")
TIME_PLOTS_SHARE = 0.68  # of the height: three plots above, the certificate below


class DashboardPanels:
    """Time plots (top) and the certificate (bottom) of one run; `set_index` then `paint` per frame."""

    def __init__(self, run: Run, font_px: int = 12) -> None:
        from featlearn_gui.panels.certificate_panel import CertificatePanel
        from featlearn_gui.panels.time_plot_panel import TimePlotPanel

        self.history = run.history
        self.model = AppModel()
        self.model.runs.append(run)
        self.time_plots = TimePlotPanel(self.model, DASHBOARD_PLOTS)
        self.certificate = CertificatePanel(self.model)
        font = QtGui.QFont()
        font.setPixelSize(font_px)
        for widget in (self.time_plots, self.certificate):
            widget.setFont(font)
            widget.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen)

    @property
    def widgets(self) -> tuple[QtWidgets.QWidget, ...]:
        return self.time_plots, self.certificate

    def set_index(self, index: int) -> None:
        self.model.set_step(int(self.history.steps[index]))
        for widget in self.widgets:
            widget.draw_now()

    def paint(self, painter: QtGui.QPainter, rect: QtCore.QRect) -> None:
        """Draw both panels into `rect`, time plots above certificate."""
        top_h = round(rect.height() * TIME_PLOTS_SHARE)
        placements = ((self.time_plots, rect.top(), top_h),
                      (self.certificate, rect.top() + top_h, rect.height() - top_h))
        for widget, y, h in placements:
            widget.resize(rect.width(), h)
            # QWidget.render (not QGraphicsView's override) first delivers the pending resize, so the layout fits.
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(rect.left(), y))
