"""Qt views of a run: the sphere view and its renderers (OpenGL, a 2-D projected fallback, the whole-sphere map)."""
