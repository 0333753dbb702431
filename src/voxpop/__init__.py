"""voxpop: listen to a whole country.

Layers (each only looks down): engine (pure math on arrays) <- analysis (load, run, document)
<- report / web / cli. io and store bring data in; places and listen are their own packages.
"""

__version__ = "0.1.0"
