"""The sphere view's public names (featlearn_gui.scene, featlearn_gui.views.sphere_view), imported in one place."""

from __future__ import annotations

from featlearn_gui.scene import ViewOptions
from featlearn_gui.views.sphere_view import SphereView, gl_available

__all__ = ["SphereView", "ViewOptions", "gl_available"]
