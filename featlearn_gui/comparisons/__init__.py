"""Comparisons: the comparison file format, what differs between runs, and the Compare menu and picker."""
