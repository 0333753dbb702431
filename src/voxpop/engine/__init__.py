"""The opinion engine: pure numpy/scipy on a sparse participants x statements vote matrix.

Imports nothing from voxpop's io, store, analysis, web or cli layers.
"""
