"""Qt views of a run: the sphere view and its two renderers (OpenGL, and a 2-D projected fallback)."""
